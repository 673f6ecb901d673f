import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {GradientTape} from '../gradients/tape.js';
import {tensor, Tensor} from '../tensor/tensor.js';
import {assertClose, checkGradients, randn64} from '../testing/gradcheck.js';
import * as ops from './index.js';

// Oracles: test/fixtures/image_ops.json from scripts/make_image_fixtures.py — resize against
// torch.nn.functional.interpolate where PyTorch computes Keras's function (bilinear with and without
// antialias, bicubic through torch's antialiased path, nearest as 'nearest-exact'), a NumPy
// transcription of Keras's NumPy backend elsewhere (bicubic downsampling without antialias, lanczos,
// crop / pad to aspect ratio) and for affine_transform.

interface T {shape: number[]; values: number[]}
interface ResizeCase {x: T; size: [number, number]; options: Record<string, unknown>; expected: T; oracle: string; w?: T; grad?: T}
interface AffineCase {x: T; transform: T; options: Record<string, unknown>; expected: T}
const FIX = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures', 'image_ops.json'), 'utf8')) as {resize: ResizeCase[]; affine: AffineCase[]};
const f32 = (t: T): Tensor => tensor(Float32Array.from(t.values), t.shape, 'float32');

test('image.resize matches torch interpolate / the Keras NumPy transcription (values and gradients)', () => {
  assert.ok(FIX.resize.length >= 16);
  for (const c of FIX.resize) {
    const label = `${JSON.stringify(c.options)} ${c.x.shape} -> ${c.size} (${c.oracle})`;
    const x = f32(c.x);
    const y = ops.image.resize(x, c.size, c.options);
    assert.deepEqual([...y.shape], c.expected.shape, label);
    assertClose(y, c.expected.values, {atol: 2e-6, rtol: 1e-5, label});
    if (c.grad && c.w) {
      const tape = new GradientTape();
      tape.watch(x);
      const loss = tape.run(() => ops.sum(ops.multiply(ops.image.resize(x, c.size, c.options), f32(c.w!))));
      const [g] = tape.gradient(loss, [x]);
      assertClose(g!, c.grad.values, {atol: 1e-5, rtol: 1e-5, label: `${label} gradient`});
    }
  }
});

test('image.resize: layouts, unbatched, integer images, validation', () => {
  const x = tensor(Float32Array.from({length: 2 * 4 * 6 * 3}, (_, i) => Math.sin(i)), [2, 4, 6, 3]);
  const nhwc = ops.image.resize(x, [3, 5]);
  const nchw = ops.image.resize(ops.transpose(x, [0, 3, 1, 2]), [3, 5], {dataFormat: 'channels_first'});
  assertClose(ops.transpose(nchw, [0, 2, 3, 1]), nhwc, {atol: 1e-7});
  const one = ops.image.resize(ops.reshape(ops.slice(x, [1, 0, 0, 0], [1, 4, 6, 3]), [4, 6, 3]), [3, 5]);
  assertClose(one, ops.reshape(ops.slice(nhwc, [1, 0, 0, 0], [1, 3, 5, 3]), [3, 5, 3]), {atol: 1e-7});
  // integers: computed in float, rounded, clipped to the input's range, dtype kept
  const xi = tensor(Int32Array.from([0, 10, 20, 255]), [1, 2, 2, 1], 'int32');
  const yi = ops.image.resize(xi, [3, 3]);
  assert.equal(yi.dtype, 'int32');
  const yf = ops.image.resize(ops.cast(xi, 'float32'), [3, 3]);
  // rounding half to even, as NumPy (132.5 -> 132)
  const even = (v: number) => (Math.abs(v % 1) === 0.5 ? 2 * Math.round(v / 2) : Math.round(v));
  assert.deepEqual(Array.from(yi.values), Array.from(yf.values, (v) => Math.min(255, Math.max(0, even(v)))));
  assert.equal(yi.values[5], 132);
  assert.throws(() => ops.image.resize(x, [0, 3]), /positive integer height and width/);
  assert.throws(() => ops.image.resize(x, [3, 3], {interpolation: 'area' as never}), /interpolation/);
  assert.throws(() => ops.image.resize(x, [3, 3], {cropToAspectRatio: true, padToAspectRatio: true}), /only one of/);
  assert.throws(() => ops.image.resize(ops.reshape(x, [144]), [3, 3]), /rank 3 \(single image\) or rank 4/);
});

