import assert from 'node:assert/strict';
import {test} from 'node:test';
import {ValueError} from '../errors.js';
import {arange, eye, formatTensor, full, ones, scalar, stringTensor, Tensor, tensor, zeros} from './tensor.js';

test('tensor() from nested arrays infers the shape; float32 by default, bool for booleans', () => {
  const t = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(t.shape, [2, 3]);
  assert.equal(t.dtype, 'float32');
  assert.equal(t.rank, 2);
  assert.equal(t.size, 6);
  assert.ok(t.values instanceof Float32Array);
  assert.deepEqual(t.arraySync(), [[1, 2, 3], [4, 5, 6]]);
  const b = tensor([[true, false], [false, true]]);
  assert.equal(b.dtype, 'bool');
  assert.deepEqual(b.arraySync(), [[true, false], [false, true]]);
  assert.deepEqual([...b.values], [1, 0, 0, 1]);
  const s = tensor(3.5);
  assert.deepEqual(s.shape, []);
  assert.equal(s.item(), 3.5);
  assert.deepEqual(tensor([]).shape, [0]);
  assert.deepEqual(tensor([[], []]).shape, [2, 0]);
  assert.deepEqual(tensor([[[1]], [[2]]]).shape, [2, 1, 1]);
});

test('tensor() with an explicit shape and dtype', () => {
  const t = tensor([1, 2, 3, 4, 5, 6], [3, 2], 'int32');
  assert.deepEqual(t.arraySync(), [[1, 2], [3, 4], [5, 6]]);
  assert.ok(t.values instanceof Int32Array);
  assert.deepEqual([...tensor([1.7, -1.7, 2.5], undefined, 'int32').values], [1, -1, 2]);
  assert.deepEqual(tensor([0, 2, -1], undefined, 'bool').arraySync(), [false, true, true]);
  assert.deepEqual(tensor([true, false], undefined, 'float32').arraySync(), [1, 0]);
  assert.equal(tensor([0.1], undefined, 'float64').values[0], 0.1);
  assert.equal(tensor([0.1]).values[0], Math.fround(0.1));
  assert.deepEqual(tensor(7, [1, 1]).arraySync(), [[7]]);
  assert.equal(scalar(true).dtype, 'bool');
  assert.equal(scalar(2, 'int32').dtype, 'int32');
});

test('tensor() from typed arrays keeps their type; small integer arrays become int32, not bool', () => {
  assert.equal(tensor(new Float32Array([1, 2])).dtype, 'float32');
  assert.equal(tensor(new Float64Array([1, 2])).dtype, 'float64');
  assert.equal(tensor(new Int32Array([1, 2])).dtype, 'int32');
  const px = tensor(new Uint8Array([0, 128, 255]), [3]);
  assert.equal(px.dtype, 'int32');
  assert.deepEqual([...px.values], [0, 128, 255]);
  assert.equal(tensor(new Uint8Array([0, 3]), undefined, 'bool').dtype, 'bool');
  assert.deepEqual(tensor(new Float32Array([1, 2, 3, 4]), [2, 2]).arraySync(), [[1, 2], [3, 4]]);
  // the tensor owns a copy: later writes to the source do not show
  const src = new Float32Array([1, 2]);
  const t = tensor(src);
  src[0] = 9;
  assert.equal(t.values[0], 1);
  // from another tensor: reshaped copy or cast
  const c = tensor(t, [2, 1], 'int32');
  assert.deepEqual(c.arraySync(), [[1], [2]]);
});

