import assert from 'node:assert/strict';
import {test} from 'node:test';
import type {BernoulliMaskAttrs} from '../../kernels/defs/random.js';
import type {KernelName} from '../../kernels/index.js';
import {Tensor} from '../../tensor/tensor.js';
import type {AnyKernelImpl} from '../backend.js';
import {referenceKernels} from '../reference/index.js';
import {forEachIsa as forEachIsaOf, nativeForTests, runImpl, withThreads as withThreadsOf, xorshift32} from '../../testing/kernel_test.js';

// The implicit-GEMM convolutions (native/src/conv.cpp) and the SIMD Philox masks
// (native/src/philox_impl.inc) against the reference backend, on every instruction set of this CPU:
// shapes on and off the microkernel tiles (12 x 32, 6 x 16, 4 x 16, 8 x 12), one input channel (the
// first layer), channel counts that are not multiples of the vector width, filter rows above one
// k-block (384), padding, strides, dilation, and the pixel partitions of the filter gradient.
const {native, skip} = nativeForTests('native convolution tests');

const rand = xorshift32(2024);
function randT(shape: number[]): Tensor {
  const v = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < v.length; i++) v[i] = 2 * rand() - 1;
  return new Tensor(shape, 'float32', v);
}

const run = (name: KernelName, impl: AnyKernelImpl, inputs: Record<string, Tensor>, attrs: unknown) => runImpl(name, impl, inputs, attrs)[0]!;
const nat = (name: KernelName, inputs: Record<string, Tensor>, attrs: unknown) => run(name, native!.kernels[name] as AnyKernelImpl, inputs, attrs);
const ref = (name: KernelName, inputs: Record<string, Tensor>, attrs: unknown) => run(name, referenceKernels[name] as AnyKernelImpl, inputs, attrs);

function assertClose(a: Tensor, e: Tensor, label: string, atol: number): void {
  assert.deepEqual(a.shape, e.shape, `${label}: shape`);
  for (let i = 0; i < e.size; i++) {
    const x = a.values[i]!, y = e.values[i]!;
    if (!(Math.abs(x - y) <= atol + 1e-5 * Math.abs(y))) assert.fail(`${label}: [${i}] native ${x} vs reference ${y}`);
  }
}
function assertSame(a: Tensor, b: Tensor, label: string): void {
  for (let i = 0; i < a.size; i++) if (!Object.is(a.values[i], b.values[i])) assert.fail(`${label}: [${i}] ${a.values[i]} !== ${b.values[i]}`);
}

const forEachIsa = (body: (isa: string) => void) => forEachIsaOf(native!, body);
const withThreads = <T>(n: number, f: () => T): T => withThreadsOf(native!, n, f);

interface ConvCase {x: number[]; f: number[]; strides: [number, number]; padding: 'same' | 'valid'; dilations: [number, number]}
const cases: ConvCase[] = [
  // the seed CNN's first layer, smaller: one input channel, K = 9, 26 pixels a row (not a tile multiple)
  {x: [3, 28, 28, 1], f: [3, 3, 1, 32], strides: [1, 1], padding: 'valid', dilations: [1, 1]},
  // its second layer, smaller: 32 channels, so MR-row blocks of the filter straddle taps
  {x: [2, 12, 10, 32], f: [3, 3, 32, 64], strides: [1, 1], padding: 'valid', dilations: [1, 1]},
  // channels and filters off every vector width, 'same' padding, strides, dilation
  {x: [2, 9, 11, 3], f: [3, 3, 3, 17], strides: [1, 1], padding: 'same', dilations: [1, 1]},
  {x: [1, 10, 9, 7], f: [3, 2, 7, 33], strides: [2, 1], padding: 'same', dilations: [1, 1]},
  {x: [2, 11, 12, 5], f: [3, 3, 5, 3], strides: [1, 2], padding: 'valid', dilations: [2, 1]},
  {x: [1, 13, 12, 6], f: [2, 3, 6, 40], strides: [3, 2], padding: 'same', dilations: [2, 2]},
  // fewer output pixels than one microkernel tile
  {x: [1, 3, 4, 2], f: [3, 3, 2, 5], strides: [1, 1], padding: 'valid', dilations: [1, 1]},
  // K = 5 * 5 * 20 = 500 filter rows: two k-blocks in the forward product
  {x: [1, 9, 8, 20], f: [5, 5, 20, 9], strides: [1, 1], padding: 'same', dilations: [1, 1]},
  // cout = 400: two cout-blocks in the input gradient's product
  {x: [1, 5, 4, 2], f: [2, 2, 2, 400], strides: [1, 1], padding: 'same', dilations: [1, 1]},
  // a window larger than the padded input along one axis's stride: every tap of some pixels in padding
  {x: [2, 4, 4, 3], f: [4, 4, 3, 6], strides: [2, 2], padding: 'same', dilations: [1, 1]},
  // output rows of 24 pixels (the seed CNN's second layer, 2 rows high): whole 12-pixel blocks in one
  // row, read in place by the AVX-512 kernel; then wide rows with padding, strides and dilation, where
  // only the blocks clear of the padding and of a row's end are read in place
  {x: [2, 4, 26, 32], f: [3, 3, 32, 64], strides: [1, 1], padding: 'valid', dilations: [1, 1]},
  {x: [1, 5, 60, 6], f: [3, 3, 6, 40], strides: [1, 2], padding: 'same', dilations: [1, 2]},
];

