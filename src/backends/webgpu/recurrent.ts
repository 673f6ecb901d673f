import type {Tensor} from '../../tensor/tensor.js';
import type {GpuKernel} from './elementwise.js';
import {binding, groups1d, MATH, main1d} from './wgsl.js';

/**
 * The LSTM step and its gradient (the pieces; the whole-sequence kernels run on the CPU, KNOWN_GAPS.md).
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

export const recurrentGpu: Record<string, GpuKernel> = {LSTMStep: lstmStep, LSTMStepGrad: lstmStepGrad};
