import type {LSTMSequenceAttrs, LSTMSequenceGradInputs} from '../../kernels/defs/recurrent.js';
import type {DType} from '../../tensor/dtype.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {Gpu, GpuData} from './device.js';
import type {GpuKernel} from './elementwise.js';
import {binding, groups1d, MATH, main1d} from './wgsl.js';

/**
 * The LSTM step and its gradient (the pieces the cell loop uses; the whole sequence is further below).
 * One thread per (batch row, unit): the four gates' dot products of `h` with the recurrent kernel's
 * columns, then Keras's gate math (`i, f, c~, o`; sigmoid gates, tanh cell), as the reference.
 */
const lstmStep: GpuKernel = (gpu) => ({z, h, c, recurrentKernel}: {z: Tensor; h: Tensor; c: Tensor; recurrentKernel: Tensor}, _a: unknown, outs: Tensor[]) => {
  if ([z, h, c, recurrentKernel].some((t) => t.dtype !== 'float32')) return false;
  const [batch, u] = h.shape as [number, number];
  const g4 = 4 * u;
  const body =
    `  let b = i / ${u}u;\n  let k = i % ${u}u;\n` +
    `  var a = array<f32, 4>(Z[b * ${g4}u + k], Z[b * ${g4}u + ${u}u + k], Z[b * ${g4}u + ${2 * u}u + k], Z[b * ${g4}u + ${3 * u}u + k]);\n` +
    `  for (var p = 0u; p < ${u}u; p++) {\n    let hv = H[b * ${u}u + p];\n` +
    `    for (var q = 0u; q < 4u; q++) { a[q] += hv * R[p * ${g4}u + q * ${u}u + k]; }\n  }\n` +
    `  let ig = sigmoid_(a[0]);\n  let fg = sigmoid_(a[1]);\n  let gg = tanh_(a[2]);\n  let og = sigmoid_(a[3]);\n` +
    `  let cn = fg * C[i] + ig * gg;\n  cOut[i] = cn;\n  hOut[i] = og * tanh_(cn);\n` +
    `  let gb = b * ${g4}u + k;\n  G[gb] = ig;\n  G[gb + ${u}u] = fg;\n  G[gb + ${2 * u}u] = gg;\n  G[gb + ${3 * u}u] = og;`;
  const code =
    binding(0, 'Z', 'float32', 'read') +
    binding(1, 'H', 'float32', 'read') +
    binding(2, 'C', 'float32', 'read') +
    binding(3, 'R', 'float32', 'read') +
    binding(4, 'hOut', 'float32', 'read_write') +
    binding(5, 'cOut', 'float32', 'read_write') +
    binding(6, 'G', 'float32', 'read_write') +
    MATH +
    main1d(batch * u, body);
  const bufs = [gpu.input(z), gpu.input(h), gpu.input(c), gpu.input(recurrentKernel), gpu.output(outs[0]!), gpu.output(outs[1]!), gpu.output(outs[2]!)];
  gpu.run('LSTMStep', code, bufs, [], groups1d(batch * u));
};

const lstmStepGrad: GpuKernel = (gpu) => (
  {dh, dc, dGates, gates, cNew, c}: {dh: Tensor; dc: Tensor; dGates: Tensor; gates: Tensor; cNew: Tensor; c: Tensor},
  _a: unknown,
  [da, dcPrev]: Tensor[],
) => {
  if ([dh, dc, dGates, gates, cNew, c].some((t) => t.dtype !== 'float32')) return false;
  const [batch, u] = c.shape as [number, number];
  const g4 = 4 * u;
  const body =
    `  let b = i / ${u}u;\n  let k = i % ${u}u;\n  let gb = b * ${g4}u + k;\n` +
    `  let ig = G[gb];\n  let fg = G[gb + ${u}u];\n  let gg = G[gb + ${2 * u}u];\n  let og = G[gb + ${3 * u}u];\n` +
    `  let tc = tanh_(CN[i]);\n  let dhk = DH[i];\n  let dct = DC[i] + dhk * og * (1.0 - tc * tc);\n` +
    `  DA[gb] = (dct * gg + DG[gb]) * ig * (1.0 - ig);\n` +
    `  DA[gb + ${u}u] = (dct * C[i] + DG[gb + ${u}u]) * fg * (1.0 - fg);\n` +
    `  DA[gb + ${2 * u}u] = (dct * ig + DG[gb + ${2 * u}u]) * (1.0 - gg * gg);\n` +
    `  DA[gb + ${3 * u}u] = (dhk * tc + DG[gb + ${3 * u}u]) * og * (1.0 - og);\n` +
    `  DCP[i] = dct * fg;`;
  const code =
    binding(0, 'DH', 'float32', 'read') +
    binding(1, 'DC', 'float32', 'read') +
    binding(2, 'DG', 'float32', 'read') +
    binding(3, 'G', 'float32', 'read') +
    binding(4, 'CN', 'float32', 'read') +
    binding(5, 'C', 'float32', 'read') +
    binding(6, 'DA', 'float32', 'read_write') +
    binding(7, 'DCP', 'float32', 'read_write') +
    MATH +
    main1d(batch * u, body);
  const bufs = [gpu.input(dh), gpu.input(dc), gpu.input(dGates), gpu.input(gates), gpu.input(cNew), gpu.input(c), gpu.output(da!), gpu.output(dcPrev!)];
  gpu.run('LSTMStepGrad', code, bufs, [], groups1d(batch * u));
};


