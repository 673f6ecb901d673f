import assert from 'node:assert/strict';
import {test} from 'node:test';
import {GradientTape} from '../../gradients/tape.js';
import {KERNELS, type KernelName} from '../../kernels/index.js';
import {GRU, LSTM} from '../../layers/recurrent/layers.js';
import * as ops from '../../ops/index.js';
import {Tensor} from '../../tensor/tensor.js';
import type {AnyKernelImpl} from '../backend.js';
import {referenceKernels} from '../reference/index.js';
import {getBackend, setBackend} from '../registry.js';
import {KernelId} from '../compiled/abi.js';
import {forEachIsa, nativeForTests, outputsFor, runImpl, withThreads as withThreadsOf, xorshift32} from '../../testing/kernel_test.js';

// The native whole-sequence LSTM kernels against the reference backend (every ISA, masks, both
// directions, 1 and 2 threads bit-identical), and their refusals of wrong shapes and lengths.
const {native, skip} = nativeForTests('native sequence kernel tests');

const rand = xorshift32(24680);
function randT(shape: number[], lo = -1, hi = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(shape, 'float32', Float32Array.from({length: n}, () => lo + (hi - lo) * rand()));
}
function runOn(table: 'native' | 'reference', name: KernelName, inputs: Record<string, Tensor | Tensor[]>, attrs: unknown): Tensor[] {
  const impl = (table === 'native' ? native!.kernels[name] : referenceKernels[name]) as AnyKernelImpl;
  return runImpl(name, impl, inputs, attrs, `${table} ${name}`);
}
function assertNear(got: Tensor[], want: Tensor[], label: string, tol: number): void {
  got.forEach((o, k) => {
    const e = want[k]!;
    assert.deepEqual(o.shape, e.shape, `${label} output ${k} shape`);
    for (let i = 0; i < e.size; i++) {
      const x = o.values[i]!, y = e.values[i]!;
      assert.ok(Math.abs(x - y) <= tol + tol * Math.abs(y), `${label} output ${k} [${i}]: native ${x}, reference ${y}`);
    }
  });
}
const withThreads = <T>(n: number, f: () => T): T => withThreadsOf(native!, n, f);
/** A 0/1 mask [b, T] with whole rows masked at the start, in the middle and at the end. */
function maskT(b: number, t: number): Tensor {
  const v = new Float32Array(b * t);
  for (let r = 0; r < b; r++) for (let k = 0; k < t; k++) v[r * t + k] = (r + k) % 3 === 0 || k === 0 && r % 2 === 1 ? 0 : 1;
  return new Tensor([b, t], 'float32', v);
}

/** Per-gate recurrent dropout masks [b, 4u]: zeros and 1 / keep (keep = 0.75), as LSTMCell draws them. */
function recMaskT(b: number, u: number): Tensor {
  return new Tensor([b, 4 * u], 'float32', Float32Array.from({length: b * 4 * u}, () => (rand() < 0.25 ? 0 : 1 / 0.75)));
}

function cases(b: number, t: number, u: number) {
  const z = randT([b, t, 4 * u], -2, 2), h0 = randT([b, u]), c0 = randT([b, u]), rk = randT([u, 4 * u], -0.4, 0.4);
  const none: Tensor[] = [];
  const variants = [
    {mask: none, recurrentMask: none, goBackwards: false, zeroOutputForMask: false},
    {mask: none, recurrentMask: none, goBackwards: true, zeroOutputForMask: false},
    {mask: [maskT(b, t)], recurrentMask: none, goBackwards: false, zeroOutputForMask: false},
    {mask: [maskT(b, t)], recurrentMask: none, goBackwards: true, zeroOutputForMask: true},
    {mask: none, recurrentMask: [recMaskT(b, u)], goBackwards: false, zeroOutputForMask: false},
    {mask: [maskT(b, t)], recurrentMask: [recMaskT(b, u)], goBackwards: true, zeroOutputForMask: false},
  ];
  return variants.map(({mask, recurrentMask, ...attrs}) => {
    const fwd = {z, h0, c0, recurrentKernel: rk, mask, recurrentMask};
    const [, , , gates, cs, hs] = runOn('reference', 'LSTMSequence', fwd, attrs);
    const grad = {
      dy: randT([b, t, u]), dh: randT([b, u]), dc: randT([b, u]), dGates: randT([t, b, 4 * u]), dCs: randT([t, b, u]), dHs: randT([t, b, u]),
      gates: gates!, cs: cs!, hs: hs!, h0, c0, recurrentKernel: rk, mask, recurrentMask,
    };
    return {label: `${b}x${t}x${u} mask=${mask.length} recurrentMask=${recurrentMask.length} back=${attrs.goBackwards} zero=${attrs.zeroOutputForMask}`, fwd, grad, attrs};
  });
}