test('tensor() wrong inputs: ragged arrays, bad leaves, shape vs value count, unknown dtype', () => {
  assert.throws(() => tensor([[1, 2], [3]]), {name: 'ValueError', message: 'tensor: ragged nested array: expected 2 elements at [1], received 1'});
  assert.throws(() => tensor([1, [2]] as never), /ragged nested array at \[1\]: expected a scalar/);
  assert.throws(() => tensor([[1], 2] as never), /ragged nested array: expected 1 elements at \[1\], received a scalar/);
  assert.throws(() => tensor([[1, 'a']] as never), /expected numbers or booleans, received string at \[0\]\[1\]/);
  assert.throws(() => tensor([1, 2, 3], [2, 2]), /tensor: shape \[2, 2\] needs 4 values, received 3/);
  assert.throws(() => tensor(new Float32Array(3), [4]), /needs 4 values, received 3/);
  assert.throws(() => tensor([1, 2], [2, -1]), /shape must be a list of non-negative integers. Received: shape=\[2, -1\]/);
  assert.throws(() => tensor([1], undefined, 'float16' as never), /tensor: unknown dtype "float16". Expected one of float32, float64, int32, bool/);
  assert.throws(() => tensor(new Uint32Array(2) as never), /unsupported typed array Uint32Array/);
  assert.throws(() => tensor(zeros([4]), [3]), /tensor: shape \[3\] does not match 4 values/);
  assert.throws(() => new Tensor([2, 2], 'float32', new Float32Array(3)), /storage has 3 elements but shape \[2, 2\] needs 4/);
});

