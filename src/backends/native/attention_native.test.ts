import assert from 'node:assert/strict';
import {test} from 'node:test';
import * as ops from '../../ops/index.js';
import {Tensor} from '../../tensor/tensor.js';
import {setKernelListener} from '../kernel_trace.js';
import {backendName, setBackend} from '../registry.js';
import type {AnyKernelImpl} from '../backend.js';
import {KERNEL_ABI, packAttrs} from '../compiled/abi.js';
import {referenceKernels} from '../reference/index.js';
import {forEachIsa, nativeForTests, runImpl, withThreads, xorshift32} from '../../testing/kernel_test.js';

// The compiled DotProductAttention kernel and its gradient (native/src/attention.cpp; on wasm under
// KERAS_BACKEND=wasm) against the reference backend: shapes that cross the 64-query and 256-key
// tiles, grouped and multi-query heads, every mask broadcast, causal rows alone (where key tiles are
// skipped) and with a mask, wholly masked rows; every ISA; 1 and 2 threads bit-identical. Then the
// compiled side's own refusals.
const {native, skip} = nativeForTests('native attention kernel tests');

const rand = xorshift32(4242);
const randT = (shape: number[], lo = -1, hi = 1) =>
  new Tensor(shape, 'float32', Float32Array.from({length: shape.reduce((a, b) => a * b, 1)}, () => lo + (hi - lo) * rand()));

function maskT(shape: number[]): Tensor {
  const v = Float32Array.from({length: shape.reduce((a, b) => a * b, 1)}, () => (rand() < 0.3 ? 0 : 1));
  // the first row of the mask masks every key: a wholly masked row where the mask has a T axis
  if (shape[2]! > 1) v.fill(0, 0, shape[3]!);
  return new Tensor(shape, 'float32', v);
}

function maxRel(a: Tensor, b: Tensor): number {
  let scale = 1, err = 0;
  for (let i = 0; i < b.size; i++) scale = Math.max(scale, Math.abs(b.values[i]!));
  for (let i = 0; i < b.size; i++) err = Math.max(err, Math.abs(a.values[i]! - b.values[i]!));
  return err / scale;
}

const CASES: {dims: number[]; causal: boolean; mask: ((d: number[]) => number[]) | null}[] = [
  {dims: [1, 5, 7, 2, 1, 3, 4], causal: false, mask: null},
  {dims: [2, 70, 300, 4, 2, 8, 5], causal: true, mask: null},
  {dims: [2, 70, 300, 4, 2, 8, 5], causal: false, mask: ([B, , S]) => [B!, 1, 1, S!]},
  {dims: [1, 130, 130, 2, 2, 16, 16], causal: true, mask: ([, T, S, N]) => [1, N!, T!, S!]},
  {dims: [2, 65, 257, 3, 1, 5, 7], causal: false, mask: ([B, T, S, N]) => [B!, N!, T!, S!]},
  {dims: [1, 300, 40, 1, 1, 9, 3], causal: true, mask: ([, T, S]) => [1, 1, T!, S!]},
];