/**
 * The whole-sequence LSTM (`LSTMSequence`) and its backpropagation through time: the time loop is
 * one dispatch per step (the same pipeline, the step in the params), all recorded into the same
 * command buffer, so a sequence call is one submit (up to the executor's batch of dispatches). Each
 * kernel binds at most 9 storage buffers (WebGPU guarantees 8 plus params; SwiftShader offers 10):
 * the outputs `y`, `h`, `c` are written from the reserve after the loop, and the gradient carries
 * `dh`, `dc` in one scratch buffer.
 */
interface SeqShapes {
  B: number;
  T: number;
  U: number;
  G4: number;
  BU: number;
  back: boolean;
}

const stepIndex = (s: SeqShapes): string => `  let k = P[0];\n  let t = ${s.back ? `${s.T - 1}u - k` : 'k'};\n`;

/** WGSL for `M[idx]` being a valid (non-zero) step, for a mask of `dtype`. */
function validAt(dtype: string, idx: string): string {
  return dtype === 'float32' ? `(M[${idx}] != 0.0)` : dtype === 'int32' ? `(M[${idx}] != 0)` : `(M[${idx}] != 0u)`;
}

/**
 * WGSL setting `keep` (whether step `k` of row `b` outputs its h rather than zeros: valid, or masked
 * after a valid one unless `zeroOutputForMask`), as the reference's outputKeep.
 */
function keepCode(s: SeqShapes, mask: Tensor | undefined, zeroOutputForMask: boolean): string {
  if (!mask) return '  let keep = true;\n';
  const tOf = (kk: string) => (s.back ? `(${s.T - 1}u - ${kk})` : kk);
  return (
    `  var seen = false;\n  for (var q = 0u; q < k; q++) { if (${validAt(mask.dtype, `b * ${s.T}u + ${tOf('q')}`)}) { seen = true; } }\n` +
    `  let keep = ${validAt(mask.dtype, `b * ${s.T}u + ${tOf('k')}`)}${zeroOutputForMask ? '' : ' || seen'};\n`
  );
}

function seqShapes(z: Tensor, h0: Tensor, gates: number, back: boolean): SeqShapes {
  const [B, T] = z.shape as [number, number];
  const U = h0.shape[1]!;
  return {B, T, U, G4: gates * U, BU: B * U, back};
}

/** A storage of `n` float32 elements on the device that no tensor holds (a kernel's scratch). */
const scratch = (gpu: Gpu, n: number): GpuData => gpu.newData('float32', n);

/** One binding of a generated kernel: its WGSL name, storage, access and element type. */
type Bind = readonly [name: string, data: GpuData, access: 'read' | 'read_write', dtype: DType];
const rd = (name: string, data: GpuData, dtype: DType = 'float32'): Bind => [name, data, 'read', dtype];
const rw = (name: string, data: GpuData): Bind => [name, data, 'read_write', 'float32'];
/** The bindings' declarations in order, then the params (`P`) after them when the kernel takes any. */
const declare = (list: readonly Bind[], params: boolean): string =>
  list.map(([n, , acc, dt], i) => binding(i, n, dt, acc)).join('') + (params ? binding(list.length, 'P', 'u32', 'read') : '');
const datas = (list: readonly Bind[]): GpuData[] => list.map(([, d]) => d);

