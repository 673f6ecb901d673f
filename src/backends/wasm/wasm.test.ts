import assert from 'node:assert/strict';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, test} from 'node:test';
import {Tensor} from '../../tensor/tensor.js';
import {KERNEL_ABI, packAttrs} from '../compiled/abi.js';
import {compiledKernels} from '../compiled/index.js';
import {referenceKernels} from '../reference/index.js';
import {registerBackend, setBackend} from '../registry.js';
import {runImpl, xorshift32} from '../../testing/kernel_test.js';
import type {AnyKernelImpl} from '../backend.js';
import {loadWasmBackend} from './index.js';
import {loadWasmKernels, wasmPath} from './module.js';

// The wasm module's own behaviour: loading and its failures, the copies in and out of its memory,
// both builds. Every kernel is compared with the reference by the compiled kernels' tests
// (src/backends/native/*.test.ts), which run on wasm under KERAS_BACKEND=wasm.
const loaded = loadWasmBackend();
const skip = typeof loaded === 'string' ? `wasm kernels not built: ${loaded}` : false;
const tmp = mkdtempSync(join(tmpdir(), 'keras-ts-wasm-'));
after(() => rmSync(tmp, {recursive: true, force: true}));

const rand = xorshift32(99);
const randT = (shape: number[]) => new Tensor(shape, 'float32', Float32Array.from({length: shape.reduce((a, b) => a * b, 1)}, () => rand() * 2 - 1));

test('a missing or broken .wasm gives a one-line reason, and the registry falls back to reference saying so', () => {
  const missing = loadWasmKernels({dir: join(tmp, 'none')});
  assert.equal(typeof missing, 'string');
  assert.match(missing as string, /^the WebAssembly kernels are not built \(no .*keras_kernels\.simd128\.wasm; "npm run build" builds them/);
  writeFileSync(wasmPath('simd128', tmp), Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xff, 0xff]));
  const broken = loadWasmKernels({dir: tmp, variant: 'simd128'});
  assert.equal(typeof broken, 'string');
  assert.match(broken as string, /^the WebAssembly kernels at .*keras_kernels\.simd128\.wasm failed to compile: /);
  assert.ok(!(broken as string).includes('\n'));
  // a backend that cannot load, asked for with fallback: one line naming what was chosen and why
  const lines: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void lines.push(args.join(' '));
  try {
    registerBackend('wasm-broken', () => broken as string);
    const chosen = setBackend('wasm-broken', {fallback: true});
    assert.ok(['native', 'wasm', 'reference'].includes(chosen.name));
  } finally {
    console.warn = warn;
    setBackend('reference');
  }
  // the registry warns once per process: whichever test fell back first printed it
  for (const l of lines) assert.match(l, /^keras-ts: backend "wasm-broken" unavailable \(the WebAssembly kernels at .* failed to compile: .*\); using "(native|wasm|reference)"\.$/);
});

test('wasm: buffers that share storage are copied once, so an update in place stays in place', {skip}, () => {
  const addon = loadedAddon();
  // SGD with momentum, variable and slot updated in place: outputs are the inputs' own arrays
  const n = 300;
  const w = Float32Array.from({length: n}, (_, i) => Math.sin(i)), g = Float32Array.from({length: n}, (_, i) => Math.cos(i));
  const v = new Float32Array(n).fill(0.5);
  const w0 = Float32Array.from(w), v0 = Float32Array.from(v);
  addon.run(KERNEL_ABI.OptimizerUpdate.id, [w, g, v, w, v], packAttrs('OptimizerUpdate', {rule: 0, n, p0: 0.1, p1: 0.9, p2: 0, p3: 0}));
  for (let i = 0; i < n; i++) {
    const vi = Math.fround(Math.fround(0.9 * v0[i]!) - Math.fround(0.1 * g[i]!));
    assert.ok(Math.abs(v[i]! - vi) < 1e-6, `slot ${i}`);
    assert.ok(Math.abs(w[i]! - (w0[i]! + vi)) < 1e-6, `variable ${i}`);
  }
  // partly overlapping views of one ArrayBuffer: a Concat whose pieces are views of its own output's
  // neighbour; every view sees the same bytes as in JavaScript
  const buf = new Float32Array(12).map((_, i) => i);
  const a = buf.subarray(0, 4), b = buf.subarray(2, 6), y = new Float32Array(8);
  addon.run(KERNEL_ABI.Concat.id, [a, b, y], packAttrs('Concat', {outer: 1, pieces: 2, rowTotal: 8, offset: 0}, [4, 4]));
  assert.deepEqual([...y], [0, 1, 2, 3, 2, 3, 4, 5]);
});