test('native LSTMSequence and LSTMSequenceGrad match the reference, every ISA', {skip}, () => {
  forEachIsa(native!, (isa) => {
    for (const [b, t, u] of [[1, 1, 3], [3, 5, 7], [4, 6, 32]] as const) {
      for (const c of cases(b, t, u)) {
        const tol = 3e-5 * Math.sqrt(u * t);
        assertNear(runOn('native', 'LSTMSequence', c.fwd, c.attrs), runOn('reference', 'LSTMSequence', c.fwd, c.attrs), `${isa} LSTMSequence ${c.label}`, tol);
        assertNear(runOn('native', 'LSTMSequenceGrad', c.grad, c.attrs), runOn('reference', 'LSTMSequenceGrad', c.grad, c.attrs), `${isa} LSTMSequenceGrad ${c.label}`, tol);
      }
    }
  });
});

function gruCases(b: number, t: number, u: number) {
  const z = randT([b, t, 3 * u], -2, 2), h0 = randT([b, u]), rk = randT([u, 3 * u], -0.4, 0.4), rb = randT([3 * u]);
  return [
    {mask: [] as Tensor[], goBackwards: false, zeroOutputForMask: false},
    {mask: [] as Tensor[], goBackwards: true, zeroOutputForMask: false},
    {mask: [maskT(b, t)], goBackwards: false, zeroOutputForMask: false},
    {mask: [maskT(b, t)], goBackwards: true, zeroOutputForMask: true},
  ].map(({mask, ...attrs}) => {
    const fwd = {z, h0, recurrentKernel: rk, recurrentBias: rb, mask};
    const [, , reserve, hs] = runOn('reference', 'GRUSequence', fwd, attrs);
    const grad = {dy: randT([b, t, u]), dh: randT([b, u]), dReserve: randT([t, b, 4 * u]), dHs: randT([t, b, u]), reserve: reserve!, hs: hs!, h0, recurrentKernel: rk, mask};
    return {label: `GRU ${b}x${t}x${u} mask=${mask.length} back=${attrs.goBackwards} zero=${attrs.zeroOutputForMask}`, fwd, grad, attrs};
  });
}

test('native GRUSequence and GRUSequenceGrad match the reference, every ISA; threads bit-identical', {skip}, () => {
  forEachIsa(native!, (isa) => {
    for (const [b, t, u] of [[1, 1, 3], [3, 5, 7], [4, 6, 32]] as const) {
      for (const c of gruCases(b, t, u)) {
        const tol = 3e-5 * Math.sqrt(u * t);
        assertNear(runOn('native', 'GRUSequence', c.fwd, c.attrs), runOn('reference', 'GRUSequence', c.fwd, c.attrs), `${isa} ${c.label}`, tol);
        assertNear(runOn('native', 'GRUSequenceGrad', c.grad, c.attrs), runOn('reference', 'GRUSequenceGrad', c.grad, c.attrs), `${isa} grad ${c.label}`, tol);
      }
    }
  });
  const same = (a: Tensor[], b: Tensor[], label: string) => a.forEach((t, i) => assert.deepEqual(t.values, b[i]!.values, `${label} output ${i}`));
  for (const c of gruCases(32, 4, 128).slice(2, 3)) {
    same(withThreads(1, () => runOn('native', 'GRUSequence', c.fwd, c.attrs)), withThreads(2, () => runOn('native', 'GRUSequence', c.fwd, c.attrs)), c.label);
    const g1 = withThreads(1, () => runOn('native', 'GRUSequenceGrad', c.grad, c.attrs));
    same(g1, withThreads(2, () => runOn('native', 'GRUSequenceGrad', c.grad, c.attrs)), `grad ${c.label}`);
    assertNear(g1, runOn('reference', 'GRUSequenceGrad', c.grad, c.attrs), `grad ${c.label}`, 1e-3);
  }
  // wrong shapes in TypeScript, wrong lengths in the addon
  const [c] = gruCases(2, 3, 4);
  const outs = outputsFor('GRUSequence', c!.fwd, c!.attrs);
  assert.throws(() => (native!.kernels.GRUSequence as AnyKernelImpl)({...c!.fwd, recurrentBias: randT([8])}, c!.attrs, outs), /GRUSequence: recurrentBias must have shape \[12\]. Received: recurrentBias.shape=\[8\]/);
  const f = (n: number) => new Float32Array(n);
  // b=2, T=3, u=4: z 72, h0 8, w 48, rb 12, y 24, h 8, reserve 96, hs 24
  assert.throws(() => native!.addon.run(KernelId.GRUSequence, [f(72), f(8), f(48), f(11), f(24), f(8), f(96), f(24)], Float64Array.from([2, 3, 4, 0, 0, 0, 1, 1])),
    /(?:native|wasm) GRUSequence: buffer 3 \(recurrentBias\) holds 11 elements, the attributes need 12/);
  const g = [f(24), f(8), f(96), f(24), f(96), f(24), f(8), f(48), f(72), f(8), f(48), f(11)];
  assert.throws(() => native!.addon.run(KernelId.GRUSequenceGrad, g, Float64Array.from([2, 3, 4, 0, 0, 0])),
    /(?:native|wasm) GRUSequenceGrad: buffer 11 \(dRecurrentBias\) holds 11 elements, the attributes need 12/);
});

