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
import {xorshift32} from '../testing/kernel_test.js';
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
// changes; every result equals the unstamped kernel's bit for bit, on 1 and 2 threads.
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
        for (const [m, k, n] of [[1, 784, 512], [13, 37, 45], [128, 512, 10], [30, 1, 33], [200, 300, 70]] as const) {
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
