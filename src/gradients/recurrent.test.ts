import assert from 'node:assert/strict';
import {test} from 'node:test';
import {runAll} from '../ops/core.js';
import * as ops from '../ops/index.js';
import {Tensor} from '../tensor/tensor.js';
import {assertClose, checkGradients, randn64} from '../testing/gradcheck.js';
import {GradientTape} from './tape.js';
import {
  gruSequenceGradComposite, lstmSequenceGradComposite, recurrentGrads, type GRUSequenceGradInputs, type LSTMSequenceGradInputs,
} from './recurrent.js';

// The recurrent kernels' rules against central finite differences in float64, every output of a
// kernel reaching the objective (the reserve outputs included), so every path of a rule is checked.

const covered = new Set<string>();
const B = 3, U = 4;

/** Gates in (0, 1) for i, f, o and (-1, 1) for g, as the forward kernel leaves them. */
function activatedGates(seed: number): Tensor {
  const [i, f, g, o] = ops.split(randn64([B, 4 * U], seed), 4, 1) as [Tensor, Tensor, Tensor, Tensor];
  return ops.concatenate([ops.sigmoid(i), ops.sigmoid(f), ops.tanh(g), ops.sigmoid(o)], 1);
}

/** The LSTM step's backward pass written with plain ops (the rule before LSTMStepGrad): the oracle. */
function lstmStepGradComposite(dh: Tensor, dc: Tensor, dGates: Tensor, gates: Tensor, cNew: Tensor, c: Tensor): [Tensor, Tensor] {
  const [i, f, g, o] = ops.split(gates, 4, 1) as [Tensor, Tensor, Tensor, Tensor];
  const tc = ops.tanh(cNew);
  const dcTotal = ops.add(dc, ops.multiply(ops.multiply(dh, o), ops.subtract(1, ops.square(tc))));
  const dAct = ops.add(
    ops.concatenate([ops.multiply(dcTotal, g), ops.multiply(dcTotal, c), ops.multiply(dcTotal, i), ops.multiply(dh, tc)], 1),
    dGates,
  );
  const ds = (s: Tensor) => ops.multiply(s, ops.subtract(1, s));
  const slope = ops.concatenate([ds(i), ds(f), ops.subtract(1, ops.square(g)), ds(o)], 1);
  return [ops.multiply(dAct, slope), ops.multiply(dcTotal, f)];
}

function lstmGradInputs(seed: number): Tensor[] {
  return [
    randn64([B, U], seed), randn64([B, U], seed + 1), randn64([B, 4 * U], seed + 2), activatedGates(seed + 3),
    randn64([B, U], seed + 4), randn64([B, U], seed + 5),
  ];
}

const lstmStepGrad = (dh: Tensor, dc: Tensor, dGates: Tensor, gates: Tensor, cNew: Tensor, c: Tensor) =>
  runAll('LSTMStepGrad', {dh, dc, dGates, gates, cNew, c}, {}) as [Tensor, Tensor];

test('LSTMStepGrad equals the composite backward pass (float64)', () => {
  const [dh, dc, dG, gates, cNew, c] = lstmGradInputs(1) as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
  const [da, dcPrev] = lstmStepGrad(dh, dc, dG, gates, cNew, c);
  const [da2, dcPrev2] = lstmStepGradComposite(dh, dc, dG, gates, cNew, c);
  assertClose(da, da2, {rtol: 1e-12, atol: 1e-14, label: 'da'});
  assertClose(dcPrev, dcPrev2, {rtol: 1e-12, atol: 1e-14, label: 'dcPrev'});
});

test('LSTMStep: every output (h, c and the gates reserve) reaches the objective', () => {
  const z = randn64([B, 4 * U], 11), h = randn64([B, U], 12), c = randn64([B, U], 13), rk = randn64([U, 4 * U], 14, 0.5);
  checkGradients((z_, h_, c_, rk_) => {
    const [hn, cn, gates] = runAll('LSTMStep', {z: z_!, h: h_!, c: c_!, recurrentKernel: rk_!}, {}) as [Tensor, Tensor, Tensor];
    return ops.concatenate([hn, ops.multiply(cn, 0.7), ops.multiply(gates, -0.4)], 1);
  }, [z, h, c, rk], {label: 'LSTMStep all outputs'});
  // only h used: the tape passes zeros for c' and the gates
  checkGradients((z_, h_, c_, rk_) => ops.lstmStep(z_!, h_!, c_!, rk_!)[0], [z, h, c, rk], {label: 'LSTMStep h only'});
  covered.add('LSTMStep');
});

