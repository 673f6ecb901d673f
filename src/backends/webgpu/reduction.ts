import type {ReduceAttrs} from '../../kernels/defs/reduction.js';
import {stridesOf} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import {wgslType, type Gpu} from './device.js';
import type {GpuKernel} from './elementwise.js';
import {binding, groups1d, main1d, SPECIALS, nz} from './wgsl.js';

/** Threads that share one output element of a reduction (a tree in workgroup memory). */
const RW = 64;

/** WGSL function `name(r)`: the flat offset of the `r`-th combination of `axes` of `shape` (row-major over them). */
function offsetFn(name: string, shape: readonly number[], axes: readonly number[]): string {
  const strides = stridesOf(shape);
  let s = `fn ${name}(r0: u32) -> u32 {\n  var r = r0;\n  var off = 0u;\n`;
  for (let k = axes.length - 1; k >= 0; k--) {
    const ax = axes[k]!;
    s += `  off += (r % ${nz(shape[ax]!)}u) * ${strides[ax]}u;\n  r = r / ${nz(shape[ax]!)}u;\n`;
  }
  return s + '  return off;\n}\n';
}

/**
 * The skeleton of every reduction: workgroup `o` reduces output element `o`; each thread folds a
 * strided share of the `count` inputs with `combine`, then a tree in workgroup memory.
 */
function reductionCode(o: {
  x: Tensor; outType: string; accType: string; keptAxes: number[]; redAxes: number[]; outputs: number;
  init: string; combine: string; finish: string; withIndex?: boolean;
}): string {
  const count = o.redAxes.reduce((a, ax) => a * o.x.shape[ax]!, 1);
  const idx = o.withIndex;
  // combine(acc, accIndex, v, vIndex) as statements updating `acc` (and `ai`)
  return (
    SPECIALS +
    `${offsetFn('base', o.x.shape, o.keptAxes)}${offsetFn('roff', o.x.shape, o.redAxes)}` +
    `var<workgroup> sv: array<${o.accType}, ${RW}>;\n` +
    (idx ? `var<workgroup> si: array<u32, ${RW}>;\n` : '') +
    `fn comb(a: ${o.accType}, ai: u32, v: ${o.accType}, vi: u32) -> ${idx ? `vec2<u32>` : o.accType} {\n${o.combine}\n}\n` +
    `@compute @workgroup_size(${RW}) fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {\n` +
    `  let o = wid.x + wid.y * nw.x;\n  if (o >= ${o.outputs}u) { return; }\n` +
    `  let b = base(o);\n  var acc: ${o.accType} = ${o.init};\n  var ai = 0u;\n` +
    `  for (var k = lid.x; k < ${count}u; k += ${RW}u) {\n    let v = ${o.accType}(x[b + roff(k)]);\n` +
    (idx
      ? `    let c = comb(acc, ai, v, k);\n    if (c.x == 1u) { acc = v; ai = k; }\n  }\n  sv[lid.x] = acc;\n  si[lid.x] = ai;\n`
      : `    acc = comb(acc, ai, v, k);\n  }\n  sv[lid.x] = acc;\n`) +
    `  workgroupBarrier();\n` +
    `  for (var s = ${RW / 2}u; s > 0u; s = s >> 1u) {\n    if (lid.x < s) {\n` +
    (idx
      ? `      let c = comb(sv[lid.x], si[lid.x], sv[lid.x + s], si[lid.x + s]);\n      if (c.x == 1u) { sv[lid.x] = sv[lid.x + s]; si[lid.x] = si[lid.x + s]; }\n`
      : `      sv[lid.x] = comb(sv[lid.x], 0u, sv[lid.x + s], 0u);\n`) +
    `    }\n    workgroupBarrier();\n  }\n` +
    `  if (lid.x == 0u) {\n    let r = sv[0];\n    let ri = ${idx ? 'si[0]' : '0u'};\n    y[o] = ${o.finish};\n  }\n}\n`
  );
}

function groupsFor(outputs: number): [number, number, number] {
  const x = Math.min(Math.max(outputs, 1), 65535);
  return [outputs === 0 ? 0 : x, Math.ceil(outputs / x), 1];
}

type Kind = 'Sum' | 'Mean' | 'Max' | 'Min' | 'Prod' | 'Any' | 'All';

