import assert from 'node:assert/strict';
import {test} from 'node:test';
import {setBackend} from '../backends/registry.js';
import {ValueError} from '../errors.js';
import {assertClose} from '../testing/gradcheck.js';
import {arange, scalar, tensor, zeros} from '../tensor/tensor.js';
import * as ops from './index.js';

// one suite, run per backend: `KERAS_BACKEND=native npm test` (float64 cases run on reference)
setBackend(process.env['KERAS_BACKEND'] ?? 'reference');

const i32 = (v: number[] | number[][]) => tensor(v, undefined, 'int32');
const x234 = () => ops.reshape(arange(24, undefined, 1, 'float32'), [2, 3, 4]);

test('dtype promotion: int32 with float32 gives float32; a JS number takes the tensor dtype', () => {
  assert.equal(ops.add(i32([1, 2]), tensor([0.5, 0.5])).dtype, 'float32');
  assert.equal(ops.add(tensor([1], undefined, 'float32'), tensor([1], undefined, 'float64')).dtype, 'float64');
  assert.equal(ops.add(i32([1, 2]), 1).dtype, 'int32');
  assert.equal(ops.multiply(3, i32([1, 2])).dtype, 'int32');
  assert.equal(ops.add(tensor([1], undefined, 'float64'), 1).dtype, 'float64');
  assert.equal(ops.add(tensor([1]), 1).dtype, 'float32');
  // a fraction beside an integer tensor is floatx; an integer beside bool is int32
  const f = ops.add(i32([1, 2]), 0.5);
  assert.equal(f.dtype, 'float32');
  assert.deepEqual([...f.values], [1.5, 2.5]);
  assert.equal(ops.add(tensor([true, false]), 1).dtype, 'int32');
  assert.deepEqual([...ops.add(tensor([true, false]), 1).values], [2, 1]);
  assert.equal(ops.add(tensor([true]), 0.5).dtype, 'float32');
  // bool with bool in arithmetic counts as int32
  assert.equal(ops.add(tensor([true]), tensor([true])).dtype, 'int32');
  // a nested JS array is floatx
  assert.equal(ops.add(i32([1]), [2]).dtype, 'float32');
});

test('divide of integers gives float32; floorDivide and mod keep int32', () => {
  const d = ops.divide(i32([1, 7]), i32([2, 2]));
  assert.equal(d.dtype, 'float32');
  assert.deepEqual([...d.values], [0.5, 3.5]);
  assert.equal(ops.divide(i32([1]), 2).dtype, 'float32');
  assert.equal(ops.divide(tensor([1], undefined, 'float64'), i32([2])).dtype, 'float64');
  assert.equal(ops.floorDivide(i32([7]), 2).dtype, 'int32');
  assert.equal(ops.mod(i32([7]), 2).dtype, 'int32');
  assert.equal(ops.power(i32([2]), 3).dtype, 'int32');
  assert.deepEqual([...ops.power(i32([2]), 3).values], [8]);
});

test('unary ops: float-only ops cast ints to floatx, others keep the dtype', () => {
  assert.equal(ops.exp(i32([0])).dtype, 'float32');
  assert.equal(ops.sqrt(i32([4])).values[0], 2);
  assert.equal(ops.mean(i32([1, 2])).dtype, 'float32');
  assert.equal(ops.mean(i32([1, 2])).item(), 1.5);
  assert.equal(ops.abs(i32([-3])).dtype, 'int32');
  assert.equal(ops.negative(i32([3])).values[0], -3);
  assert.equal(ops.square(i32([3])).dtype, 'int32');
  assert.equal(ops.relu(tensor([true])).dtype, 'float32');
  assert.equal(ops.isnan(i32([1])).dtype, 'bool');
});

test('sum: over axes, keepdims; bool sums count', () => {
  const x = x234();
  assert.equal(ops.sum(x).item(), 276);
  assert.deepEqual(ops.sum(x, 0).arraySync(), [[12, 14, 16, 18], [20, 22, 24, 26], [28, 30, 32, 34]]);
  assert.deepEqual(ops.sum(x, [0, 2]).arraySync(), [60, 92, 124]);
  assert.deepEqual(ops.sum(x, -1, true).shape, [2, 3, 1]);
  assert.deepEqual(ops.sum(x, [1, 2], true).arraySync(), [[[66]], [[210]]]);
  const b = ops.sum(tensor([[true, false, true], [true, true, true]]), 1);
  assert.equal(b.dtype, 'int32');
  assert.deepEqual(b.arraySync(), [2, 3]);
  assert.equal(ops.sum(tensor([])).item(), 0);
  assert.equal(ops.sum(i32([1, 2])).dtype, 'int32');
});

