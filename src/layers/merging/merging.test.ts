import assert from 'node:assert/strict';
import {test} from 'node:test';
import * as ops from '../../ops/index.js';
import {assertClose, checkGradients, randn64} from '../../testing/gradcheck.js';
import {tensor} from '../../tensor/tensor.js';
import {KerasTensor} from '../keras_tensor.js';
import {getMask, setMask} from '../layer.js';
import {Input} from '../symbolic_call.js';
import {Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add, concatenate, dot, subtract} from './index.js';

const a = tensor([[1, 2, 3], [4, 5, 6]]);
const b = tensor([[6, 5, 4], [3, 2, 1]]);

test('elementwise merges: values', () => {
  assert.deepEqual(new Add().apply([a, b]).arraySync(), [[7, 7, 7], [7, 7, 7]]);
  assert.deepEqual(new Subtract().apply([a, b]).arraySync(), [[-5, -3, -1], [1, 3, 5]]);
  assert.deepEqual(new Multiply().apply([a, b]).arraySync(), [[6, 10, 12], [12, 10, 6]]);
  assert.deepEqual(new Average().apply([a, b]).arraySync(), [[3.5, 3.5, 3.5], [3.5, 3.5, 3.5]]);
  assert.deepEqual(new Maximum().apply([a, b]).arraySync(), [[6, 5, 4], [4, 5, 6]]);
  assert.deepEqual(new Minimum().apply([a, b]).arraySync(), [[1, 2, 3], [3, 2, 1]]);
  assert.deepEqual(new Add().apply([a, b, a]).arraySync(), [[8, 9, 10], [11, 12, 13]]);
});

test('elementwise merges: Keras broadcasting (size 1, lower rank inserted after the batch)', () => {
  const x = tensor([[[1, 2], [3, 4]]]); // [1, 2, 2]
  const y = tensor([[10, 20]]); // [1, 2] -> expanded to [1, 1, 2]
  assert.deepEqual(new Add().apply([x, y]).arraySync(), [[[11, 22], [13, 24]]]);
  const s = new Add().computeOutputShape([[null, 4, 1], [null, 1, 5]]);
  assert.deepEqual(s, [null, 4, 5]);
  assert.deepEqual(new Add().computeOutputShape([[null, 4, 5], [null, 5]]), [null, 4, 5]);
});

test('elementwise merges: incompatible shapes and wrong arity are refused with Keras messages', () => {
  assert.throws(() => new Add().computeOutputShape([[null, 3], [null, 4]]), /Inputs have incompatible shapes. Received shapes \(3,\) and \(4,\)/);
  assert.throws(() => new Add().apply(a), /A merge layer should be called on a list of inputs/);
  assert.throws(() => new Subtract().apply([a, b, a]), /A `Subtract` layer should be called on exactly 2 inputs/);
  assert.throws(() => new Add().build([[2, 3], [4, 3]]), /Cannot merge tensors with different batch sizes/);
});

test('symbolic merge: output shape; incompatible shapes name the layer and both shapes', () => {
  const x = Input({shape: [8]});
  const y = Input({shape: [8]});
  const s = add([x, y]);
  assert.ok(s instanceof KerasTensor);
  assert.deepEqual(s.shape, [null, 8]);
  const z = Input({shape: [5]});
  assert.throws(
    () => new Add({name: 'bad_add'}).apply([x, z]),
    (e: Error) => /bad_add/.test(e.message) && /Received shapes \(8,\) and \(5,\)/.test(e.message) && /\[null, 8\]/.test(e.message) && /\[null, 5\]/.test(e.message),
  );
  assert.deepEqual(subtract([x, y]).shape, [null, 8]);
});