const lstmSequence: GpuKernel = (gpu) => (
  {z, h0, c0, recurrentKernel, mask, recurrentMask = []}: {z: Tensor; h0: Tensor; c0: Tensor; recurrentKernel: Tensor; mask: Tensor[]; recurrentMask?: Tensor[]},
  a: LSTMSequenceAttrs,
  outs: Tensor[],
) => {
  const m = mask[0], rm = recurrentMask[0];
  if ([z, h0, c0, recurrentKernel, ...(rm ? [rm] : [])].some((x) => x.dtype !== 'float32') || (m && m.dtype === 'float64')) return false;
  const s = seqShapes(z, h0, 4, a.goBackwards);
  const {B, T, U, G4, BU} = s;
  if (T === 0 || B * U === 0) return false;
  const [y, hOut, cOut, gOut, csOut, hsOut] = outs as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
  const Z = gpu.input(z), H0 = gpu.input(h0), C0 = gpu.input(c0), W = gpu.input(recurrentKernel);
  const M = m ? gpu.input(m) : null, RM = rm ? gpu.input(rm) : null;
  // without a reserve (keepReserve: false) the loop keeps its states in scratch storage
  const kept = a.keepReserve !== false;
  const G = kept ? gpu.output(gOut) : scratch(gpu, T * B * G4), CS = kept ? gpu.output(csOut) : scratch(gpu, T * BU);
  const HS = kept ? gpu.output(hsOut) : scratch(gpu, T * BU);
  for (const first of [true, false]) {
    // the states before step k: the initial ones (k = 0) or the reserve's previous row
    const hp = (p: string) => (first ? `H0[b * ${U}u + ${p}]` : `HS[(k - 1u) * ${BU}u + b * ${U}u + ${p}]`);
    const cp = (p: string) => (first ? `C0[b * ${U}u + ${p}]` : `CS[(k - 1u) * ${BU}u + b * ${U}u + ${p}]`);
    const names: Bind[] = [
      rd('Z', Z),
      ...(first ? [rd('H0', H0), rd('C0', C0)] : []),
      rd('W', W),
      ...(M ? [rd('M', M, m!.dtype)] : []),
      ...(RM ? [rd('RM', RM)] : []),
      rw('G', G),
      rw('CS', CS),
      rw('HS', HS),
    ];
    const body =
      stepIndex(s) +
      `  let b = i / ${U}u;\n  let j = i % ${U}u;\n  let st = k * ${BU}u + b * ${U}u + j;\n  let g0 = (k * ${B}u + b) * ${G4}u + j;\n` +
      (M ? `  if (!${validAt(m!.dtype, `b * ${T}u + t`)}) {\n    HS[st] = ${hp('j')};\n    CS[st] = ${cp('j')};\n    for (var q = 0u; q < 4u; q++) { G[g0 + q * ${U}u] = 0.0; }\n    return;\n  }\n` : '') +
      `  let zr = (b * ${T}u + t) * ${G4}u + j;\n` +
      `  var acc = array<f32, 4>(Z[zr], Z[zr + ${U}u], Z[zr + ${2 * U}u], Z[zr + ${3 * U}u]);\n` +
      `  for (var p = 0u; p < ${U}u; p++) {\n    let hv = ${hp('p')};\n` +
      `    for (var q = 0u; q < 4u; q++) { acc[q] += hv${RM ? ` * RM[b * ${G4}u + q * ${U}u + p]` : ''} * W[p * ${G4}u + q * ${U}u + j]; }\n  }\n` +
      `  let ig = sigmoid_(acc[0]);\n  let fg = sigmoid_(acc[1]);\n  let gg = tanh_(acc[2]);\n  let og = sigmoid_(acc[3]);\n` +
      `  let cn = fg * ${cp('j')} + ig * gg;\n  CS[st] = cn;\n  HS[st] = og * tanh_(cn);\n` +
      `  G[g0] = ig;\n  G[g0 + ${U}u] = fg;\n  G[g0 + ${2 * U}u] = gg;\n  G[g0 + ${3 * U}u] = og;`;
    const code = declare(names, true) + MATH + main1d(BU, body);
    for (let k = first ? 0 : 1; k < (first ? 1 : T); k++) gpu.run('LSTMSequence', code, datas(names), [k], groups1d(BU));
  }
  // the outputs from the reserve: y in processing order (zeros where masked, as Keras), the last states
  const Y = y.size ? gpu.output(y) : scratch(gpu, B * T * U), HO = gpu.output(hOut), CO = gpu.output(cOut);
  const body =
    `  let j = i % ${U}u;\n  let r = i / ${U}u;\n  let k = r % ${T}u;\n  let b = r / ${T}u;\n` +
    keepCode(s, m, a.zeroOutputForMask) +
    `  let st = k * ${BU}u + b * ${U}u + j;\n  Y[i] = select(0.0, HS[st], keep);\n` +
    `  if (k == ${T - 1}u) { HO[b * ${U}u + j] = HS[st]; CO[b * ${U}u + j] = CS[st]; }`;
  const list: Bind[] = [rd('HS', HS), rd('CS', CS), ...(M ? [rd('M', M, m!.dtype)] : []), rw('Y', Y), rw('HO', HO), rw('CO', CO)];
  gpu.run('LSTMSequence outputs', declare(list, false) + main1d(B * T * U, body), datas(list), [], groups1d(B * T * U));
};