test('LSTMStepGrad: finite differences for both outputs in every input', () => {
  checkGradients((...xs) => {
    const [da, dcPrev] = lstmStepGrad(...(xs as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]));
    return ops.concatenate([da, ops.multiply(dcPrev, 1.3)], 1);
  }, lstmGradInputs(21), {label: 'LSTMStepGrad'});
  // each output alone: the other one's gradient arrives as zeros
  checkGradients((...xs) => lstmStepGrad(...(xs as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]))[1], lstmGradInputs(31), {label: 'LSTMStepGrad dcPrev'});
  covered.add('LSTMStepGrad');
});

test('LSTMStep second-order: the gradient of a gradient matches finite differences', () => {
  // d/dz of sum(c'^2 + h'^2) runs LSTMStepGrad; differentiating that again runs its own rule
  const h = randn64([B, U], 42), c = randn64([B, U], 43), rk = randn64([U, 4 * U], 44, 0.5);
  const innerGrad = (z: Tensor, h_: Tensor) => {
    const tape = new GradientTape();
    tape.watch([z, h_]);
    const y = tape.run(() => {
      const [hn, cn] = ops.lstmStep(z, h_, c, rk);
      return ops.sum(ops.add(ops.square(cn), ops.square(hn)));
    });
    return ops.concatenate(tape.gradient(y, [z, h_]) as Tensor[], 1);
  };
  checkGradients((z_, h_) => innerGrad(z_!, h_!), [randn64([B, 4 * U], 41), h], {label: 'd2 LSTMStep'});
});

function gruGradInputs(seed: number): Tensor[] {
  const [zg, r, hh, mh] = ops.split(randn64([B, 4 * U], seed), 4, 1) as [Tensor, Tensor, Tensor, Tensor];
  const reserve = ops.concatenate([ops.sigmoid(zg), ops.sigmoid(r), ops.tanh(hh), mh], 1);
  return [randn64([B, U], seed + 1), randn64([B, 4 * U], seed + 2), reserve, randn64([B, U], seed + 3)];
}

const gruStepGrad = (dh: Tensor, dReserve: Tensor, reserve: Tensor, h: Tensor) =>
  runAll('GRUStepGrad', {dh, dReserve, reserve, h}, {}) as [Tensor, Tensor, Tensor];

test('GRUStepGrad equals the composite backward pass (float64)', () => {
  const [dh, dR, reserve, h] = gruGradInputs(61) as [Tensor, Tensor, Tensor, Tensor];
  const [dz, dm, dhDirect] = gruStepGrad(dh, dR, reserve, h);
  // the rule before GRUStepGrad, with plain ops
  const [zg, r, hh, mh] = ops.split(reserve, 4, 1) as [Tensor, Tensor, Tensor, Tensor];
  const [dRz, dRr, dRhh, dRmh] = ops.split(dR, 4, 1) as [Tensor, Tensor, Tensor, Tensor];
  const ds = (s: Tensor) => ops.multiply(s, ops.subtract(1, s));
  const dzg = ops.add(ops.multiply(dh, ops.subtract(h, hh)), dRz);
  const dhh = ops.add(ops.multiply(dh, ops.subtract(1, zg)), dRhh);
  const dah = ops.multiply(dhh, ops.subtract(1, ops.square(hh)));
  const dr = ops.add(ops.multiply(dah, mh), dRr);
  const daz = ops.multiply(dzg, ds(zg)), dar = ops.multiply(dr, ds(r));
  const o = {rtol: 1e-12, atol: 1e-14};
  assertClose(dz, ops.concatenate([daz, dar, dah], 1), {...o, label: 'dz'});
  assertClose(dm, ops.concatenate([daz, dar, ops.add(ops.multiply(dah, r), dRmh)], 1), {...o, label: 'dm'});
  assertClose(dhDirect, ops.multiply(dh, zg), {...o, label: 'dhDirect'});
});