test('native LSTMSequence and GRUSequence without the reserve (keepReserve: false) or y (returnSequences: false): the same bits, every ISA', {skip}, () => {
  // sizes with more rows than one micro-panel (row blocks, the last one short) and u off the vector width
  const sizes = [[29, 5, 20], [32, 4, 128], [3, 2, 5]] as const;
  const check = (name: 'LSTMSequence' | 'GRUSequence', c: {label: string; fwd: Record<string, Tensor | Tensor[]>; attrs: object}, nOut: number, label: string) => {
    const full = runOn('native', name, c.fwd, c.attrs);
    const lean = runOn('native', name, c.fwd, {...c.attrs, keepReserve: false});
    for (let i = 0; i < nOut; i++) assert.deepEqual(lean[i]!.values, full[i]!.values, `${label} ${c.label} output ${i}`);
    for (let i = nOut; i < full.length; i++) assert.deepEqual(lean[i]!.shape, [0, ...full[i]!.shape.slice(1)], `${label} ${c.label} reserve ${i}`);
    // returnSequences: false as well: y empty, the last states the same bits
    const last = runOn('native', name, c.fwd, {...c.attrs, keepReserve: false, returnSequences: false});
    assert.deepEqual(last[0]!.shape, [full[0]!.shape[0], 0, full[0]!.shape[2]], `${label} ${c.label} y`);
    for (let i = 1; i < nOut; i++) assert.deepEqual(last[i]!.values, full[i]!.values, `${label} ${c.label} last state ${i}`);
  };
  const seen = forEachIsa(native!, (isa) => {
    for (const threads of [1, 2]) {
      withThreads(threads, () => {
        for (const [b, t, u] of sizes) {
          for (const c of cases(b, t, u)) check('LSTMSequence', c, 3, `${isa} ${threads}t`);
          for (const c of gruCases(b, t, u)) check('GRUSequence', c, 2, `${isa} ${threads}t`);
        }
      });
    }
  });
  assert.ok(seen.length > 0);
  // the addon takes empty reserve buffers with keepReserve 0, and refuses them with 1
  const f = (n: number) => new Float32Array(n);
  const ins = [f(96), f(8), f(8), f(64)];
  assert.doesNotThrow(() => native!.addon.run(KernelId.LSTMSequence, [...ins, f(24), f(8), f(8), f(0), f(0), f(0)], Float64Array.from([2, 3, 4, 0, 0, 0, 0, 0, 1])));
  assert.doesNotThrow(() => native!.addon.run(KernelId.LSTMSequence, [...ins, f(0), f(8), f(8), f(0), f(0), f(0)], Float64Array.from([2, 3, 4, 0, 0, 0, 0, 0, 0])));
  assert.throws(() => native!.addon.run(KernelId.LSTMSequence, [...ins, f(0), f(8), f(8), f(96), f(24), f(24)], Float64Array.from([2, 3, 4, 0, 0, 0, 0, 1, 1])),
    /(?:native|wasm) LSTMSequence: buffer 4 \(y\) holds 0 elements, the attributes need 24/);
  assert.throws(() => native!.addon.run(KernelId.LSTMSequence, [...ins, f(24), f(8), f(8), f(0), f(0), f(0)], Float64Array.from([2, 3, 4, 0, 0, 0, 0, 1, 1])),
    /(?:native|wasm) LSTMSequence: buffer 7 \(gates\) holds 0 elements, the attributes need 96/);
  assert.doesNotThrow(() => native!.addon.run(KernelId.GRUSequence, [f(72), f(8), f(48), f(12), f(0), f(8), f(0), f(0)], Float64Array.from([2, 3, 4, 0, 0, 0, 0, 0])));
  // the TypeScript side wants the reserve's time axis to be 0 without it
  const [c] = cases(2, 3, 4);
  const outs = outputsFor('LSTMSequence', c!.fwd, c!.attrs);
  assert.throws(() => (native!.kernels.LSTMSequence as AnyKernelImpl)(c!.fwd, {...c!.attrs, keepReserve: false}, outs),
    /LSTMSequence: output gates must have shape \[0, 2, 16\]. Received: .*\[3, 2, 16\]/);
});

