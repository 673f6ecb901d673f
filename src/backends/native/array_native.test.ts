import assert from 'node:assert/strict';
import {test} from 'node:test';
import type {KernelName} from '../../kernels/index.js';
import {Tensor} from '../../tensor/tensor.js';
import type {AnyKernelImpl} from '../backend.js';
import {referenceKernels} from '../reference/index.js';
import {loadAddon} from './addon.js';
import {KernelId} from '../compiled/abi.js';
import {nativeForTests, outputsFor, runImpl, xorshift32} from '../../testing/kernel_test.js';

// The native recurrent backward kernels and index/copy kernels against the reference backend on
// random data, and their refusals: wrong lengths and out-of-range indices are clear errors.
const {native, skip} = nativeForTests('native recurrent and array kernel tests');

const rand = xorshift32(987654321);
function randT(shape: number[], lo = -1, hi = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(shape, 'float32', Float32Array.from({length: n}, () => lo + (hi - lo) * rand()));
}
function randIdx(shape: number[], n: number): Tensor {
  const m = shape.reduce((a, b) => a * b, 1);
  return new Tensor(shape, 'int32', Int32Array.from({length: m}, () => Math.floor(rand() * n)));
}
/** Activated gates: sigmoid-range blocks and one tanh-range block. */
function gatesT(b: number, u: number, tanhBlock: number): Tensor {
  const t = randT([b, 4 * u], 0, 1);
  for (let r = 0; r < b; r++) for (let k = 0; k < u; k++) t.values[r * 4 * u + tanhBlock * u + k] = 2 * t.values[r * 4 * u + tanhBlock * u + k]! - 1;
  return t;
}

/** Runs `name` natively (it must not decline) and on the reference; compares every output. */
function compare(name: KernelName, inputs: Record<string, Tensor | Tensor[]>, attrs: unknown, tol = 1e-5): void {
  const outN = runImpl(name, native!.kernels[name] as AnyKernelImpl, inputs, attrs);
  const outR = runImpl(name, referenceKernels[name] as AnyKernelImpl, inputs, attrs);
  outN.forEach((o, k) => {
    const e = outR[k]!;
    assert.deepEqual(o.shape, e.shape);
    for (let i = 0; i < e.size; i++) {
      const x = o.values[i]!, y = e.values[i]!;
      assert.ok(Math.abs(x - y) <= tol + tol * Math.abs(y), `${name} output ${k} [${i}]: native ${x}, reference ${y}`);
    }
  });
}

test('LSTMStepGrad and GRUStepGrad: native equals reference (threaded and single-row batches)', {skip}, () => {
  for (const [b, u] of [[32, 128], [1, 7], [5, 33]] as const) {
    compare('LSTMStepGrad', {
      dh: randT([b, u]), dc: randT([b, u]), dGates: randT([b, 4 * u]), gates: gatesT(b, u, 2), cNew: randT([b, u], -3, 3), c: randT([b, u]),
    }, {});
    compare('GRUStepGrad', {dh: randT([b, u]), dReserve: randT([b, 4 * u]), reserve: gatesT(b, u, 2), h: randT([b, u])}, {});
  }
});

test('Gather and ScatterAdd along every axis, repeated indices summed: native equals reference', {skip}, () => {
  const x = randT([6, 50, 9]);
  for (const axis of [0, 1, 2]) {
    const n = x.shape[axis]!;
    const idx = randIdx([4, 7], n);
    idx.values[1] = idx.values[0]!; // a repeat, so ScatterAdd must add
    compare('Gather', {x, indices: idx}, {axis}, 0);
    const shape = [...x.shape];
    const updates = randT([...shape.slice(0, axis), 4, 7, ...shape.slice(axis + 1)]);
    compare('ScatterAdd', {indices: idx, updates}, {shape, axis});
  }
  // the Embedding's shapes: a [vocab, dim] table, [batch, time] ids, wide rows (threads split columns)
  const table = randT([2000, 128]), ids = randIdx([32, 80], 2000);
  compare('Gather', {x: table, indices: ids}, {axis: 0}, 0);
  compare('ScatterAdd', {indices: ids, updates: randT([32, 80, 128])}, {shape: [2000, 128], axis: 0});
});

test('Concat and Split along every axis (with an empty piece): native equals reference', {skip}, () => {
  for (const axis of [0, 1, 2]) {
    const base = [6, 10, 25]; // every case above MIN_NATIVE_ELEMENTS
    const pieces = [2, 0, 5, 1].map((d) => randT(base.map((s, i) => (i === axis ? d : s))));
    compare('Concat', {xs: pieces}, {axis}, 0);
    const whole = randT(base.map((s, i) => (i === axis ? 8 : s)));
    compare('Split', {x: whole}, {sizes: [2, 0, 5, 1], axis}, 0);
  }
  // the time loop's shapes: 80 steps of [32, 1, 128] joined on axis 1, and the split back
  compare('Concat', {xs: Array.from({length: 80}, () => randT([32, 1, 128]))}, {axis: 1}, 0);
  compare('Split', {x: randT([80, 32, 512])}, {sizes: Array(80).fill(1), axis: 0}, 0);
});