test('Concatenate: values, shapes, axis, errors, config', () => {
  assert.deepEqual(new Concatenate().apply([a, b]).shape, [2, 6]);
  assert.deepEqual(new Concatenate(0).apply([a, b]).arraySync(), [[1, 2, 3], [4, 5, 6], [6, 5, 4], [3, 2, 1]]);
  const x = Input({shape: [4, 3]});
  const y = Input({shape: [4, 5]});
  assert.deepEqual(concatenate([x, y]).shape, [null, 4, 8]);
  assert.deepEqual(concatenate([x, x], {axis: 1}).shape, [null, 8, 3]);
  assert.throws(() => concatenate([x, y], {axis: 1}), /requires inputs with matching shapes except for the concatenation axis. Received: input_shape=\(\(None, 4, 3\), \(None, 4, 5\)\)/);
  const c = new Concatenate({axis: 1, name: 'cat'});
  assert.deepEqual(c.getConfig()['axis'], 1);
  const c2 = Concatenate.fromConfig(c.getConfig());
  assert.equal(c2.axis, 1);
  assert.equal(c2.name, 'cat');
});

test('Dot: batch_dot values and shapes (checked against explicit sums)', () => {
  const x = tensor([[[1, 2], [3, 4], [5, 6]]]); // [1, 3, 2]
  const y = tensor([[[1, 0, 2], [0, 1, 3]]]); // [1, 2, 3]
  // axes [1, 2]: sum over x axis 1 (3) and y axis 2 (3): out[b, i, j] = sum_k x[b,k,i] y[b,j,k]
  const out = new Dot([1, 2]).apply([x, y]);
  assert.deepEqual(out.shape, [1, 2, 2]);
  const xv = x.arraySync() as number[][][], yv = y.arraySync() as number[][][];
  const want = [0, 1].map((i) => [0, 1].map((j) => [0, 1, 2].reduce((s, k) => s + xv[0]![k]![i]! * yv[0]![j]![k]!, 0)));
  assert.deepEqual(out.arraySync(), [want]);
  // 2-D: axes 1 -> [b, 1]
  assert.deepEqual(new Dot(1).apply([a, b]).arraySync(), [[28], [28]]);
  // normalize: cosine similarity
  const cos = new Dot(1, {normalize: true}).apply([a, b]).arraySync() as number[][];
  const n = (v: number[]) => Math.hypot(...v);
  assertClose([cos[0]![0]!], [28 / (n([1, 2, 3]) * n([6, 5, 4]))], {rtol: 1e-5});
  const p = Input({shape: [3, 5]});
  const q = Input({shape: [10, 3]});
  assert.deepEqual(dot([p, q], {axes: [1, 2]}).shape, [null, 5, 10]);
  assert.throws(() => dot([p, q], {axes: 1}), /Incompatible input shapes: axis values 3 \(at axis 1\) != 10 \(at axis 1\)/);
  assert.throws(() => new Dot([1, 2, 3] as never), /it should contain two elements/);
  const d = Dot.fromConfig(new Dot([1, 2], {normalize: true}).getConfig());
  assert.deepEqual(d.axes, [1, 2]);
  assert.equal(d.normalize, true);
});

test('merge gradients match finite differences', () => {
  const x = randn64([2, 3], 1), y = randn64([2, 3], 2), z = randn64([2, 1, 3], 3);
  checkGradients((u, v) => new Maximum({dtype: 'float64'}).apply([u, v]), [x, y], {label: 'Maximum'});
  checkGradients((u, v) => new Multiply({dtype: 'float64'}).apply([u, v]), [x, y], {label: 'Multiply'});
  checkGradients((u, v) => new Add({dtype: 'float64'}).apply([u, v]), [z, x], {label: 'Add broadcast'});
  checkGradients((u, v) => new Dot(1, {dtype: 'float64', normalize: true}).apply([u, v]), [x, y], {label: 'Dot normalize'});
  checkGradients((u, v) => new Concatenate({dtype: 'float64'}).apply([u, v]), [x, y], {label: 'Concatenate'});
});

test('masks: Add ORs masks; Maximum takes the unmasked operand', () => {
  const x = tensor([[[1], [9]]]); // [1, 2, 1]
  const y = tensor([[[5], [2]]]);
  setMask(x, tensor([[true, false]]));
  setMask(y, tensor([[false, true]]));
  const s = new Add().apply([x, y]);
  assert.deepEqual(getMask(s)!.arraySync(), [[true, true]]);
  // masked entries come from the other input: [1 (x valid), 2 (y valid)] rather than max
  assert.deepEqual(new Maximum().apply([x, y]).arraySync(), [[[1], [2]]]);
  void ops;
});