test('GRUStep: both outputs (h and the reserve) reach the objective', () => {
  const z = randn64([B, 3 * U], 51), h = randn64([B, U], 52), rk = randn64([U, 3 * U], 53, 0.5), rb = randn64([3 * U], 54);
  checkGradients((z_, h_, rk_, rb_) => {
    const [hn, reserve] = runAll('GRUStep', {z: z_!, h: h_!, recurrentKernel: rk_!, recurrentBias: rb_!}, {}) as [Tensor, Tensor];
    return ops.concatenate([hn, ops.multiply(reserve, 0.6)], 1);
  }, [z, h, rk, rb], {label: 'GRUStep all outputs'});
  checkGradients((z_, h_, rk_, rb_) => ops.gruStep(z_!, h_!, rk_!, rb_!), [z, h, rk, rb], {label: 'GRUStep h only'});
  covered.add('GRUStep');
});

test('GRUStepGrad: finite differences for all three outputs in every input', () => {
  checkGradients((...xs) => {
    const [dz, dm, dhDirect] = gruStepGrad(...(xs as [Tensor, Tensor, Tensor, Tensor]));
    return ops.concatenate([dz, ops.multiply(dm, -0.8), ops.multiply(dhDirect, 1.2)], 1);
  }, gruGradInputs(71), {label: 'GRUStepGrad'});
  checkGradients((...xs) => gruStepGrad(...(xs as [Tensor, Tensor, Tensor, Tensor]))[1], gruGradInputs(81), {label: 'GRUStepGrad dm'});
  covered.add('GRUStepGrad');
});

test('GRUStep second-order: the gradient of a gradient matches finite differences', () => {
  const rk = randn64([U, 3 * U], 92, 0.5), rb = randn64([3 * U], 93);
  const innerGrad = (z: Tensor, h: Tensor) => {
    const tape = new GradientTape();
    tape.watch([z, h]);
    const y = tape.run(() => ops.sum(ops.square(ops.gruStep(z, h, rk, rb))));
    return ops.concatenate(tape.gradient(y, [z, h]) as Tensor[], 1);
  };
  checkGradients((z_, h_) => innerGrad(z_!, h_!), [randn64([B, 3 * U], 91), randn64([B, U], 94)], {label: 'd2 GRUStep'});
});

// ---- the whole-sequence LSTM kernel pair

const SB = 2, ST = 3, SU = 2;
type SeqCase = {label: string; mask: Tensor | null; goBackwards: boolean; zeroOutputForMask: boolean; recurrentMask?: Tensor | null};
// row 0: masked at the start, the middle masked for row 1 (the carry and the repeated output paths)
const seqMask = new Tensor([SB, ST], 'float64', Float64Array.from([0, 1, 1, 1, 0, 1]));
const seqCases: SeqCase[] = [
  {label: 'plain', mask: null, goBackwards: false, zeroOutputForMask: false},
  {label: 'goBackwards', mask: null, goBackwards: true, zeroOutputForMask: false},
  {label: 'masked', mask: seqMask, goBackwards: false, zeroOutputForMask: false},
  {label: 'masked goBackwards zeroOutputForMask', mask: seqMask, goBackwards: true, zeroOutputForMask: true},
];
// per-gate recurrent dropout masks [SB, 4 * SU] (zeros and 1 / keep, as LSTMCell's), with and without a sequence mask
const seqRecMask = new Tensor([SB, 4 * SU], 'float64', Float64Array.from([2, 0, 2, 2, 0, 2, 2, 0, 0, 2, 2, 2, 2, 0, 2, 2]));
const recCases: SeqCase[] = [
  {label: 'recurrent dropout', mask: null, goBackwards: false, zeroOutputForMask: false, recurrentMask: seqRecMask},
  {label: 'recurrent dropout masked goBackwards', mask: seqMask, goBackwards: true, zeroOutputForMask: false, recurrentMask: seqRecMask},
];
seqCases.push(...recCases);