test('native convolutions (forward, fused, both gradients) match the reference, every ISA', {skip}, () => {
  forEachIsa((isa) => {
    for (const c of cases) {
      const x = randT(c.x), f = randT(c.f), b = randT([c.f[3]!]);
      const a = {strides: c.strides, padding: c.padding, dilations: c.dilations};
      const label = `${isa} x=${c.x} f=${c.f} s=${c.strides} d=${c.dilations} ${c.padding}`;
      const K = c.f[0]! * c.f[1]! * c.f[2]!;
      const y = ref('Conv2D', {x, filter: f}, a);
      assertClose(nat('Conv2D', {x, filter: f}, a), y, `Conv2D ${label}`, 1e-5 * Math.sqrt(K));
      for (const activation of ['linear', 'relu'] as const) {
        assertClose(nat('FusedConv2D', {x, filter: f, bias: b}, {...a, activation}), ref('FusedConv2D', {x, filter: f, bias: b}, {...a, activation}),
          `FusedConv2D ${activation} ${label}`, 1e-5 * Math.sqrt(K));
      }
      const dy = randT([...y.shape]);
      assertClose(nat('Conv2DBackpropInput', {dy, filter: f}, {...a, inputShape: c.x}), ref('Conv2DBackpropInput', {dy, filter: f}, {...a, inputShape: c.x}),
        `Conv2DBackpropInput ${label}`, 1e-5 * Math.sqrt(K * c.f[3]!));
      const rows = y.size / c.f[3]!;
      assertClose(nat('Conv2DBackpropFilter', {x, dy}, {...a, filterShape: c.f}), ref('Conv2DBackpropFilter', {x, dy}, {...a, filterShape: c.f}),
        `Conv2DBackpropFilter ${label}`, 1e-5 * Math.sqrt(rows));
    }
  });
});

test('native Conv2D and Conv2DBackpropFilter: the AVX-512 kernels reading pixels in place (runs within output rows) run the same sums as the packed AVX2 path', {skip}, () => {
  // the first layer's rows of 26 pixels: blocks of 12 split where a row ends
  for (const c of [cases[0]!, ...cases.slice(-3)]) {
    const x = randT(c.x), f = randT(c.f), b = randT([c.f[3]!]);
    const a = {strides: c.strides, padding: c.padding, dilations: c.dilations, activation: 'relu'};
    const by: Record<string, Tensor> = {}, df: Record<string, Tensor> = {};
    const dy = randT([...ref('Conv2D', {x, filter: f}, a).shape]);
    forEachIsa((isa) => {
      by[isa] = nat('FusedConv2D', {x, filter: f, bias: b}, a);
      df[isa] = nat('Conv2DBackpropFilter', {x, dy}, {...a, filterShape: c.f});
    });
    if (by['avx512'] && by['avx2']) assertSame(by['avx512'], by['avx2'], `FusedConv2D x=${c.x} f=${c.f}`);
    if (df['avx512'] && df['avx2']) assertSame(df['avx512'], df['avx2'], `Conv2DBackpropFilter x=${c.x} f=${c.f}`);
  }
});

