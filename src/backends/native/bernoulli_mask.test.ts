import assert from 'node:assert/strict';
import {test} from 'node:test';
import {KERNELS} from '../../kernels/index.js';
import type {BernoulliMaskAttrs} from '../../kernels/defs/random.js';
import * as ops from '../../ops/index.js';
import {allocate, type DType} from '../../tensor/dtype.js';
import {sizeOf} from '../../tensor/shape.js';
import {bernoulliMask, maskKey, philox4x32, SeedGenerator} from '../../tensor/random.js';
import {Tensor} from '../../tensor/tensor.js';
import type {KernelTable} from '../backend.js';
import {referenceKernels} from '../reference/index.js';
import {backendName, setBackend} from '../registry.js';
import {loadNativeBackend, type NativeBackend} from './index.js';

// Native dropout masks (Philox in C++) against the JavaScript generator, bit for bit.
const loaded = loadNativeBackend();
const skip = typeof loaded === 'string' ? `native addon not built: ${loaded}` : false;
if (skip) console.log(`# SKIP native BernoulliMask tests: ${skip}`);

function outputFor(a: BernoulliMaskAttrs): Tensor {
  const [m] = KERNELS.BernoulliMask.infer({}, a);
  return new Tensor(m!.shape, m!.dtype, allocate(m!.dtype, sizeOf(m!.shape)));
}

function nativeMask(a: BernoulliMaskAttrs): Tensor {
  if (typeof loaded === 'string') throw new Error(loaded);
  const y = outputFor(a);
  assert.notEqual(loaded.kernels.BernoulliMask!({}, a, [y]), false, 'native BernoulliMask declined a float32 mask');
  return y;
}

function referenceMask(a: BernoulliMaskAttrs): Tensor {
  const y = outputFor(a);
  referenceKernels.BernoulliMask({}, a, [y]);
  return y;
}

function assertSameBits(a: Tensor, b: Tensor, what: string): void {
  assert.deepEqual(a.shape, b.shape, what);
  for (let i = 0; i < a.size; i++) {
    if (a.values[i] !== b.values[i]) assert.fail(`${what}: element ${i} differs: native ${a.values[i]}, reference ${b.values[i]}`);
  }
}

test('native BernoulliMask equals the reference bit for bit (odd sizes, several keys and keep probabilities)', {skip}, () => {
  const shapes = [[1], [2], [3], [7, 5], [31, 33], [3, 5, 7, 11], [70001], [257, 513]];
  const keys: [number, number][] = [[0, 0], [42, 0x3c6ef372], [0xffffffff, 0xffffffff], [123456789, 17], [7, 0x7fffffff]];
  const keeps = [0, 1e-9, 0.1, 0.5, 0.8, 0.999999, 1];
  let checked = 0;
  const native = loaded as NativeBackend;
  const threads = native.getNumThreads();
  native.setNumThreads(3); // several chunks for the large shapes: results must not depend on the split
  try {
    for (const shape of shapes) {
      for (const [k0, k1] of keys) {
        for (const keepProb of keeps) {
          // dropout's scaled mask (kept elements 1 / keep in float32) and the plain one
          for (const scale of [undefined, Math.fround(1 / Math.fround(keepProb || 1)), -0.5]) {
            const a: BernoulliMaskAttrs = {shape, keepProb, dtype: 'float32', k0, k1, ...(scale === undefined ? {} : {scale})};
            const n = nativeMask(a), r = referenceMask(a);
            assertSameBits(n, r, `shape ${JSON.stringify(shape)} key (${k0}, ${k1}) keep ${keepProb} scale ${scale}`);
            checked += n.size;
          }
        }
      }
    }
  } finally {
    native.setNumThreads(threads);
  }
  assert.ok(checked > 1e6);
});

/** x with the values a product must carry through: NaN, infinities, signed zeros, a subnormal. */
function factor(n: number, seed: number): Tensor {
  let s = seed >>> 0;
  const v = Float32Array.from({length: n}, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 4 - 2;
  });
  [Number.NaN, Infinity, -Infinity, -0, 0, 1e-40, -3.5].forEach((x, i) => {
    if (i < n) v[(i * 7919) % n] = x;
  });
  return new Tensor([n], 'float32', v);
}