const FOLDS: Record<Kind, {init: (t: string) => string; combine: string; finish?: (count: number) => string}> = {
  Sum: {init: (t) => `${t}(0)`, combine: 'return a + v;'},
  Mean: {init: (t) => `${t}(0)`, combine: 'return a + v;', finish: (n) => `r / ${n}.0`},
  // NaN propagates, as NumPy: a NaN operand wins
  Max: {init: (t) => (t === 'f32' ? 'ninf()' : 'i32(-2147483648)'), combine: 'if (v > a || v != v) { return v; } return a;'},
  Min: {init: (t) => (t === 'f32' ? 'pinf()' : 'i32(2147483647)'), combine: 'if (v < a || v != v) { return v; } return a;'},
  Prod: {init: (t) => `${t}(1)`, combine: 'return a * v;'},
  Any: {init: () => '0u', combine: 'return select(0u, 1u, a != 0u || v != 0u);'},
  All: {init: () => '1u', combine: 'return select(0u, 1u, a != 0u && v != 0u);'},
};

function reduceKernel(kind: Kind): GpuKernel {
  const fold = FOLDS[kind];
  return (gpu: Gpu) => ({x}: {x: Tensor}, a: ReduceAttrs, [y]: Tensor[]) => {
    const out = y!;
    const logical = kind === 'Any' || kind === 'All';
    if (logical ? x.dtype !== 'bool' : !(x.dtype === 'float32' || (x.dtype === 'int32' && kind !== 'Mean'))) return false;
    const t = logical ? 'u32' : wgslType(x.dtype)!;
    const keptAxes = x.shape.map((_, i) => i).filter((i) => !a.axes.includes(i));
    const count = a.axes.reduce((n, ax) => n * x.shape[ax]!, 1);
    const code =
      binding(0, 'x', x.dtype, 'read') +
      binding(1, 'y', out.dtype, 'read_write') +
      reductionCode({
        x, outType: t, accType: t, keptAxes, redAxes: a.axes, outputs: out.size,
        init: fold.init(t), combine: fold.combine, finish: fold.finish ? fold.finish(count) : 'r',
      });
    gpu.run(kind, code, [gpu.input(x), gpu.output(out)], [], groupsFor(out.size));
  };
}

function argKernel(kind: 'ArgMax' | 'ArgMin'): GpuKernel {
  // the first best index; a NaN is the best of all (its first occurrence), as the reference
  const better = kind === 'ArgMax' ? 'v > a' : 'v < a';
  const combine =
    `  if (a != a) { return vec2<u32>(select(0u, 1u, v != v && vi < ai), 0u); }\n` +
    `  if (v != v || ${better} || (v == a && vi < ai)) { return vec2<u32>(1u, 0u); }\n  return vec2<u32>(0u, 0u);`;
  return (gpu: Gpu) => ({x}: {x: Tensor}, a: {axis: number}, [y]: Tensor[]) => {
    const out = y!;
    if (x.dtype !== 'float32' && x.dtype !== 'int32') return false;
    const t = wgslType(x.dtype)!;
    const keptAxes = x.shape.map((_, i) => i).filter((i) => i !== a.axis);
    const init = t === 'f32' ? (kind === 'ArgMax' ? 'ninf()' : 'pinf()') : kind === 'ArgMax' ? 'i32(-2147483648)' : 'i32(2147483647)';
    const code =
      binding(0, 'x', x.dtype, 'read') +
      binding(1, 'y', 'int32', 'read_write') +
      // a thread that saw no element keeps index 0xffffffff, which every real index beats on ties
      reductionCode({x, outType: 'i32', accType: t, keptAxes, redAxes: [a.axis], outputs: out.size, init, combine, finish: 'i32(ri)', withIndex: true})
        .replace('var ai = 0u;', 'var ai = 0xffffffffu;');
    gpu.run(kind, code, [gpu.input(x), gpu.output(out)], [], groupsFor(out.size));
  };
}

/**
 * Softmax, log-softmax (along `axis`) and LogSumExp (over `axes`): one workgroup per row, the row's
 * max, then the sum of `exp(v - max)`, then the outputs.
 */
function rowCode(x: Tensor, keptAxes: number[], redAxes: number[], rows: number, tail: string): string {
  const count = redAxes.reduce((a, ax) => a * x.shape[ax]!, 1);
  return (
    SPECIALS +
    `${offsetFn('base', x.shape, keptAxes)}${offsetFn('roff', x.shape, redAxes)}` +
    `var<workgroup> sv: array<f32, ${RW}>;\n` +
    `@compute @workgroup_size(${RW}) fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {\n` +
    `  let o = wid.x + wid.y * nw.x;\n  if (o >= ${rows}u) { return; }\n  let b = base(o);\n` +
    `  var m = ninf();\n` +
    `  for (var k = lid.x; k < ${count}u; k += ${RW}u) { let v = x[b + roff(k)]; if (v > m || v != v) { m = v; } }\n` +
    `  sv[lid.x] = m;\n  workgroupBarrier();\n` +
    `  for (var s = ${RW / 2}u; s > 0u; s = s >> 1u) {\n    if (lid.x < s) { let v = sv[lid.x + s]; if (v > sv[lid.x] || v != v) { sv[lid.x] = v; } }\n    workgroupBarrier();\n  }\n` +
    `  let mx = sv[0];\n  workgroupBarrier();\n` +
    `  let shift = select(mx, 0.0, mx == ninf());\n` +
    `  var acc = 0.0;\n` +
    `  for (var k = lid.x; k < ${count}u; k += ${RW}u) { acc += exp(x[b + roff(k)] - shift); }\n` +
    `  sv[lid.x] = acc;\n  workgroupBarrier();\n` +
    `  for (var s = ${RW / 2}u; s > 0u; s = s >> 1u) {\n    if (lid.x < s) { sv[lid.x] = sv[lid.x] + sv[lid.x + s]; }\n    workgroupBarrier();\n  }\n` +
    `  let total = sv[0];\n${tail}\n}\n`
  );
}