test('out-of-range indices are clear errors, never a read or write out of bounds', {skip}, () => {
  const table = randT([10, 32]);
  for (const bad of [10, -1, 2 ** 31 - 1, -(2 ** 31)]) {
    const idx = new Tensor([3, 4], 'int32', Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, bad]));
    const [y] = outputsFor('Gather', {x: table, indices: idx}, {axis: 0});
    assert.throws(() => (native!.kernels.Gather as AnyKernelImpl)({x: table, indices: idx}, {axis: 0}, [y!]),
      new RegExp(`Gather: index ${bad} at position 11 is out of range; expected indices in \\[0, 10\\)`));
    const [g] = outputsFor('ScatterAdd', {indices: idx, updates: randT([3, 4, 32])}, {shape: [10, 32], axis: 0});
    assert.throws(() => (native!.kernels.ScatterAdd as AnyKernelImpl)({indices: idx, updates: randT([3, 4, 32])}, {shape: [10, 32], axis: 0}, [g!]),
      /ScatterAdd: index -?\d+ at position 11 is out of range/);
  }
});

test('wrong shapes or storage lengths are refused in TypeScript, wrong lengths again in the addon', {skip}, () => {
  const b = 4, u = 64;
  const ok = {dh: randT([b, u]), dc: randT([b, u]), dGates: randT([b, 4 * u]), gates: gatesT(b, u, 2), cNew: randT([b, u]), c: randT([b, u])};
  const outs = outputsFor('LSTMStepGrad', ok, {});
  const lstm = native!.kernels.LSTMStepGrad as AnyKernelImpl;
  assert.throws(() => lstm({...ok, dGates: randT([b, 3 * u])}, {}, outs), /LSTMStepGrad: dGates must have shape \[4, 256\]. Received: dGates.shape=\[4, 192\]/);
  const gru = native!.kernels.GRUStepGrad as AnyKernelImpl;
  const gin = {dh: randT([b, u]), dReserve: randT([b, 4 * u]), reserve: randT([b, 4 * u]), h: randT([b, u])};
  assert.throws(() => gru(gin, {}, [randT([b, 4 * u]), randT([b, 3 * u]), randT([b, u])]), /GRUStepGrad: output dz must have shape \[4, 192\]/);
  const concat = native!.kernels.Concat as AnyKernelImpl;
  const [y] = outputsFor('Concat', {xs: [randT([4, 100]), randT([4, 100])]}, {axis: 1});
  assert.throws(() => concat({xs: [randT([4, 100]), randT([3, 100])]}, {axis: 1}, [y!]), /Concat: xs\[1\] must have shape \[4, 100\]/);
  assert.throws(() => concat({xs: [randT([4, 100]), randT([4, 90])]}, {axis: 1}, [y!]), /Concat: the pieces' lengths on axis 1 add up to 190/);
  // the addon's own checks, reached directly: every length is checked before any element moves
  const addon = loadAddon();
  if (typeof addon === 'string') return;
  const f = (n: number) => new Float32Array(n);
  assert.throws(() => addon.run(KernelId.LSTMStepGrad, [f(8), f(8), f(32), f(32), f(8), f(8), f(32), f(7)], Float64Array.from([2, 4])),
    /(?:native|wasm) LSTMStepGrad: buffer 7 \(dcPrev\) holds 7 elements, the attributes need 8/);
  assert.throws(() => addon.run(KernelId.Gather, [f(40), f(3), f(40)], Float64Array.from([1, 10, 4, 4])),
    /(?:native|wasm) Gather: buffer 1 \(indices\) holds 3 elements, the attributes need 4/);
  assert.throws(() => addon.run(KernelId.Split, [f(10), f(5), f(4)], Float64Array.from([1, 2, 10, 0, 5, 5])),
    /(?:native|wasm) Split: buffer 2 \(y\) holds 4 elements, the attributes need 5/);
  assert.throws(() => addon.run(KernelId.Concat, [f(5), f(5), f(10)], Float64Array.from([1, 3, 10, 0, 5, 5, 5])),
    /(?:native|wasm) Concat: expected 3 pieces and one whole \(4 buffers\), received 3/);
  // pieces past the end of the whole's rows
  assert.throws(() => addon.run(KernelId.Concat, [f(5), f(5), f(10)], Float64Array.from([1, 2, 10, 1, 5, 5])),
    /(?:native|wasm) Concat: the pieces end at column 11 of rows of 10/);
  assert.throws(() => addon.run(KernelId.ScatterAdd, [f(2), f(8), f(15)], Float64Array.from([1, 4, 4, 2])),
    /(?:native|wasm) ScatterAdd: buffer 2 \(y\) holds 15 elements, the attributes need 16/);
});
