import type {FusedActivation, FusedConv2DAttrs, FusedConv2DMaxPoolAttrs, FusedConv2DPairMaxPoolAttrs, FusedDenseAttrs} from '../../kernels/defs/fused.js';
import type {Conv2DGeometry} from '../../kernels/conv_util.js';
import {ValueError} from '../../errors.js';
import {fmtShape} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {KernelTable} from '../backend.js';
import {Activation} from './abi.js';
import type {Compiled} from './call.js';
import {checkRank, checkStorage, isF32} from './checks.js';
import {convAttrs, convGeometry, poolGeometry} from './nn.js';

/** The pooling's attributes of a convolution kernel that pools its output (FusedConv2DMaxPool's row and those after it). */
function pooledAttrs(p: Conv2DGeometry) {
  return {poh: p.outH, pow: p.outW, ph: p.kH, pw: p.kW, psh: p.strideH, psw: p.strideW, pPadTop: p.padTop, pPadLeft: p.padLeft};
}

/** Bias and activation in the GEMM epilogue (FusedDense, FusedConv2D), and the activations' gradient. */
export function fusedKernels({call, minElements}: Compiled): Partial<KernelTable> {
  const actCode = (op: string, act: FusedActivation) => {
    const code = Activation[act];
    if (code === undefined) throw new ValueError(`${op}: unknown activation ${JSON.stringify(act)}`);
    return code;
  };

  const FusedDense = ({x, kernel, bias}: {x: Tensor; kernel: Tensor; bias: Tensor}, a: FusedDenseAttrs, [y]: Tensor[]) => {
    if (!isF32(x, kernel, bias, y!)) return false;
    const op = 'FusedDense';
    checkRank(op, 'kernel', kernel, 2);
    const [k, n] = kernel.shape as [number, number];
    if (x.rank < 2 || x.shape.at(-1) !== k) {
      throw new ValueError(`${op}: x must be [..., ${k}] for kernel ${fmtShape(kernel.shape)}. Received: x.shape=${fmtShape(x.shape)}`);
    }
    checkStorage(op, 'x', x);
    checkStorage(op, 'kernel', kernel);
    checkStorage(op, 'bias', bias, [n]);
    checkStorage(op, 'output', y!, [...x.shape.slice(0, -1), n]);
    const attrs = {m: x.size / k, k, n, activation: actCode(op, a.activation)};
    const packed = a.kernelVersion === undefined ? undefined : packedKernel(kernel, k, n, a.kernelVersion);
    if (packed) call('FusedDensePacked', [x, packed, bias, y!], attrs);
    else call('FusedDense', [x, kernel, bias, y!], attrs);
    return true;
  };

  // A kernel packed into the GEMM's panels once, kept (by its storage) while its version stamp stays
  // (inference: the same weights for every batch): the same sums, without packing them per call.
  // At least the packed panels' floats for any panel width up to 32, and their header (gemm.h).
  const packedFloats = (k: number, n: number) => (n + 31) * Math.max(k, 1) + 21;
  const packs = new WeakMap<object, {version: number; k: number; n: number; packed: Float32Array}>();
  const packedKernel = (kernel: Tensor, k: number, n: number, version: number): Float32Array | undefined => {
    if (k > 2 ** 24 || n > 2 ** 24) return undefined;
    let e = packs.get(kernel.values);
    if (e?.version === version && e.k === k && e.n === n) return e.packed;
    if (!e || e.k !== k || e.n !== n) packs.set(kernel.values, (e = {version: -1, k, n, packed: new Float32Array(packedFloats(k, n))}));
    call('PackDenseKernel', [kernel, e.packed], {k, n});
    e.version = version;
    return e.packed;
  };

  // with pooled: FusedConv2DMaxPool, its output y max-pooled into pooled as well
  const FusedConv2D = ({x, filter, bias}: {x: Tensor; filter: Tensor; bias: Tensor}, a: FusedConv2DAttrs | FusedConv2DMaxPoolAttrs, [y, pooled]: Tensor[]) => {
    if (!isF32(x, filter, bias, y!) || (pooled && !isF32(pooled))) return false;
    const op = pooled ? 'FusedConv2DMaxPool' : 'FusedConv2D';
    const g = convGeometry(op, x.shape, filter.shape, a);
    const shape = [g.batch, g.outH, g.outW, g.outC];
    checkStorage(op, 'x', x);
    checkStorage(op, 'filter', filter);
    checkStorage(op, 'bias', bias, [g.outC]);
    checkStorage(op, 'output', y!, shape);
    const attrs = {...convAttrs(g), activation: actCode(op, a.activation)};
    if (!pooled || !('pool' in a)) {
      call('FusedConv2D', [x, filter, bias, y!], attrs);
      return true;
    }
    const p = poolGeometry(op, shape, a.pool);
    checkStorage(op, 'pooled', pooled, [p.batch, p.outH, p.outW, p.inC]);
    const all = {...attrs, ...pooledAttrs(p)};
    // y unread (inference): left unwritten, each image's output kept in cache until pooled
    if (a.pooledOnly) call('FusedConv2DPool', [x, filter, bias, pooled], all);
    else call(op, [x, filter, bias, y!, pooled], all);
    return true;
  };

  // a plan's fusion of two convolutions and a pooling (src/plan/plan.ts); pooled only: one call, each
  // image through all three while its intermediate outputs are in cache
  const FusedConv2DPairMaxPool = (
    {x, filter0, bias0, filter, bias}: {x: Tensor; filter0: Tensor; bias0: Tensor; filter: Tensor; bias: Tensor},
    a: FusedConv2DPairMaxPoolAttrs,
    [y0, y, pooled]: Tensor[],
  ) => {
    if (!isF32(x, filter0, bias0, filter, bias, y0!, y!, pooled!)) return false;
    if (!a.pooledOnly) return FusedConv2D({x, filter: filter0, bias: bias0}, a.first, [y0!]) !== false && FusedConv2D({x: y0!, filter, bias}, a, [y!, pooled!]) !== false;
    const op = 'FusedConv2DPairMaxPool';
    const g0 = convGeometry(op, x.shape, filter0.shape, a.first), y0Shape = [g0.batch, g0.outH, g0.outW, g0.outC];
    const g = convGeometry(op, y0Shape, filter.shape, a), yShape = [g.batch, g.outH, g.outW, g.outC];
    const p = poolGeometry(op, yShape, a.pool);
    checkStorage(op, 'x', x);
    checkStorage(op, 'filter0', filter0);
    checkStorage(op, 'bias0', bias0, [g0.outC]);
    checkStorage(op, 'filter', filter);
    checkStorage(op, 'bias', bias, [g.outC]);
    checkStorage(op, 'pooled', pooled!, [p.batch, p.outH, p.outW, p.inC]);
    call('FusedConv2DPairPool', [x, filter0, bias0, filter, bias, pooled!], {
      ...convAttrs(g0), activation: actCode(op, a.first.activation),
      oh2: g.outH, ow2: g.outW, cout2: g.outC, kh2: g.kH, kw2: g.kW, sh2: g.strideH, sw2: g.strideW, dh2: g.dilH, dw2: g.dilW,
      padTop2: g.padTop, padLeft2: g.padLeft, activation2: actCode(op, a.activation), ...pooledAttrs(p),
    });
    return true;
  };

  const ActivationGrad = ({dy, y}: {dy: Tensor; y: Tensor}, a: {activation: FusedActivation}, [dz]: Tensor[]) => {
    if (!isF32(dy, y, dz!) || dy.size < minElements) return false;
    const op = 'ActivationGrad';
    checkStorage(op, 'dy', dy);
    checkStorage(op, 'y', y, dy.shape);
    checkStorage(op, 'output', dz!, dy.shape);
    call('ActivationGrad', [dy, y, dz!], {activation: actCode(op, a.activation)});
    return true;
  };

  // the crossentropy fusion of a plan (src/plan/patterns.ts), over the last axis
  const crossentropy = (op: 'CategoricalCrossentropyProbs' | 'SoftmaxCrossentropyGrad') =>
    ({target, output, dy}: {target: Tensor; output: Tensor; dy?: Tensor}, a: {epsilon: number}, [out]: Tensor[]) => {
      // below minElements the composite's kernels run in JavaScript: so does the fused kernel (the same values)
      if (!isF32(target, output, out!) || (dy && !isF32(dy)) || output.rank < 1 || output.size < minElements) return false;
      const lead = output.shape.slice(0, -1);
      checkStorage(op, 'output', output);
      checkStorage(op, 'target', target, output.shape);
      if (dy) checkStorage(op, 'dy', dy, lead);
      checkStorage(op, 'result', out!, dy ? output.shape : lead);
      const n = output.shape.at(-1)!;
      call(op, dy ? [target, output, dy, out!] : [target, output, out!], {rows: n ? output.size / n : 0, n, epsilon: a.epsilon});
      return true;
    };

  // a plan's fusion (src/plan/plan.ts); below minElements the kernels it stands for run in JavaScript, and so does it
  const MulReluGradSum = ({a, b, y}: {a: Tensor; b: Tensor; y: Tensor}, _attrs: unknown, [dz, db]: Tensor[]) => {
    if (!isF32(a, b, y, dz!, db!) || a.rank < 1 || a.size < minElements) return false;
    const op = 'MulReluGradSum', n = a.shape.at(-1)!;
    checkStorage(op, 'a', a);
    checkStorage(op, 'b', b, a.shape);
    checkStorage(op, 'y', y, a.shape);
    checkStorage(op, 'dz', dz!, a.shape);
    checkStorage(op, 'db', db!, [n]);
    call(op, [a, b, y, dz!, db!], {rows: n ? a.size / n : 0, n});
    return true;
  };

  // a plan's fusion (src/plan/patterns.ts): an accuracy metric's ArgMax, ArgMax, Equal, Cast
  const ArgMaxMatch = ({a, b}: {a: Tensor; b: Tensor}, _attrs: unknown, [match]: Tensor[]) => {
    if (!isF32(a, b, match!) || a.rank < 1 || a.shape.at(-1) === 0) return false;
    const op = 'ArgMaxMatch', n = a.shape.at(-1)!;
    checkStorage(op, 'a', a);
    checkStorage(op, 'b', b, a.shape);
    checkStorage(op, 'match', match!, a.shape.slice(0, -1));
    call(op, [a, b, match!], {rows: a.size / n, n});
    return true;
  };

  return {
    ArgMaxMatch,
    MulReluGradSum,
    FusedDense, FusedConv2D, FusedConv2DMaxPool: FusedConv2D, FusedConv2DPairMaxPool, ActivationGrad,
    CategoricalCrossentropyProbs: crossentropy('CategoricalCrossentropyProbs'), SoftmaxCrossentropyGrad: crossentropy('SoftmaxCrossentropyGrad'),
  };
}