test('mean, max, min, prod, any, all, logsumexp', () => {
  const x = tensor([[1, -2, 3], [4, 5, -6]]);
  assert.deepEqual(ops.mean(x, 1).arraySync(), [2 / 3, 1].map(Math.fround));
  assert.deepEqual(ops.max(x, 0).arraySync(), [4, 5, 3]);
  assert.deepEqual(ops.min(x, 1).arraySync(), [-2, -6]);
  assert.equal(ops.max(x).item(), 5);
  assert.deepEqual(ops.prod(x, 1).arraySync(), [-6, -120]);
  assert.equal(ops.prod(tensor([2, 0, 3])).item(), 0);
  assert.equal(ops.prod(tensor([])).item(), 1);
  assert.deepEqual(ops.any(tensor([[0, 0], [0, 2]]), 1).arraySync(), [false, true]);
  assert.deepEqual(ops.all(tensor([[1, 1], [0, 2]]), 1).arraySync(), [true, false]);
  assert.equal(ops.any(tensor([[0, 1]])).dtype, 'bool');
  const lse = ops.logsumexp(tensor([[1, 2, 3], [1000, 1000, 1000]], undefined, 'float64'), 1);
  assertClose(lse, [3.40760596444438, 1000 + Math.log(3)], {rtol: 1e-14});
  assert.equal(ops.logsumexp(tensor([-Infinity, -Infinity])).item(), -Infinity);
  assert.ok(Number.isNaN(ops.mean(tensor([])).item()));
});

test('max, min and argmax propagate NaN, as NumPy', () => {
  const x = tensor([[1, NaN, 3], [4, 5, 6]]);
  const mx = ops.max(x, 1).values, mn = ops.min(x, 1).values;
  assert.ok(Number.isNaN(mx[0]!) && mx[1] === 6);
  assert.ok(Number.isNaN(mn[0]!) && mn[1] === 4);
  assert.deepEqual(ops.argmax(x, 1).arraySync(), [1, 2]);
  assert.deepEqual(ops.argmin(x, 1).arraySync(), [1, 0]);
  assert.equal(ops.argmax(tensor([NaN, 1, NaN])).item(), 0);
  assert.equal(ops.argmax(tensor([1, 2, NaN])).item(), 2);
});

test('argmax and argmin: first occurrence wins, axis null flattens, keepdims', () => {
  const x = tensor([[1, 5, 5], [7, 2, 7]]);
  const a = ops.argmax(x);
  assert.equal(a.dtype, 'int32');
  assert.deepEqual(a.arraySync(), [1, 0]);
  assert.deepEqual(ops.argmax(x, 0).arraySync(), [1, 0, 1]);
  assert.deepEqual(ops.argmin(x, 1, true).arraySync(), [[0], [1]]);
  assert.equal(ops.argmax(x, null).item(), 3);
  assert.equal(ops.argmin(x, null).item(), 0);
});

test('cumsum: inclusive, exclusive, reverse, any axis; bools count', () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(ops.cumsum(x, 1).arraySync(), [[1, 3, 6], [4, 9, 15]]);
  assert.deepEqual(ops.cumsum(x, 0).arraySync(), [[1, 2, 3], [5, 7, 9]]);
  assert.deepEqual(ops.cumsum(x, -1, {exclusive: true}).arraySync(), [[0, 1, 3], [0, 4, 9]]);
  assert.deepEqual(ops.cumsum(x, 1, {reverse: true}).arraySync(), [[6, 5, 3], [15, 11, 6]]);
  assert.deepEqual(ops.cumsum(x, 1, {exclusive: true, reverse: true}).arraySync(), [[5, 3, 0], [11, 6, 0]]);
  const b = ops.cumsum(tensor([true, false, true]));
  assert.equal(b.dtype, 'int32');
  assert.deepEqual(b.arraySync(), [1, 1, 2]);
});

test('topK: largest first, ties by lower index, NaN counts as largest, any leading shape', () => {
  const [v, i] = ops.topK(tensor([[1, 3, 2, 3], [0, -1, 5, 4]]), 2);
  assert.deepEqual(v.arraySync(), [[3, 3], [5, 4]]);
  assert.equal(i.dtype, 'int32');
  assert.deepEqual(i.arraySync(), [[1, 3], [2, 3]]);
  const [vn, inn] = ops.topK(tensor([3, NaN, 5, -Infinity, Infinity]), 3);
  assert.ok(Number.isNaN(vn.values[0]!));
  assert.deepEqual([...vn.values].slice(1), [Infinity, 5]);
  assert.deepEqual([...inn.values], [1, 4, 2]);
  assert.deepEqual(ops.topK(tensor([[[1, 2]], [[4, 3]]]), 1)[0].arraySync(), [[[2]], [[4]]]);
});

