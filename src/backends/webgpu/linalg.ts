import type {FusedActivation, FusedDenseAttrs} from '../../kernels/defs/fused.js';
import type {MatMulAttrs} from '../../kernels/defs/linalg.js';
import {stridesOf} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {Gpu} from './device.js';
import type {GpuKernel} from './elementwise.js';
import {binding, nz} from './wgsl.js';

/** Output tile edge: a 16x16 workgroup computes a 16x16 block, K walked in 16-wide tiles through workgroup memory. */
const T = 16;

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

function gemmCode(s: GemmSpec): string {
  const {m, n, k} = s;
  const aAt = s.transA ? `aoff(z) + col * ${m}u + row` : `aoff(z) + row * ${k}u + col`;
  const bAt = s.transB ? `boff(z) + col * ${k}u + row` : `boff(z) + row * ${n}u + col`;
  return (
    binding(0, 'A', 'float32', 'read') +
    binding(1, 'B', 'float32', 'read') +
    (s.bias ? binding(2, 'bias', 'float32', 'read') + binding(3, 'y', 'float32', 'read_write') : binding(2, 'y', 'float32', 'read_write')) +
    `fn tanh_(v: f32) -> f32 { let e = exp(-2.0 * abs(v)); if (abs(v) < 0.005) { return v * (1.0 - v * v / 3.0); } return sign(v) * (1.0 - e) / (1.0 + e); }\n` +
    batchOffset('aoff', s.aBatch, s.outBatch, m * k) +
    batchOffset('boff', s.bBatch, s.outBatch, k * n) +
    `var<workgroup> ta: array<array<f32, ${T}>, ${T}>;\nvar<workgroup> tb: array<array<f32, ${T}>, ${T}>;\n` +
    `@compute @workgroup_size(${T}, ${T}) fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {\n` +
    `  let z = wid.z;\n  let i = wid.y * ${T}u + lid.y;\n  let j = wid.x * ${T}u + lid.x;\n  var acc = 0.0;\n` +
    `  for (var t = 0u; t < ${k}u; t += ${T}u) {\n` +
    `    { let row = i; let col = t + lid.x; ta[lid.y][lid.x] = select(0.0, A[${aAt}], row < ${m}u && col < ${k}u); }\n` +
    `    { let row = t + lid.y; let col = j; tb[lid.y][lid.x] = select(0.0, B[${bAt}], row < ${k}u && col < ${n}u); }\n` +
    `    workgroupBarrier();\n` +
    `    for (var p = 0u; p < ${T}u; p++) { acc += ta[lid.y][p] * tb[p][lid.x]; }\n` +
    `    workgroupBarrier();\n  }\n` +
    `  if (i < ${m}u && j < ${n}u) {\n    let v = acc${s.bias ? ' + bias[j]' : ''};\n    y[z * ${m * n}u + i * ${n}u + j] = ${EPILOGUE[s.activation]};\n  }\n}\n`
  );
}

/** `select(0, A[...], inside)` still reads A[...]: the index is clamped so the read stays in bounds. */
function clampReads(code: string, aLen: number, bLen: number): string {
  return code
    .replace(/A\[(aoff[^\]]*)\]/, `A[min($1, ${Math.max(aLen - 1, 0)}u)]`)
    .replace(/B\[(boff[^\]]*)\]/, `B[min($1, ${Math.max(bLen - 1, 0)}u)]`);
}

function runGemm(gpu: Gpu, label: string, s: GemmSpec, a: Tensor, b: Tensor, bias: Tensor | null, y: Tensor): void {
  const batch = s.outBatch.reduce((p, d) => p * d, 1);
  const code = clampReads(gemmCode(s), a.size, b.size);
  const bufs = bias ? [gpu.input(a), gpu.input(b), gpu.input(bias), gpu.output(y)] : [gpu.input(a), gpu.input(b), gpu.output(y)];
  if (y.size === 0) return;
  gpu.run(label, code, bufs, [], [Math.ceil(s.n / T), Math.ceil(s.m / T), batch]);
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
