import * as ops from '../ops/index.js';
import {runAll} from '../ops/core.js';
import {tensor, type Tensor} from '../tensor/tensor.js';
import {ValueError} from '../errors.js';
import type {LSTMSequenceAttrs} from '../kernels/defs/recurrent.js';
import type {GradContext, GradTable} from './grad_types.js';

const {add, subtract, multiply, matmul, concatenate, split, square} = ops;

/** `s * (1 - s)`: the derivative of a sigmoid, given its output. */
const dSigmoid = (s: Tensor) => multiply(s, subtract(1, s));

/** The attributes of a sequence kernel's gradient, from a forward call that kept its reserve. */
function gradAttrs(op: string, {goBackwards, zeroOutputForMask, keepReserve, returnSequences}: LSTMSequenceAttrs): LSTMSequenceAttrs {
  if (keepReserve === false || returnSequences === false) {
    throw new ValueError(`${op}: the gradient needs the reserve and y, which this call did not keep (keepReserve or returnSequences false); call it while a GradientTape records`);
  }
  return {goBackwards, zeroOutputForMask};
}

/** The inputs of `LSTMSequenceGrad`. */
export interface LSTMSequenceGradInputs {
  dy: Tensor; dh: Tensor; dc: Tensor; dGates: Tensor; dCs: Tensor; dHs: Tensor; gates: Tensor; cs: Tensor; hs: Tensor;
  h0: Tensor; c0: Tensor; recurrentKernel: Tensor; mask: Tensor[];
  /** Empty, or the `[b, 4u]` per-gate recurrent dropout masks (constants). */
  recurrentMask: Tensor[];
}

const SEQ_GRAD_DIFFERENTIABLE = ['dy', 'dh', 'dc', 'dGates', 'dCs', 'dHs', 'gates', 'cs', 'hs', 'h0', 'c0', 'recurrentKernel'] as const;

/** `[T, b, ...]` (time-major) -> the T slices `[b, ...]`. */
function unstackLeading(x: Tensor): Tensor[] {
  const t = x.shape[0]!;
  const pieces = t === 1 ? [x] : split(x, t, 0);
  return pieces.map((p) => ops.reshape(p, x.shape.slice(1)));
}

/**
 * Per processing step `[b, 1]` in `dtype`: whether the output is the step's h (`keep`: valid steps,
 * and masked steps after the first valid one unless `zeroOutputForMask`) and whether the step is
 * valid. Empty without a mask. Constants: the mask is not differentiated.
 */
function maskSteps(mask: Tensor | undefined, b: number, T: number, a: LSTMSequenceAttrs, dtype: Tensor['dtype']): {keep: Tensor[]; valid: Tensor[]} {
  const keep: Tensor[] = [], valid: Tensor[] = [];
  if (!mask) return {keep, valid};
  const mv = mask.values, seen = new Uint8Array(b);
  for (let k = 0; k < T; k++) {
    const t = a.goBackwards ? T - 1 - k : k;
    const kv = new Float64Array(b), vv = new Float64Array(b);
    for (let r = 0; r < b; r++) {
      const ok = mv[r * T + t]! !== 0;
      vv[r] = ok ? 1 : 0;
      kv[r] = ok || (seen[r] && !a.zeroOutputForMask) ? 1 : 0;
      if (ok) seen[r] = 1;
    }
    keep.push(tensor(kv, [b, 1], dtype));
    valid.push(tensor(vv, [b, 1], dtype));
  }
  return {keep, valid};
}

/** `[b, T, u]` -> the T steps `[b, u]`. */
function unstackSteps(x: Tensor): Tensor[] {
  const [b, T, u] = x.shape as [number, number, number];
  return T === 1 ? [ops.reshape(x, [b, u])] : split(x, T, 1).map((p) => ops.reshape(p, [b, u]));
}

/** The inputs of `GRUSequenceGrad`. */
export interface GRUSequenceGradInputs {
  dy: Tensor; dh: Tensor; dReserve: Tensor; dHs: Tensor; reserve: Tensor; hs: Tensor; h0: Tensor; recurrentKernel: Tensor;
  mask: Tensor[];
}

