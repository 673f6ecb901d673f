/**
 * The native thread pool (native/src/threadpool.cpp): the default thread count, and kernels that
 * split their work over the pool's threads giving the same bits as one thread.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {Tensor} from '../../tensor/tensor.js';
import type {AnyKernelImpl} from '../backend.js';
import {referenceKernels} from '../reference/index.js';
import {nativeForTests, runImpl, withThreads, xorshift32} from '../../testing/kernel_test.js';
import {OptimizerRule} from '../compiled/abi.js';
import {compiledCall} from '../compiled/call.js';

const {native, skip: noNative} = nativeForTests('thread pool tests');
const skip = noNative || (native!.name !== 'native' && `the default thread count of ${native!.name} is set by its workers`);

test('setNumThreads(0) goes back to the default, KERAS_NUM_THREADS read anew', {skip}, () => {
  const before = native!.getNumThreads();
  const env = process.env['KERAS_NUM_THREADS'];
  try {
    for (const n of [3, 1, 2]) {
      process.env['KERAS_NUM_THREADS'] = String(n);
      native!.setNumThreads(0);
      assert.equal(native!.getNumThreads(), n);
      native!.setNumThreads(5);
      assert.equal(native!.getNumThreads(), 5);
      native!.setNumThreads(0);
      assert.equal(native!.getNumThreads(), n);
    }
  } finally {
    if (env === undefined) delete process.env['KERAS_NUM_THREADS'];
    else process.env['KERAS_NUM_THREADS'] = env;
    native!.setNumThreads(0);
    native!.setNumThreads(before);
  }
});

// Kernels that split their elements over the pool's threads above a size (optimizer.cpp, random.cpp):
// the same bits at any thread count. Sizes above the thresholds (a short job, split over the workers
// that are awake, and longer ones, which wake them), odd, so the chunks' ends fall inside vectors.
const call = native ? compiledCall(native.addon) : null;
const SIZES = [20001, 70001, 200003];
/** Long enough without a kernel for the pool's workers to go to sleep (threadpool.cpp: 200 us, 20 ms). */
const letWorkersSleep = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30);
const rand = xorshift32(777);
const randF = (n: number, lo: number, hi: number) => Float32Array.from({length: n}, () => lo + (hi - lo) * rand());

interface Rule {
  label: string;
  rule: number;
  p: [number, number, number, number];
  slots: number;
}
const RULES: Rule[] = [
  {label: 'SGD', rule: OptimizerRule.SGD, p: [0.01, 0, 0, 0], slots: 0},
  {label: 'SGD momentum', rule: OptimizerRule.SGD, p: [0.01, 0.9, 0, 0], slots: 1},
  {label: 'SGD Nesterov', rule: OptimizerRule.SGD, p: [0.01, 0.9, 1, 0], slots: 1},
  {label: 'RMSprop', rule: OptimizerRule.RMSprop, p: [1e-3, 0.9, 0, 1e-7], slots: 1},
  {label: 'RMSprop momentum', rule: OptimizerRule.RMSprop, p: [1e-3, 0.9, 0.5, 1e-7], slots: 2},
  {label: 'Adam', rule: OptimizerRule.Adam, p: [1e-3, 0.9, 0.999, 1e-7], slots: 2},
  {label: 'Adadelta', rule: OptimizerRule.Adadelta, p: [1, 0.95, 1e-7, 0], slots: 2},
];

function sameBits(a: Float32Array, b: Float32Array, label: string): void {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length), ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  assert.equal(ua.length, ub.length, `${label}: length`);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) assert.fail(`${label}: [${i}] ${a[i]} !== ${b[i]}`);
}

