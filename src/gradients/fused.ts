import type {FusedActivation} from '../kernels/defs/fused.js';
import * as ops from '../ops/index.js';
import {run} from '../ops/core.js';
import type {Tensor} from '../tensor/tensor.js';
import type {GradTable} from './grad_types.js';
import {nnGrads} from './nn.js';

/** `dy * f'(x)` from the output `y = f(x)`: one kernel (nothing to do for linear). */
function throughActivation(dy: Tensor, y: Tensor, activation: FusedActivation): Tensor {
  return activation === 'linear' ? dy : run('ActivationGrad', {dy, y}, {activation});
}

/** The sum over every axis but the last (a bias's gradient). */
function sumLeading(t: Tensor): Tensor {
  return ops.sum(t, [...Array(t.rank - 1).keys()]);
}

export const fusedGrads = {
  // z = x @ kernel + bias, y = f(z): dz = dy * f'(z); the leading axes of x are rows of one matmul
  // Gradients are getters: the tape reads only those of inputs that need one, so the input
  // gradient of a model's first layer (a GEMM or a convolution) is never computed.
  FusedDense: ({dy, y, inputs: {x, kernel}, attrs}) => {
    const dz = throughActivation(dy, y, attrs.activation);
    const [k, n] = kernel.shape as [number, number];
    const rows = x.size / k;
    const dz2 = x.rank === 2 ? dz : ops.reshape(dz, [rows, n]);
    return {
      get x() {
        const dx = ops.matmul(dz2, kernel, {transposeB: true});
        return x.rank === 2 ? dx : ops.reshape(dx, x.shape);
      },
      get kernel() {
        return ops.matmul(x.rank === 2 ? x : ops.reshape(x, [rows, k]), dz2, {transposeA: true});
      },
      get bias() {
        return ops.sum(dz2, 0);
      },
    };
  },
  FusedConv2D: ({dy, y, inputs: {x, filter}, attrs}) => {
    const dz = throughActivation(dy, y, attrs.activation);
    const c = {strides: attrs.strides, padding: attrs.padding, dilations: attrs.dilations};
    return {
      get x() {
        return run('Conv2DBackpropInput', {dy: dz, filter}, {...c, inputShape: [...x.shape]});
      },
      get filter() {
        return run('Conv2DBackpropFilter', {x, dy: dz}, {...c, filterShape: [...filter.shape]});
      },
      get bias() {
        return sumLeading(dz);
      },
    };
  },
  // dz = dy * s(y) is linear in dy (its adjoint is the same kernel); in y: relu's slope is piecewise
  // constant (zero gradient), sigmoid's y(1 - y) has derivative 1 - 2y, tanh's 1 - y^2 has -2y
  ActivationGrad: ({dy: g, inputs: {dy, y}, attrs}) => {
    const dDy = run('ActivationGrad', {dy: g, y}, attrs);
    const gdy = () => ops.multiply(g, dy);
    switch (attrs.activation) {
      case 'sigmoid': return {dy: dDy, y: ops.multiply(gdy(), ops.subtract(1, ops.multiply(y, 2)))};
      case 'tanh': return {dy: dDy, y: ops.multiply(gdy(), ops.multiply(y, -2))};
      default: return {dy: dDy, y: null};
    }
  },
  FusedConv2DMaxPool: ({inputs: {x, filter, bias}, dys, attrs: {pool, ...a}, vjp}) => {
    const [dx, df, db] = vjp([x, filter, bias], dys, () => {
      const y = run('FusedConv2D', {x, filter, bias}, a);
      return [y, run('MaxPool', {x: y}, pool)];
    });
    return {x: dx ?? null, filter: df ?? null, bias: db ?? null};
  },
  FusedConv2DPairMaxPool: ({inputs: {x, filter0, bias0, filter, bias}, dys, attrs: {first, pool, ...a}, vjp}) => {
    const [dx, df0, db0, df, db] = vjp([x, filter0, bias0, filter, bias], dys, () => {
      const y0 = run('FusedConv2D', {x, filter: filter0, bias: bias0}, first);
      const y = run('FusedConv2D', {x: y0, filter, bias}, a);
      return [y0, y, run('MaxPool', {x: y}, pool)];
    });
    return {x: dx ?? null, filter0: df0 ?? null, bias0: db0 ?? null, filter: df ?? null, bias: db ?? null};
  },
  // the plan's fusions (relu's mask, then the first kernel's rule): linear in dy, piecewise constant in the mask's input
  MaxPoolGradRelu: (c) => {
    const dy = run('ActivationGrad', {dy: c.dy, y: c.inputs.x}, {activation: 'relu'});
    return {x: null, dy: nnGrads.MaxPoolGrad({...c, dy}).dy};
  },
  Conv2DBackpropInputRelu: (c) => {
    const dy = run('ActivationGrad', {dy: c.dy, y: c.inputs.y}, {activation: 'relu'});
    return {...nnGrads.Conv2DBackpropInput({...c, dy}), y: null};
  },
  // dz = relu'(y) * a * b and its sum over the leading axes: both outputs' gradients reach dz; piecewise constant in y
  MulReluGradSum: ({dys: [gz, gs], inputs: {a, b, y}}) => {
    const g = run('ActivationGrad', {dy: ops.add(gz!, gs!), y}, {activation: 'relu'});
    return {a: ops.multiply(g, b), b: ops.multiply(g, a), y: null};
  },
  ArgMaxMatch: 'nondifferentiable',
  // the crossentropy fusion: the rules of the composites the kernels stand for
  CategoricalCrossentropyProbs: ({dy, inputs: {target, output}, attrs, vjp}) => {
    const [dt, dp] = vjp([target, output], [dy], () => [crossentropyComposite(target, output, attrs.epsilon)]);
    return {target: dt ?? null, output: dp ?? null};
  },
  SoftmaxCrossentropyGrad: ({dy: g, inputs: {target, output, dy}, attrs, vjp}) => {
    const [dt, dp, dd] = vjp([target, output, dy], [g], () => [softmaxCrossentropyGradComposite(target, output, dy, attrs.epsilon)]);
    return {target: dt ?? null, output: dp ?? null, dy: dd ?? null};
  },
} satisfies Partial<GradTable>;

/** `-sum(target * log(clip(output / sum(output), eps, 1 - eps)))` over the last axis (losses/losses.ts). */
function crossentropyComposite(target: Tensor, output: Tensor, eps: number): Tensor {
  const q = ops.divide(output, ops.sum(output, -1, true));
  return ops.negative(ops.sum(ops.multiply(target, ops.log(ops.clip(q, eps, 1 - eps))), -1));
}

/** The crossentropy's gradient in `output` weighted by `dy`, then through the softmax that made `output`. */
function softmaxCrossentropyGradComposite(target: Tensor, output: Tensor, dy: Tensor, eps: number): Tensor {
  const s = ops.sum(output, -1, true), q = ops.divide(output, s);
  const held = ops.logicalOr(ops.less(q, eps), ops.greater(q, 1 - eps)); // where the clip's gradient is 0
  const dq = ops.where(held, 0, ops.divide(ops.multiply(ops.negative(ops.expandDims(dy, -1)), target), ops.clip(q, eps, 1 - eps)));
  const dp = ops.subtract(ops.divide(dq, s), ops.sum(ops.divide(ops.multiply(dq, output), ops.square(s)), -1, true));
  return ops.multiply(output, ops.subtract(dp, ops.sum(ops.multiply(dp, output), -1, true)));
}