const GRU_SEQ_GRAD_DIFFERENTIABLE = ['dy', 'dh', 'dReserve', 'dHs', 'reserve', 'hs', 'h0', 'recurrentKernel'] as const;

/**
 * `GRUSequenceGrad` written with differentiable ops (GRUStepGrad and matmuls per step): its tape gives
 * the kernel's own gradient, and the tests use it as an oracle. Returns `[dz, dh0, dRecurrentKernel,
 * dRecurrentBias]`.
 */
export function gruSequenceGradComposite(x: GRUSequenceGradInputs, a: LSTMSequenceAttrs): Tensor[] {
  const [b, T] = x.dy.shape as [number, number];
  const mask = x.mask[0];
  const {keep, valid} = maskSteps(mask, b, T, a, x.dy.dtype);
  const dys = unstackSteps(x.dy);
  const dReserve = unstackLeading(x.dReserve), dHs = unstackLeading(x.dHs), reserve = unstackLeading(x.reserve);
  const hs = unstackLeading(x.hs);
  let dh = x.dh;
  const dzs: Tensor[] = new Array(T), dms: Tensor[] = new Array(T), hPrev: Tensor[] = new Array(T);
  for (let k = T - 1; k >= 0; k--) {
    dh = add(add(dh, dHs[k]!), mask ? multiply(dys[k]!, keep[k]!) : dys[k]!);
    hPrev[k] = k > 0 ? hs[k - 1]! : x.h0;
    let [dz, dm, dhDirect] = runAll('GRUStepGrad', {dh, dReserve: dReserve[k]!, reserve: reserve[k]!, h: hPrev[k]!}, {}) as [Tensor, Tensor, Tensor];
    if (mask) {
      // a masked row carries its state and its gradient; its reserve is constant (zeros)
      const m = valid[k]!;
      dz = multiply(dz, m);
      dm = multiply(dm, m);
      dhDirect = add(multiply(dhDirect, m), multiply(dh, subtract(1, m)));
    }
    dzs[k] = dz;
    dms[k] = dm;
    dh = add(dhDirect, matmul(dm, x.recurrentKernel, {transposeB: true}));
  }
  const byTime = a.goBackwards ? dzs.slice().reverse() : dzs;
  const dzAll = concatenate(byTime.map((d) => ops.expandDims(d, 1)), 1);
  const dmAll = concatenate(dms, 0);
  return [dzAll, dh, matmul(concatenate(hPrev, 0), dmAll, {transposeA: true}), ops.sum(dmAll, 0)];
}

/** The vector-Jacobian product of `f` (outputs against `dys`) in `names` of `inputs`, by the tape's `vjp`. */
function vjpIn<N extends string>(
  vjp: GradContext<unknown>['vjp'], names: readonly N[], inputs: Record<N, Tensor>, dys: Tensor[], f: () => Tensor[],
): Record<N, Tensor | null> {
  const grads = vjp(names.map((n) => inputs[n]), dys, f);
  return Object.fromEntries(names.map((n, i) => [n, grads[i]])) as Record<N, Tensor | null>;
}

/**
 * `LSTMSequenceGrad` written with differentiable ops (LSTMStepGrad and matmuls, one step at a time):
 * the same function of the same inputs, so its tape gives the kernel's own gradient (second order),
 * and the tests use it as an oracle. Returns `[dz, dh0, dc0, dRecurrentKernel]`.
 */
