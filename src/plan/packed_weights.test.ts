/**
 * Inference plans stamp each FusedDense with its kernel variable's version, and a compiled backend
 * (native, wasm) then keeps the kernel packed into the GEMM's panels from run to run
 * (FusedDensePacked): the same sums as packing it on every call, so `predict` from a plan equals
 * eager `predict` bit for bit, and stays equal after the weights change through `fit`,
 * `setWeights`, a variable's `assign` and `loadWeights` (each must invalidate the packed copy).
 */
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';
import {backendName, getBackend, setBackend} from '../backends/registry.js';
import * as L from '../layers/index.js';
import {Sequential} from '../models/sequential.js';
import {setRandomSeed} from '../tensor/random.js';
import {Tensor} from '../tensor/tensor.js';
import type {AnyKernelImpl} from '../backends/backend.js';
import {referenceKernels} from '../backends/reference/index.js';
import {outputsFor, runImpl, xorshift32} from '../testing/kernel_test.js';
import '../models/index.js';

const ACTIVE = backendName();
const BACKENDS = ACTIVE === 'native' ? ['reference', 'native'] : [ACTIVE];

const rand = xorshift32(20261204);
const floats = (shape: number[]) => new Tensor(shape, 'float32', Float32Array.from({length: shape.reduce((a, b) => a * b, 1)}, () => rand() - 0.5));

function build(jitCompile: boolean | 'auto'): Sequential {
  // widths that leave partial panels and tiles (45 and 10 columns, 13 rows a batch)
  const m = new Sequential([new L.Dense(45, {activation: 'relu', inputShape: [37]}), new L.Dense(10, {activation: 'softmax'})]);
  m.compile({optimizer: 'rmsprop', loss: 'categorical_crossentropy', jitCompile});
  return m;
}

const bits = (t: Tensor | Tensor[]) => Array.from((Array.isArray(t) ? t[0]! : t).values);

for (const backend of BACKENDS) {
  test(`${backend}: predict from a plan (packed Dense kernels) equals eager predict bit for bit as the weights change`, async () => {
    const prev = backendName();
    setBackend(backend);
    const dir = mkdtempSync(join(tmpdir(), 'keras-ts-packed-'));
    try {
      setRandomSeed(3);
      const compiled = build('auto'), eager = build(false);
      const x = floats([65, 37]), y = floats([65, 10]);
      let last: number[] = [];
      const check = async (what: string) => {
        eager.setWeights(compiled.getWeights());
        // 5 batches of 13: the first two of a signature run eagerly, the rest from its plan
        const a = bits(await compiled.predict(x, {batchSize: 13, verbose: 0}));
        const b = bits(await eager.predict(x, {batchSize: 13, verbose: 0}));
        assert.deepEqual(a, b, `${what}: compiled and eager predict`);
        assert.notDeepEqual(a, last, `${what}: the weights changed the predictions`);
        last = a;
      };
      await check('built');
      assert.ok(compiled.trainerState!.plans!.counts.planned > 0, 'predict ran from a plan');
      await compiled.fit(x, y, {batchSize: 13, epochs: 1, verbose: 0});
      await check('fit');
      compiled.setWeights(compiled.getWeights().map((w) => new Tensor(w.shape, 'float32', Float32Array.from(w.values, (v) => v * 0.5))));
      await check('setWeights');
      const kernel = compiled.layers[1]!.weights[0]!;
      kernel.assign(new Tensor(kernel.shape, 'float32', Float32Array.from(kernel.value.values, (v) => -v)));
      await check('assign');
      setRandomSeed(9);
      const other = build(false);
      const path = join(dir, 'other.weights.h5');
      await other.saveWeights(path);
      await compiled.loadWeights(path);
      await check('loadWeights');
    } finally {
      rmSync(dir, {recursive: true, force: true});
      setBackend(prev);
    }
  });
}