/** BernoulliMask, then Mul(x, mask), on `kernels` (the reference Mul where a compiled one declines a small size). */
function pair(kernels: Partial<KernelTable>, x: Tensor, a: BernoulliMaskAttrs): [Tensor, Tensor] {
  const mask = outputFor(a), y = outputFor(a);
  if (kernels.BernoulliMask!({}, a, [mask]) === false) referenceKernels.BernoulliMask({}, a, [mask]);
  if (kernels.Mul!({a: x, b: mask}, {}, [y]) === false) referenceKernels.Mul({a: x, b: mask}, {}, [y]);
  return [y, mask];
}

function assertSameFloatBits(a: Tensor, b: Tensor, what: string): void {
  const ua = new Uint32Array(a.values.buffer, a.values.byteOffset, a.size), ub = new Uint32Array(b.values.buffer, b.values.byteOffset, b.size);
  for (let i = 0; i < a.size; i++) if (ua[i] !== ub[i]) assert.fail(`${what}: element ${i} differs: ${a.values[i]} vs ${b.values[i]}`);
}

test('BernoulliMaskMul equals BernoulliMask then Mul bit for bit, natively at 1, 2 and 3 threads and on the reference', {skip}, () => {
  const native = loaded as NativeBackend;
  const threads = native.getNumThreads();
  try {
    for (const n of [1, 2, 3, 17, 255, 4097, 128 * 512, 70001]) {
      const x = factor(n, n);
      for (const [k0, k1] of [[0, 0], [42, 0x3c6ef372], [0xffffffff, 7]] as [number, number][]) {
        for (const keepProb of [0, 0.3, 0.8, 1]) {
          const scale = keepProb > 0 ? Math.fround(1 / Math.fround(keepProb)) : undefined;
          const a: BernoulliMaskAttrs = {shape: [n], keepProb, dtype: 'float32', k0, k1, ...(scale === undefined ? {} : {scale})};
          const what = `n ${n} key (${k0}, ${k1}) keep ${keepProb}`;
          const [wantRef, maskRef] = pair(referenceKernels, x, a);
          const yRef = outputFor(a), mRef = outputFor(a);
          referenceKernels.BernoulliMaskMul({x}, a, [yRef, mRef]);
          assertSameFloatBits(yRef, wantRef, `reference ${what}`);
          assertSameFloatBits(mRef, maskRef, `reference mask ${what}`);
          for (const t of [1, 2, 3]) {
            native.setNumThreads(t);
            const [want, wantMask] = pair(native.kernels, x, a);
            const y = outputFor(a), mask = outputFor(a);
            assert.notEqual(native.kernels.BernoulliMaskMul!({x}, a, [y, mask]), false, 'native BernoulliMaskMul declined');
            assertSameFloatBits(y, want, `${t} threads ${what}`);
            assertSameFloatBits(mask, wantMask, `${t} threads mask ${what}`);
            assertSameFloatBits(y, wantRef, `${t} threads against the reference, ${what}`);
          }
        }
      }
    }
  } finally {
    native.setNumThreads(threads);
  }
});

test('native BernoulliMaskMul checks its shapes, and declines float64 (the reference runs it)', {skip}, () => {
  const native = loaded as NativeBackend;
  const a: BernoulliMaskAttrs = {shape: [4, 3], keepProb: 0.5, dtype: 'float32', k0: 1, k1: 2};
  const t = (shape: number[]) => new Tensor(shape, 'float32', new Float32Array(sizeOf(shape)));
  assert.throws(() => native.kernels.BernoulliMaskMul!({x: t([3, 4])}, a, [t([4, 3]), t([4, 3])]), /BernoulliMaskMul: x must have shape \[4, 3\]/);
  assert.throws(() => native.kernels.BernoulliMaskMul!({x: t([4, 3])}, a, [t([12]), t([4, 3])]), /BernoulliMaskMul: y must have shape \[4, 3\]/);
  const d: BernoulliMaskAttrs = {...a, dtype: 'float64'};
  const f64 = () => new Tensor([4, 3], 'float64', new Float64Array(12));
  assert.equal(native.kernels.BernoulliMaskMul!({x: f64()}, d, [f64(), f64()]), false);
});