test('zeros, ones, full, eye, arange', () => {
  assert.deepEqual(zeros([2, 2]).arraySync(), [[0, 0], [0, 0]]);
  assert.equal(zeros([2], 'int32').dtype, 'int32');
  assert.deepEqual(ones([3], 'bool').arraySync(), [true, true, true]);
  assert.deepEqual(full([2], 1.5).arraySync(), [1.5, 1.5]);
  assert.deepEqual(full([2], 7, 'int32').arraySync(), [7, 7]);
  assert.deepEqual(zeros([]).shape, []);
  assert.deepEqual(zeros([0, 3]).size, 0);
  assert.deepEqual(eye(3).arraySync(), [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  assert.deepEqual(eye(2, 3, 'int32').arraySync(), [[1, 0, 0], [0, 1, 0]]);
  const r = arange(5);
  assert.equal(r.dtype, 'int32');
  assert.deepEqual(r.arraySync(), [0, 1, 2, 3, 4]);
  assert.deepEqual(arange(2, 8, 3).arraySync(), [2, 5]);
  assert.deepEqual(arange(5, 0, -2).arraySync(), [5, 3, 1]);
  assert.deepEqual(arange(3, 3).shape, [0]);
  const f = arange(0, 1, 0.25);
  assert.equal(f.dtype, 'float32');
  assert.deepEqual(f.arraySync(), [0, 0.25, 0.5, 0.75]);
  // a fractional stop makes it float, as NumPy
  assert.equal(arange(0, 2.5).dtype, 'float32');
  assert.deepEqual(arange(0, 2.5).arraySync(), [0, 1, 2]);
  assert.equal(arange(3, undefined, 1, 'float64').dtype, 'float64');
  assert.throws(() => arange(0, 5, 0), /arange: step must not be 0/);
  assert.throws(() => arange(0, Infinity), /finite/);
  assert.throws(() => zeros([2.5]), /zeros: shape must be a list of non-negative integers/);
  assert.throws(() => zeros([2], 'int8' as never), /zeros: unknown dtype "int8"/);
  assert.throws(() => full([2], 1, 'x' as never), /full: unknown dtype "x"/);
  assert.throws(() => eye(-1), /eye: n and m must be non-negative integers/);
});

test('data() resolves to a copy, dataSync() and arraySync() read the values', async () => {
  const t = tensor([[1, 2], [3, 4]]);
  const d = await t.data();
  assert.ok(d instanceof Float32Array);
  assert.deepEqual([...d], [1, 2, 3, 4]);
  d[0] = 100;
  assert.equal(t.values[0], 1, 'data() is a copy');
  const s = t.dataSync();
  s[1] = 100;
  assert.equal(t.values[1], 2, 'dataSync() is a copy');
  assert.deepEqual(await t.array(), [[1, 2], [3, 4]]);
  assert.equal(scalar(5).arraySync(), 5);
  assert.throws(() => t.item(), /item\(\) needs a tensor of one element. Received shape \[2, 2\]/);
  assert.deepEqual(Object.isFrozen(t.shape), true);
});

test('toString is readable and elides the middle of long axes', () => {
  assert.equal(tensor([[1, 2], [3, 4]]).toString(), 'Tensor(shape=[2, 2], dtype=float32,\n  [[1, 2],\n   [3, 4]])');
  assert.equal(scalar(2.5).toString(), 'Tensor(shape=[], dtype=float32,\n  2.5)');
  assert.equal(tensor([true, false]).toString(), 'Tensor(shape=[2], dtype=bool,\n  [true, false])');
  assert.equal(tensor([NaN, Infinity, -Infinity, 1e-7, 12345678]).toString(),
    'Tensor(shape=[5], dtype=float32,\n  [nan, inf, -inf, 1.0000e-7, 1.2346e+7])');
  assert.equal(tensor([1 / 3], undefined, 'float64').toString(), 'Tensor(shape=[1], dtype=float64,\n  [0.3333])');
  const long = arange(100);
  assert.equal(long.toString(), 'Tensor(shape=[100], dtype=int32,\n  [0, 1, 2, ..., 97, 98, 99])');
  const big = formatTensor(tensor(new Float32Array(20 * 20), [20, 20]));
  assert.equal(big.split('\n').length, 1 + 7, 'six rows and an ellipsis row');
  assert.ok(big.includes('...,'));
  assert.equal(`${tensor([1, 2], undefined, 'int32')}`, 'Tensor(shape=[2], dtype=int32,\n  [1, 2])');
});

test('errors are ValueErrors', () => {
  assert.throws(() => tensor([[1], [2, 3]]), ValueError);
});

test("string tensors: made from nested strings, indices into a table, refused where numbers are needed", () => {
  const t = tensor([['the cat'], ['a dog'], ['']]);
  assert.equal(t.dtype, 'string');
  assert.deepEqual(t.shape, [3, 1]);
  assert.deepEqual(t.arraySync(), [['the cat'], ['a dog'], ['']]);
  assert.deepEqual(t.stringValues(), ['the cat', 'a dog', '']);
  assert.ok(t.values instanceof Int32Array);
  assert.deepEqual(tensor('abc').shape, []);
  assert.deepEqual(stringTensor(['a', 'b', 'c', 'd'], [2, 2]).arraySync(), [['a', 'b'], ['c', 'd']]);
  // rows copied by index keep the table (what batching and shuffling do)
  const rows = t.withValues([2, 1], Int32Array.from([2, 0]));
  assert.deepEqual(rows.arraySync(), [[''], ['the cat']]);
  assert.deepEqual(zeros([2], 'string').arraySync(), ['', '']);
  assert.match(String(t), /dtype=string/);
  assert.throws(() => tensor([['a', 1]] as never), /stringTensor: expected strings, received number at \[0\]\[1\]/);
  assert.throws(() => tensor([['a'], ['b', 'c']]), /ragged nested array: expected 1 elements at \[1\], received 2/);
  assert.throws(() => tensor([1, 2], undefined, 'string'), /numbers cannot become a string tensor/);
  assert.throws(() => tensor(t, undefined, 'float32'), /cannot convert a string tensor to float32/);
  assert.throws(() => new Tensor([1], 'string', new Int32Array(1)), /A string tensor needs its strings/);
  assert.throws(() => new Tensor([1], 'float32', new Float32Array(1), ['x']), /holds numbers, not a table of strings/);
  assert.throws(() => t.item(), /string tensor: read it with stringValues/);
  assert.throws(() => ones([2], 'string'), /full: cannot make a string tensor, only numbers/);
});