test('matmul forward: 2-D, batched with broadcasting, vectors, transposes, ints', () => {
  const a = tensor([[1, 2, 3], [4, 5, 6]]);
  const b = tensor([[7, 8], [9, 10], [11, 12]]);
  assert.deepEqual(ops.matmul(a, b).arraySync(), [[58, 64], [139, 154]]);
  assert.deepEqual(ops.matmul(b, a, {transposeA: true, transposeB: true}).arraySync(), [[58, 139], [64, 154]]);
  assert.deepEqual(ops.matmul(a, a, {transposeB: true}).arraySync(), [[14, 32], [32, 77]]);
  assert.deepEqual(ops.matmul(a, a, {transposeA: true}).shape, [3, 3]);
  assert.deepEqual(ops.matmul(tensor([1, 2, 3]), b).arraySync(), [58, 64]);
  assert.deepEqual(ops.matmul(a, tensor([1, 1, 1])).arraySync(), [6, 15]);
  assert.equal(ops.matmul(tensor([1, 2]), tensor([3, 4])).item(), 11);
  assert.deepEqual(ops.matmul(tensor([1, 2]), tensor([3, 4])).shape, []);
  const batched = ops.matmul(ops.reshape(arange(12, undefined, 1, 'float32'), [2, 1, 2, 3]), ops.reshape(arange(18, undefined, 1, 'float32'), [3, 3, 2]));
  assert.deepEqual(batched.shape, [2, 3, 2, 2]);
  assert.deepEqual(ops.matmul(ops.reshape(arange(6, undefined, 1, 'float32'), [2, 3]), ops.reshape(arange(6, undefined, 1, 'float32'), [3, 2])).arraySync(), [[10, 13], [28, 40]]);
  // a[1, 0] @ b[2] (values from PyTorch)
  assert.deepEqual((batched.arraySync() as number[][][][])[1]![2], [[298, 319], [424, 454]]);
  const ii = ops.matmul(i32([[1, 2]]), i32([[3], [4]]));
  assert.equal(ii.dtype, 'int32');
  assert.equal(ii.item(), 11);
  assert.equal(ops.matmul(i32([[1, 2]]), tensor([[3], [4]])).dtype, 'float32');
});

test('shape mismatches name the op and both shapes', () => {
  assert.throws(() => ops.matmul(tensor([[1, 2, 3], [4, 5, 6]]), ops.reshape(arange(20), [4, 5])), {
    name: 'ValueError',
    message: 'matmul: inner dimensions must match. Received: a.shape=[2, 3], b.shape=[4, 5]',
  });
  assert.throws(() => ops.matmul(tensor([1, 2, 3]), tensor([1, 2])), /matmul: inner dimensions must match. Received: a.shape=\[3\], b.shape=\[2\]/);
  assert.throws(() => ops.matmul(zeros([2, 2, 3]), zeros([3, 3, 4])), /matmul: batch dimensions do not broadcast. Received: a.shape=\[2, 2, 3\], b.shape=\[3, 3, 4\]/);
  assert.throws(() => ops.matmul(scalar(1), tensor([1])), /matmul: operands must have rank >= 1/);
  assert.throws(() => ops.matmul(tensor([[true]]), tensor([[true]])), /matmul: bool operands are not supported/);
  for (const [name, f] of [['add', ops.add], ['subtract', ops.subtract], ['multiply', ops.multiply], ['divide', ops.divide],
    ['maximum', ops.maximum], ['mod', ops.mod], ['equal', ops.equal], ['logicalAnd', ops.logicalAnd]] as const) {
    assert.throws(() => f(tensor([[1, 2, 3]]), zeros([2, 2])), {
      name: 'ValueError',
      message: `${name}: shapes are incompatible for broadcasting. Received: a.shape=[1, 3], b.shape=[2, 2]`,
    });
  }
  assert.throws(() => ops.where(tensor([true, false, true]), tensor([1, 2]), 0), /where: shapes are incompatible for broadcasting. Received: condition.shape=\[3\], x1.shape=\[2\], x2.shape=\[\]/);
});