export function lstmSequenceGradComposite(x: LSTMSequenceGradInputs, a: LSTMSequenceAttrs): Tensor[] {
  const [b, T] = x.dy.shape as [number, number];
  const mask = x.mask[0];
  const {keep, valid} = maskSteps(mask, b, T, a, x.dy.dtype);
  const dys = unstackSteps(x.dy);
  const dGates = unstackLeading(x.dGates), dCs = unstackLeading(x.dCs), dHs = unstackLeading(x.dHs);
  const gates = unstackLeading(x.gates), cs = unstackLeading(x.cs), hs = unstackLeading(x.hs);
  let dh = x.dh, dc = x.dc;
  const das: Tensor[] = new Array(T), hPrev: Tensor[] = new Array(T);
  // with recurrent dropout, gate g sees (h * m_g) @ W_g: dh_prev = sum_g m_g * (da_g @ W_g^T), and
  // dW_g = sum over steps of (h_prev * m_g)^T da_g
  const rm = x.recurrentMask[0];
  const rms = rm ? (split(rm, 4, 1) as Tensor[]) : null;
  const rks = rm ? (split(x.recurrentKernel, 4, 1) as Tensor[]) : null;
  const back = (da: Tensor): Tensor => {
    if (!rms) return matmul(da, x.recurrentKernel, {transposeB: true});
    const das4 = split(da, 4, 1);
    return das4.map((d, g) => multiply(matmul(d, rks![g]!, {transposeB: true}), rms[g]!)).reduce((p, q) => add(p, q));
  };
  for (let k = T - 1; k >= 0; k--) {
    dh = add(add(dh, dHs[k]!), mask ? multiply(dys[k]!, keep[k]!) : dys[k]!);
    dc = add(dc, dCs[k]!);
    const cPrev = k > 0 ? cs[k - 1]! : x.c0;
    hPrev[k] = k > 0 ? hs[k - 1]! : x.h0;
    let [da, dcPrev] = runAll('LSTMStepGrad', {dh, dc, dGates: dGates[k]!, gates: gates[k]!, cNew: cs[k]!, c: cPrev}, {}) as [Tensor, Tensor];
    let dhPrev: Tensor;
    if (mask) {
      // a masked row carries its states and their gradients; its gates are constants (zeros)
      const m = valid[k]!, carry = subtract(1, m);
      da = multiply(da, m);
      dcPrev = add(multiply(dcPrev, m), multiply(dc, carry));
      dhPrev = add(back(da), multiply(dh, carry));
    } else {
      dhPrev = back(da);
    }
    das[k] = da;
    dh = dhPrev;
    dc = dcPrev;
  }
  const byTime = a.goBackwards ? das.slice().reverse() : das;
  const dz = concatenate(byTime.map((d) => ops.expandDims(d, 1)), 1);
  const hAll = concatenate(hPrev, 0), daAll = concatenate(das, 0);
  let dRk: Tensor;
  if (rms) {
    const mAll = rms.map((m) => concatenate(new Array<Tensor>(T).fill(m), 0));
    const daG = split(daAll, 4, 1);
    dRk = concatenate(daG.map((d, g) => matmul(multiply(hAll, mAll[g]!), d, {transposeA: true})), 1);
  } else {
    dRk = matmul(hAll, daAll, {transposeA: true});
  }
  return [dz, dh, dc, dRk];
}

/**
 * Rules for the fused recurrent steps, written with ops. Every output's gradient is used, the reserve
 * outputs' included, so the rules stay exact whatever a caller does with those outputs.
 */
