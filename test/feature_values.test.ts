/**
 * Values, not shapes: features that a do-nothing implementation would pass if only shapes were
 * checked. Dropout's noiseShape and SpatialDropout must drop (about `rate` of the draws, whole
 * broadcast groups at a time, the rest scaled by 1 / (1 - rate)); Permute must move values, not just
 * reshape; channels_first pooling, padding and cropping must equal plain loops written here over
 * the channels_first layout.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {AveragePooling2D, Cropping2D, Dropout, MaxPooling1D, MaxPooling2D, Permute, SpatialDropout1D, SpatialDropout2D, ZeroPadding2D} from '../src/layers/index.js';
import {ones, Tensor} from '../src/tensor/tensor.js';

/** [n, c, h, w] filled with distinct, unordered values (so a wrong index gives a wrong value). */
function nchw(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(shape, 'float32', Float32Array.from({length: n}, (_, i) => ((i * 37) % 101) - 50 + i / 1000));
}

function at(t: Tensor, idx: number[]): number {
  let off = 0;
  for (let k = 0; k < idx.length; k++) off = off * t.shape[k]! + idx[k]!;
  return t.values[off]!;
}

/** Checks a dropout output of an all-ones input: values 0 or 1/(1-rate), equal within each group. */
function checkDropped(y: Tensor, rate: number, groupOf: (flat: number) => number, label: string): void {
  const kept = 1 / (1 - rate);
  const groups = new Map<number, number>();
  for (let i = 0; i < y.size; i++) {
    const v = y.values[i]!;
    assert.ok(v === 0 || Math.abs(v - kept) < 1e-6, `${label}: value ${v} is neither 0 nor ${kept}`);
    const g = groupOf(i);
    const seen = groups.get(g);
    if (seen === undefined) groups.set(g, v);
    else assert.equal(v, seen, `${label}: group ${g} is not dropped or kept as a whole`);
  }
  const dropped = [...groups.values()].filter((v) => v === 0).length / groups.size;
  // binomial(groups, rate): 512+ groups give a standard deviation <= 0.022; 0.1 is > 4.5 of them
  assert.ok(Math.abs(dropped - rate) < 0.1, `${label}: dropped ${(dropped * 100).toFixed(1)}% of ${groups.size} groups, expected about ${rate * 100}%`);
}

test('Dropout noiseShape [null, 1, null]: about rate of the (sample, feature) pairs dropped, the same over axis 1', () => {
  const [b, t, f] = [32, 5, 16];
  const y = new Dropout(0.4, {noiseShape: [null, 1, null], seed: 11}).apply(ones([b, t, f]), {training: true}) as Tensor;
  checkDropped(y, 0.4, (i) => Math.floor(i / (t * f)) * f + (i % f), 'Dropout(noiseShape)');
});

test('SpatialDropout1D and SpatialDropout2D drop about rate of the channels, each as a whole', () => {
  const y1 = new SpatialDropout1D(0.5, {seed: 3}).apply(ones([16, 6, 32]), {training: true}) as Tensor;
  checkDropped(y1, 0.5, (i) => Math.floor(i / (6 * 32)) * 32 + (i % 32), 'SpatialDropout1D');
  const y2 = new SpatialDropout2D(0.3, {seed: 4}).apply(ones([16, 3, 3, 40]), {training: true}) as Tensor;
  checkDropped(y2, 0.3, (i) => Math.floor(i / (9 * 40)) * 40 + (i % 40), 'SpatialDropout2D');
  const y3 = new SpatialDropout2D(0.3, {seed: 4, dataFormat: 'channels_first'}).apply(ones([16, 40, 3, 3]), {training: true}) as Tensor;
  checkDropped(y3, 0.3, (i) => Math.floor(i / 9), 'SpatialDropout2D channels_first');
});

test('Permute moves values: y[b, j, k, i] = x[b, i, j, k] for dims (2, 3, 1)', () => {
  const x = nchw([2, 3, 4, 5]);
  const y = new Permute([2, 3, 1]).apply(x) as Tensor;
  assert.deepEqual([...y.shape], [2, 4, 5, 3]);
  for (let b = 0; b < 2; b++) for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) for (let k = 0; k < 5; k++) {
    assert.equal(at(y, [b, j, k, i]), at(x, [b, i, j, k]), `y[${b},${j},${k},${i}]`);
  }
});

