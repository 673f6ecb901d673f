import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';
import {arange, tensor, Tensor, zeros} from '../tensor/tensor.js';
import {assertClose} from '../testing/gradcheck.js';
import * as ops from './index.js';

interface T {
  shape: number[];
  values: number[];
}
// NumPy's results for the same calls, from scripts/gen_array_fixtures.py
const fixture = JSON.parse(readFileSync(new URL('../../test/fixtures/array_ops.json', import.meta.url), 'utf8')) as {
  cases: (Record<string, unknown> & {op: string; x: T})[];
};
const fromFixture = (t: T) => new Tensor(t.shape, 'float64', Float64Array.from(t.values));
const casesOf = (op: string) => fixture.cases.filter((c) => c.op === op);
const expectTensor = (actual: Tensor, expected: T, label: string) => {
  assert.deepEqual([...actual.shape], expected.shape, `${label}: shape`);
  assertClose(actual, expected.values, {label, atol: 0, rtol: 0});
};

/** 0..23 as a [2, 3, 4] float tensor. */
const x234 = () => ops.reshape(arange(0, 24, 1, 'float32'), [2, 3, 4]);

// ---------------------------------------------------------------------------------------------
// forward values

test('slice takes begin/size boxes; size -1 runs to the end', () => {
  const y = ops.slice(x234(), [1, 1, 2], [-1, 2, -1]);
  assert.deepEqual(y.arraySync(), [[[18, 19], [22, 23]]]);
  assert.deepEqual(ops.slice(tensor([1, 2, 3]), [3], [0]).shape, [0]);
  assert.equal(ops.slice(x234(), [0, 0, 0], [-1, -1, -1]).shape.join(), '2,3,4');
});

test('stridedSlice and flip follow Python slicing (NumPy fixture)', () => {
  const cs = casesOf('stridedSlice');
  assert.equal(cs.length, 3);
  for (const c of cs) {
    const y = ops.stridedSlice(fromFixture(c.x), c.begin as (number | null)[], c.end as (number | null)[], c.strides as number[]);
    expectTensor(y, c.expected as T, `stridedSlice ${c.name}`);
  }
  assert.deepEqual(ops.flip(tensor([[1, 2], [3, 4]])).arraySync(), [[4, 3], [2, 1]]);
  assert.deepEqual(ops.flip(tensor([[1, 2], [3, 4]]), 1).arraySync(), [[2, 1], [4, 3]]);
  assert.deepEqual(ops.stridedSlice(tensor([1, 2, 3, 4, 5]), [3], [1], [1]).shape, [0]);
  assert.deepEqual(ops.stridedSlice(tensor([1, 2, 3, 4, 5]), [-2], [null], [-2]).arraySync(), [4, 2]);
});

test('concatenate joins along an axis and promotes dtypes as Keras', () => {
  const a = tensor([[1, 2], [3, 4]]), b = tensor([[5], [6]]);
  assert.deepEqual(ops.concatenate([a, b], 1).arraySync(), [[1, 2, 5], [3, 4, 6]]);
  assert.deepEqual(ops.concatenate([a, tensor([[7, 8]])], -2).arraySync(), [[1, 2], [3, 4], [7, 8]]);
  const mixed = ops.concatenate([tensor([1, 2], undefined, 'int32'), tensor([0.5])]);
  assert.equal(mixed.dtype, 'float32');
  assert.deepEqual(mixed.arraySync(), [1, 2, 0.5]);
  assert.deepEqual(ops.concatenate([tensor([true]), tensor([false, true])]).arraySync(), [true, false, true]);
  // empty pieces are allowed
  assert.deepEqual(ops.concatenate([tensor([1]), zeros([0])]).arraySync(), [1]);
});