test('native LSTMSequence(Grad): threaded sizes, 1 and 2 threads bit-identical', {skip}, () => {
  const same = (a: Tensor[], b: Tensor[], label: string) => a.forEach((t, i) => assert.deepEqual(t.values, b[i]!.values, `${label} output ${i}`));
  for (const c of cases(32, 4, 128).filter((_, i) => i === 1 || i === 2 || i === 5)) {
    const f1 = withThreads(1, () => runOn('native', 'LSTMSequence', c.fwd, c.attrs));
    const f2 = withThreads(2, () => runOn('native', 'LSTMSequence', c.fwd, c.attrs));
    same(f1, f2, `LSTMSequence ${c.label}`);
    assertNear(f1, runOn('reference', 'LSTMSequence', c.fwd, c.attrs), `LSTMSequence ${c.label}`, 1e-4);
    const g1 = withThreads(1, () => runOn('native', 'LSTMSequenceGrad', c.grad, c.attrs));
    const g2 = withThreads(2, () => runOn('native', 'LSTMSequenceGrad', c.grad, c.attrs));
    same(g1, g2, `LSTMSequenceGrad ${c.label}`);
    assertNear(g1, runOn('reference', 'LSTMSequenceGrad', c.grad, c.attrs), `LSTMSequenceGrad ${c.label}`, 1e-3);
  }
});