export const recurrentGrads = {
  // the elementwise part in one kernel (LSTMStepGrad), the two matmuls as getters: the tape reads
  // only the gradients it needs (the initial state h is usually constant zeros)
  LSTMStep: ({dys, inputs: {h, c, recurrentKernel}, outputs}) => {
    const [dh, dc, dGates] = dys as [Tensor, Tensor, Tensor];
    const [da, dcPrev] = runAll('LSTMStepGrad', {dh, dc, dGates, gates: outputs[2]!, cNew: outputs[1]!, c}, {}) as [Tensor, Tensor];
    return {
      z: da,
      get h() {
        return matmul(da, recurrentKernel, {transposeB: true});
      },
      c: dcPrev,
      get recurrentKernel() {
        return matmul(h, da, {transposeA: true});
      },
    };
  },
  // LSTMStepGrad differentiated once more, with ops (higher-order gradients). With A = d/d(da),
  // P = d/d(dcPrev), the slopes s_i = i(1 - i), s_f, s_g = 1 - g^2, s_o, t = tanh(cNew),
  // q = 1 - t^2, dc~ = dc + dh * o * q and u_k the activated gate gradients:
  // G = d/d(dc~) = A_i s_i g + A_f s_f c + A_g s_g i + P f, which flows to dc, dh, o, cNew.
  LSTMStepGrad: ({dys, inputs: {dh, dc, dGates, gates, cNew, c}}) => {
    const [dA, dP] = dys as [Tensor, Tensor];
    const [i, f, g, o] = split(gates, 4, 1) as [Tensor, Tensor, Tensor, Tensor];
    const [ai, af, ag, ao] = split(dA, 4, 1) as [Tensor, Tensor, Tensor, Tensor];
    const [dgi, dgf, dgg, dgo] = split(dGates, 4, 1) as [Tensor, Tensor, Tensor, Tensor];
    const t = ops.tanh(cNew);
    const q = subtract(1, square(t));
    const dct = add(dc, multiply(multiply(dh, o), q));
    const si = dSigmoid(i), sf = dSigmoid(f), sg = subtract(1, square(g)), so = dSigmoid(o);
    const aoSo = multiply(ao, so);
    const G = add(
      add(multiply(multiply(ai, si), g), multiply(multiply(af, sf), c)),
      add(multiply(multiply(ag, sg), i), multiply(dP, f)),
    );
    const oneMinus2 = (x: Tensor) => subtract(1, multiply(x, 2));
    const ui = add(multiply(dct, g), dgi), uf = add(multiply(dct, c), dgf);
    const ug = add(multiply(dct, i), dgg), uo = add(multiply(dh, t), dgo);
    return {
      dh: add(multiply(multiply(G, o), q), multiply(aoSo, t)),
      dc: G,
      dGates: multiply(dA, concatenate([si, sf, sg, so], 1)),
      gates: concatenate([
        add(multiply(multiply(ai, ui), oneMinus2(i)), multiply(multiply(ag, sg), dct)),
        add(multiply(multiply(af, uf), oneMinus2(f)), multiply(dP, dct)),
        subtract(multiply(multiply(ai, si), dct), multiply(multiply(multiply(ag, ug), g), 2)),
        add(multiply(multiply(G, dh), q), multiply(multiply(ao, uo), oneMinus2(o))),
      ], 1),
      cNew: multiply(q, subtract(multiply(aoSo, dh), multiply(multiply(multiply(G, dh), o), multiply(t, 2)))),
      c: multiply(multiply(af, sf), dct),
    };
  },
  // backpropagation through time in one kernel; the gradient of every output (the reserve's too)
  // (the recurrent dropout mask is a constant: no gradient)
  LSTMSequence: ({dys, inputs: {h0, c0, recurrentKernel, mask, recurrentMask}, outputs, attrs}) => {
    const [dy, dh, dc, dGates, dCs, dHs] = dys as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
    const [dz, dh0, dc0, dRk] = runAll(
      'LSTMSequenceGrad',
      {dy, dh, dc, dGates, dCs, dHs, gates: outputs[3]!, cs: outputs[4]!, hs: outputs[5]!, h0, c0, recurrentKernel, mask, recurrentMask},
      gradAttrs('LSTMSequence', attrs),
    ) as [Tensor, Tensor, Tensor, Tensor];
    return {z: dz, h0: dh0, c0: dc0, recurrentKernel: dRk};
  },
  // second order: the vector-Jacobian product of the same function written with differentiable ops
  // (lstmSequenceGradComposite), on a tape of its own; outer tapes record it for higher orders
  LSTMSequenceGrad: ({dys, inputs, attrs, vjp}) =>
    vjpIn(vjp, SEQ_GRAD_DIFFERENTIABLE, inputs, dys, () => lstmSequenceGradComposite(inputs, attrs)),
  GRUSequence: ({dys, inputs: {h0, recurrentKernel, mask}, outputs, attrs}) => {
    const [dy, dh, dReserve, dHs] = dys as [Tensor, Tensor, Tensor, Tensor];
    const [dz, dh0, dRk, dRb] = runAll(
      'GRUSequenceGrad',
      {dy, dh, dReserve, dHs, reserve: outputs[2]!, hs: outputs[3]!, h0, recurrentKernel, mask},
      gradAttrs('GRUSequence', attrs),
    ) as [Tensor, Tensor, Tensor, Tensor];
    return {z: dz, h0: dh0, recurrentKernel: dRk, recurrentBias: dRb};
  },
  GRUSequenceGrad: ({dys, inputs, attrs, vjp}) =>
    vjpIn(vjp, GRU_SEQ_GRAD_DIFFERENTIABLE, inputs, dys, () => gruSequenceGradComposite(inputs, attrs)),
  GRUStep: ({dys, inputs: {h, recurrentKernel}, outputs}) => {
    const [dh, dReserve] = dys as [Tensor, Tensor];
    const [dz, dm, dhDirect] = runAll('GRUStepGrad', {dh, dReserve, reserve: outputs[1]!, h}, {}) as [Tensor, Tensor, Tensor];
    return {
      z: dz,
      get h() {
        return add(dhDirect, matmul(dm, recurrentKernel, {transposeB: true}));
      },
      get recurrentKernel() {
        return matmul(h, dm, {transposeA: true});
      },
      // [b, 3u] against a [3u] input: the tape sums the batch axis back
      recurrentBias: dm,
    };
  },
  // GRUStepGrad differentiated once more, with ops. With Z, M, Q the gradients of dz, dm, dhDirect:
  // daz and dar feed both dz and dm (A_z = Z_z + M_z, A_r = Z_r + M_r); G_x is the gradient of the
  // intermediate x of the forward formula (see the kernel's definition).
  GRUStepGrad: ({dys, inputs: {dh, dReserve, reserve, h}}) => {
    const [dZ, dM, dQ] = dys as [Tensor, Tensor, Tensor];
    const [zg, r, hh, mh] = split(reserve, 4, 1) as [Tensor, Tensor, Tensor, Tensor];
    const [dRz, dRr, dRhh] = split(dReserve, 4, 1) as [Tensor, Tensor, Tensor, Tensor];
    const [zz, zr, zh] = split(dZ, 3, 1) as [Tensor, Tensor, Tensor];
    const [mz, mr, mmh] = split(dM, 3, 1) as [Tensor, Tensor, Tensor];
    const hMinusHh = subtract(h, hh);
    const dzg = add(multiply(dh, hMinusHh), dRz);
    const dhh = add(multiply(dh, subtract(1, zg)), dRhh);
    const sh = subtract(1, square(hh));
    const dah = multiply(dhh, sh);
    const dr = add(multiply(dah, mh), dRr);
    const az = add(zz, mz), ar = add(zr, mr);
    const gzg = multiply(az, dSigmoid(zg));
    const gr = multiply(ar, dSigmoid(r));
    const gah = add(add(zh, multiply(gr, mh)), multiply(mmh, r));
    const ghh = multiply(gah, sh);
    const oneMinus2 = (x: Tensor) => subtract(1, multiply(x, 2));
    return {
      dh: add(add(multiply(gzg, hMinusHh), multiply(ghh, subtract(1, zg))), multiply(dQ, zg)),
      h: multiply(gzg, dh),
      dReserve: concatenate([gzg, gr, ghh, mmh], 1),
      reserve: concatenate([
        add(multiply(multiply(az, dzg), oneMinus2(zg)), multiply(subtract(dQ, ghh), dh)),
        add(multiply(multiply(ar, dr), oneMinus2(r)), multiply(mmh, dah)),
        subtract(ops.negative(multiply(gzg, dh)), multiply(multiply(multiply(gah, dhh), hh), 2)),
        multiply(gr, dah),
      ], 1),
    };
  },
} satisfies Partial<GradTable>;
