import type {FusedActivation, FusedDenseAttrs} from '../../kernels/defs/fused.js';
import type {MatMulAttrs} from '../../kernels/defs/linalg.js';
import {stridesOf} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {Gpu} from './device.js';
import type {GpuKernel} from './elementwise.js';
import {binding, nz} from './wgsl.js';

const EPILOGUE: Record<FusedActivation, string> = {
  linear: 'v',
  relu: 'select(0.0, v, v > 0.0)',
  sigmoid: '1.0 / (1.0 + exp(-v))',
  tanh: 'tanh_(v)',
};

/** WGSL `name(z)`: offset of batch `z` (of `outBatch`) in an operand with batch dims `batch` (broadcast). */
function batchOffset(name: string, batch: readonly number[], outBatch: readonly number[], matrix: number): string {
  const off = outBatch.length - batch.length;
  const strides = stridesOf(batch);
  let s = `fn ${name}(z0: u32) -> u32 {\n  var z = z0;\n  var o = 0u;\n`;
  for (let ax = outBatch.length - 1; ax >= 0; ax--) {
    const j = ax - off;
    const st = j < 0 || batch[j] === 1 ? 0 : strides[j]! * matrix;
    if (st) s += `  o += (z % ${nz(outBatch[ax]!)}u) * ${st}u;\n`;
    s += `  z = z / ${nz(outBatch[ax]!)}u;\n`;
  }
  return s + '  return o;\n}\n';
}

interface GemmSpec {
  m: number; n: number; k: number; transA: boolean; transB: boolean;
  aBatch: readonly number[]; bBatch: readonly number[]; outBatch: readonly number[];
  bias: boolean; activation: FusedActivation;
}

/**
 * The tiled GEMM: a workgroup of 8x8 threads computes a 32x32 block of the output, each thread a 4x4
 * register block; K is walked in tiles of 16 through workgroup memory (each thread loads 8 elements
 * of each operand's tile). Reads outside the operands are clamped and their values zeroed.
 */
const BM = 32, BK = 16, TM = 4;

function gemmCode(s: GemmSpec): string {
  const {m, n, k} = s;
  const aAt = s.transA ? `aoff(z) + u32(col) * ${m}u + u32(row)` : `aoff(z) + u32(row) * ${k}u + u32(col)`;
  const bAt = s.transB ? `boff(z) + u32(col) * ${k}u + u32(row)` : `boff(z) + u32(row) * ${n}u + u32(col)`;
  const loads = (BM * BK) / 64;
  return (
    binding(0, 'A', 'float32', 'read') +
    binding(1, 'B', 'float32', 'read') +
    (s.bias ? binding(2, 'bias', 'float32', 'read') + binding(3, 'y', 'float32', 'read_write') : binding(2, 'y', 'float32', 'read_write')) +
    `fn tanh_(v: f32) -> f32 { let e = exp(-2.0 * abs(v)); if (abs(v) < 0.005) { return v * (1.0 - v * v / 3.0); } return sign(v) * (1.0 - e) / (1.0 + e); }\n` +
    batchOffset('aoff', s.aBatch, s.outBatch, m * k) +
    batchOffset('boff', s.bBatch, s.outBatch, k * n) +
    `var<workgroup> ta: array<f32, ${BM * BK}>;\nvar<workgroup> tb: array<f32, ${BK * BM}>;\n` +
    `@compute @workgroup_size(8, 8) fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {\n` +
    `  let z = wid.z;\n  let row0 = i32(wid.y) * ${BM};\n  let col0 = i32(wid.x) * ${BM};\n  let tid = i32(lid.y * 8u + lid.x);\n` +
    `  var acc: array<array<f32, ${TM}>, ${TM}>;\n` +
    `  for (var t = 0; t < ${k}; t += ${BK}) {\n` +
    `    for (var e = 0; e < ${loads}; e++) {\n      let q = tid * ${loads} + e;\n` +
    `      { let row = row0 + q / ${BK}; let col = t + q % ${BK}; let ok = row < ${m} && col < ${k};\n` +
    `        ta[q] = select(0.0, A[min(${aAt}, AMAXu)], ok); }\n` +
    `      { let row = t + q / ${BM}; let col = col0 + q % ${BM}; let ok = row < ${k} && col < ${n};\n` +
    `        tb[q] = select(0.0, B[min(${bAt}, BMAXu)], ok); }\n    }\n` +
    `    workgroupBarrier();\n` +
    `    for (var p = 0; p < ${BK}; p++) {\n` +
    `      var av: array<f32, ${TM}>;\n      var bv: array<f32, ${TM}>;\n` +
    `      for (var u = 0; u < ${TM}; u++) { av[u] = ta[(i32(lid.y) * ${TM} + u) * ${BK} + p]; bv[u] = tb[p * ${BM} + i32(lid.x) * ${TM} + u]; }\n` +
    `      for (var u = 0; u < ${TM}; u++) { for (var v = 0; v < ${TM}; v++) { acc[u][v] += av[u] * bv[v]; } }\n    }\n` +
    `    workgroupBarrier();\n  }\n` +
    `  for (var u = 0; u < ${TM}; u++) {\n    let i = row0 + i32(lid.y) * ${TM} + u;\n` +
    `    for (var w = 0; w < ${TM}; w++) {\n      let j = col0 + i32(lid.x) * ${TM} + w;\n` +
    `      if (i < ${m} && j < ${n}) {\n        let v = acc[u][w]${s.bias ? ' + bias[j]' : ''};\n        y[z * ${m * n}u + u32(i) * ${n}u + u32(j)] = ${'EPI'};\n      }\n    }\n  }\n}\n`
  ).replace('EPI', EPILOGUE[s.activation]);
}