const lstmSequenceGrad: GpuKernel = (gpu) => (
  inputs: LSTMSequenceGradInputs,
  a: LSTMSequenceAttrs,
  outs: Tensor[],
) => {
  const {dy, dh, dc, dGates, dCs, dHs, gates, cs, hs, h0, c0, recurrentKernel, mask} = inputs;
  const m = mask[0], rm = inputs.recurrentMask?.[0];
  const floats = [dy, dh, dc, dGates, dCs, dHs, gates, cs, hs, h0, c0, recurrentKernel, ...(rm ? [rm] : [])];
  if (floats.some((x) => x.dtype !== 'float32') || (m && m.dtype === 'float64')) return false;
  const s = seqShapes(dy, h0, 4, a.goBackwards);
  const {B, T, U, G4, BU} = s;
  if (T === 0 || B * U === 0) return false;
  const [dzOut, dh0Out, dc0Out, dwOut] = outs as [Tensor, Tensor, Tensor, Tensor];
  const M = m ? gpu.input(m) : null, RM = rm ? gpu.input(rm) : null;
  const mdt = m?.dtype ?? 'float32';
  const maskB: Bind[] = M ? [rd('M', M, mdt)] : [];
  const rmB: Bind[] = RM ? [rd('RM', RM)] : [];
  // the carried gradients of the states after the current step: [b, 2u] = dh, dc
  const DHC = scratch(gpu, 2 * BU);
  const DD = scratch(gpu, 2 * T * BU);
  {
    const list: Bind[] = [rd('DH', gpu.input(dh)), rd('DC', gpu.input(dc)), rw('DHC', DHC)];
    const body = `  let b = i / ${U}u;\n  let j = i % ${U}u;\n  DHC[b * ${2 * U}u + j] = DH[i];\n  DHC[b * ${2 * U}u + ${U}u + j] = DC[i];`;
    gpu.run('LSTMSequenceGrad init', declare(list, false) + main1d(BU, body), datas(list), [], groups1d(BU));
  }
  {
    // what each step adds to the carried gradients: dHs plus dy where the output was h, and dCs
    const list: Bind[] = [rd('DY', gpu.input(dy)), rd('DHS', gpu.input(dHs)), rd('DCS', gpu.input(dCs)), ...maskB, rw('DD', DD)];
    const body =
      `  let j = i % ${U}u;\n  let b = (i / ${U}u) % ${B}u;\n  let k = i / ${BU}u;\n` +
      keepCode(s, m, a.zeroOutputForMask) +
      `  let o = (k * ${B}u + b) * ${2 * U}u + j;\n  DD[o] = DHS[i] + select(0.0, DY[(b * ${T}u + k) * ${U}u + j], keep);\n  DD[o + ${U}u] = DCS[i];`;
    gpu.run('LSTMSequenceGrad steps', declare(list, false) + main1d(T * BU, body), datas(list), [], groups1d(T * BU));
  }
  const DZ = gpu.output(dzOut), DG = gpu.input(dGates), G = gpu.input(gates), CS = gpu.input(cs), HS = gpu.input(hs), W = gpu.input(recurrentKernel);
  const C0 = gpu.input(c0), H0 = gpu.input(h0);
  const masked = M ? `!${validAt(mdt, `b * ${T}u + t`)}` : 'false';
  const codeA = (first: boolean): {code: string; bufs: GpuData[]} => {
    const list: Bind[] = [rw('DHC', DHC), rd('DD', DD), rd('DG', DG), rd('G', G), rd('CS', CS), ...(first ? [rd('C0', C0)] : []), ...maskB, rw('DZ', DZ)];
    const body =
      stepIndex(s) +
      `  let b = i / ${U}u;\n  let j = i % ${U}u;\n  let st = k * ${BU}u + i;\n  let d = (k * ${B}u + b) * ${2 * U}u + j;\n` +
      `  let dh = DHC[b * ${2 * U}u + j] + DD[d];\n  let dc = DHC[b * ${2 * U}u + ${U}u + j] + DD[d + ${U}u];\n` +
      `  let zr = (b * ${T}u + t) * ${G4}u + j;\n  DHC[b * ${2 * U}u + j] = dh;\n` +
      `  if (${masked}) {\n    DHC[b * ${2 * U}u + ${U}u + j] = dc;\n    for (var q = 0u; q < 4u; q++) { DZ[zr + q * ${U}u] = 0.0; }\n    return;\n  }\n` +
      `  let g0 = (k * ${B}u + b) * ${G4}u + j;\n` +
      `  let ig = G[g0];\n  let fg = G[g0 + ${U}u];\n  let gg = G[g0 + ${2 * U}u];\n  let og = G[g0 + ${3 * U}u];\n` +
      `  let cprev = ${first ? 'C0[i]' : `CS[st - ${BU}u]`};\n` +
      `  let tc = tanh_(CS[st]);\n  let dct = dc + dh * og * (1.0 - tc * tc);\n` +
      `  DZ[zr] = (dct * gg + DG[g0]) * ig * (1.0 - ig);\n` +
      `  DZ[zr + ${U}u] = (dct * cprev + DG[g0 + ${U}u]) * fg * (1.0 - fg);\n` +
      `  DZ[zr + ${2 * U}u] = (dct * ig + DG[g0 + ${2 * U}u]) * (1.0 - gg * gg);\n` +
      `  DZ[zr + ${3 * U}u] = (dh * tc + DG[g0 + ${3 * U}u]) * og * (1.0 - og);\n` +
      `  DHC[b * ${2 * U}u + ${U}u + j] = dct * fg;`;
    return {code: declare(list, true) + MATH + main1d(BU, body), bufs: datas(list)};
  };
  // dh before the step: da @ W^T (per gate times the recurrent dropout mask); a masked row passes dh through
  const listB: Bind[] = [rw('DHC', DHC), rd('DZ', DZ), rd('W', W), ...maskB, ...rmB];
  const bodyB =
    stepIndex(s) +
    `  let b = i / ${U}u;\n  let p = i % ${U}u;\n  if (${masked}) { return; }\n  let zr = (b * ${T}u + t) * ${G4}u;\n  var total = 0.0;\n` +
    `  for (var q = 0u; q < 4u; q++) {\n    var acc = 0.0;\n` +
    `    for (var j = q * ${U}u; j < (q + 1u) * ${U}u; j++) { acc += DZ[zr + j] * W[p * ${G4}u + j]; }\n` +
    `    total += ${RM ? `RM[b * ${G4}u + q * ${U}u + p] * ` : ''}acc;\n  }\n  DHC[b * ${2 * U}u + p] = total;`;
  const codeB = declare(listB, true) + main1d(BU, bodyB);
  const a0 = codeA(true), a1 = codeA(false);
  for (let k = T - 1; k >= 0; k--) {
    const A = k === 0 ? a0 : a1;
    gpu.run('LSTMSequenceGrad step', A.code, A.bufs, [k], groups1d(BU));
    gpu.run('LSTMSequenceGrad dh', codeB, datas(listB), [k], groups1d(BU));
  }
  {
    // dW = sum over steps and rows of (h_prev * m)^T da: one product after the loop
    const list: Bind[] = [rd('HS', HS), rd('H0', H0), rd('DZ', DZ), ...rmB, rw('DW', gpu.output(dwOut))];
    const tOf = s.back ? `${T - 1}u - k` : 'k';
    const body =
      `  let p = i / ${G4}u;\n  let j = i % ${G4}u;\n  var acc = 0.0;\n` +
      `  for (var k = 0u; k < ${T}u; k++) {\n    let t = ${tOf};\n    for (var b = 0u; b < ${B}u; b++) {\n` +
      `      var hp = H0[b * ${U}u + p];\n      if (k > 0u) { hp = HS[(k - 1u) * ${BU}u + b * ${U}u + p]; }\n` +
      `      acc += hp${RM ? ` * RM[b * ${G4}u + (j / ${U}u) * ${U}u + p]` : ''} * DZ[(b * ${T}u + t) * ${G4}u + j];\n    }\n  }\n  DW[i] = acc;`;
    gpu.run('LSTMSequenceGrad dW', declare(list, false) + main1d(U * G4, body), datas(list), [], groups1d(U * G4));
  }
  {
    const list: Bind[] = [rd('DHC', DHC), rw('DH0', gpu.output(dh0Out)), rw('DC0', gpu.output(dc0Out))];
    const body = `  let b = i / ${U}u;\n  let j = i % ${U}u;\n  DH0[i] = DHC[b * ${2 * U}u + j];\n  DC0[i] = DHC[b * ${2 * U}u + ${U}u + j];`;
    gpu.run('LSTMSequenceGrad dh0', declare(list, false) + main1d(BU, body), datas(list), [], groups1d(BU));
  }
};