test('stack adds a new axis at any position', () => {
  const a = tensor([1, 2, 3]), b = tensor([4, 5, 6]);
  assert.deepEqual(ops.stack([a, b]).arraySync(), [[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(ops.stack([a, b], -1).arraySync(), [[1, 4], [2, 5], [3, 6]]);
  assert.deepEqual(ops.stack([tensor(1), tensor(2)]).arraySync(), [1, 2]);
});

test('split: equal sections or split points (NumPy fixture)', () => {
  for (const c of casesOf('split')) {
    const parts = ops.split(fromFixture(c.x), c.indicesOrSections as number | number[], c.axis as number);
    const expected = c.expected as T[];
    assert.equal(parts.length, expected.length);
    parts.forEach((p, i) => expectTensor(p, expected[i]!, `split ${JSON.stringify(c.indicesOrSections)} part ${i}`));
  }
  assert.deepEqual(ops.split(arange(6), [-2]).map((t) => t.arraySync()), [[0, 1, 2, 3], [4, 5]]);
});

test('tile follows NumPy for shorter, equal and longer reps (fixture)', () => {
  for (const c of casesOf('tile')) expectTensor(ops.tile(fromFixture(c.x), c.reps as number[]), c.expected as T, `tile ${c.reps}`);
  assert.deepEqual(ops.tile(tensor([1, 2]), 2).arraySync(), [1, 2, 1, 2]);
  assert.deepEqual(ops.tile(tensor([1, 2]), [0]).shape, [0]);
});

test('repeat repeats elements, per element or along the flattened tensor (fixture)', () => {
  for (const c of casesOf('repeat')) {
    expectTensor(ops.repeat(fromFixture(c.x), c.repeats as number | number[], c.axis as number | null), c.expected as T, `repeat ${c.repeats}`);
  }
});

test('pad: every mode against NumPy (fixture), and the padWidth shorthands', () => {
  const cs = casesOf('pad');
  assert.equal(cs.length, 5);
  for (const c of cs) {
    const opts = c.mode === 'constant' ? {mode: 'constant' as const, constantValues: c.constantValues as number} : {mode: c.mode as ops.PadMode};
    expectTensor(ops.pad(fromFixture(c.x), c.padWidth as number[][], opts), c.expected as T, `pad ${c.mode}`);
  }
  const x = tensor([[1, 2], [3, 4]]);
  assert.deepEqual(ops.pad(x, 1).arraySync(), [[0, 0, 0, 0], [0, 1, 2, 0], [0, 3, 4, 0], [0, 0, 0, 0]]);
  assert.deepEqual(ops.pad(x, [1, 0]).arraySync(), [[0, 0, 0], [0, 1, 2], [0, 3, 4]]);
  assert.deepEqual(ops.pad(x, [[0, 0], [0, 1]]).arraySync(), [[1, 2, 0], [3, 4, 0]]);
  assert.deepEqual(ops.pad(tensor([true]), [1, 1], {constantValues: 1}).arraySync(), [true, true, true]);
  assert.deepEqual(ops.pad(tensor([5], undefined, 'int32'), [[2, 0]], {mode: 'edge'}).arraySync(), [5, 5, 5]);
});

test('take: negative indices wrap, axis undefined flattens (NumPy fixture)', () => {
  const cs = casesOf('take');
  assert.equal(cs.length, 4);
  for (const c of cs) {
    expectTensor(ops.take(fromFixture(c.x), c.indices as number[][], c.axis as number | null), c.expected as T, `take axis=${c.axis}`);
  }
  // int32 tensors, scalar indices and gather's axis 0 default
  const x = tensor([[1, 2], [3, 4], [5, 6]]);
  assert.deepEqual(ops.take(x, tensor([2, 0], undefined, 'int32'), 0).arraySync(), [[5, 6], [1, 2]]);
  assert.deepEqual(ops.take(x, 1, 1).arraySync(), [2, 4, 6]);
  assert.deepEqual(ops.gather(x, [1]).arraySync(), [[3, 4]]);
  assert.deepEqual(ops.take(x, [], 0).shape, [0, 2]);
});

test('takeAlongAxis broadcasts the other axes (NumPy fixture) and pairs with argmax', () => {
  for (const c of casesOf('takeAlongAxis')) {
    expectTensor(ops.takeAlongAxis(fromFixture(c.x), c.indices as number[][][], c.axis as number), c.expected as T, `takeAlongAxis axis=${c.axis}`);
  }
  const x = tensor([[10, 30, 20], [60, 40, 50]]);
  assert.deepEqual(ops.takeAlongAxis(x, ops.argmax(x, -1, true), 1).arraySync(), [[30], [60]]);
  assert.deepEqual(ops.takeAlongAxis(x, [5, -1]).arraySync(), [50, 50]);
});

test('oneHot: int indices, any axis, dtype; out-of-range indices give zeros as tf.one_hot', () => {
  const y = ops.oneHot([0, 2, 1], 3);
  assert.equal(y.dtype, 'float32');
  assert.deepEqual(y.arraySync(), [[1, 0, 0], [0, 0, 1], [0, 1, 0]]);
  assert.deepEqual(ops.oneHot(tensor([1, 3, -1], undefined, 'int32'), 3, {dtype: 'int32'}).arraySync(), [[0, 1, 0], [0, 0, 0], [0, 0, 0]]);
  const z = ops.oneHot([[0, 1], [2, 2]], 3, {axis: 1, dtype: 'bool'});
  assert.deepEqual(z.shape, [2, 3, 2]);
  assert.equal(z.dtype, 'bool');
  assert.deepEqual(z.arraySync(), [[[true, false], [false, true], [false, false]], [[false, false], [false, false], [true, true]]]);
  assert.deepEqual(ops.oneHot(2, 4).arraySync(), [0, 0, 1, 0]);
});

test('scatterAdd, scatter and segmentSum accumulate repeated indices', () => {
  assert.deepEqual(ops.scatterAdd([0, 2, 0], tensor([1, 2, 3]), [4]).arraySync(), [4, 0, 2, 0]);
  assert.deepEqual(ops.scatterAdd([1, 1], tensor([[1, 2], [3, 4]]), [2, 3], 1).arraySync(), [[0, 3, 0], [0, 7, 0]]);
  assert.deepEqual(ops.scatter([[0, 1], [1, 0], [0, 1]], tensor([1, 2, 3]), [2, 2]).arraySync(), [[0, 4], [2, 0]]);
  assert.deepEqual(ops.scatter([[1]], tensor([[5, 6]]), [2, 2]).arraySync(), [[0, 0], [5, 6]]);
  assert.deepEqual(ops.segmentSum(tensor([[1, 2], [3, 4], [5, 6]]), [1, 1, 0]).arraySync(), [[5, 6], [4, 6]]);
  assert.deepEqual(ops.segmentSum(tensor([1, 2]), [0, 0], 3).arraySync(), [3, 0, 0]);
});

test('zerosLike, onesLike, fullLike, swapaxes, moveaxis', () => {
  const x = tensor([[1, 2, 3]], undefined, 'int32');
  assert.deepEqual(ops.zerosLike(x).arraySync(), [[0, 0, 0]]);
  assert.equal(ops.zerosLike(x).dtype, 'int32');
  assert.equal(ops.onesLike(x, 'float32').dtype, 'float32');
  assert.deepEqual(ops.fullLike(x, 7).arraySync(), [[7, 7, 7]]);
  assert.deepEqual(ops.swapaxes(x, 0, 1).arraySync(), [[1], [2], [3]]);
  assert.deepEqual(ops.moveaxis(zeros([2, 3, 4, 5]), [0, 1], [-1, -2]).shape, [4, 5, 3, 2]);
  assert.deepEqual(ops.moveaxis(zeros([2, 3, 4]), 2, 0).shape, [4, 2, 3]);
});

test('kernels preserve dtypes: int32 and bool data move unchanged', () => {
  const i = tensor([[1, 2], [3, 4]], undefined, 'int32');
  for (const y of [ops.transpose(i), ops.tile(i, [1, 2]), ops.pad(i, 1), ops.take(i, [1], 0), ops.slice(i, [0, 1], [2, 1]), ops.concatenate([i, i])]) {
    assert.equal(y.dtype, 'int32');
  }
  const b = tensor([true, false]);
  assert.deepEqual(ops.flip(b).arraySync(), [false, true]);
  assert.deepEqual(ops.take(b, [1, 1]).arraySync(), [false, false]);
});

// ---------------------------------------------------------------------------------------------
// wrong inputs: each error names the op and what it received

test('reshape and transpose refuse bad shapes and axes', () => {
  assert.throws(() => ops.reshape(x234(), [5, -1]), /reshape: cannot reshape a tensor of shape \[2, 3, 4\] \(24 values\) into \[5, -1\]/);
  assert.throws(() => ops.reshape(x234(), [-1, -1]), /reshape: invalid target shape/);
  assert.throws(() => ops.reshape(x234(), [4, 7]), /reshape: cannot reshape/);
  assert.throws(() => ops.transpose(x234(), [0, 1]), /transpose: axes must be a permutation/);
  assert.throws(() => ops.transpose(x234(), [0, 1, 3]), /transpose: axis 3 is out of bounds for a tensor of rank 3/);
});

test('slice and stridedSlice refuse out-of-range boxes and zero strides', () => {
  assert.throws(() => ops.slice(x234(), [0, 0], [1, 1]), /slice: begin must be a list of 3 integers.*Received: begin=\[0, 0\]/);
  assert.throws(() => ops.slice(x234(), [0, 2, 0], [1, 2, 1]), /slice: axis 1 of length 3 cannot be sliced from 2 with size 2/);
  assert.throws(() => ops.slice(x234(), [-1, 0, 0], [1, 1, 1]), /slice: axis 0 of length 2/);
  assert.throws(() => ops.slice(x234(), [0, 0, 0], [1, 1, 0.5]), /slice: size must be a list of 3 integers/);
  assert.throws(() => ops.stridedSlice(x234(), [0], [1], [0]), /stridedSlice: strides must not be 0/);
  assert.throws(() => ops.stridedSlice(x234(), [0, 0, 0, 0], [], []), /stridedSlice: begin must be a list of at most 3/);
  assert.throws(() => ops.flip(x234(), 3), /flip: axis 3 is out of bounds/);
});

test('concatenate and stack refuse mismatched shapes, bad axes and empty lists', () => {
  assert.throws(
    () => ops.concatenate([tensor([[1, 2]]), tensor([[1, 2, 3]])], 0),
    /concatenate: all inputs must have the same shape except on the concatenation axis 0\. Received: xs\[0\]\.shape=\[1, 2\], xs\[1\]\.shape=\[1, 3\]/,
  );
  assert.throws(() => ops.concatenate([tensor([1]), tensor([[1]])]), /concatenate: all inputs must have the same shape/);
  assert.throws(() => ops.concatenate([tensor([1]), tensor([2])], 1), /concatenate: axis 1 is out of bounds for a tensor of rank 1/);
  assert.throws(() => ops.concatenate([]), /concatenate: expected a non-empty list/);
  assert.throws(() => ops.concatenate([tensor(1), tensor(2)]), /concatenate: cannot concatenate scalars/);
  assert.throws(() => ops.concatenate([tensor([1]), {} as never]), /Argument 'xs\[1\]' passed to 'concatenate'/);
  assert.throws(() => ops.stack([tensor([1, 2]), tensor([1])]), /stack: all inputs must have the same shape. Received: xs\[0\]\.shape=\[2\], xs\[1\]\.shape=\[1\]/);
  assert.throws(() => ops.stack([tensor([1])], 2), /stack: axis 2 is out of bounds/);
});

test('split refuses indivisible sections and unordered points', () => {
  assert.throws(() => ops.split(arange(5), 2), /split: axis 0 of length 5 does not divide into 2 equal sections/);
  assert.throws(() => ops.split(arange(5), 0), /split: the number of sections must be a positive integer/);
  assert.throws(() => ops.split(arange(5), [3, 1]), /split: split points must be non-decreasing and within \[0, 5\].*Received: indicesOrSections=\[3, 1\]/);
  assert.throws(() => ops.split(arange(5), [7]), /split: split points must be non-decreasing/);
  assert.throws(() => ops.split(arange(6), 2, 1), /split: axis 1 is out of bounds/);
});

test('tile, repeat and pad refuse bad counts, widths and modes', () => {
  assert.throws(() => ops.tile(tensor([1]), [-1]), /tile: repeats must be non-negative integers. Received: reps=\[-1\]/);
  assert.throws(() => ops.tile(tensor([1]), [1.5]), /tile: repeats must be non-negative integers/);
  assert.throws(() => ops.repeat(tensor([1, 2]), [1, 2, 3], 0), /repeat: repeats must be a non-negative integer or a list of 2 of them/);
  assert.throws(() => ops.repeat(tensor([1, 2]), -1), /repeat: repeats must be/);
  const x = tensor([[1, 2], [3, 4]]);
  assert.throws(() => ops.pad(x, [[1, 1], [1, 1], [1, 1]]), /pad: padWidth must be .* \(2 axes\). Received: padWidth=\[\[1,1\],\[1,1\],\[1,1\]\]/);
  assert.throws(() => ops.pad(x, [[1, -1], [0, 0]]), /pad: padWidth must be/);
  assert.throws(() => ops.pad(x, [1, 2, 3]), /pad: padWidth must be/);
  assert.throws(() => ops.pad(x, 0.5), /pad: padWidth must be/);
  assert.throws(() => ops.pad(x, 1, {mode: 'mean' as never}), /pad: unsupported mode "mean". Expected one of 'constant', 'reflect'/);
  assert.throws(() => ops.pad(x, 1, {mode: 'reflect', constantValues: 1}), /pad: constantValues can only be given with mode 'constant'/);
  assert.throws(() => ops.pad(x, [[2, 0], [0, 0]], {mode: 'reflect'}), /pad: mode 'reflect' can pad axis 0 of length 2 by at most 1 on each side/);
  assert.throws(() => ops.pad(x, [[0, 0], [0, 3]], {mode: 'symmetric'}), /pad: mode 'symmetric' can pad axis 1 of length 2 by at most 2/);
  assert.throws(() => ops.pad(zeros([0]), 1, {mode: 'edge'}), /pad: mode 'edge' cannot pad axis 0 of length 0/);
});

test('take and friends refuse float indices, non-integers and out-of-range indices', () => {
  const x = tensor([[1, 2], [3, 4], [5, 6]]);
  assert.throws(() => ops.take(x, [0, 3], 0), /take: index 3 at indices\[1\] is out of range for axis 0 of length 3 \(x\.shape=\[3, 2\]\); expected indices in \[-3, 2\]/);
  assert.throws(() => ops.take(x, [[0], [-4]], 0), /take: index -4 at indices\[1, 0\] is out of range/);
  assert.throws(() => ops.take(x, [6]), /take: index 6 at indices\[0\] is out of range for axis 0 of length 6/);
  assert.throws(() => ops.take(x, [0.5], 0), /take: indices must be integers. Received: indices\[0\]=0\.5/);
  assert.throws(() => ops.take(x, tensor([0, 1]), 0), /take: indices must be an int32 tensor. Received: indices\.dtype=float32/);
  assert.throws(() => ops.take(x, [0], 2), /take: axis 2 is out of bounds for a tensor of rank 2/);
  assert.throws(() => ops.take(tensor(1), [0], 0), /take: cannot index a scalar/);
  assert.throws(() => ops.takeAlongAxis(x, [[0]], 2), /takeAlongAxis: axis 2 is out of bounds/);
  assert.throws(() => ops.takeAlongAxis(x, [0, 1], 0), /takeAlongAxis: indices must have the same rank as x/);
  assert.throws(() => ops.takeAlongAxis(x, [[0, 0, 0]], 0), /takeAlongAxis: the axes other than 0 must broadcast/);
  assert.throws(() => ops.takeAlongAxis(x, [[3]], 0), /takeAlongAxis: index 3 at indices\[0, 0\] is out of range/);
});

test('oneHot, scatterAdd, scatter and segmentSum refuse bad indices and shapes', () => {
  assert.throws(() => ops.oneHot(tensor([0, 1]), 3), /oneHot: x must be an int32 tensor. Received: x\.dtype=float32/);
  assert.throws(() => ops.oneHot([0.5], 3), /oneHot: x must be integers/);
  assert.throws(() => ops.oneHot([0], 0), /oneHot: numClasses must be a positive integer. Received: numClasses=0/);
  assert.throws(() => ops.oneHot([0], 2, {axis: 3}), /oneHot: axis 3 is out of bounds/);
  assert.throws(() => ops.scatterAdd([0, 4], tensor([1, 2]), [4]), /scatterAdd: index 4 at indices\[1\] is out of range for axis 0 of length 4/);
  assert.throws(() => ops.scatterAdd([0], tensor([1, 2]), [4]), /scatterAdd: updates must have shape \[1\].*Received: updates\.shape=\[2\]/);
  assert.throws(() => ops.scatter([[0, 2]], tensor([1]), [2, 2]), /scatter: index 2 at indices\[0, 1\] is out of range for axis 1 of shape \[2, 2\]/);
  assert.throws(() => ops.scatter([[0, 0, 0]], tensor([1]), [2, 2]), /scatter: indices\.shape\[-1\] must be in \[1, 2\]/);
  assert.throws(() => ops.scatter([[0]], tensor([1]), [2, 2]), /scatter: values must have shape \[1, 2\]/);
  assert.throws(() => ops.segmentSum(tensor([1, 2]), [0]), /segmentSum: segmentIds must be a 1-D tensor with one id per row of data/);
  assert.throws(() => ops.segmentSum(tensor([1, 2]), [0, 2], 2), /segmentSum: segment id 2 at segmentIds\[1\] is out of range; expected ids in \[0, 1\]/);
  assert.throws(() => ops.segmentSum(tensor([1, 2]), [0, -1]), /segmentSum: segment id -1/);
});