function seqInputs(seed: number): [Tensor, Tensor, Tensor, Tensor] {
  return [randn64([SB, ST, 4 * SU], seed), randn64([SB, SU], seed + 1), randn64([SB, SU], seed + 2), randn64([SU, 4 * SU], seed + 3, 0.6)];
}

const seqRun = (z: Tensor, h0: Tensor, c0: Tensor, rk: Tensor, c: SeqCase) =>
  runAll('LSTMSequence', {z, h0, c0, recurrentKernel: rk, mask: c.mask ? [c.mask] : [], recurrentMask: c.recurrentMask ? [c.recurrentMask] : []}, {goBackwards: c.goBackwards, zeroOutputForMask: c.zeroOutputForMask});

test('LSTMSequence equals ops.rnn over the LSTMStep kernel (float64, masks, both directions)', () => {
  for (const c of seqCases) {
    const [z, h0, c0, rk] = seqInputs(101);
    const seq = ops.lstmSequence(z, h0, c0, rk, c);
    const rms = c.recurrentMask ? ops.split(c.recurrentMask, 4, 1) : null, rks = ops.split(rk, 4, 1);
    const ref = ops.rnn((zt, [h, cs]) => {
      if (!rms) {
        const [hn, cn] = ops.lstmStep(zt, h!, cs!, rk);
        return [hn, [hn, cn]];
      }
      // the per-gate masked recurrence, written with plain ops (an independent oracle)
      const a = ops.add(zt, ops.concatenate(rks.map((k, g) => ops.matmul(ops.multiply(h!, rms[g]!), k)), 1));
      const [ai, af, ag, ao] = ops.split(a, 4, 1) as [Tensor, Tensor, Tensor, Tensor];
      const cn = ops.add(ops.multiply(ops.sigmoid(af), cs!), ops.multiply(ops.sigmoid(ai), ops.tanh(ag)));
      const hn = ops.multiply(ops.sigmoid(ao), ops.tanh(cn));
      return [hn, [hn, cn]];
    }, z, [h0, c0], {mask: c.mask ? ops.cast(c.mask, 'bool') : null, goBackwards: c.goBackwards, zeroOutputForMask: c.zeroOutputForMask});
    const o = {rtol: 1e-12, atol: 1e-14};
    assertClose(seq.outputs, ref.outputs, {...o, label: `${c.label} outputs`});
    assertClose(seq.h, ref.states[0]!, {...o, label: `${c.label} h`});
    assertClose(seq.c, ref.states[1]!, {...o, label: `${c.label} c`});
  }
});

test('LSTMSequence: every output (the reserve too) reaches the objective, masks and both directions', () => {
  for (const c of seqCases) {
    checkGradients((z, h0, c0, rk) => {
      const outs = seqRun(z!, h0!, c0!, rk!, c);
      const flat = outs.map((t, i) => ops.multiply(ops.reshape(t, [-1]), 1 - 0.3 * i));
      return ops.concatenate(flat, 0);
    }, seqInputs(111), {label: `LSTMSequence all outputs ${c.label}`});
    // only the sequence output used: the tape passes zeros for the others
    checkGradients((z, h0, c0, rk) => ops.lstmSequence(z!, h0!, c0!, rk!, c).outputs, seqInputs(121), {label: `LSTMSequence outputs ${c.label}`});
  }
  covered.add('LSTMSequence');
});

function seqGradInputs(seed: number, c: SeqCase): LSTMSequenceGradInputs {
  const [z, h0, c0, rk] = seqInputs(seed);
  const outs = seqRun(z, h0, c0, rk, c);
  const r = (shape: number[], k: number) => randn64(shape, seed + 10 + k);
  return {
    dy: r([SB, ST, SU], 0), dh: r([SB, SU], 1), dc: r([SB, SU], 2), dGates: r([ST, SB, 4 * SU], 3), dCs: r([ST, SB, SU], 4),
    dHs: r([ST, SB, SU], 5), gates: outs[3]!, cs: outs[4]!, hs: outs[5]!, h0, c0, recurrentKernel: rk, mask: c.mask ? [c.mask] : [],
    recurrentMask: c.recurrentMask ? [c.recurrentMask] : [],
  };
}

