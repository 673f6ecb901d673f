import type {DType} from '../../tensor/dtype.js';
import {stridesOf} from '../../tensor/shape.js';
import {axisLayout} from '../reference/util.js';
import type {Tensor} from '../../tensor/tensor.js';
import {wgslType, type GpuData} from './device.js';
import type {GpuKernel} from './elementwise.js';
import {binding, f32bits, groups1d, main1d, nz} from './wgsl.js';

/**
 * Indexing kernels: one thread per output element computes the input element it takes (no atomics),
 * except ScatterAdd, which adds each update into its row with a compare-and-swap loop on the float's
 * bits (WGSL has no float atomics).
 */

/** WGSL statements: `c<k>` = the coordinate of axis k of flat index `i` in `shape`. */
function coords(shape: readonly number[]): string {
  let s = '  var r = i;\n';
  for (let k = shape.length - 1; k >= 0; k--) s += `  let c${k} = i32(r % ${nz(shape[k]!)}u);\n  r = r / ${nz(shape[k]!)}u;\n`;
  return s;
}

/** A literal of `dtype`'s WGSL type. */
function literal(dtype: DType, v: number): string {
  const t = wgslType(dtype)!;
  if (t === 'f32') return Number.isFinite(v) ? `f32(${v === Math.trunc(v) ? v.toFixed(1) : String(Math.fround(v))})` : 'f32(0)';
  if (t === 'i32') return `i32(${Math.trunc(v) | 0})`;
  return v ? '1u' : '0u';
}

const slice: GpuKernel = (gpu) => ({x}: {x: Tensor}, a: {begin: number[]; size: number[]}, [y]: Tensor[]) => {
  const out = y!;
  if (!wgslType(x.dtype)) return false;
  const st = stridesOf(x.shape);
  const idx = a.size.map((_, k) => `(c${k} + ${a.begin[k]}) * ${st[k]}`).join(' + ') || '0';
  const code = binding(0, 'x', x.dtype, 'read') + binding(1, 'y', out.dtype, 'read_write') + main1d(out.size, coords(out.shape) + `  y[i] = x[u32(${idx})];`);
  gpu.run('Slice', code, [gpu.input(x), gpu.output(out)], [], groups1d(out.size));
};

const stridedSlice: GpuKernel = (gpu) => ({x}: {x: Tensor}, a: {begin: number[]; end: number[]; strides: number[]}, [y]: Tensor[]) => {
  const out = y!;
  if (!wgslType(x.dtype)) return false;
  const st = stridesOf(x.shape);
  const idx = out.shape.map((_, k) => `(${a.begin[k]} + c${k} * ${a.strides[k]}) * ${st[k]}`).join(' + ') || '0';
  const code = binding(0, 'x', x.dtype, 'read') + binding(1, 'y', out.dtype, 'read_write') + main1d(out.size, coords(out.shape) + `  y[i] = x[u32(${idx})];`);
  gpu.run('StridedSlice', code, [gpu.input(x), gpu.output(out)], [], groups1d(out.size));
};

const concat: GpuKernel = (gpu) => ({xs}: {xs: Tensor[]}, a: {axis: number}, [y]: Tensor[]) => {
  const out = y!;
  if (!wgslType(out.dtype) || xs.some((x) => x.dtype !== out.dtype)) return false;
  const inputs = xs.map((x) => gpu.input(x));
  const dst = gpu.output(out);
  const n = out.shape[a.axis]!;
  let offset = 0;
  xs.forEach((x, j) => {
    const {inner} = axisLayout(x.shape, a.axis);
    const m = x.shape[a.axis]!;
    // each input writes its own slab of the output
    const body = `  let o = i / ${nz(m * inner)}u;\n  let rest = i % ${nz(m * inner)}u;\n  y[o * ${n * inner}u + ${offset * inner}u + rest] = x[i];`;
    const code = binding(0, 'x', x.dtype, 'read') + binding(1, 'y', out.dtype, 'read_write') + main1d(x.size, body);
    gpu.run('Concat', code, [inputs[j]!, dst], [], groups1d(x.size));
    offset += m;
  });
};

const split: GpuKernel = (gpu) => ({x}: {x: Tensor}, a: {sizes: number[]; axis: number}, outs: Tensor[]) => {
  if (!wgslType(x.dtype)) return false;
  const src = gpu.input(x);
  const {inner} = axisLayout(x.shape, a.axis);
  const n = x.shape[a.axis]!;
  let offset = 0;
  outs.forEach((out, j) => {
    const m = a.sizes[j]!;
    const body = `  let o = i / ${nz(m * inner)}u;\n  let rest = i % ${nz(m * inner)}u;\n  y[i] = x[o * ${n * inner}u + ${offset * inner}u + rest];`;
    const code = binding(0, 'x', x.dtype, 'read') + binding(1, 'y', out.dtype, 'read_write') + main1d(out.size, body);
    gpu.run('Split', code, [src, gpu.output(out)], [], groups1d(out.size));
    offset += m;
  });
};

const tile: GpuKernel = (gpu) => ({x}: {x: Tensor}, _a: {reps: number[]}, [y]: Tensor[]) => {
  const out = y!;
  if (!wgslType(x.dtype)) return false;
  const st = stridesOf(x.shape);
  const idx = x.shape.map((d, k) => `(c${k} % ${d}) * ${st[k]}`).join(' + ') || '0';
  const code = binding(0, 'x', x.dtype, 'read') + binding(1, 'y', out.dtype, 'read_write') + main1d(out.size, coords(out.shape) + `  y[i] = x[u32(${idx})];`);
  gpu.run('Tile', code, [gpu.input(x), gpu.output(out)], [], groups1d(out.size));
};