// The kernel itself: a stamped FusedDense reads the packed copy while its stamp stays (so a change
// the stamp does not show is not seen: the test's proof that the copy is used) and packs again when it
// changes; every result equals the unstamped kernel's bit for bit, on 1 and 2 threads (130x1200x100:
// four k blocks, which the packed AVX-512 path sums per tile in one microkernel call, and partial tiles).
if (ACTIVE === 'native' || ACTIVE === 'wasm') {
  test(`${ACTIVE}: FusedDense with a kernel version stamp packs once and equals the unstamped kernel bit for bit`, () => {
    const be = getBackend();
    const run = be.kernels.FusedDense!;
    const pool = be as {getNumThreads?(): number};
    const was = pool.getNumThreads?.();
    const threads = be.setNumThreads ? [1, 2] : [1];
    try {
      for (const t of threads) {
        be.setNumThreads?.(t);
        for (const [m, k, n] of [[1, 784, 512], [13, 37, 45], [128, 512, 10], [30, 1, 33], [200, 300, 70], [130, 1200, 100]] as const) {
          const x = floats([m, k]), bias = floats([n]);
          const kernel = floats([k, n]);
          const plain = new Tensor([m, n], 'float32', new Float32Array(m * n));
          const packed = new Tensor([m, n], 'float32', new Float32Array(m * n));
          for (const activation of ['linear', 'relu'] as const) {
            run({x, kernel, bias}, {activation}, [plain]);
            run({x, kernel, bias}, {activation, kernelVersion: 1e9 + t}, [packed]);
            assert.deepEqual(Array.from(packed.values), Array.from(plain.values), `${m}x${k}x${n} ${activation}, ${t} threads`);
          }
          const before = Array.from(packed.values);
          kernel.values.forEach((v, i, a) => (a[i] = v * 2)); // in place, the stamp kept: the packed copy is stale
          run({x, kernel, bias}, {activation: 'relu', kernelVersion: 1e9 + t}, [packed]);
          assert.deepEqual(Array.from(packed.values), before, `${m}x${k}x${n}: the packed copy was used`);
          run({x, kernel, bias}, {activation: 'relu', kernelVersion: 2e9 + t}, [packed]);
          run({x, kernel, bias}, {activation: 'relu'}, [plain]);
          assert.deepEqual(Array.from(packed.values), Array.from(plain.values), `${m}x${k}x${n}: packed again for the new stamp`);
          assert.notDeepEqual(Array.from(packed.values), before);
        }
      }
    } finally {
      if (was !== undefined) be.setNumThreads?.(was);
    }
  });
}

// FusedConv2DMaxPool with `pooledOnly` (y read by nothing else): the same pooled values, bit for bit,
// with y left unwritten (valid, strided and padded, pointwise and dilated geometries; 1 and 2 threads)
if (ACTIVE === 'native' || ACTIVE === 'wasm') {
  test(`${ACTIVE}: FusedConv2DMaxPool pooledOnly gives the pooled values of the full kernel bit for bit`, () => {
    const be = getBackend();
    const run = be.kernels.FusedConv2DMaxPool! as AnyKernelImpl;
    const was = (be as {getNumThreads?(): number}).getNumThreads?.();
    const cases = [
      // x, filter, strides, padding, dilations, poolSize, pool strides, pool padding
      [[3, 12, 11, 5], [3, 3, 5, 37], [1, 1], 'valid', [1, 1], [2, 2], [2, 2], 'valid'],
      [[2, 9, 10, 4], [3, 2, 4, 20], [2, 1], 'same', [1, 1], [3, 3], [2, 2], 'same'],
      [[2, 7, 7, 6], [1, 1, 6, 70], [1, 1], 'valid', [1, 1], [2, 2], [1, 1], 'valid'],
      [[2, 10, 10, 3], [3, 3, 3, 8], [1, 1], 'valid', [2, 2], [2, 2], [2, 2], 'valid'],
    ] as const;
    try {
      for (const t of be.setNumThreads ? [1, 2] : [1]) {
        be.setNumThreads?.(t);
        for (const [xs, fs, strides, padding, dilations, poolSize, poolStrides, poolPadding] of cases) {
          const x = floats([...xs]), filter = floats([...fs]), bias = floats([fs[3]]);
          const attrs = {
            strides: [...strides], padding, dilations: [...dilations], activation: 'relu',
            pool: {poolSize: [...poolSize], strides: [...poolStrides], padding: poolPadding},
          };
          const [, full] = runImpl('FusedConv2DMaxPool', run, {x, filter, bias}, attrs);
          const [y, only] = outputsFor('FusedConv2DMaxPool', {x, filter, bias}, attrs);
          y!.values.fill(7);
          run({x, filter, bias}, {...attrs, pooledOnly: true}, [y!, only!]);
          const what = `x ${xs} filter ${fs} ${padding}, ${t} threads`;
          assert.deepEqual(Array.from(only!.values), Array.from(full!.values), what);
          assert.ok(y!.values.every((v) => v === 7), `${what}: y left unwritten`);
        }
      }
    } finally {
      if (was !== undefined) be.setNumThreads?.(was);
    }
  });
}