/**
 * The whole-sequence GRU (`GRUSequence`, Keras's `reset_after` form) and its backpropagation through
 * time, built as the LSTM's above: one dispatch per step, the outputs after the loop, the products
 * over all steps (`dRecurrentKernel`, `dRecurrentBias`) in one dispatch each after it.
 */
const gruSequence: GpuKernel = (gpu) => (
  {z, h0, recurrentKernel, recurrentBias, mask}: {z: Tensor; h0: Tensor; recurrentKernel: Tensor; recurrentBias: Tensor; mask: Tensor[]},
  a: LSTMSequenceAttrs,
  outs: Tensor[],
) => {
  const m = mask[0];
  if ([z, h0, recurrentKernel, recurrentBias].some((x) => x.dtype !== 'float32') || (m && m.dtype === 'float64')) return false;
  const s = seqShapes(z, h0, 3, a.goBackwards);
  const {B, T, U, BU} = s;
  const G3 = 3 * U, G4 = 4 * U;
  if (T === 0 || B * U === 0) return false;
  const [y, hOut, rOut, hsOut] = outs as [Tensor, Tensor, Tensor, Tensor];
  const Z = gpu.input(z), H0 = gpu.input(h0), W = gpu.input(recurrentKernel), RB = gpu.input(recurrentBias);
  const M = m ? gpu.input(m) : null;
  const kept = a.keepReserve !== false;  // without a reserve the loop keeps its states in scratch storage
  const R = kept ? gpu.output(rOut) : scratch(gpu, T * B * G4), HS = kept ? gpu.output(hsOut) : scratch(gpu, T * BU);
  for (const first of [true, false]) {
    const hp = (p: string) => (first ? `H0[b * ${U}u + ${p}]` : `HS[(k - 1u) * ${BU}u + b * ${U}u + ${p}]`);
    const list: Bind[] = [rd('Z', Z), ...(first ? [rd('H0', H0)] : []), rd('W', W), rd('RB', RB), ...(M ? [rd('M', M, m!.dtype)] : []), rw('R', R), rw('HS', HS)];
    const body =
      stepIndex(s) +
      `  let b = i / ${U}u;\n  let j = i % ${U}u;\n  let st = k * ${BU}u + b * ${U}u + j;\n  let r0 = (k * ${B}u + b) * ${G4}u + j;\n` +
      (M ? `  if (!${validAt(m!.dtype, `b * ${T}u + t`)}) {\n    HS[st] = ${hp('j')};\n    for (var q = 0u; q < 4u; q++) { R[r0 + q * ${U}u] = 0.0; }\n    return;\n  }\n` : '') +
      `  var acc = array<f32, 3>(RB[j], RB[${U}u + j], RB[${2 * U}u + j]);\n` +
      `  for (var p = 0u; p < ${U}u; p++) {\n    let hv = ${hp('p')};\n` +
      `    for (var q = 0u; q < 3u; q++) { acc[q] += hv * W[p * ${G3}u + q * ${U}u + j]; }\n  }\n` +
      `  let zr = (b * ${T}u + t) * ${G3}u + j;\n` +
      `  let zg = sigmoid_(Z[zr] + acc[0]);\n  let rg = sigmoid_(Z[zr + ${U}u] + acc[1]);\n  let hh = tanh_(Z[zr + ${2 * U}u] + rg * acc[2]);\n` +
      `  HS[st] = zg * ${hp('j')} + (1.0 - zg) * hh;\n` +
      `  R[r0] = zg;\n  R[r0 + ${U}u] = rg;\n  R[r0 + ${2 * U}u] = hh;\n  R[r0 + ${3 * U}u] = acc[2];`;
    const code = declare(list, true) + MATH + main1d(BU, body);
    for (let k = first ? 0 : 1; k < (first ? 1 : T); k++) gpu.run('GRUSequence', code, datas(list), [k], groups1d(BU));
  }
  const list: Bind[] = [rd('HS', HS), ...(M ? [rd('M', M, m!.dtype)] : []), rw('Y', y.size ? gpu.output(y) : scratch(gpu, B * T * U)), rw('HO', gpu.output(hOut))];
  const body =
    `  let j = i % ${U}u;\n  let r = i / ${U}u;\n  let k = r % ${T}u;\n  let b = r / ${T}u;\n` +
    keepCode(s, m, a.zeroOutputForMask) +
    `  let st = k * ${BU}u + b * ${U}u + j;\n  Y[i] = select(0.0, HS[st], keep);\n  if (k == ${T - 1}u) { HO[b * ${U}u + j] = HS[st]; }`;
  gpu.run('GRUSequence outputs', declare(list, false) + main1d(B * T * U, body), datas(list), [], groups1d(B * T * U));
};