test('native LSTMSequence(Grad): wrong shapes refused in TypeScript, wrong lengths again in the addon', {skip}, () => {
  const [c] = cases(2, 3, 4);
  const seq = native!.kernels.LSTMSequence as AnyKernelImpl;
  const outs = outputsFor('LSTMSequence', c!.fwd, c!.attrs);
  assert.throws(() => seq({...c!.fwd, recurrentKernel: randT([4, 12])}, c!.attrs, outs), /LSTMSequence: recurrentKernel must have shape \[4, 16\]. Received: recurrentKernel.shape=\[4, 12\]/);
  assert.throws(() => seq({...c!.fwd, mask: [randT([2, 4])]}, c!.attrs, outs), /LSTMSequence: mask must have shape \[2, 3\]/);
  const grad = native!.kernels.LSTMSequenceGrad as AnyKernelImpl;
  const gouts = outputsFor('LSTMSequenceGrad', c!.grad, c!.attrs);
  assert.throws(() => grad({...c!.grad, dGates: randT([2, 3, 16])}, c!.attrs, gouts), /LSTMSequenceGrad: dGates must have shape \[3, 2, 16\]/);
  assert.throws(() => grad(c!.grad, c!.attrs, [gouts[0]!, gouts[1]!, gouts[2]!, randT([16, 4])]), /LSTMSequenceGrad: output dRecurrentKernel must have shape \[4, 16\]/);
  // the addon's own checks, reached directly
  const addon = native!.addon;
  const f = (n: number) => new Float32Array(n);
  // the forward kernel's attributes end with keepReserve and returnSequences (1, 1), the gradient's without them
  const attrs = (mask: number) => Float64Array.from([2, 3, 4, 0, 0, mask, 0, 1, 1]);
  const gattrs = (mask: number) => Float64Array.from([2, 3, 4, 0, 0, mask, 0]);
  // b=2, T=3, u=4: z 96, h0 c0 8, w 64, y 24, h c 8, gates 96, cs hs 24
  assert.throws(() => addon.run(KernelId.LSTMSequence, [f(96), f(8), f(8), f(63), f(24), f(8), f(8), f(96), f(24), f(24)], attrs(0)),
    /(?:native|wasm) LSTMSequence: buffer 3 \(recurrentKernel\) holds 63 elements, the attributes need 64/);
  assert.throws(() => addon.run(KernelId.LSTMSequence, [f(96), f(8), f(8), f(64), f(5), f(24), f(8), f(8), f(96), f(24), f(24)], attrs(1)),
    /(?:native|wasm) LSTMSequence: buffer 4 \(mask\) holds 5 elements, the attributes need 6/);
  assert.throws(() => addon.run(KernelId.LSTMSequence, [f(96), f(8), f(8), f(64), f(24), f(8), f(8), f(96), f(24), f(24)], attrs(1)),
    /(?:native|wasm) LSTMSequence: expected 11 buffers, received 10/);
  assert.throws(() => addon.run(KernelId.LSTMSequence, [f(96), f(8), f(8), f(64), f(24), f(8), f(8), f(96), f(24), f(23)], attrs(0)),
    /(?:native|wasm) LSTMSequence: buffer 9 \(hs\) holds 23 elements, the attributes need 24/);
  const gbufs = [f(24), f(8), f(8), f(96), f(24), f(24), f(96), f(24), f(24), f(8), f(8), f(64), f(96), f(8), f(8), f(64)];
  assert.doesNotThrow(() => addon.run(KernelId.LSTMSequenceGrad, gbufs, gattrs(0)));
  gbufs[15] = f(63);
  assert.throws(() => addon.run(KernelId.LSTMSequenceGrad, gbufs, gattrs(0)), /(?:native|wasm) LSTMSequenceGrad: buffer 15 \(dRecurrentKernel\) holds 63 elements/);
  assert.throws(() => addon.run(KernelId.LSTMSequence, [f(96), f(8), f(8), f(64), f(24), f(8), f(8), f(96), f(24), f(24)], Float64Array.from([2, 3, 4, 2, 0, 0, 0, 1, 1])),
    /(?:native|wasm) LSTMSequence: goBackwards, zeroOutputForMask, hasMask, hasRecurrentMask, keepReserve and returnSequences must be 0 or 1/);
  assert.throws(() => addon.run(KernelId.LSTMSequence, [f(96), f(8), f(8), f(64), f(24), f(8), f(8), f(96), f(24), f(24)], Float64Array.from([2 ** 40, 2 ** 20, 4, 0, 0, 0, 0, 1, 1])),
    /(?:native|wasm) LSTMSequence: (sizes overflow|buffer 0 \(z\) holds|attribute 0 must be a non-negative integer)/);
});