test('wasm: BernoulliMask (Philox in SIMD128) equals the reference bit for bit, both builds', {skip}, () => {
  const builds = (['simd128', 'relaxed-simd'] as const).map((variant) => {
    const k = loadWasmKernels({variant});
    if (typeof k === 'string') assert.fail(k);
    return compiledKernels(k).BernoulliMask!;
  });
  for (const shape of [[1], [3], [16], [17], [31, 33], [70001]]) {
    for (const [k0, k1] of [[0, 0], [42, 0x3c6ef372], [0xffffffff, 0xffffffff]] as [number, number][]) {
      for (const keepProb of [0, 1e-9, 0.3, 0.999999, 1]) {
        const a = {shape, keepProb, dtype: 'float32' as const, k0, k1, scale: keepProb > 0.5 ? Math.fround(1 / keepProb) : 1};
        const n = shape.reduce((p, d) => p * d, 1);
        const want = new Tensor(shape, 'float32', new Float32Array(n));
        referenceKernels.BernoulliMask({}, a, [want]);
        for (const run of builds) {
          const got = new Tensor(shape, 'float32', new Float32Array(n));
          assert.notEqual(run({}, a, [got]), false);
          for (let i = 0; i < n; i++) if (got.values[i] !== want.values[i]) assert.fail(`shape ${shape} key ${k0},${k1} keep ${keepProb}: element ${i}`);
        }
      }
    }
  }
});

test('wasm: BernoulliMaskMul equals the reference BernoulliMask then Mul bit for bit, both builds', {skip}, () => {
  const builds = (['simd128', 'relaxed-simd'] as const).map((variant) => {
    const k = loadWasmKernels({variant});
    if (typeof k === 'string') assert.fail(k);
    return compiledKernels(k).BernoulliMaskMul!;
  });
  const bits = (t: Tensor) => new Uint32Array(t.values.buffer, t.values.byteOffset, t.size);
  for (const n of [1, 3, 17, 4097, 70001]) {
    const x = randT([n]);
    [Number.NaN, Infinity, -0, 1e-40].forEach((v, i) => (x.values[(i * 31) % n] = v));
    for (const keepProb of [0, 0.3, 0.8, 1]) {
      const a = {shape: [n], keepProb, dtype: 'float32' as const, k0: 42, k1: 0x3c6ef372, scale: keepProb > 0.5 ? Math.fround(1 / keepProb) : 1};
      const t = () => new Tensor([n], 'float32', new Float32Array(n));
      const mask = t(), want = t();
      referenceKernels.BernoulliMask({}, a, [mask]);
      referenceKernels.Mul({a: x, b: mask}, {}, [want]);
      for (const run of builds) {
        const y = t(), m = t();
        assert.notEqual(run({x}, a, [y, m]), false);
        const [gy, wy, gm, wm] = [bits(y), bits(want), bits(m), bits(mask)];
        for (let i = 0; i < n; i++) if (gy[i] !== wy[i] || gm[i] !== wm[i]) assert.fail(`n ${n} keep ${keepProb}: element ${i}`);
      }
    }
  }
});

test('wasm: errors name the kernel and the wasm backend; bad lengths never reach memory', {skip}, () => {
  const addon = loadedAddon();
  const f = (k: number) => new Float32Array(k);
  assert.throws(() => addon.run(KERNEL_ABI.MatMul.id, [f(10), f(64), f(64)], Float64Array.from([1, 8, 8, 8, 0, 0, 0, 0, 0, 0])),
    /^Error: wasm MatMul: buffer 0 \(a\) holds 10 elements, the attributes need 64$/);
  assert.throws(() => addon.run(99, [], new Float64Array(0)), /unknown kernel id 99/);
  // still usable afterwards
  const y = f(4);
  addon.run(KERNEL_ABI.Unary.id, [Float32Array.from([-1, 2, -3, 4]), y], packAttrs('Unary', {op: 10, p0: 0, p1: 0}));
  assert.deepEqual([...y], [0, 2, 0, 4]);
});