// FusedConv2DPairMaxPool with `pooledOnly` (a predict plan's two convolutions and pooling, neither
// convolution's output read by anything else): one call, each image through all three, the pooled
// values bit for bit those of FusedConv2D then FusedConv2DMaxPool, y0 and y left unwritten; close
// to the reference's. Geometries: the seed CNN's pair, padded and strided, a 1 x 1 first or second
// convolution (whole-batch products), dilation, linear activations; 1 and 2 threads.
if (ACTIVE === 'native' || ACTIVE === 'wasm') {
  test(`${ACTIVE}: FusedConv2DPairMaxPool pooledOnly gives the pooled values of its two kernels bit for bit`, () => {
    const be = getBackend();
    const pair = be.kernels.FusedConv2DPairMaxPool! as AnyKernelImpl, conv = be.kernels.FusedConv2D! as AnyKernelImpl;
    const convPool = be.kernels.FusedConv2DMaxPool! as AnyKernelImpl;
    const was = (be as {getNumThreads?(): number}).getNumThreads?.();
    const spec = (filter: number[], strides: number[], padding: string, dilations: number[], activation: string) => ({filter, strides, padding, dilations, activation});
    const cases = [
      // x, first convolution, second convolution, pooling
      [[3, 14, 13, 1], spec([3, 3, 1, 32], [1, 1], 'valid', [1, 1], 'relu'), spec([3, 3, 32, 64], [1, 1], 'valid', [1, 1], 'relu'), [[2, 2], [2, 2], 'valid']],
      [[2, 9, 10, 4], spec([3, 2, 4, 20], [2, 1], 'same', [1, 1], 'relu'), spec([2, 3, 20, 17], [1, 2], 'same', [1, 1], 'linear'), [[3, 3], [2, 2], 'same']],
      [[2, 7, 7, 6], spec([1, 1, 6, 12], [1, 1], 'valid', [1, 1], 'relu'), spec([3, 3, 12, 9], [1, 1], 'valid', [1, 1], 'relu'), [[2, 2], [1, 1], 'valid']],
      [[2, 8, 6, 3], spec([3, 3, 3, 8], [1, 1], 'same', [1, 1], 'linear'), spec([1, 1, 8, 40], [1, 1], 'valid', [1, 1], 'relu'), [[2, 2], [2, 2], 'valid']],
      [[1, 12, 12, 3], spec([3, 3, 3, 8], [1, 1], 'valid', [2, 2], 'relu'), spec([3, 3, 8, 5], [1, 1], 'valid', [1, 2], 'linear'), [[2, 2], [2, 2], 'valid']],
    ] as const;
    try {
      for (const t of be.setNumThreads ? [1, 2] : [1]) {
        be.setNumThreads?.(t);
        for (const [xs, c0, c, [poolSize, poolStrides, poolPadding]] of cases) {
          const x = floats([...xs]), filter0 = floats([...c0.filter]), bias0 = floats([c0.filter[3]!]);
          const filter = floats([...c.filter]), bias = floats([c.filter[3]!]);
          const first = {strides: [...c0.strides], padding: c0.padding, dilations: [...c0.dilations], activation: c0.activation};
          const attrs = {
            strides: [...c.strides], padding: c.padding, dilations: [...c.dilations], activation: c.activation, first,
            pool: {poolSize: [...poolSize], strides: [...poolStrides], padding: poolPadding},
          };
          const [y0] = runImpl('FusedConv2D', conv, {x, filter: filter0, bias: bias0}, first);
          const [, want] = runImpl('FusedConv2DMaxPool', convPool, {x: y0!, filter, bias}, attrs);
          const inputs = {x, filter0, bias0, filter, bias};
          const outs = outputsFor('FusedConv2DPairMaxPool', inputs, attrs);
          outs[0]!.values.fill(7);
          outs[1]!.values.fill(7);
          pair(inputs, {...attrs, pooledOnly: true}, outs);
          const what = `x ${xs} filters ${c0.filter} / ${c.filter}, ${t} threads`;
          assert.deepEqual(Array.from(outs[2]!.values), Array.from(want!.values), what);
          assert.ok(outs[0]!.values.every((v) => v === 7) && outs[1]!.values.every((v) => v === 7), `${what}: y0 and y left unwritten`);
          // all three outputs when asked for them
          const [a0, a1, a2] = runImpl('FusedConv2DPairMaxPool', pair, inputs, attrs);
          assert.deepEqual([a0, a1, a2].map((o) => Array.from(o!.values)), [y0, ...runImpl('FusedConv2DMaxPool', convPool, {x: y0!, filter, bias}, attrs)].map((o) => Array.from(o!.values)), `${what}: all outputs`);
          const [, , r] = runImpl('FusedConv2DPairMaxPool', referenceKernels.FusedConv2DPairMaxPool as AnyKernelImpl, inputs, attrs);
          outs[2]!.values.forEach((v, i) => assert.ok(Math.abs(v - r!.values[i]!) <= 1e-4, `${what}: [${i}] ${v} vs reference ${r!.values[i]}`));
        }
      }
    } finally {
      if (was !== undefined) be.setNumThreads?.(was);
    }
  });
}

