import assert from 'node:assert/strict';
import {test} from 'node:test';
import {ValueError} from '../errors.js';
import {
  bernoulliMask, permutation, philox4x32, randomNormal, randomUniform, SeedGenerator, setRandomSeed, truncatedNormal,
} from './random.js';

const N = 100_000;

function stats(v: ArrayLike<number>): {mean: number; std: number; min: number; max: number} {
  let s = 0, s2 = 0, min = Infinity, max = -Infinity;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    s += x;
    s2 += x * x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const mean = s / v.length;
  return {mean, std: Math.sqrt(s2 / v.length - mean * mean), min, max};
}

/** Pearson's chi-square statistic of counts against a uniform expectation. */
function chiSquare(counts: number[], total: number): number {
  const e = total / counts.length;
  return counts.reduce((acc, c) => acc + ((c - e) * (c - e)) / e, 0);
}

test('philox4x32-10 matches the Random123 known-answer vectors', () => {
  const hex = (a: number[]) => a.map((v) => v.toString(16).padStart(8, '0')).join(' ');
  assert.equal(hex(philox4x32(0, 0, 0, 0, 0, 0)), '6627e8d5 e169c58d bc57ac4c 9b00dbd8');
  const f = 0xffffffff;
  assert.equal(hex(philox4x32(f, f, f, f, f, f)), '408f276d 41c83b0e a20bc7c6 6d5451fd');
  assert.equal(
    hex(philox4x32(0xa4093822, 0x299f31d0, 0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344)),
    'd16cfe09 94fdcceb 5001e420 24126ea1',
  );
});

test('uniform values are well distributed: chi-square over 100 buckets and over adjacent pairs', () => {
  const u = randomUniform([N], {seed: 1234, dtype: 'float64'}).values;
  const st = stats(u);
  assert.ok(st.min >= 0 && st.max < 1, `range [${st.min}, ${st.max}]`);
  assert.ok(Math.abs(st.mean - 0.5) < 0.005, `mean ${st.mean}`);
  assert.ok(Math.abs(st.std - Math.sqrt(1 / 12)) < 0.005, `std ${st.std}`);
  const counts = new Array<number>(100).fill(0);
  for (const v of u) counts[Math.floor(v * 100)]!++;
  // 99 degrees of freedom: mean 99, sd 14; the 99.99th percentile is about 163
  const chi = chiSquare(counts, N);
  assert.ok(chi < 163, `chi-square of 100 buckets = ${chi}`);
  // pairs (u[2i], u[2i+1]) come from one Philox block: check they are independent, 10x10 buckets
  const pairs = new Array<number>(100).fill(0);
  for (let i = 0; i + 1 < N; i += 2) pairs[Math.floor(u[i]! * 10) * 10 + Math.floor(u[i + 1]! * 10)]!++;
  const chiPairs = chiSquare(pairs, N / 2);
  assert.ok(chiPairs < 163, `chi-square of adjacent pairs = ${chiPairs}`);
  // and successive blocks (u[2i+1], u[2i+2])
  const next = new Array<number>(100).fill(0);
  for (let i = 1; i + 1 < N; i += 2) next[Math.floor(u[i]! * 10) * 10 + Math.floor(u[i + 1]! * 10)]!++;
  assert.ok(chiSquare(next, (N - 2) / 2 + 1) < 163);
});

test('uniform low bits are random too (bucket test on the fine scale)', () => {
  const u = randomUniform([N], {seed: 99, dtype: 'float64'}).values;
  const counts = new Array<number>(64).fill(0);
  for (const v of u) counts[Math.floor(v * 2 ** 30) & 63]!++;
  assert.ok(chiSquare(counts, N) < 120, 'bits 24..30 of the uniforms are uniform');
});

test('randomUniform honours minval, maxval and int32', () => {
  const u = randomUniform([N], {minval: -3, maxval: 5, seed: 7}).values;
  const st = stats(u);
  assert.ok(st.min >= -3 && st.max < 5);
  assert.ok(Math.abs(st.mean - 1) < 0.05, `mean ${st.mean}`);
  const k = randomUniform([N], {minval: 0, maxval: 10, dtype: 'int32', seed: 8});
  assert.equal(k.dtype, 'int32');
  const counts = new Array<number>(10).fill(0);
  for (const v of k.values) counts[v]!++;
  assert.ok(counts.every((c) => c > 0));
  assert.ok(chiSquare(counts, N) < 40);
});

test('randomNormal: mean and std within tolerance on 100k samples, tails present', () => {
  const z = randomNormal([N], {seed: 5, dtype: 'float64'}).values;
  const st = stats(z);
  assert.ok(Math.abs(st.mean) < 0.015, `mean ${st.mean}`);
  assert.ok(Math.abs(st.std - 1) < 0.015, `std ${st.std}`);
  let beyond2 = 0;
  for (const v of z) if (Math.abs(v) > 2) beyond2++;
  // P(|z| > 2) = 0.0455
  assert.ok(Math.abs(beyond2 / N - 0.0455) < 0.004, `fraction beyond 2 sd: ${beyond2 / N}`);
  const s = randomNormal([N], {mean: 3, stddev: 0.5, seed: 6}).values;
  const st2 = stats(s);
  assert.ok(Math.abs(st2.mean - 3) < 0.01 && Math.abs(st2.std - 0.5) < 0.01, `${st2.mean} ${st2.std}`);
});