test('wasm: the relaxed-SIMD and SIMD128 builds agree with the reference on MatMul and Conv2D', {skip}, () => {
  const variants = (['simd128', 'relaxed-simd'] as const).flatMap((variant) => {
    const addon = loadWasmKernels({variant});
    return typeof addon === 'string' ? [] : [{variant, addon}];
  });
  assert.ok(variants.some((v) => v.variant === 'simd128'));
  for (const {variant, addon} of variants) {
    registerBackend(`wasm-${variant}`, () => ({name: `wasm-${variant}`, kernels: compiledKernels(addon)}));
    const b = setBackend(`wasm-${variant}`);
    const cases: [string, Record<string, Tensor>, unknown][] = [
      ['MatMul', {a: randT([37, 53]), b: randT([53, 29])}, {transposeA: false, transposeB: false}],
      ['MatMul', {a: randT([3, 20, 16]), b: randT([16, 33])}, {transposeA: false, transposeB: false}],
      ['Conv2D', {x: randT([2, 9, 8, 3]), filter: randT([3, 3, 3, 7])}, {strides: [1, 1], padding: 'same', dilations: [1, 1]}],
    ];
    for (const [name, inputs, attrs] of cases) {
      const [y] = runImpl(name as 'MatMul', b.kernels[name as 'MatMul'] as AnyKernelImpl, inputs, attrs);
      const [r] = runImpl(name as 'MatMul', referenceKernels[name as 'MatMul'] as AnyKernelImpl, inputs, attrs);
      for (let i = 0; i < r!.size; i++) assert.ok(Math.abs(y!.values[i]! - r!.values[i]!) < 1e-4, `${variant} ${name} [${i}]`);
    }
  }
  setBackend('reference');
});

function loadedAddon() {
  return (loaded as Exclude<typeof loaded, string>).addon;
}


/** A threaded build for `threads` threads with its workers started, or null where it does not load. */
async function threadedBuild(variant: 'simd128-mt' | 'relaxed-simd-mt', threads: number) {
  const addon = loadWasmKernels({variant, threads});
  if (typeof addon === 'string') return null;
  await addon.threads!.ready();
  assert.deepEqual(addon.threads!.failures, []);
  return addon;
}

test('wasm threads: MatMul, Conv2D, LSTM and elementwise kernels on 2 threads equal 1 thread and the one-thread build bitwise; the worker ran chunks', {skip}, async () => {
  const mt = await threadedBuild('simd128-mt', 2);
  const serial = loadWasmKernels({variant: 'simd128'});
  assert.ok(mt && typeof serial !== 'string', 'the simd128 builds load');
  assert.equal(mt.variant, 'simd128-mt');
  assert.equal(mt.getNumThreads(), 2);
  assert.equal(serial.threads, null);
  const backends = {mt: compiledKernels(mt), serial: compiledKernels(serial)};
  const cases: [string, Record<string, Tensor>, unknown][] = [
    // large enough for the pool: gemm_threads gives a chunk per ~1M multiply-adds
    ['MatMul', {a: randT([256, 300]), b: randT([300, 200])}, {transposeA: false, transposeB: false}],
    ['MatMul', {a: randT([200, 128]), b: randT([160, 128])}, {transposeA: false, transposeB: true}],
    ['Conv2D', {x: randT([4, 20, 20, 16]), filter: randT([3, 3, 16, 32])}, {strides: [1, 1], padding: 'same', dilations: [1, 1]}],
    ['Tanh', {x: randT([300000])}, {}],
    ['LSTMSequence', {z: randT([32, 4, 512]), h0: randT([32, 128]), c0: randT([32, 128]), recurrentKernel: randT([128, 512]), mask: [], recurrentMask: []} as unknown as Record<string, Tensor>,
      {goBackwards: false, zeroOutputForMask: false}],
  ];
  const results = (impls: typeof backends.mt) =>
    cases.map(([name, inputs, attrs]) => runImpl(name as 'MatMul', impls[name as 'MatMul'] as AnyKernelImpl, inputs, attrs).map((t) => t.values));
  const before = mt.threads!.workerChunks();
  mt.setNumThreads(1);
  const one = results(backends.mt);
  assert.equal(mt.threads!.workerChunks(), before, 'one thread: the worker runs nothing');
  mt.setNumThreads(2);
  let two = results(backends.mt);
  // the worker sleeps between jobs: on a busy machine the caller may claim every chunk of a run itself
  for (let i = 0; i < 50 && mt.threads!.workerChunks() === before; i++) two = results(backends.mt);
  assert.ok(mt.threads!.workerChunks() > before, 'the worker claimed chunks');
  const ref = results(backends.serial);
  cases.forEach(([name], c) => {
    assert.deepEqual(two[c], one[c], `${name}: 2 threads = 1 thread`);
    assert.deepEqual(two[c], ref[c], `${name}: threaded build = one-thread build`);
  });
  // and the reference, to the compiled kernels' tolerance
  const [r] = runImpl('MatMul', referenceKernels.MatMul as AnyKernelImpl, cases[0]![1], cases[0]![2]);
  for (let i = 0; i < r!.size; i++) assert.ok(Math.abs(two[0]![0]![i]! - r!.values[i]!) < 1e-4, `MatMul [${i}]`);
});