// A CNN's predict plan takes the pooled output alone from FusedConv2DMaxPool (nothing else reads the
// convolution's output at inference), its training plans both; predict equals eager bit for bit.
for (const backend of BACKENDS.filter((b) => b !== 'reference')) {
  test(`${backend}: a CNN's predict plan pools without storing the convolution's output, equal to eager bit for bit`, async () => {
    const prev = backendName();
    setBackend(backend);
    const kernels = getBackend().kernels as Record<string, AnyKernelImpl>;
    const real = kernels['FusedConv2DMaxPool']!;
    const seen: unknown[] = [];
    kernels['FusedConv2DMaxPool'] = (i, a: {pooledOnly?: boolean}, o) => {
      seen.push(a.pooledOnly);
      return real(i, a, o);
    };
    try {
      const build = (jitCompile: boolean | 'auto') => {
        setRandomSeed(5);
        const m = new Sequential([
          new L.Conv2D(6, [3, 3], {activation: 'relu', inputShape: [9, 9, 2]}),
          new L.MaxPooling2D([2, 2]),
          new L.Flatten(),
          new L.Dense(4, {activation: 'softmax'}),
        ]);
        m.compile({optimizer: 'sgd', loss: 'categorical_crossentropy', jitCompile});
        return m;
      };
      const compiled = build('auto'), eager = build(false);
      const x = floats([20, 9, 9, 2]), y = floats([20, 4]);
      await compiled.fit(x, y, {batchSize: 4, epochs: 1, verbose: 0});
      assert.ok(seen.length > 0 && !seen.includes(true), 'training plans keep y (its gradient reads it)');
      seen.length = 0;
      eager.setWeights(compiled.getWeights());
      const a = bits(await compiled.predict(x, {batchSize: 4, verbose: 0}));
      const b = bits(await eager.predict(x, {batchSize: 4, verbose: 0}));
      assert.ok(seen.length > 0 && !seen.includes(false) && !seen.includes(undefined), 'the predict plan asks for the pooled output alone');
      assert.deepEqual(a, b);
    } finally {
      kernels['FusedConv2DMaxPool'] = real;
      setBackend(prev);
    }
  });
}