test('OptimizerUpdate gives the same bits at 1, 2 and 3 threads, in place and into new buffers', {skip: noNative}, () => {
  for (const n of SIZES) {
    for (const r of RULES) {
      const w = randF(n, -1, 1), g = randF(n, -1, 1);
      // slots of a few steps' standing (averages of squares are not negative; momentum may be), some
      // of them subnormal (read as 0 on x86: optimizer.cpp flushes subnormals on every thread)
      const slots = Array.from({length: r.slots}, () => randF(n, r.rule === OptimizerRule.SGD ? -0.1 : 0, 0.1));
      if (r.slots > 0) for (let i = 0; i < n; i += 97) slots[0]![i] = 1e-39;
      for (const inPlace of [false, true]) {
        let first: Float32Array[] | null = null;
        for (const [threads, sleep] of [[1, false], [2, false], [3, false], [2, true]] as const) {
          if (sleep && n > 20001) continue;
          const got = withThreads(native!, threads, () => {
            if (sleep) letWorkersSleep(); // a short job then runs on the calling thread alone
            const ins = [w.slice(), g.slice(), ...slots.map((s) => s.slice())];
            const outs = inPlace ? [ins[0]!, ...ins.slice(2)] : [new Float32Array(n), ...slots.map(() => new Float32Array(n))];
            const attrs = {rule: r.rule, n, p0: r.p[0], p1: r.p[1], p2: r.p[2], p3: r.p[3]};
            call!('OptimizerUpdate', [...ins, ...outs], attrs);
            // a second step, in place over the first's outputs
            call!('OptimizerUpdate', [outs[0]!, g, ...outs.slice(1), ...outs], attrs);
            return outs;
          });
          if (first === null) first = got;
          else got.forEach((o, k) => sameBits(o, first![k]!, `${r.label} n=${n} ${inPlace ? 'in place' : 'new buffers'} ${threads} threads${sleep ? ' (workers asleep)' : ''}, output ${k}`));
        }
      }
    }
  }
});

test('every thread of an update flushes subnormals on x86: a subnormal velocity reads as 0 on all of them', {skip: noNative}, () => {
  // FTZ/DAZ is a per-thread mode: each chunk sets it on the thread that runs it (optimizer.cpp). With
  // zero gradients, RMSprop's velocity v' = v * rho is subnormal where a thread kept subnormals, 0
  // where it read them as 0; the elements spread over every chunk, and several calls let the workers
  // claim chunks.
  const x86 = /^avx/.test(native!.isa);
  const n = 1 << 18;
  for (const threads of [1, 2, 3, 4]) {
    withThreads(native!, threads, () => {
      for (let rep = 0; rep < 20; rep++) {
        const w = new Float32Array(n).fill(1), g = new Float32Array(n), v = new Float32Array(n).fill(1e-39);
        call!('OptimizerUpdate', [w, g, v, w, v], {rule: OptimizerRule.RMSprop, n, p0: 1e-3, p1: 0.9, p2: 0, p3: 1e-7});
        const want = x86 ? 0 : Math.fround(Math.fround(1e-39) * Math.fround(0.9));
        for (let i = 0; i < n; i++) if (v[i] !== want) assert.fail(`${threads} threads, call ${rep}: velocity[${i}] ${v[i]}, expected ${want}`);
        assert.ok(w.every((x) => x === 1));
      }
    });
  }
});

test('BernoulliMask gives the same bits at 1, 2 and 3 threads', {skip: noNative}, () => {
  for (const n of [1, 4095, 8192, 16385, 32769, 65536, 70001, 200003]) {
    for (const keepProb of [0.5, 0.8]) {
      let first: Float32Array | null = null;
      for (const [threads, sleep] of [[1, false], [2, false], [3, false], [2, true]] as const) {
        const y = new Float32Array(n);
        withThreads(native!, threads, () => {
          if (sleep) letWorkersSleep();
          call!('BernoulliMask', [y], {n, keepProb, key0: 12345, key1: 0x9e3779b9, stream: 5, scale: 1 / keepProb});
        });
        if (first === null) first = y;
        else sameBits(y, first, `n=${n} keep ${keepProb} ${threads} threads${sleep ? ' (workers asleep)' : ''}`);
      }
    }
  }
});

// ops.cpp: operands of one shape (or one a scalar) make a single row, split along its length above
// the threshold: the same bits at any thread count, and the reference's (IEEE products, sums, quotients)
test('elementwise binary ops over one row give the same bits at 1, 2 and 3 threads as the reference', {skip: noNative}, () => {
  for (const n of SIZES) {
    for (const [op, bScalar] of [['Mul', false], ['Add', false], ['Div', true], ['Sub', true]] as const) {
      const a = new Tensor([n], 'float32', randF(n, -2, 2)), b = bScalar ? new Tensor([], 'float32', randF(1, 0.5, 2)) : new Tensor([n], 'float32', randF(n, 0.5, 2));
      const want = runImpl(op, referenceKernels[op] as AnyKernelImpl, {a, b}, {})[0]!.values as Float32Array;
      for (const threads of [1, 2, 3]) {
        const y = withThreads(native!, threads, () => runImpl(op, native!.kernels[op] as AnyKernelImpl, {a, b}, {})[0]!.values as Float32Array);
        sameBits(y, want, `${op} n=${n}${bScalar ? ' by a scalar' : ''} at ${threads} threads`);
      }
    }
  }
});