test('wasm threads: the threaded build writes the same error messages (its own snprintf) and stays usable', {skip}, async () => {
  const mt = await threadedBuild('simd128-mt', 2);
  const serial = loadWasmKernels({variant: 'simd128'});
  assert.ok(mt && typeof serial !== 'string');
  const f = (k: number) => new Float32Array(k);
  const bad: [number, Float32Array[], Float64Array][] = [
    [KERNEL_ABI.MatMul.id, [f(10), f(64), f(64)], Float64Array.from([1, 8, 8, 8, 0, 0, 0, 0, 0, 0])],
    [KERNEL_ABI.MatMul.id, [f(10), f(64), f(64)], Float64Array.from([1, -1.5, 8, 8, 0, 0, 0, 0, 0, 0])],
    [KERNEL_ABI.MatMul.id, [f(10), f(64), f(64)], Float64Array.from([1, 2.5e-7, 8, 8, 0, 0, 0, 0, 0, 0])],
    [KERNEL_ABI.MatMul.id, [f(10), f(64), f(64)], Float64Array.from([1, 123456789, 8, 8, 0, 0, 0, 0, 0, 0])],
    [KERNEL_ABI.MatMul.id, [f(10)], Float64Array.from([1])],
  ];
  for (const [id, bufs, attrs] of bad) {
    const message = (addon: typeof mt) => {
      try {
        addon.run(id, bufs, attrs);
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    assert.equal(message(mt), message(serial));
  }
  const y = f(4);
  mt.run(KERNEL_ABI.Unary.id, [Float32Array.from([-1, 2, -3, 4]), y], packAttrs('Unary', {op: 10, p0: 0, p1: 0}));
  assert.deepEqual([...y], [0, 2, 0, 4]);
});

test('wasm threads: one thread, or a threaded build asked for where memory cannot be shared, loads as it should', {skip}, () => {
  const one = loadWasmKernels({threads: 1});
  assert.ok(typeof one !== 'string');
  assert.ok(!one.variant.endsWith('-mt'), 'one thread: a one-thread build');
  assert.equal(one.getNumThreads(), 1);
  const two = loadWasmKernels({threads: 2});
  assert.ok(typeof two !== 'string');
  assert.ok(two.variant.endsWith('-mt'), 'Node shares memory with worker_threads: a threaded build');
  two.setNumThreads(0);
  assert.equal(two.getNumThreads(), 2, 'setNumThreads(0): back to the count it loaded for');
  // no SharedArrayBuffer (an engine or page without it): the one-thread build, and a threaded one refused
  const sab = Object.getOwnPropertyDescriptor(globalThis, 'SharedArrayBuffer')!;
  delete (globalThis as {SharedArrayBuffer?: unknown}).SharedArrayBuffer;
  try {
    const noSab = loadWasmKernels({threads: 2});
    assert.ok(typeof noSab !== 'string' && !noSab.variant.endsWith('-mt') && noSab.threads === null);
    assert.equal(noSab.getNumThreads(), 1);
    assert.equal(loadWasmKernels({variant: 'simd128-mt'}), 'the threaded build simd128-mt cannot run here: this JavaScript engine has no SharedArrayBuffer');
  } finally {
    Object.defineProperty(globalThis, 'SharedArrayBuffer', sab);
  }
  // a threaded build's file that is not a module: one line, as for the one-thread builds
  writeFileSync(wasmPath('simd128-mt', tmp), Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xff, 0xff]));
  const broken = loadWasmKernels({dir: tmp, variant: 'simd128-mt'});
  assert.match(broken as string, /^the WebAssembly kernels at .*keras_kernels\.simd128-mt\.wasm failed to compile: [^\n]*$/);
});