const SEQ_GRAD_KEYS = ['dy', 'dh', 'dc', 'dGates', 'dCs', 'dHs', 'gates', 'cs', 'hs', 'h0', 'c0', 'recurrentKernel'] as const;

test('LSTMSequenceGrad equals its composite (LSTMStepGrad and matmuls per step, float64)', () => {
  for (const c of seqCases) {
    const x = seqGradInputs(131, c);
    const attrs = {goBackwards: c.goBackwards, zeroOutputForMask: c.zeroOutputForMask};
    const got = runAll('LSTMSequenceGrad', x, attrs);
    const want = lstmSequenceGradComposite(x, attrs);
    ['dz', 'dh0', 'dc0', 'dRecurrentKernel'].forEach((n, i) => assertClose(got[i]!, want[i]!, {rtol: 1e-11, atol: 1e-13, label: `${c.label} ${n}`}));
  }
});

test('LSTMSequenceGrad: finite differences for all four outputs in every input (second order)', () => {
  for (const c of [seqCases[0]!, seqCases[3]!, ...recCases]) {
    const base = seqGradInputs(141, c);
    const attrs = {goBackwards: c.goBackwards, zeroOutputForMask: c.zeroOutputForMask};
    checkGradients((...xs) => {
      const x = {...base, ...Object.fromEntries(SEQ_GRAD_KEYS.map((k, i) => [k, xs[i]!]))} as LSTMSequenceGradInputs;
      const outs = runAll('LSTMSequenceGrad', x, attrs);
      return ops.concatenate(outs.map((t, i) => ops.multiply(ops.reshape(t, [-1]), 1 + 0.4 * i)), 0);
    }, SEQ_GRAD_KEYS.map((k) => base[k]), {label: `LSTMSequenceGrad ${c.label}`});
  }
  covered.add('LSTMSequenceGrad');
});

test('LSTMSequence second-order: the gradient of a gradient matches finite differences', () => {
  const [, h0, c0, rk] = seqInputs(151);
  const innerGrad = (z: Tensor, rk_: Tensor) => {
    const tape = new GradientTape();
    tape.watch([z, rk_]);
    const y = tape.run(() => {
      const {outputs, c} = ops.lstmSequence(z, h0, c0, rk_, {mask: seqMask});
      return ops.add(ops.sum(ops.square(outputs)), ops.sum(ops.square(c)));
    });
    const [dz, drk] = tape.gradient(y, [z, rk_]) as Tensor[];
    return ops.concatenate([ops.reshape(dz!, [-1]), ops.reshape(drk!, [-1])], 0);
  };
  checkGradients((z, rk_) => innerGrad(z!, rk_!), [randn64([SB, ST, 4 * SU], 152), rk], {label: 'd2 LSTMSequence'});
});

// ---- the whole-sequence GRU kernel pair (same cases as the LSTM's)

function gruSeqInputs(seed: number): [Tensor, Tensor, Tensor, Tensor] {
  return [randn64([SB, ST, 3 * SU], seed), randn64([SB, SU], seed + 1), randn64([SU, 3 * SU], seed + 2, 0.6), randn64([3 * SU], seed + 3)];
}

const gruSeqRun = (z: Tensor, h0: Tensor, rk: Tensor, rb: Tensor, c: SeqCase) =>
  runAll('GRUSequence', {z, h0, recurrentKernel: rk, recurrentBias: rb, mask: c.mask ? [c.mask] : []}, {goBackwards: c.goBackwards, zeroOutputForMask: c.zeroOutputForMask});