test('native convolutions: 1 and 2 threads give identical results (filter gradient split over pixels too)', {skip}, () => {
  // x [4, 34, 34, 1] with a 3 x 3 x 1 x 8 filter: 4096 pixels and one output tile, so the filter
  // gradient is split into pixel partitions summed in a fixed order; the second case splits tiles
  for (const c of [cases[0]!, {...cases[0]!, x: [4, 34, 34, 1], f: [3, 3, 1, 8]}, cases[1]!, cases[3]!]) {
    const x = randT(c.x), f = randT(c.f);
    const a = {strides: c.strides, padding: c.padding, dilations: c.dilations};
    const dy = randT([...ref('Conv2D', {x, filter: f}, a).shape]);
    const label = `x=${c.x} f=${c.f}`;
    assertSame(withThreads(1, () => nat('Conv2D', {x, filter: f}, a)), withThreads(2, () => nat('Conv2D', {x, filter: f}, a)), `Conv2D ${label}`);
    const gi = (t: number) => withThreads(t, () => nat('Conv2DBackpropInput', {dy, filter: f}, {...a, inputShape: c.x}));
    assertSame(gi(1), gi(2), `Conv2DBackpropInput ${label}`);
    const gf = (t: number) => withThreads(t, () => nat('Conv2DBackpropFilter', {x, dy}, {...a, filterShape: c.f}));
    const one = gf(1);
    assertSame(one, gf(2), `Conv2DBackpropFilter ${label}`);
    assertSame(one, gf(3), `Conv2DBackpropFilter 3 threads ${label}`);
    assertClose(one, ref('Conv2DBackpropFilter', {x, dy}, {...a, filterShape: c.f}), `Conv2DBackpropFilter ${label}`, 1e-5 * Math.sqrt(dy.size));
  }
});

test('native BernoulliMask is bit-identical to the reference on every ISA (vector blocks, tails, thread splits)', {skip}, () => {
  const sizes = [1, 2, 15, 16, 17, 31, 32, 33, 63, 64, 65, 1000, 32769, 70001];
  forEachIsa((isa) => {
    for (const threads of [1, 3]) {
      withThreads(threads, () => {
        for (const n of sizes) {
          for (const [keepProb, k0, k1] of [[0.75, 1, 2], [0.5, 0xffffffff, 0x12345678], [1e-9, 7, 0], [1, 3, 4], [0, 5, 6], [0.3, 0x80000000, 0x7fffffff]] as const) {
            const a: BernoulliMaskAttrs = {shape: [n], keepProb, dtype: 'float32', k0, k1};
            const r = ref('BernoulliMask', {}, a), m = nat('BernoulliMask', {}, a);
            for (let i = 0; i < n; i++) {
              if (m.values[i] !== r.values[i]) assert.fail(`${isa} ${threads} threads n=${n} keep=${keepProb} key=(${k0}, ${k1}): [${i}] native ${m.values[i]}, reference ${r.values[i]}`);
            }
          }
        }
      });
    }
  });
});

