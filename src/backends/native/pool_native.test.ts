import assert from 'node:assert/strict';
import {test} from 'node:test';
import type {KernelName} from '../../kernels/index.js';
import {Tensor} from '../../tensor/tensor.js';
import type {AnyKernelImpl} from '../backend.js';
import {referenceKernels} from '../reference/index.js';
import {forEachIsa as forEachIsaOf, nativeForTests, outputsFor, withThreads as withThreadsOf, xorshift32} from '../../testing/kernel_test.js';

// The pooling loops of every instruction set of this CPU (native/src/pool_impl.inc) against the
// reference backend: channel counts on and off the vector widths (16, 8, 4 lanes, two vectors a
// block), odd spatial sizes, `same` padding, overlapping windows (the memset-and-scatter gradient),
// non-overlapping ones (the one-pass gradient, with the uncovered remainders and the gaps of a
// stride above the window), data full of ties, NaNs, infinities and -0, and 1 vs 2 threads.
// MaxPool and MaxPoolGrad must match exactly (the gradient's dy values are small integers, so the
// sums of overlapping windows are exact in float32 too); AvgPool to a few ulp.
const {native, skip} = nativeForTests('native pooling tests');

let rand = xorshift32(77);
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Values from {-2, ..., 2} (so most windows tie), with NaN, +-Infinity and -0 sprinkled in, and one channel of the first image all -Infinity. */
function tieData(shape: number[]): Tensor {
  const v = new Float32Array(size(shape));
  const c = shape[3]!;
  for (let i = 0; i < v.length; i++) {
    const r = rand();
    v[i] = r < 0.03 ? NaN : r < 0.06 ? -Infinity : r < 0.07 ? Infinity : r < 0.1 ? -0 : Math.floor(rand() * 5) - 2;
  }
  for (let i = c - 1; i < size(shape.slice(1)); i += c) v[i] = -Infinity;
  return new Tensor(shape, 'float32', v);
}
/** Small integers (exact sums), with -0 and NaN sprinkled in. */
function gradData(shape: number[]): Tensor {
  const v = new Float32Array(size(shape));
  for (let i = 0; i < v.length; i++) {
    const r = rand();
    v[i] = r < 0.02 ? NaN : r < 0.08 ? -0 : Math.floor(rand() * 17) - 8;
  }
  return new Tensor(shape, 'float32', v);
}

function run(name: KernelName, impl: AnyKernelImpl, inputs: Record<string, Tensor>, attrs: unknown): Tensor {
  const [out] = outputsFor(name, inputs, attrs) as [Tensor];
  // a sentinel: every element must be written
  out.values.fill(1234.5);
  assert.notEqual(impl(inputs, attrs, [out]), false, `${name} declined`);
  return out;
}
const nat = (name: KernelName, inputs: Record<string, Tensor>, attrs: unknown) => run(name, native!.kernels[name] as AnyKernelImpl, inputs, attrs);
const ref = (name: KernelName, inputs: Record<string, Tensor>, attrs: unknown) => run(name, referenceKernels[name] as AnyKernelImpl, inputs, attrs);

function assertSame(a: Tensor, e: Tensor, label: string): void {
  assert.deepEqual(a.shape, e.shape, `${label}: shape`);
  for (let i = 0; i < e.size; i++) if (!Object.is(a.values[i], e.values[i])) assert.fail(`${label}: [${i}] native ${a.values[i]} vs expected ${e.values[i]}`);
}
function assertClose(a: Tensor, e: Tensor, label: string): void {
  assert.deepEqual(a.shape, e.shape, `${label}: shape`);
  for (let i = 0; i < e.size; i++) {
    const x = a.values[i]!, y = e.values[i]!;
    const ok = Number.isNaN(y) ? Number.isNaN(x) : !Number.isFinite(y) ? x === y : Math.abs(x - y) <= 1e-6 * Math.max(1, Math.abs(y));
    if (!ok) assert.fail(`${label}: [${i}] native ${x} vs reference ${y}`);
  }
}

const forEachIsa = (body: (isa: string) => void) => forEachIsaOf(native!, body);
const withThreads = <T>(n: number, f: () => T): T => withThreadsOf(native!, n, f);

