import type {FusedActivation, FusedConv2DAttrs, FusedConv2DMaxPoolAttrs, FusedConv2DPairMaxPoolAttrs, FusedDenseAttrs} from '../../kernels/defs/fused.js';
import type {Conv2DAttrs, PoolAttrs} from '../../kernels/defs/nn.js';
import {Tensor} from '../../tensor/tensor.js';
import type {KernelTable} from '../backend.js';
import {nnImpl} from './nn.js';

/** The activation applied to a float64 pre-activation (rounded once, when stored). */
function activate(activation: FusedActivation): (v: number) => number {
  switch (activation) {
    case 'linear': return (v) => v;
    // as the Relu kernel: NaN -> 0
    case 'relu': return (v) => (v > 0 ? v : 0);
    case 'sigmoid': return (v) => 1 / (1 + Math.exp(-v));
    case 'tanh': return Math.tanh;
    default: throw new Error(`fused kernel: unknown activation ${JSON.stringify(activation)}`);
  }
}

export const fusedImpl = {
  FusedDense: ({x, kernel, bias}: {x: Tensor; kernel: Tensor; bias: Tensor}, a: FusedDenseAttrs, [y]: Tensor[]) => {
    const k = kernel.shape[0]!, n = kernel.shape[1]!, m = x.size / k;
    const f = activate(a.activation);
    const xv = x.values, wv = kernel.values, bv = bias.values, yv = y!.values;
    const acc = new Float64Array(n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) acc[j] = bv[j]!;
      for (let p = 0; p < k; p++) {
        const s = xv[i * k + p]!;
        const row = p * n;
        for (let j = 0; j < n; j++) acc[j]! += s * wv[row + j]!;
      }
      for (let j = 0; j < n; j++) yv[i * n + j] = f(acc[j]!);
    }
  },

  FusedConv2D: ({x, filter, bias}: {x: Tensor; filter: Tensor; bias: Tensor}, a: FusedConv2DAttrs, [y]: Tensor[]) => {
    // the convolution in float64, then bias and activation, rounded once
    const tmp = new Tensor(y!.shape, 'float64', new Float64Array(y!.size));
    nnImpl.Conv2D({x, filter}, {strides: a.strides, padding: a.padding, dilations: a.dilations}, [tmp]);
    const f = activate(a.activation);
    const c = bias.size, tv = tmp.values, bv = bias.values, yv = y!.values;
    for (let i = 0; i < tv.length; i++) yv[i] = f(tv[i]! + bv[i % c]!);
  },

  ActivationGrad: ({dy, y}: {dy: Tensor; y: Tensor}, a: {activation: FusedActivation}, [dz]: Tensor[]) => {
    const d = dy.values, v = y.values, out = dz!.values, n = out.length;
    switch (a.activation) {
      case 'linear': for (let i = 0; i < n; i++) out[i] = d[i]!; break;
      case 'relu': for (let i = 0; i < n; i++) out[i] = v[i]! > 0 ? d[i]! : 0; break;
      case 'sigmoid': for (let i = 0; i < n; i++) out[i] = d[i]! * v[i]! * (1 - v[i]!); break;
      case 'tanh': for (let i = 0; i < n; i++) out[i] = d[i]! * (1 - v[i]! * v[i]!); break;
      default: throw new Error(`ActivationGrad: unknown activation ${JSON.stringify(a.activation)}`);
    }
  },

  FusedConv2DMaxPool: (i: {x: Tensor; filter: Tensor; bias: Tensor}, a: FusedConv2DMaxPoolAttrs, [y, pooled]: Tensor[]) => {
    fusedImpl.FusedConv2D(i, a, [y!]);
    nnImpl.MaxPool({x: y!}, a.pool, [pooled!]);
  },

  FusedConv2DPairMaxPool: (
    {x, filter0, bias0, filter, bias}: {x: Tensor; filter0: Tensor; bias0: Tensor; filter: Tensor; bias: Tensor},
    a: FusedConv2DPairMaxPoolAttrs,
    [y0, y, pooled]: Tensor[],
  ) => {
    fusedImpl.FusedConv2D({x, filter: filter0, bias: bias0}, a.first, [y0!]);
    fusedImpl.FusedConv2DMaxPool({x: y0!, filter, bias}, a, [y!, pooled!]);
  },

  MaxPoolGradRelu: ({x, dy}: {x: Tensor; dy: Tensor}, a: PoolAttrs, [dx]: Tensor[]) => {
    nnImpl.MaxPoolGrad({x, dy}, a, [dx!]);
    fusedImpl.ActivationGrad({dy: dx!, y: x}, {activation: 'relu'}, [dx!]);
  },

  Conv2DBackpropInputRelu: ({dy, filter, y}: {dy: Tensor; filter: Tensor; y: Tensor}, a: Conv2DAttrs & {inputShape: number[]}, [dx]: Tensor[]) => {
    nnImpl.Conv2DBackpropInput({dy, filter}, a, [dx!]);
    fusedImpl.ActivationGrad({dy: dx!, y}, {activation: 'relu'}, [dx!]);
  },
} satisfies Partial<KernelTable>;