test('DotProductAttention and its gradient: native equals reference (tiles, masks, causal, grouped heads; every ISA; threads bit-identical)', {skip}, () => {
  for (const {dims, causal, mask} of CASES) {
    const [B, T, S, N, K, H, Hv] = dims as [number, number, number, number, number, number, number];
    const query = randT([B, T, N, H], -2, 2), key = randT([B, S, K, H], -2, 2), value = randT([B, S, K, Hv]);
    const m = mask ? [maskT(mask(dims))] : [];
    const attrs = {scale: 1 / Math.sqrt(H), isCausal: causal};
    const inputs = {query, key, value, mask: m};
    const label = `[${dims}] causal=${causal} mask=${m[0] ? `[${m[0].shape}]` : 'none'}`;
    const [yRef, lseRef] = runImpl('DotProductAttention', referenceKernels.DotProductAttention as AnyKernelImpl, inputs, attrs);
    const gradIn = {dy: randT([B, T, N, Hv]), dLse: randT([B, N, T]), query, key, value, y: yRef!, lse: lseRef!, mask: m};
    const want = runImpl('DotProductAttentionGrad', referenceKernels.DotProductAttentionGrad as AnyKernelImpl, gradIn, attrs);
    forEachIsa(native!, (isa) => {
      const run = () => [
        ...runImpl('DotProductAttention', native!.kernels.DotProductAttention as AnyKernelImpl, inputs, attrs),
        ...runImpl('DotProductAttentionGrad', native!.kernels.DotProductAttentionGrad as AnyKernelImpl, gradIn, attrs),
      ];
      const one = withThreads(native!, 1, run), two = withThreads(native!, 2, run);
      one.forEach((t, i) => assert.deepEqual(two[i]!.values, t.values, `${label} ${isa}: output ${i} differs between 1 and 2 threads`));
      [yRef!, lseRef!, ...want].forEach((w, i) => {
        const e = maxRel(one[i]!, w);
        assert.ok(e <= 2e-6, `${label} ${isa}: ${['y', 'lse', 'dQuery', 'dKey', 'dValue'][i]} off by ${e} (relative to its largest value)`);
      });
    });
  }
});

test('DotProductAttention: the compiled side refuses short buffers and a mask its strides overrun', {skip}, () => {
  const addon = native!.addon;
  const [B, T, S, N, K, H, Hv] = [1, 2, 3, 2, 1, 2, 2];
  const attrs = (extra: Partial<Record<string, number>> = {}) => packAttrs('DotProductAttention', {
    batch: B, tq: T, tk: S, heads: N, kvHeads: K, headDim: H, valueDim: Hv, scale: 0.5, isCausal: 0, hasMask: 0,
    maskSize: 0, maskB: 0, maskN: 0, maskT: 0, maskS: 0, ...extra,
  });
  const f = (n: number) => new Float32Array(n);
  const id = KERNEL_ABI.DotProductAttention.id;
  assert.doesNotThrow(() => addon.run(id, [f(8), f(6), f(6), f(8), f(4)], attrs()));
  assert.throws(() => addon.run(id, [f(8), f(5), f(6), f(8), f(4)], attrs()), /DotProductAttention: buffer 1 \(key\) holds 5 elements, the attributes need 6/);
  assert.throws(() => addon.run(id, [f(8), f(6), f(6), f(3), f(8), f(4)], attrs({hasMask: 1, maskSize: 3, maskS: 1, maskT: 3})),
    /the mask's strides reach element 5 of a mask of 3/);
  assert.throws(() => addon.run(id, [f(8), f(6), f(6), f(8), f(4)], attrs({kvHeads: 3})), /heads \(2\) must be a positive multiple of kvHeads \(3\)/);
  assert.throws(() => addon.run(id, [f(8), f(6), f(6), f(8), f(4)], attrs({scale: Infinity})), /scale must be finite/);
});

test('ops.dotProductAttention runs the compiled kernel (flashAttention: true insists on it); the reference backend refuses flashAttention', {skip}, () => {
  const q = randT([1, 6, 2, 4]), k = randT([1, 9, 1, 4]), v = randT([1, 9, 1, 3]);
  const previous = backendName();
  try {
    setBackend(native!.name);
    const seen: string[] = [];
    const before = setKernelListener((name, _s, _e, fellBack) => void seen.push(`${name}${fellBack ? ' (fell back)' : ''}`));
    const y = ops.dotProductAttention(q, k, v, {flashAttention: true, isCausal: true});
    setKernelListener(before);
    assert.deepEqual(seen.filter((s) => s.startsWith('DotProductAttention')), ['DotProductAttention']);
    assert.deepEqual(y.values, ops.dotProductAttention(q, k, v, {isCausal: true}).values);
    setBackend('reference');
    assert.throws(() => ops.dotProductAttention(q, k, v, {flashAttention: true}), /flash attention \(the tiled kernel\) runs on the native and wasm backends without a bias; the active backend is "reference"/);
  } finally {
    setBackend(previous);
  }
});