test('native LSTMSequence(Grad): a recurrentMask of the wrong shape or length is refused', {skip}, () => {
  const c = cases(2, 3, 4)[4]!;
  const seq = native!.kernels.LSTMSequence as AnyKernelImpl;
  const outs = outputsFor('LSTMSequence', c.fwd, c.attrs);
  assert.throws(() => seq({...c.fwd, recurrentMask: [randT([2, 12])]}, c.attrs, outs), /LSTMSequence: recurrentMask must have shape \[2, 16\]. Received: recurrentMask.shape=\[2, 12\]/);
  assert.throws(() => seq({...c.fwd, recurrentMask: [randT([2, 16]), randT([2, 16])]}, c.attrs, outs), /LSTMSequence: expected at most one recurrentMask. Received: 2/);
  const grad = native!.kernels.LSTMSequenceGrad as AnyKernelImpl;
  const gouts = outputsFor('LSTMSequenceGrad', c.grad, c.attrs);
  assert.throws(() => grad({...c.grad, recurrentMask: [randT([3, 16])]}, c.attrs, gouts), /LSTMSequenceGrad: recurrentMask must have shape \[2, 16\]/);
  // the addon: b=2, T=3, u=4, the recurrent mask [2, 16] after the optional mask
  const addon = native!.addon;
  const f = (n: number) => new Float32Array(n);
  const attrs = (mask: number, rm: number, grad = false) => Float64Array.from([2, 3, 4, 0, 0, mask, rm, ...(grad ? [] : [1, 1])]);
  const outBufs = [f(24), f(8), f(8), f(96), f(24), f(24)];
  assert.doesNotThrow(() => addon.run(KernelId.LSTMSequence, [f(96), f(8), f(8), f(64), f(32), ...outBufs], attrs(0, 1)));
  assert.throws(() => addon.run(KernelId.LSTMSequence, [f(96), f(8), f(8), f(64), f(31), ...outBufs], attrs(0, 1)),
    /(?:native|wasm) LSTMSequence: buffer 4 \(recurrentMask\) holds 31 elements, the attributes need 32/);
  assert.throws(() => addon.run(KernelId.LSTMSequence, [f(96), f(8), f(8), f(64), f(6), f(31), ...outBufs], attrs(1, 1)),
    /(?:native|wasm) LSTMSequence: buffer 5 \(recurrentMask\) holds 31 elements, the attributes need 32/);
  assert.throws(() => addon.run(KernelId.LSTMSequence, [f(96), f(8), f(8), f(64), ...outBufs], attrs(0, 1)),
    /(?:native|wasm) LSTMSequence: expected 11 buffers, received 10/);
  assert.throws(() => addon.run(KernelId.LSTMSequence, [f(96), f(8), f(8), f(64), f(32), ...outBufs], attrs(0, 2)),
    /(?:native|wasm) LSTMSequence: goBackwards, zeroOutputForMask, hasMask, hasRecurrentMask, keepReserve and returnSequences must be 0 or 1/);
  const gIns = [f(24), f(8), f(8), f(96), f(24), f(24), f(96), f(24), f(24), f(8), f(8), f(64)];
  const gOuts = [f(96), f(8), f(8), f(64)];
  assert.doesNotThrow(() => addon.run(KernelId.LSTMSequenceGrad, [...gIns, f(32), ...gOuts], attrs(0, 1, true)));
  assert.throws(() => addon.run(KernelId.LSTMSequenceGrad, [...gIns, f(31), ...gOuts], attrs(0, 1, true)),
    /(?:native|wasm) LSTMSequenceGrad: buffer 12 \(recurrentMask\) holds 31 elements, the attributes need 32/);
});

test('LSTM and GRU layer training steps run the sequence kernels natively, no per-step kernels', {skip}, () => {
  const before = getBackend();
  const table = native!.kernels as Record<string, AnyKernelImpl>;
  const counts = new Map<string, number>();
  const saved = new Map<string, AnyKernelImpl>();
  for (const name of Object.keys(KERNELS)) {
    const impl = table[name];
    saved.set(name, impl!);
    table[name] = (inputs, attrs, outs) => {
      const ran = impl !== undefined && impl(inputs, attrs, outs) !== false;
      const key = `${name}:${ran ? 'native' : 'fallback'}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      return ran;
    };
  }
  try {
    setBackend(native!.name);
    for (const layer of [new LSTM(16), new GRU(16)]) {
      const x = randT([4, 9, 8]);
      const tape = new GradientTape();
      const loss = tape.run(() => ops.sum(ops.square(layer.apply(x) as Tensor)));
      const grads = tape.gradient(loss, layer.trainableWeights);
      assert.equal(grads.length, 3);
    }
  } finally {
    for (const [name, impl] of saved) {
      if (impl === undefined) delete table[name];
      else table[name] = impl;
    }
    setBackend(before.name);
  }
  for (const k of ['LSTMSequence', 'LSTMSequenceGrad', 'GRUSequence', 'GRUSequenceGrad']) assert.equal(counts.get(`${k}:native`), 1, k);
  for (const k of ['LSTMStep', 'LSTMStepGrad', 'GRUStep', 'GRUStepGrad']) assert.equal(counts.get(`${k}:native`) ?? counts.get(`${k}:fallback`), undefined, `${k} ran`);
});