function runGemm(gpu: Gpu, label: string, s: GemmSpec, a: Tensor, b: Tensor, bias: Tensor | null, y: Tensor): void {
  const batch = s.outBatch.reduce((p, d) => p * d, 1);
  // `select(0, A[...], inside)` still reads A[...]: the index is clamped so the read stays in bounds
  const code = gemmCode(s).replace('AMAX', String(Math.max(a.size - 1, 0))).replace('BMAX', String(Math.max(b.size - 1, 0)));
  const bufs = bias ? [gpu.input(a), gpu.input(b), gpu.input(bias), gpu.output(y)] : [gpu.input(a), gpu.input(b), gpu.output(y)];
  if (y.size === 0) return;
  gpu.run(label, code, bufs, [], [Math.ceil(s.n / BM), Math.ceil(s.m / BM), batch]);
}

const matMul: GpuKernel = (gpu) => ({a, b}: {a: Tensor; b: Tensor}, attrs: MatMulAttrs, [y]: Tensor[]) => {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return false;
  const out = y!;
  const m = attrs.transposeA ? a.shape.at(-1)! : a.shape.at(-2)!;
  const k = attrs.transposeA ? a.shape.at(-2)! : a.shape.at(-1)!;
  const n = attrs.transposeB ? b.shape.at(-2)! : b.shape.at(-1)!;
  const spec: GemmSpec = {
    m, n, k, transA: attrs.transposeA, transB: attrs.transposeB,
    aBatch: a.shape.slice(0, -2), bBatch: b.shape.slice(0, -2), outBatch: out.shape.slice(0, -2),
    bias: false, activation: 'linear',
  };
  runGemm(gpu, 'MatMul', spec, a, b, null, out);
};

const fusedDense: GpuKernel = (gpu) => ({x, kernel, bias}: {x: Tensor; kernel: Tensor; bias: Tensor}, attrs: FusedDenseAttrs, [y]: Tensor[]) => {
  if (x.dtype !== 'float32' || kernel.dtype !== 'float32' || bias.dtype !== 'float32' || !(attrs.activation in EPILOGUE)) return false;
  const k = kernel.shape[0]!, n = kernel.shape[1]!;
  const m = k === 0 ? y!.size / Math.max(n, 1) : x.size / k;
  const spec: GemmSpec = {m, n, k, transA: false, transB: false, aBatch: [], bBatch: [], outBatch: [], bias: true, activation: attrs.activation};
  runGemm(gpu, 'FusedDense', spec, x, kernel, bias, y!);
};

export const linalgGpu: Record<string, GpuKernel> = {MatMul: matMul, FusedDense: fusedDense};