interface PoolCase {x: number[]; poolSize: [number, number]; strides: [number, number]; padding: 'same' | 'valid'}
const cases: PoolCase[] = [
  // the seed CNN's pooling, smaller; and with odd sizes (a bottom row and right column in no window)
  {x: [2, 8, 8, 64], poolSize: [2, 2], strides: [2, 2], padding: 'valid'},
  {x: [2, 9, 7, 17], poolSize: [2, 2], strides: [2, 2], padding: 'valid'},
  {x: [2, 9, 7, 3], poolSize: [2, 2], strides: [2, 2], padding: 'same'},
  {x: [1, 5, 5, 1], poolSize: [2, 2], strides: [2, 2], padding: 'valid'},
  // overlapping 3x3 stride 2, both paddings
  {x: [2, 9, 11, 100], poolSize: [3, 3], strides: [2, 2], padding: 'same'},
  {x: [2, 10, 7, 17], poolSize: [3, 3], strides: [2, 2], padding: 'valid'},
  {x: [1, 6, 6, 1], poolSize: [3, 3], strides: [2, 2], padding: 'same'},
  // non-overlapping with `same` padding on the top and left (pad 1 of 2)
  {x: [2, 7, 7, 33], poolSize: [3, 3], strides: [3, 3], padding: 'same'},
  // stride above the window: gaps of cells in no window
  {x: [2, 9, 10, 3], poolSize: [2, 2], strides: [3, 3], padding: 'same'},
  {x: [1, 7, 8, 24], poolSize: [1, 2], strides: [3, 2], padding: 'valid'},
  // overlap along one axis only; a rectangular window; stride 1
  {x: [2, 10, 11, 17], poolSize: [3, 2], strides: [1, 2], padding: 'valid'},
  {x: [1, 6, 5, 8], poolSize: [2, 3], strides: [1, 1], padding: 'same'},
  {x: [1, 5, 6, 64], poolSize: [5, 5], strides: [1, 1], padding: 'same'},
  // a window as large as the input
  {x: [2, 3, 4, 5], poolSize: [3, 4], strides: [1, 1], padding: 'valid'},
];

test('native pooling matches the reference on every ISA: ties, NaN, infinities, -0, odd channels and sizes, padding, overlap', {skip}, () => {
  const isas = forEachIsa((isa) => {
    rand = xorshift32(77);
    for (const c of cases) {
      const a = {poolSize: c.poolSize, strides: c.strides, padding: c.padding};
      const label = `${isa} x=${c.x} pool=${c.poolSize} s=${c.strides} ${c.padding}`;
      const x = tieData(c.x);
      const y = ref('MaxPool', {x}, a);
      assertSame(nat('MaxPool', {x}, a), y, `MaxPool ${label}`);
      const dy = gradData([...y.shape]);
      assertSame(nat('MaxPoolGrad', {x, dy}, a), ref('MaxPoolGrad', {x, dy}, a), `MaxPoolGrad ${label}`);
      assertClose(nat('AvgPool', {x}, a), ref('AvgPool', {x}, a), `AvgPool ${label}`);
      const ga = {...a, inputShape: c.x};
      assertClose(nat('AvgPoolGrad', {dy}, ga), ref('AvgPoolGrad', {dy}, ga), `AvgPoolGrad ${label}`);
      // random real data: AvgPoolGrad's one-pass writes, the overlapping sums
      const xr = new Tensor(c.x, 'float32', Float32Array.from({length: size(c.x)}, () => rand() * 2 - 1));
      const dyr = new Tensor([...y.shape], 'float32', Float32Array.from({length: y.size}, () => rand() * 2 - 1));
      assertClose(nat('MaxPoolGrad', {x: xr, dy: dyr}, a), ref('MaxPoolGrad', {x: xr, dy: dyr}, a), `MaxPoolGrad random ${label}`);
      assertClose(nat('AvgPoolGrad', {dy: dyr}, ga), ref('AvgPoolGrad', {dy: dyr}, ga), `AvgPoolGrad random ${label}`);
    }
  });
  assert.ok(isas.includes('scalar') || isas.includes(native!.isa), `ISAs tried: ${isas}`);
});

test('native pooling: 1 and 2 threads give identical results on every ISA', {skip}, () => {
  // large enough that the images are split over the threads (the kernels stay on one thread below 2^16 elements of work)
  const big: PoolCase[] = [
    {x: [5, 16, 16, 64], poolSize: [2, 2], strides: [2, 2], padding: 'valid'},
    {x: [4, 15, 13, 100], poolSize: [3, 3], strides: [2, 2], padding: 'same'},
  ];
  forEachIsa((isa) => {
    for (const c of big) {
      const a = {poolSize: c.poolSize, strides: c.strides, padding: c.padding};
      const ga = {...a, inputShape: c.x};
      const label = `${isa} x=${c.x} pool=${c.poolSize} s=${c.strides} ${c.padding}`;
      const x = tieData(c.x);
      const dy = gradData([...ref('MaxPool', {x}, a).shape]);
      const all = () => [nat('MaxPool', {x}, a), nat('MaxPoolGrad', {x, dy}, a), nat('AvgPool', {x}, a), nat('AvgPoolGrad', {dy}, ga)];
      const one = withThreads(1, all), two = withThreads(2, all);
      one.forEach((t, i) => assertSame(two[i]!, t, `kernel ${i} ${label}`));
      assertSame(one[1]!, ref('MaxPoolGrad', {x, dy}, a), `MaxPoolGrad ${label}`);
    }
  });
});