// The plan's fusions with relu's gradient (src/plan: MaxPoolGradRelu, Conv2DBackpropInputRelu): the
// same values, bit for bit, as the native kernel, then relu's mask (ActivationGrad's expression, the
// reference's: the native one declines tensors this small), on every instruction set and thread
// count; and the reference's fused kernels against the native ones.
test('native MaxPoolGradRelu and Conv2DBackpropInputRelu equal MaxPoolGrad / Conv2DBackpropInput then ActivationGrad relu', {skip}, () => {
  const relu = (t: Tensor) => {
    const v = new Float32Array(t.values as Float32Array);
    for (let i = 0; i < v.length; i++) v[i] = v[i]! > 0 ? v[i]! : 0;
    return new Tensor(t.shape, 'float32', v);
  };
  const act = {activation: 'relu'};
  forEachIsa((isa) => {
    for (const c of cases) {
      const y = relu(randT(c.x)), f = randT(c.f);
      const a = {strides: c.strides, padding: c.padding, dilations: c.dilations, inputShape: c.x};
      const dy = randT([...ref('Conv2D', {x: y, filter: f}, a).shape]);
      const label = `${isa} x=${c.x} f=${c.f}`;
      const two = ref('ActivationGrad', {dy: nat('Conv2DBackpropInput', {dy, filter: f}, a), y}, act);
      for (const t of [1, 3]) assertSame(withThreads(t, () => nat('Conv2DBackpropInputRelu', {dy, filter: f, y}, a)), two, `Conv2DBackpropInputRelu ${t} threads ${label}`);
      assertClose(two, ref('Conv2DBackpropInputRelu', {dy, filter: f, y}, a), `Conv2DBackpropInputRelu ${label}`, 1e-5 * Math.sqrt(c.f[3]! * 9));
    }
    const pools = [
      // the seed CNN's pool (2 x 2, stride 2), windows that do not overlap; channels off the vector width
      {x: [3, 24, 24, 64], poolSize: [2, 2], strides: [2, 2], padding: 'valid'},
      {x: [2, 7, 9, 19], poolSize: [2, 3], strides: [2, 3], padding: 'same'},
      // overlapping windows (the gradient accumulated, then masked)
      {x: [2, 9, 8, 5], poolSize: [3, 3], strides: [2, 2], padding: 'same'},
    ] as const;
    for (const p of pools) {
      const a = {poolSize: [...p.poolSize], strides: [...p.strides], padding: p.padding};
      const x = relu(randT([...p.x]));
      // ties: whole windows of zeros (relu's), and equal positive values
      for (let i = 0; i < x.size; i += 7) x.values[i] = x.values[i + 1 < x.size ? i + 1 : i]!;
      const dy = randT([...ref('MaxPool', {x}, a).shape]);
      const label = `${isa} pool x=${p.x} ${p.poolSize} ${p.strides} ${p.padding}`;
      const two = ref('ActivationGrad', {dy: nat('MaxPoolGrad', {x, dy}, a), y: x}, act);
      for (const t of [1, 3]) assertSame(withThreads(t, () => nat('MaxPoolGradRelu', {x, dy}, a)), two, `MaxPoolGradRelu ${t} threads ${label}`);
      assertClose(two, ref('MaxPoolGradRelu', {x, dy}, a), `MaxPoolGradRelu vs reference ${label}`, 1e-6);
    }
  });
});

// The plan's fusion of a MaxPool into the convolution before it (FusedConv2DMaxPool): both outputs bit
// for bit those of FusedConv2D then MaxPool, on every instruction set and thread count.
test('native FusedConv2DMaxPool equals FusedConv2D then MaxPool', {skip}, () => {
  const pools = [
    {poolSize: [2, 2], strides: [2, 2], padding: 'valid'},
    {poolSize: [3, 2], strides: [2, 1], padding: 'same'},
  ] as const;
  // and a 1 x 1 convolution (a plain GEMM, then the pooling)
  const all: ConvCase[] = [...cases, {x: [2, 6, 5, 3], f: [1, 1, 3, 8], strides: [1, 1], padding: 'valid', dilations: [1, 1]}];
  forEachIsa((isa) => {
    all.forEach((c, i) => {
      const x = randT(c.x), f = randT(c.f), b = randT([c.f[3]!]);
      const pool = {...pools[i % 2]!, poolSize: [...pools[i % 2]!.poolSize], strides: [...pools[i % 2]!.strides]};
      const a = {strides: c.strides, padding: c.padding, dilations: c.dilations, activation: 'relu'};
      const y = nat('FusedConv2D', {x, filter: f, bias: b}, a);
      if (y.shape[1]! < pool.poolSize[0]! || y.shape[2]! < pool.poolSize[1]!) return;
      const pooled = nat('MaxPool', {x: y}, pool), label = `${isa} x=${c.x} f=${c.f} pool ${pool.poolSize}`;
      for (const t of [1, 3]) {
        const [y2, p2] = withThreads(t, () => runImpl('FusedConv2DMaxPool', native!.kernels.FusedConv2DMaxPool as AnyKernelImpl, {x, filter: f, bias: b}, {...a, pool}));
        assertSame(y2!, y, `FusedConv2DMaxPool y ${t} threads ${label}`);
        assertSame(p2!, pooled, `FusedConv2DMaxPool pooled ${t} threads ${label}`);
      }
      const [, pr] = runImpl('FusedConv2DMaxPool', referenceKernels.FusedConv2DMaxPool as AnyKernelImpl, {x, filter: f, bias: b}, {...a, pool});
      assertClose(pooled, pr!, `FusedConv2DMaxPool vs reference ${label}`, 1e-5 * Math.sqrt(c.f[0]! * c.f[1]! * c.f[2]!));
    });
  });
});