test('channels_first MaxPooling2D / AveragePooling2D (valid and same) equal loops over NCHW', () => {
  const x = nchw([2, 3, 5, 7]);
  for (const padding of ['valid', 'same'] as const) {
    for (const [Cls, kind] of [[MaxPooling2D, 'max'], [AveragePooling2D, 'avg']] as const) {
      const y = new Cls([2, 3], {strides: [2, 2], padding, dataFormat: 'channels_first'}).apply(x) as Tensor;
      const oh = padding === 'valid' ? Math.floor((5 - 2) / 2) + 1 : Math.ceil(5 / 2);
      const ow = padding === 'valid' ? Math.floor((7 - 3) / 2) + 1 : Math.ceil(7 / 2);
      assert.deepEqual([...y.shape], [2, 3, oh, ow], `${kind} ${padding}`);
      // 'same': TensorFlow pads (needed) with the smaller half at the start
      const padTop = padding === 'same' ? Math.floor(Math.max((oh - 1) * 2 + 2 - 5, 0) / 2) : 0;
      const padLeft = padding === 'same' ? Math.floor(Math.max((ow - 1) * 2 + 3 - 7, 0) / 2) : 0;
      for (let n = 0; n < 2; n++) for (let c = 0; c < 3; c++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
        const vals: number[] = [];
        for (let di = 0; di < 2; di++) for (let dj = 0; dj < 3; dj++) {
          const r = i * 2 + di - padTop, q = j * 2 + dj - padLeft;
          if (r >= 0 && r < 5 && q >= 0 && q < 7) vals.push(at(x, [n, c, r, q]));
        }
        const want = kind === 'max' ? Math.max(...vals) : vals.reduce((a, b) => a + b, 0) / vals.length;
        const got = at(y, [n, c, i, j]);
        assert.ok(Math.abs(got - want) <= 1e-5 * Math.max(1, Math.abs(want)), `${kind} ${padding} y[${n},${c},${i},${j}] = ${got}, expected ${want}`);
      }
    }
  }
});

test('channels_first MaxPooling1D pools over the last axis', () => {
  const x = nchw([2, 3, 8]);
  const y = new MaxPooling1D(2, {dataFormat: 'channels_first'}).apply(x) as Tensor;
  assert.deepEqual([...y.shape], [2, 3, 4]);
  for (let n = 0; n < 2; n++) for (let c = 0; c < 3; c++) for (let t = 0; t < 4; t++) {
    assert.equal(at(y, [n, c, t]), Math.max(at(x, [n, c, 2 * t]), at(x, [n, c, 2 * t + 1])));
  }
});

test('channels_first ZeroPadding2D and Cropping2D place the values where NCHW says', () => {
  const x = nchw([2, 3, 4, 5]);
  const p = new ZeroPadding2D([[1, 2], [3, 0]], {dataFormat: 'channels_first'}).apply(x) as Tensor;
  assert.deepEqual([...p.shape], [2, 3, 7, 8]);
  for (let n = 0; n < 2; n++) for (let c = 0; c < 3; c++) for (let i = 0; i < 7; i++) for (let j = 0; j < 8; j++) {
    const inside = i >= 1 && i < 5 && j >= 3;
    assert.equal(at(p, [n, c, i, j]), inside ? at(x, [n, c, i - 1, j - 3]) : 0, `padded[${n},${c},${i},${j}]`);
  }
  const cr = new Cropping2D([[1, 2], [0, 3]], {dataFormat: 'channels_first'}).apply(x) as Tensor;
  assert.deepEqual([...cr.shape], [2, 3, 1, 2]);
  for (let n = 0; n < 2; n++) for (let c = 0; c < 3; c++) for (let j = 0; j < 2; j++) {
    assert.equal(at(cr, [n, c, 0, j]), at(x, [n, c, 1, j]), `cropped[${n},${c},0,${j}]`);
  }
});