test('image.affineTransform matches the Keras NumPy backend for every fill mode and interpolation', () => {
  assert.equal(FIX.affine.length, 10);
  for (const c of FIX.affine) {
    const label = JSON.stringify(c.options);
    const y = ops.image.affineTransform(f32(c.x), f32(c.transform), c.options);
    assert.deepEqual([...y.shape], c.expected.shape, label);
    assertClose(y, c.expected.values, {atol: 1e-5, rtol: 1e-5, label});
  }
});

test('image.affineTransform: identity, integer shift, one transform for all, gradients reach the images', () => {
  const x = tensor(Float32Array.from({length: 2 * 3 * 4 * 1}, (_, i) => i), [2, 3, 4, 1]);
  assert.deepEqual(Array.from(ops.image.affineTransform(x, [1, 0, 0, 0, 1, 0, 0, 0]).values), Array.from(x.values));
  // output (x, y) reads input (x + 1, y): a shift left by one column, constant 0 entering on the right
  const left = ops.image.affineTransform(x, [1, 0, 1, 0, 1, 0, 0, 0], {interpolation: 'nearest'});
  assert.deepEqual((left.arraySync() as number[][][][])[0]!.map((r) => r.map((v) => v[0])), [[1, 2, 3, 0], [5, 6, 7, 0], [9, 10, 11, 0]]);
  const wrap = ops.image.affineTransform(x, [1, 0, 1, 0, 1, 0, 0, 0], {fillMode: 'wrap'});
  assert.deepEqual((wrap.arraySync() as number[][][][])[0]!.map((r) => r.map((v) => v[0])), [[1, 2, 3, 0], [5, 6, 7, 4], [9, 10, 11, 8]]);
  const tape = new GradientTape();
  tape.watch(x);
  const loss = tape.run(() => ops.sum(ops.image.affineTransform(x, [1, 0, 0.5, 0, 1, 0, 0, 0])));
  const [g] = tape.gradient(loss, [x]);
  // each output is 0.5*x[c] + 0.5*x[c+1] (the last column half constant fill): columns get 0.5, 1, 1, 1
  assert.deepEqual((g!.arraySync() as number[][][][])[0]![0]!.map((v) => v[0]), [0.5, 1, 1, 1]);
  assert.throws(() => ops.image.affineTransform(x, [1, 0, 0]), /8 values/);
  assert.throws(() => ops.image.affineTransform(x, [[1, 0, 0, 0, 1, 0, 0, 0], [1, 0, 0, 0, 1, 0, 0, 0], [1, 0, 0, 0, 1, 0, 0, 0]]), /one transform or one per image \(2\)/);
  assert.throws(() => ops.image.affineTransform(x, [1, 0, 0, 0, 1, 0, 0, 0], {fillMode: 'edge' as never}), /fill_mode/);
});

test('image ops: gradients with respect to the images equal finite differences (float64)', () => {
  const x = randn64([2, 5, 6, 2], 3);
  checkGradients((a) => ops.image.resize(a, [3, 8], {interpolation: 'bicubic', antialias: true}), [x], {label: 'resize bicubic'});
  checkGradients((a) => ops.image.resize(a, [4, 4], {interpolation: 'lanczos3', cropToAspectRatio: true}), [x], {label: 'resize lanczos3 crop'});
  checkGradients((a) => ops.image.resize(a, [7, 7], {padToAspectRatio: true}), [x], {label: 'resize pad'});
  const m = [[0.9, -0.3, 1.1, 0.2, 1.2, -0.7, 0, 0], [1.1, 0.1, -0.4, -0.2, 0.8, 0.9, 0, 0]];
  for (const fillMode of ['constant', 'reflect', 'wrap', 'mirror', 'nearest'] as const) {
    checkGradients((a) => ops.image.affineTransform(a, m, {fillMode, fillValue: 0.3}), [x], {label: `affineTransform ${fillMode}`});
  }
});