function softmaxKernel(log: boolean): GpuKernel {
  return (gpu: Gpu) => ({x}: {x: Tensor}, a: {axis: number}, [y]: Tensor[]) => {
    if (x.dtype !== 'float32') return false;
    const keptAxes = x.shape.map((_, i) => i).filter((i) => i !== a.axis);
    const rows = keptAxes.reduce((n, ax) => n * x.shape[ax]!, 1);
    const count = x.shape[a.axis]!;
    const write = log ? 'x[j] - shift - lt' : 'exp(x[j] - shift) / total';
    const tail = `  let lt = log(total);\n  for (var k = lid.x; k < ${count}u; k += ${RW}u) { let j = b + roff(k); y[j] = ${write}; }`;
    const code = binding(0, 'x', 'float32', 'read') + binding(1, 'y', 'float32', 'read_write') + rowCode(x, keptAxes, [a.axis], rows, tail);
    gpu.run(log ? 'LogSoftmax' : 'Softmax', code, [gpu.input(x), gpu.output(y!)], [], groupsFor(x.size === 0 ? 0 : rows));
  };
}

const logSumExp: GpuKernel = (gpu: Gpu) => ({x}: {x: Tensor}, a: ReduceAttrs, [y]: Tensor[]) => {
  if (x.dtype !== 'float32') return false;
  const out = y!;
  const keptAxes = x.shape.map((_, i) => i).filter((i) => !a.axes.includes(i));
  // an all -inf row gives -inf (its max), as the reference
  const tail = `  if (lid.x == 0u) { y[o] = select(mx + log(total), mx, mx == ninf() || mx == pinf() || mx != mx); }`;
  const code = binding(0, 'x', 'float32', 'read') + binding(1, 'y', 'float32', 'read_write') + rowCode(x, keptAxes, a.axes, out.size, tail);
  gpu.run('LogSumExp', code, [gpu.input(x), gpu.output(out)], [], groupsFor(out.size));
};

/** Cumulative sum along `axis`: one thread per line, walking it in order (forward or reversed). */
const cumsum: GpuKernel = (gpu: Gpu) => ({x}: {x: Tensor}, a: {axis: number; exclusive: boolean; reverse: boolean}, [y]: Tensor[]) => {
  if (x.dtype !== 'float32' && x.dtype !== 'int32') return false;
  const t = wgslType(x.dtype)!;
  const n = x.shape[a.axis]!;
  const inner = x.shape.slice(a.axis + 1).reduce((p, d) => p * d, 1);
  const lines = n === 0 ? 0 : x.size / n;
  const k = a.reverse ? `${n - 1}u - s` : 's';
  const step = a.exclusive ? '    y[j] = acc;\n    acc += x[j];\n' : '    acc += x[j];\n    y[j] = acc;\n';
  const body =
    `  let base = (i / ${nz(inner)}u) * ${n * inner}u + i % ${nz(inner)}u;\n  var acc = ${t}(0);\n` +
    `  for (var s = 0u; s < ${n}u; s++) {\n    let j = base + (${k}) * ${inner}u;\n${step}  }`;
  const code = binding(0, 'x', x.dtype, 'read') + binding(1, 'y', x.dtype, 'read_write') + main1d(lines, body);
  gpu.run('Cumsum', code, [gpu.input(x), gpu.output(y!)], [], groups1d(lines));
};

export const reductionGpu: Record<string, GpuKernel> = {
  Cumsum: cumsum,
  ...Object.fromEntries((Object.keys(FOLDS) as Kind[]).map((k) => [k, reduceKernel(k)])),
  ArgMax: argKernel('ArgMax'),
  ArgMin: argKernel('ArgMin'),
  Softmax: softmaxKernel(false),
  LogSoftmax: softmaxKernel(true),
  LogSumExp: logSumExp,
};