test('truncatedNormal stays within two standard deviations, with the truncated moments', () => {
  const t = truncatedNormal([N], {mean: 1, stddev: 2, seed: 3, dtype: 'float64'}).values;
  const st = stats(t);
  assert.ok(st.min >= 1 - 4 && st.max <= 1 + 4, `range [${st.min}, ${st.max}]`);
  assert.ok(Math.abs(st.mean - 1) < 0.03, `mean ${st.mean}`);
  // the standard deviation of N(0, 1) truncated to [-2, 2] is 0.8796
  assert.ok(Math.abs(st.std - 2 * 0.8796) < 0.03, `std ${st.std}`);
  assert.ok(st.min < 1 - 3.9 && st.max > 1 + 3.9, 'values reach the truncation bounds');
});

test('the same integer seed gives the same values, whatever was drawn in between', () => {
  const a = randomNormal([50], {seed: 42}).values;
  randomUniform([1000]);
  randomNormal([17], {seed: 7});
  const b = randomNormal([50], {seed: 42}).values;
  assert.deepEqual(b, a);
  assert.notDeepEqual(randomNormal([50], {seed: 43}).values, a);
  // a prefix of a larger draw is the smaller draw (counter-based: element i depends on i only)
  assert.deepEqual(randomUniform([10], {seed: 11}).values, randomUniform([20], {seed: 11}).values.slice(0, 10));
});

test('SeedGenerator advances: successive draws differ and replay identically from the same seed', () => {
  const g1 = new SeedGenerator(1337);
  const a1 = randomUniform([20], {seed: g1}).values;
  const a2 = randomUniform([20], {seed: g1}).values;
  assert.notDeepEqual(a1, a2);
  const g2 = new SeedGenerator(1337);
  randomNormal([5]); // unrelated draws in between change nothing
  randomUniform([5], {seed: new SeedGenerator(1)});
  assert.deepEqual(randomUniform([20], {seed: g2}).values, a1);
  assert.deepEqual(randomUniform([20], {seed: g2}).values, a2);
  assert.equal(g2.seed, 1337);
  assert.throws(() => new SeedGenerator(1.5), /seed must be an integer/);
});

test('setRandomSeed makes unseeded draws reproducible', () => {
  setRandomSeed(2024);
  const a = [randomUniform([8]).values, randomNormal([8]).values, truncatedNormal([8]).values, new SeedGenerator().seed];
  setRandomSeed(2024);
  const b = [randomUniform([8]).values, randomNormal([8]).values, truncatedNormal([8]).values, new SeedGenerator().seed];
  assert.deepEqual(b, a);
  // unseeded draws differ from one another
  assert.notDeepEqual(randomUniform([8]).values, randomUniform([8]).values);
  setRandomSeed(2025);
  assert.notDeepEqual(randomUniform([8]).values, a[0]);
  assert.throws(() => setRandomSeed(-1), ValueError);
  assert.throws(() => setRandomSeed(0.5), /non-negative integer/);
});

test('dtype and seed errors are clear', () => {
  assert.throws(() => randomNormal([2], {dtype: 'int32'}), /randomNormal: dtype must be a float type. Received: dtype=int32/);
  assert.throws(() => truncatedNormal([2], {dtype: 'bool'}), /truncatedNormal: dtype must be a float type/);
  assert.throws(() => randomUniform([2], {dtype: 'bool'}), /randomUniform: dtype must be a float type/);
  assert.throws(() => randomUniform([2], {seed: 1.5}), /seed must be an integer or a SeedGenerator. Received: seed=1.5/);
  assert.equal(randomUniform([2, 3]).dtype, 'float32');
  assert.deepEqual(randomUniform([2, 3]).shape, [2, 3]);
});

test('bernoulliMask keeps the requested fraction; permutation is a permutation', () => {
  const m = bernoulliMask([N], 0.8, 'float32', 9).values;
  let kept = 0;
  for (const v of m) {
    assert.ok(v === 0 || v === 1);
    kept += v;
  }
  assert.ok(Math.abs(kept / N - 0.8) < 0.005, `kept ${kept / N}`);
  const p = permutation(1000, 4);
  assert.deepEqual([...p].sort((a, b) => a - b), Array.from({length: 1000}, (_, i) => i));
  assert.deepEqual(permutation(1000, 4), p);
  assert.notDeepEqual(permutation(1000, 5), p);
  // position of element 0 over many permutations of 10 is uniform
  const counts = new Array<number>(10).fill(0);
  for (let s = 0; s < 5000; s++) counts[permutation(10, s).indexOf(0)]!++;
  assert.ok(chiSquare(counts, 5000) < 35);
});