const pad: GpuKernel = (gpu) => ({x}: {x: Tensor}, a: {paddings: [number, number][]; constantValue: number}, [y]: Tensor[]) => {
  const out = y!;
  if (!wgslType(x.dtype)) return false;
  const st = stridesOf(x.shape);
  const rel = x.shape.map((_, k) => `  let p${k} = c${k} - ${a.paddings[k]![0]};\n`).join('');
  const inside = x.shape.map((d, k) => `p${k} >= 0 && p${k} < ${d}`).join(' && ') || 'true';
  const idx = x.shape.map((_, k) => `p${k} * ${st[k]}`).join(' + ') || '0';
  // the read is clamped: a padded position must not index outside x
  const body = coords(out.shape) + rel + `  let inside = ${inside};\n  let v = x[min(u32(max(${idx}, 0)), ${Math.max(x.size - 1, 0)}u)];\n  y[i] = select(${literal(x.dtype, a.constantValue)}, v, inside);`;
  const code = binding(0, 'x', x.dtype, 'read') + binding(1, 'y', out.dtype, 'read_write') + main1d(out.size, body);
  gpu.run('Pad', code, [gpu.input(x), gpu.output(out)], [], groups1d(out.size));
};

const gather: GpuKernel = (gpu) => ({x, indices}: {x: Tensor; indices: Tensor}, a: {axis: number}, [y]: Tensor[]) => {
  const out = y!;
  if (!wgslType(x.dtype) || indices.dtype !== 'int32') return false;
  const {inner} = axisLayout(x.shape, a.axis);
  const n = x.shape[a.axis]!, m = indices.size;
  const body =
    `  let b = i % ${nz(inner)}u;\n  let j = (i / ${nz(inner)}u) % ${nz(m)}u;\n  let o = i / ${nz(inner * m)}u;\n` +
    `  y[i] = x[(o * ${n}u + u32(idx[j])) * ${inner}u + b];`;
  const code = binding(0, 'x', x.dtype, 'read') + binding(1, 'idx', 'int32', 'read') + binding(2, 'y', out.dtype, 'read_write') + main1d(out.size, body);
  gpu.run('Gather', code, [gpu.input(x), gpu.input(indices), gpu.output(out)], [], groups1d(out.size));
};

const scatterAdd: GpuKernel = (gpu) => ({indices, updates}: {indices: Tensor; updates: Tensor}, a: {shape: number[]; axis: number}, [y]: Tensor[]) => {
  const out = y!;
  if (updates.dtype !== 'float32' || indices.dtype !== 'int32') return false;
  const {inner} = axisLayout(a.shape, a.axis);
  const n = a.shape[a.axis]!, m = indices.size;
  const dst: GpuData = gpu.output(out);
  const zero = binding(0, 'y', 'u32', 'read_write') + main1d(out.size, '  y[i] = 0u;');
  gpu.run('ScatterAdd zero', zero, [dst], [], groups1d(out.size));
  const body =
    `  let b = i % ${nz(inner)}u;\n  let j = (i / ${nz(inner)}u) % ${nz(m)}u;\n  let o = i / ${nz(inner * m)}u;\n` +
    `  let at = (o * ${n}u + u32(idx[j])) * ${inner}u + b;\n  let u = upd[i];\n` +
    // add u to y[at] on the float's bits: retry until no other thread changed it meanwhile
    `  var old = atomicLoad(&y[at]);\n  loop {\n    let r = atomicCompareExchangeWeak(&y[at], old, bitcast<u32>(bitcast<f32>(old) + u));\n` +
    `    if (r.exchanged) { break; }\n    old = r.old_value;\n  }`;
  const code =
    binding(0, 'idx', 'int32', 'read') +
    binding(1, 'upd', 'float32', 'read') +
    `@group(0) @binding(2) var<storage, read_write> y: array<atomic<u32>>;\n` +
    main1d(updates.size, body);
  gpu.run('ScatterAdd', code, [gpu.input(indices), gpu.input(updates), dst], [], groups1d(updates.size));
};

const oneHot: GpuKernel = (gpu) => ({indices}: {indices: Tensor}, a: {depth: number; onValue: number; offValue: number; dtype: DType}, [y]: Tensor[]) => {
  const out = y!;
  if (indices.dtype !== 'int32' || !wgslType(out.dtype)) return false;
  const t = wgslType(out.dtype)!;
  const val = (k: number) => (t === 'f32' ? `bitcast<f32>(P[${k}])` : t === 'i32' ? `bitcast<i32>(P[${k}])` : `select(0u, 1u, P[${k}] != 0u)`);
  const word = (v: number) => (t === 'f32' ? f32bits(v) : t === 'i32' ? (Math.trunc(v) | 0) >>> 0 : v ? 1 : 0);
  const body = `  let k = idx[i / ${nz(a.depth)}u];\n  y[i] = select(${val(1)}, ${val(0)}, k == i32(i % ${nz(a.depth)}u));`;
  const code = binding(0, 'idx', 'int32', 'read') + binding(1, 'y', out.dtype, 'read_write') + binding(2, 'P', 'u32', 'read') + main1d(out.size, body);
  gpu.run('OneHot', code, [gpu.input(indices), gpu.output(out)], [word(a.onValue), word(a.offValue)], groups1d(out.size));
};

export const arrayGpu: Record<string, GpuKernel> = {
  Slice: slice,
  StridedSlice: stridedSlice,
  Concat: concat,
  Split: split,
  Tile: tile,
  Pad: pad,
  Gather: gather,
  ScatterAdd: scatterAdd,
  OneHot: oneHot,
};