const gruSequenceGrad: GpuKernel = (gpu) => (
  inputs: {dy: Tensor; dh: Tensor; dReserve: Tensor; dHs: Tensor; reserve: Tensor; hs: Tensor; h0: Tensor; recurrentKernel: Tensor; mask: Tensor[]},
  a: LSTMSequenceAttrs,
  outs: Tensor[],
) => {
  const {dy, dh, dReserve, dHs, reserve, hs, h0, recurrentKernel, mask} = inputs;
  const m = mask[0];
  if ([dy, dh, dReserve, dHs, reserve, hs, h0, recurrentKernel].some((x) => x.dtype !== 'float32') || (m && m.dtype === 'float64')) return false;
  const s = seqShapes(dy, h0, 3, a.goBackwards);
  const {B, T, U, BU} = s;
  const G3 = 3 * U, G4 = 4 * U;
  if (T === 0 || B * U === 0) return false;
  const [dzOut, dh0Out, dwOut, dbOut] = outs as [Tensor, Tensor, Tensor, Tensor];
  const M = m ? gpu.input(m) : null;
  const maskB: Bind[] = M ? [rd('M', M, m!.dtype)] : [];
  const masked = M ? `!${validAt(m!.dtype, `b * ${T}u + t`)}` : 'false';
  // the carried gradient of the state after the current step, and what each step adds to it
  const DHC = scratch(gpu, BU), DD = scratch(gpu, T * BU);
  // the gradient of `h @ recurrentKernel + recurrentBias` at each step (time-major), for dh, dW and db
  const DM = scratch(gpu, T * B * G3);
  gpu.copy(gpu.input(dh), DHC);
  {
    const list: Bind[] = [rd('DY', gpu.input(dy)), rd('DHS', gpu.input(dHs)), ...maskB, rw('DD', DD)];
    const body = `  let j = i % ${U}u;\n  let b = (i / ${U}u) % ${B}u;\n  let k = i / ${BU}u;\n` + keepCode(s, m, a.zeroOutputForMask) + `  DD[i] = DHS[i] + select(0.0, DY[(b * ${T}u + k) * ${U}u + j], keep);`;
    gpu.run('GRUSequenceGrad steps', declare(list, false) + main1d(T * BU, body), datas(list), [], groups1d(T * BU));
  }
  const DZ = gpu.output(dzOut), DR = gpu.input(dReserve), R = gpu.input(reserve), HS = gpu.input(hs), H0 = gpu.input(h0), W = gpu.input(recurrentKernel);
  const stepA = (first: boolean): {code: string; list: Bind[]} => {
    const list: Bind[] = [rw('DHC', DHC), rd('DD', DD), rd('DR', DR), rd('R', R), first ? rd('H0', H0) : rd('HS', HS), ...maskB, rw('DZ', DZ), rw('DM', DM)];
    const body =
      stepIndex(s) +
      `  let b = i / ${U}u;\n  let j = i % ${U}u;\n  let dh = DHC[i] + DD[k * ${BU}u + i];\n` +
      `  let zr = (b * ${T}u + t) * ${G3}u + j;\n  let mr = (k * ${B}u + b) * ${G3}u + j;\n` +
      `  if (${masked}) {\n    DHC[i] = dh;\n    for (var q = 0u; q < 3u; q++) { DZ[zr + q * ${U}u] = 0.0; DM[mr + q * ${U}u] = 0.0; }\n    return;\n  }\n` +
      `  let r0 = (k * ${B}u + b) * ${G4}u + j;\n` +
      `  let zg = R[r0];\n  let rg = R[r0 + ${U}u];\n  let hh = R[r0 + ${2 * U}u];\n  let mh = R[r0 + ${3 * U}u];\n` +
      `  let hprev = ${first ? 'H0[i]' : `HS[(k - 1u) * ${BU}u + i]`};\n` +
      `  let dzg = dh * (hprev - hh) + DR[r0];\n  let dhh = dh * (1.0 - zg) + DR[r0 + ${2 * U}u];\n  let dah = dhh * (1.0 - hh * hh);\n` +
      `  let dr = dah * mh + DR[r0 + ${U}u];\n  let daz = dzg * zg * (1.0 - zg);\n  let dar = dr * rg * (1.0 - rg);\n` +
      `  DZ[zr] = daz;\n  DZ[zr + ${U}u] = dar;\n  DZ[zr + ${2 * U}u] = dah;\n` +
      `  DM[mr] = daz;\n  DM[mr + ${U}u] = dar;\n  DM[mr + ${2 * U}u] = dah * rg + DR[r0 + ${3 * U}u];\n` +
      `  DHC[i] = dh * zg;`;
    return {code: declare(list, true) + main1d(BU, body), list};
  };
  // dh before the step: dh * zg (written above) + dm @ W^T; a masked row passed dh through
  const listB: Bind[] = [rw('DHC', DHC), rd('DM', DM), rd('W', W), ...maskB];
  const bodyB =
    stepIndex(s) +
    `  let b = i / ${U}u;\n  let p = i % ${U}u;\n  if (${masked}) { return; }\n  let mr = (k * ${B}u + b) * ${G3}u;\n  var acc = 0.0;\n` +
    `  for (var j = 0u; j < ${G3}u; j++) { acc += DM[mr + j] * W[p * ${G3}u + j]; }\n  DHC[i] = DHC[i] + acc;`;
  const codeB = declare(listB, true) + main1d(BU, bodyB);
  const a0 = stepA(true), a1 = stepA(false);
  for (let k = T - 1; k >= 0; k--) {
    const A = k === 0 ? a0 : a1;
    gpu.run('GRUSequenceGrad step', A.code, datas(A.list), [k], groups1d(BU));
    gpu.run('GRUSequenceGrad dh', codeB, datas(listB), [k], groups1d(BU));
  }
  {
    const list: Bind[] = [rd('HS', HS), rd('H0', H0), rd('DM', DM), rw('DW', gpu.output(dwOut))];
    const body =
      `  let p = i / ${G3}u;\n  let j = i % ${G3}u;\n  var acc = 0.0;\n` +
      `  for (var k = 0u; k < ${T}u; k++) {\n    for (var b = 0u; b < ${B}u; b++) {\n` +
      `      var hp = H0[b * ${U}u + p];\n      if (k > 0u) { hp = HS[(k - 1u) * ${BU}u + b * ${U}u + p]; }\n` +
      `      acc += hp * DM[(k * ${B}u + b) * ${G3}u + j];\n    }\n  }\n  DW[i] = acc;`;
    gpu.run('GRUSequenceGrad dW', declare(list, false) + main1d(U * G3, body), datas(list), [], groups1d(U * G3));
  }
  {
    const list: Bind[] = [rd('DM', DM), rw('DB', gpu.output(dbOut))];
    const body = `  var acc = 0.0;\n  for (var r = 0u; r < ${T * B}u; r++) { acc += DM[r * ${G3}u + i]; }\n  DB[i] = acc;`;
    gpu.run('GRUSequenceGrad db', declare(list, false) + main1d(G3, body), datas(list), [], groups1d(G3));
  }
  gpu.copy(DHC, gpu.output(dh0Out));
};

export const recurrentGpu: Record<string, GpuKernel> = {LSTMStep: lstmStep, LSTMStepGrad: lstmStepGrad, LSTMSequence: lstmSequence, LSTMSequenceGrad: lstmSequenceGrad,
  GRUSequence: gruSequence, GRUSequenceGrad: gruSequenceGrad,
};