test('a keep probability equal to a drawn uniform drops that element (strict <), natively too', {skip}, () => {
  // uniforms 0..3 of key (k0, k1), stream 7, recomputed from Philox independently of uniforms()
  const k0 = 2024, k1 = 99, stream = 7;
  const r0 = philox4x32(k0, (k1 ^ Math.imul(stream, 0x9e3779b1)) >>> 0, 0, stream, 0, 0);
  const r1 = philox4x32(k0, (k1 ^ Math.imul(stream, 0x9e3779b1)) >>> 0, 1, stream, 0, 0);
  const u = (hi: number, lo: number) => (hi * 2 ** 32 + ((lo & 0xfffff000) >>> 0)) / 2 ** 64;
  const us = [u(r0[0], r0[1]), u(r0[2], r0[3]), u(r1[0], r1[1]), u(r1[2], r1[3])];
  for (let e = 0; e < 4; e++) {
    // the uniform itself and its neighbouring doubles
    for (const keepProb of [us[e]!, us[e]! * (1 + 2 ** -52), us[e]! * (1 - 2 ** -53)]) {
      const a: BernoulliMaskAttrs = {shape: [4], keepProb, dtype: 'float32', k0, k1};
      const n = nativeMask(a), r = referenceMask(a);
      assertSameBits(n, r, `element ${e} keep ${keepProb}`);
      for (let i = 0; i < 4; i++) assert.equal(r.values[i], us[i]! < keepProb ? 1 : 0, `element ${i} keep ${keepProb}`);
    }
  }
});

test('native masks have the expected keep rate, and 0 / 1 at the ends', {skip}, () => {
  const n = 100_001;
  const ones = (keepProb: number) => {
    const y = nativeMask({shape: [n], keepProb, dtype: 'float32', k0: 9, k1: 4});
    let s = 0;
    for (let i = 0; i < n; i++) {
      assert.ok(y.values[i] === 0 || y.values[i] === 1);
      s += y.values[i]!;
    }
    return s;
  };
  assert.equal(ones(0), 0);
  assert.equal(ones(1), n);
  const s = ones(0.3);
  // binomial standard deviation ~ 145; 6 sigma
  assert.ok(Math.abs(s - 0.3 * n) < 900, `kept ${s} of ${n} at keep 0.3`);
});

test('native BernoulliMask declines other dtypes (the reference runs them)', {skip}, () => {
  if (typeof loaded === 'string') return;
  for (const dtype of ['float64', 'int32', 'bool'] as DType[]) {
    const a: BernoulliMaskAttrs = {shape: [5], keepProb: 0.5, dtype, k0: 1, k1: 2};
    assert.equal(loaded.kernels.BernoulliMask!({}, a, [outputFor(a)]), false, dtype);
  }
});

test('ops.bernoulliMask matches tensor/random bernoulliMask on every backend, advancing a SeedGenerator alike', {skip}, () => {
  const previous = backendName();
  try {
    for (const b of ['native', 'reference']) {
      setBackend(b);
      for (const dtype of ['float32', 'float64', 'int32', 'bool'] as DType[]) {
        const g1 = new SeedGenerator(1337), g2 = new SeedGenerator(1337);
        for (let step = 0; step < 3; step++) {
          const shape = [17, 9 + step];
          const viaOp = ops.bernoulliMask(shape, 0.6, dtype, g1);
          const viaJs = bernoulliMask(shape, 0.6, dtype, g2);
          assert.equal(viaOp.dtype, dtype);
          assertSameBits(viaOp, viaJs, `${b} ${dtype} step ${step}`);
        }
        assert.deepEqual(maskKey(g1), maskKey(g2), 'generators advanced differently');
        assertSameBits(ops.bernoulliMask([33], 0.5, dtype, 5), bernoulliMask([33], 0.5, dtype, 5), `${b} ${dtype} integer seed`);
      }
    }
  } finally {
    setBackend(previous);
  }
});

test('ops.bernoulliMask validates its arguments', () => {
  assert.throws(() => ops.bernoulliMask([2, -1], 0.5, 'float32', 1), /bernoulliMask: shape must be a list of non-negative integers/);
  assert.throws(() => ops.bernoulliMask([2], Number.NaN, 'float32', 1), /bernoulliMask: keepProb must be a number/);
  assert.throws(() => ops.bernoulliMask([2], 0.5, 'float16' as DType, 1), /bernoulliMask: unknown dtype/);
  assert.deepEqual(ops.bernoulliMask([0, 3], 0.5, 'float32', 1).shape, [0, 3]);
});