test('bad axes for reductions, argmax and cumsum: out of range, non-integer, repeated', () => {
  const x = tensor([[1, 2], [3, 4]]);
  for (const [name, f] of [['sum', ops.sum], ['mean', ops.mean], ['max', ops.max], ['min', ops.min], ['prod', ops.prod],
    ['any', ops.any], ['all', ops.all], ['logsumexp', ops.logsumexp]] as const) {
    assert.throws(() => f(x, 2), {
      name: 'ValueError',
      message: `${name}: axis 2 is out of bounds for a tensor of rank 2 (shape [2, 2]); expected an axis in [-2, 1]`,
    });
    assert.throws(() => f(x, -3), new RegExp(`^ValueError: ${name}: axis -3 is out of bounds`));
    assert.throws(() => f(x, 0.5), {message: `${name}: axis must be an integer. Received: axis=0.5`});
    assert.throws(() => f(x, [0, -2]), new RegExp(`${name}: repeated axis`));
  }
  assert.throws(() => ops.argmax(x, 2), /argmax: axis 2 is out of bounds for a tensor of rank 2/);
  assert.throws(() => ops.argmin(x, 1.5), /argmin: axis must be an integer. Received: axis=1.5/);
  assert.throws(() => ops.cumsum(x, 2), /cumsum: axis 2 is out of bounds for a tensor of rank 2/);
  assert.throws(() => ops.cumsum(x, -0.5), /cumsum: axis must be an integer/);
  assert.throws(() => ops.max(tensor([]), 0), /max: cannot reduce over an empty axis/);
  assert.throws(() => ops.argmax(tensor([])), /argmax: cannot take the argmax of an empty axis/);
});

test('topK: bad k and scalars are clear errors', () => {
  const x = tensor([[1, 2, 3]]);
  for (const k of [0, 4, 1.5, -1, NaN]) {
    assert.throws(() => ops.topK(x, k), {name: 'ValueError', message: `topK: k must be an integer in [1, 3] (the last axis). Received: k=${k}`});
  }
  assert.throws(() => ops.topK(scalar(1), 1), /topK: input must have rank >= 1/);
});

test('unknown dtypes and non-tensor arguments are clear errors', () => {
  assert.throws(() => ops.cast(tensor([1]), 'float16' as never), {name: 'ValueError', message: 'cast: unknown dtype "float16". Expected one of float32, float64, int32, bool'});
  assert.throws(() => ops.convertToTensor([1], 'int64' as never), /convertToTensor: unknown dtype "int64"/);
  assert.throws(() => ops.add('a' as never, 1), /Argument 'a' passed to 'add' must be a Tensor, Variable, number or array. Received: string a/);
  assert.throws(() => ops.relu({} as never), /Argument 'x' passed to 'relu' must be a Tensor/);
  assert.throws(() => ops.exp([[1], [2, 3]]), (e: Error) => e instanceof ValueError && /^Argument 'x' passed to 'exp': tensor: ragged nested array/.test(e.message));
  assert.throws(() => ops.clip(tensor([1]), 2, 1), /clip: min must be <= max. Received: min=2, max=1/);
});

test('convertToTensor: arrays, typed arrays, tensors, with and without dtype', () => {
  const a = ops.convertToTensor([[1, 2], [3, 4]]);
  assert.equal(a.dtype, 'float32');
  assert.deepEqual(a.shape, [2, 2]);
  assert.equal(ops.convertToTensor([1, 2], 'int32').dtype, 'int32');
  assert.equal(ops.convertToTensor(new Float64Array([1])).dtype, 'float64');
  assert.equal(ops.convertToTensor(true).dtype, 'bool');
  assert.equal(ops.convertToTensor(3).dtype, 'float32');
  const t = tensor([1.5, 2.5]);
  assert.equal(ops.convertToTensor(t), t, 'a tensor of the right dtype is returned as is');
  const c = ops.convertToTensor(t, 'int32');
  assert.equal(c.dtype, 'int32');
  assert.deepEqual([...c.values], [1, 2]);
});

test('truth of a number as NumPy and TensorFlow take it: every value but 0 is true, NaN too', () => {
  const x = tensor([NaN, 0, -0, 2, -Infinity]);
  assert.deepEqual([...ops.cast(x, 'bool').values], [1, 0, 0, 1, 1]);
  assert.deepEqual([...ops.logicalNot(x).values], [0, 1, 1, 0, 0]);
  const y = tensor([1, 1, NaN, 0, 0]);
  assert.deepEqual([...ops.logicalAnd(x, y).values], [1, 0, 0, 0, 0]);
  assert.deepEqual([...ops.logicalOr(x, y).values], [1, 1, 1, 1, 1]);
  assert.deepEqual([...ops.logicalXor(x, y).values], [0, 1, 1, 1, 1]);
  assert.deepEqual([...ops.where(tensor([NaN, 0]), tensor([1, 1]), tensor([2, 2])).values], [1, 2]);
});