// A predict plan's fusion of two convolutions and a pooling (FusedConv2DPairMaxPool, pooled only: each
// image through the three with its intermediate outputs in cache): the pooled values bit for bit those
// of FusedConv2D then FusedConv2DMaxPool, on every instruction set and thread count; the first
// convolution from the cases above (a 1 x 1 one too), the second 3 x 3 'same' into 11 channels.
test('native FusedConv2DPairMaxPool (pooled only) equals FusedConv2D then FusedConv2DMaxPool', {skip}, () => {
  const pool = {poolSize: [2, 2], strides: [2, 2], padding: 'valid'};
  const all: ConvCase[] = [...cases, {x: [2, 6, 5, 3], f: [1, 1, 3, 8], strides: [1, 1], padding: 'valid', dilations: [1, 1]}];
  forEachIsa((isa) => {
    all.forEach((c, i) => {
      const x = randT(c.x), f0 = randT(c.f), b0 = randT([c.f[3]!]), f = randT([3, 3, c.f[3]!, 11]), b = randT([11]);
      const first = {strides: c.strides, padding: c.padding, dilations: c.dilations, activation: 'relu'};
      const a = {strides: [1, 1], padding: 'same', dilations: [1, 1], activation: i % 2 ? 'linear' : 'relu', pool, first};
      const y0 = nat('FusedConv2D', {x, filter: f0, bias: b0}, first);
      if (y0.shape[1]! < 2 || y0.shape[2]! < 2) return;
      const [, want] = runImpl('FusedConv2DMaxPool', native!.kernels.FusedConv2DMaxPool as AnyKernelImpl, {x: y0, filter: f, bias: b}, a);
      for (const t of [1, 3]) {
        const [, , got] = withThreads(t, () =>
          runImpl('FusedConv2DPairMaxPool', native!.kernels.FusedConv2DPairMaxPool as AnyKernelImpl, {x, filter0: f0, bias0: b0, filter: f, bias: b}, {...a, pooledOnly: true}));
        assertSame(got!, want!, `FusedConv2DPairMaxPool ${t} threads ${isa} x=${c.x} f=${c.f}`);
      }
    });
  });
});

// dy whose rows are one packed panel (cout = 32, the AVX-512 panel width) is read in place only where
// it is aligned as a panel: a dy at any offset into its buffer gives the same filter gradient
test('native Conv2DBackpropFilter: the same result for dy at every alignment', {skip}, () => {
  const c = {x: [2, 6, 30, 4], f: [3, 3, 4, 32]};
  const a = {strides: [1, 1], padding: 'valid', dilations: [1, 1], filterShape: c.f};
  const x = randT(c.x), dy0 = randT([2, 4, 28, 32]);
  const want = nat('Conv2DBackpropFilter', {x, dy: dy0}, a);
  for (let off = 1; off < 16; off++) {
    const buf = new Float32Array(dy0.size + 16);
    const view = buf.subarray(off, off + dy0.size);
    view.set(dy0.values as Float32Array);
    assertSame(nat('Conv2DBackpropFilter', {x, dy: new Tensor(dy0.shape, 'float32', view)}, a), want, `dy at float offset ${off}`);
  }
});
