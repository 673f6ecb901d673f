import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {tensor, type Tensor} from '../tensor/tensor.js';
import {normalize, toCategorical} from './numerical_utils.js';
import {splitDataset} from './dataset_utils.js';

const fx = JSON.parse(readFileSync(new URL('../../test/fixtures/datasets_numpy.json', import.meta.url), 'utf8'));

test("toCategorical: Keras's doc example, inferred num_classes, [n, 1] labels squeezed", () => {
  const a = toCategorical([0, 1, 2, 3], 4);
  assert.deepEqual(a.shape, [4, 4]);
  assert.equal(a.dtype, 'float32');
  assert.deepEqual(a.arraySync(), [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]);
  assert.deepEqual(toCategorical([2, 0]).arraySync(), [[0, 0, 1], [1, 0, 0]]);
  const col = toCategorical(tensor([[1], [0], [2]], undefined, 'int32'), 3);
  assert.deepEqual(col.shape, [3, 3]);
  assert.deepEqual(toCategorical([[0, 1], [1, 1]], 2).shape, [2, 2, 2]);
  assert.throws(() => toCategorical([0, 5], 3), /to_categorical: class value 5 at flat index 1 is outside \[0, 3\)/);
  assert.throws(() => toCategorical([-1], 3), /class value -1/);
  assert.throws(() => toCategorical([0.5], 3), /must be integers/);
});

test('normalize matches np.linalg.norm-based Keras normalize for orders 1, 2, 3, inf and both axes (zero row kept)', () => {
  const n = fx.loaders.normalize;
  const x = tensor(Float64Array.from(n.x), n.shape, 'float64');
  for (const c of n.cases) {
    const order = c.order === 'inf' ? Infinity : c.order;
    const y = normalize(x, c.axis, order);
    assert.equal(y.dtype, 'float64');
    const got = Array.from(y.values);
    c.values.forEach((v: number, i: number) => assert.ok(Math.abs(got[i]! - v) < 1e-12, `axis=${c.axis} order=${c.order} [${i}]: ${got[i]} vs ${v}`));
  }
  const f = normalize([[3, 4], [0, 0]]);
  assert.equal(f.dtype, 'float32');
  assert.deepEqual(Array.from(f.values), [0.6, 0.8, 0, 0].map(Math.fround));
  assert.throws(() => normalize([[1, 2]], 2), /normalize: axis 2 is out of bounds for an array of rank 2/);
});

test('splitDataset: fractions, counts, complement sizes, tuples; shuffle follows Python random.shuffle', () => {
  const x = tensor(Array.from({length: 10}, (_, i) => [i, 10 * i]), undefined, 'int32');
  const y = tensor(Array.from({length: 10}, (_, i) => i), undefined, 'int32');
  const [l, r] = splitDataset(x, {leftSize: 0.8});
  assert.deepEqual(l.shape, [8, 2]);
  assert.deepEqual(r.arraySync(), [[8, 80], [9, 90]]);
  const [[lx, ly], [rx, ry]] = splitDataset([x, y], {rightSize: 3}) as [[Tensor, Tensor], [Tensor, Tensor]];
  assert.deepEqual([lx.shape, ly.shape, rx.shape, ry.shape], [[7, 2], [7], [3, 2], [3]]);
  // right is the *last* rows when the sizes do not cover everything
  const [a, b] = splitDataset(y, {leftSize: 2, rightSize: 0.5});
  assert.deepEqual(Array.from(a.values), [0, 1]);
  assert.deepEqual(Array.from(b.values), [5, 6, 7, 8, 9]);
  // Python: random.seed(0); l = list(range(10)); random.shuffle(l)
  const py = fx.pythonRandom.find((c: {seed: number; n: number}) => c.seed === 0 && c.n === 10).result;
  const [sl, sr] = splitDataset([x, y], {leftSize: 0.5, shuffle: true, seed: 0});
  assert.deepEqual(Array.from(sl[1]!.values), py.slice(0, 5));
  assert.deepEqual(Array.from(sr[1]!.values), py.slice(5));
  assert.deepEqual(Array.from(sl[0]!.values.subarray(0, 2)), [py[0], 10 * py[0]]);
  assert.throws(() => splitDataset(y), /At least one of the `left_size` or `right_size` must be specified/);
  assert.throws(() => splitDataset(y, {leftSize: 10}), /`left_size` should be either a positive integer smaller than 10/);
  assert.throws(() => splitDataset(y, {leftSize: 0.7, rightSize: 0.6}), /greater than 1/);
  assert.throws(() => splitDataset([x, tensor([1, 2])], {leftSize: 0.5}), /same length/);
});
