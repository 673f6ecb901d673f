import * as ops from '../ops/index.js';
import type {Tensor} from '../tensor/tensor.js';
import {reducedShape} from '../kernels/defs/reduction.js';
import type {GradTable} from './grad_types.js';

/** Brings a reduced tensor back to the input's rank (keepdims form), then broadcasts it. */
function expandBack(t: Tensor, xShape: readonly number[], axes: number[]): Tensor {
  return ops.broadcastTo(ops.reshape(t, reducedShape(xShape, axes, true)), xShape);
}

/** Gradient of max/min: shared equally among the elements that attained it (as TensorFlow). */
function extremumGrad({dy, y, inputs: {x}, attrs}: {dy: Tensor; y: Tensor; inputs: {x: Tensor}; attrs: {axes: number[]}}) {
  const mask = ops.cast(ops.equal(x, expandBack(y, x.shape, attrs.axes)), dy.dtype);
  const count = ops.sum(mask, attrs.axes, true);
  return {x: ops.divide(ops.multiply(mask, expandBack(dy, x.shape, attrs.axes)), count)};
}

export const reductionGrads = {
  Sum: ({dy, inputs: {x}, attrs}) => ({x: expandBack(dy, x.shape, attrs.axes)}),
  Mean: ({dy, inputs: {x}, attrs}) => {
    const n = attrs.axes.reduce((p, a) => p * x.shape[a]!, 1);
    return {x: ops.divide(expandBack(dy, x.shape, attrs.axes), n)};
  },
  Max: extremumGrad,
  Min: extremumGrad,
  // product of the others, computed without dividing by x so zeros are handled
  Prod: ({dy, inputs: {x}, attrs}) => {
    const others = exclusiveProduct(x, attrs.axes);
    return {x: ops.multiply(expandBack(dy, x.shape, attrs.axes), others)};
  },
  Any: 'nondifferentiable',
  All: 'nondifferentiable',
  LogSumExp: ({dy, y, inputs: {x}, attrs}) => ({
    x: ops.multiply(expandBack(dy, x.shape, attrs.axes), ops.exp(ops.subtract(x, expandBack(y, x.shape, attrs.axes)))),
  }),
  ArgMax: 'nondifferentiable',
  ArgMin: 'nondifferentiable',
  Cumsum: ({dy, attrs}) => ({x: ops.cumsum(dy, attrs.axis, {exclusive: attrs.exclusive, reverse: !attrs.reverse})}),
  // values' gradient goes back to where each value came from; indices carry none
  TopK: ({dys, inputs: {x}, outputs}) => {
    const n = x.shape.at(-1)!;
    const oh = ops.oneHot(outputs[1]!, n, {dtype: x.dtype}); // [..., k, n]
    return {x: ops.sum(ops.multiply(oh, ops.expandDims(dys[0]!, -1)), -2)};
  },
} satisfies Partial<GradTable>;

/** For each element, the product of the other elements of its reduction group. */
function exclusiveProduct(x: Tensor, axes: number[]): Tensor {
  // move the reduced axes last, flatten them, then prefix * suffix products with exclusive cumprods
  const keep = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...keep, ...axes];
  const xt = ops.transpose(x, perm);
  const outer = keep.map((i) => x.shape[i]!);
  const n = axes.reduce((p, a) => p * x.shape[a]!, 1);
  const flat = ops.reshape(xt, [...outer, n]);
  const rows = flat.size / Math.max(n, 1);
  const v = flat.values;
  const out = new Float64Array(flat.size);
  for (let r = 0; r < rows; r++) {
    let p = 1;
    for (let j = 0; j < n; j++) {
      out[r * n + j] = p;
      p *= v[r * n + j]!;
    }
    p = 1;
    for (let j = n - 1; j >= 0; j--) {
      out[r * n + j]! *= p;
      p *= v[r * n + j]!;
    }
  }
  const others = ops.reshape(ops.cast(ops.convertToTensor(out, 'float64'), x.dtype), xt.shape);
  const inv = perm.map((_, i) => perm.indexOf(i));
  return ops.transpose(others, inv);
}