test('GRUSequence equals ops.rnn over the GRUStep kernel (float64, masks, both directions)', () => {
  for (const c of seqCases) {
    const [z, h0, rk, rb] = gruSeqInputs(201);
    const seq = ops.gruSequence(z, h0, rk, rb, c);
    const ref = ops.rnn((zt, [h]) => {
      const hn = ops.gruStep(zt, h!, rk, rb);
      return [hn, [hn]];
    }, z, [h0], {mask: c.mask ? ops.cast(c.mask, 'bool') : null, goBackwards: c.goBackwards, zeroOutputForMask: c.zeroOutputForMask});
    assertClose(seq.outputs, ref.outputs, {rtol: 1e-12, atol: 1e-14, label: `${c.label} outputs`});
    assertClose(seq.h, ref.states[0]!, {rtol: 1e-12, atol: 1e-14, label: `${c.label} h`});
  }
});

test('GRUSequence: every output (the reserve too) reaches the objective, masks and both directions', () => {
  for (const c of seqCases) {
    checkGradients((z, h0, rk, rb) => {
      const outs = gruSeqRun(z!, h0!, rk!, rb!, c);
      return ops.concatenate(outs.map((t, i) => ops.multiply(ops.reshape(t, [-1]), 1 - 0.3 * i)), 0);
    }, gruSeqInputs(211), {label: `GRUSequence all outputs ${c.label}`});
    checkGradients((z, h0, rk, rb) => ops.gruSequence(z!, h0!, rk!, rb!, c).outputs, gruSeqInputs(221), {label: `GRUSequence outputs ${c.label}`});
  }
  covered.add('GRUSequence');
});

function gruSeqGradInputs(seed: number, c: SeqCase): GRUSequenceGradInputs {
  const [z, h0, rk, rb] = gruSeqInputs(seed);
  const outs = gruSeqRun(z, h0, rk, rb, c);
  const r = (shape: number[], k: number) => randn64(shape, seed + 10 + k);
  return {
    dy: r([SB, ST, SU], 0), dh: r([SB, SU], 1), dReserve: r([ST, SB, 4 * SU], 2), dHs: r([ST, SB, SU], 3),
    reserve: outs[2]!, hs: outs[3]!, h0, recurrentKernel: rk, mask: c.mask ? [c.mask] : [],
  };
}

const GRU_SEQ_GRAD_KEYS = ['dy', 'dh', 'dReserve', 'dHs', 'reserve', 'hs', 'h0', 'recurrentKernel'] as const;

test('GRUSequenceGrad equals its composite (GRUStepGrad and matmuls per step, float64)', () => {
  for (const c of seqCases) {
    const x = gruSeqGradInputs(231, c);
    const attrs = {goBackwards: c.goBackwards, zeroOutputForMask: c.zeroOutputForMask};
    const got = runAll('GRUSequenceGrad', x, attrs);
    const want = gruSequenceGradComposite(x, attrs);
    ['dz', 'dh0', 'dRecurrentKernel', 'dRecurrentBias'].forEach((n, i) => assertClose(got[i]!, want[i]!, {rtol: 1e-11, atol: 1e-13, label: `${c.label} ${n}`}));
  }
});

test('GRUSequenceGrad: finite differences for all four outputs in every input (second order)', () => {
  for (const c of [seqCases[0]!, seqCases[3]!]) {
    const base = gruSeqGradInputs(241, c);
    const attrs = {goBackwards: c.goBackwards, zeroOutputForMask: c.zeroOutputForMask};
    checkGradients((...xs) => {
      const x = {...base, ...Object.fromEntries(GRU_SEQ_GRAD_KEYS.map((k, i) => [k, xs[i]!]))} as GRUSequenceGradInputs;
      const outs = runAll('GRUSequenceGrad', x, attrs);
      return ops.concatenate(outs.map((t, i) => ops.multiply(ops.reshape(t, [-1]), 1 + 0.4 * i)), 0);
    }, GRU_SEQ_GRAD_KEYS.map((k) => base[k]), {label: `GRUSequenceGrad ${c.label}`});
  }
  covered.add('GRUSequenceGrad');
});

test('every differentiable recurrent kernel is gradient-checked', () => {
  const rules: Record<string, unknown> = recurrentGrads;
  const differentiable = Object.keys(rules).filter((k) => rules[k] !== 'nondifferentiable');
  assert.deepEqual(differentiable.filter((k) => !covered.has(k)), [], 'kernels without a gradient check');
});
