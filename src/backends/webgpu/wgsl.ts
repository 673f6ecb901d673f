import {stridesOf} from '../../tensor/shape.js';
import type {DType} from '../../tensor/dtype.js';
import {wgslType} from './device.js';

/** Threads per workgroup of the one-dimensional kernels (compatibility mode guarantees 128). */
const WG = 64;

/** Workgroups for `n` threads of `WG`, spread over y beyond the 65535 a dimension allows. */
export function groups1d(n: number, perGroup = WG): [number, number, number] {
  const g = Math.ceil(n / perGroup);
  if (g === 0) return [0, 1, 1];
  const x = Math.min(g, 65535);
  return [x, Math.ceil(g / x), 1];
}

/** A storage binding: `read` for inputs, `read_write` for outputs. */
export function binding(i: number, name: string, dtype: DType | 'u32', access: 'read' | 'read_write'): string {
  const t = dtype === 'u32' ? 'u32' : wgslType(dtype)!;
  return `@group(0) @binding(${i}) var<storage, ${access}> ${name}: array<${t}>;\n`;
}

/** The entry of a one-dimensional kernel: `i` is the element, threads past `n` return. */
export function main1d(n: number, body: string, perGroup = WG): string {
  return (
    `@compute @workgroup_size(${perGroup}) fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {\n` +
    `  let i = gid.x + gid.y * nw.x * ${perGroup}u;\n  if (i >= ${n}u) { return; }\n${body}\n}\n`
  );
}

/**
 * WGSL statements that compute `name`, the flat index into an input of `inShape` broadcast to
 * `outShape`, from the output's flat index `i` (NumPy broadcasting: missing and size-1 axes repeat).
 */
export function broadcastIndex(name: string, inShape: readonly number[], outShape: readonly number[]): string {
  const n = inShape.reduce((a, b) => a * b, 1);
  if (n === 1) return `  let ${name} = 0u;\n`;
  const same = inShape.length === outShape.length && inShape.every((d, k) => d === outShape[k]);
  if (same) return `  let ${name} = i;\n`;
  const off = outShape.length - inShape.length;
  const inStrides = stridesOf(inShape);
  let s = `  var ${name} = 0u;\n  { var r = i;\n`;
  for (let ax = outShape.length - 1; ax >= 0; ax--) {
    const j = ax - off;
    const stride = j < 0 || inShape[j] === 1 ? 0 : inStrides[j]!;
    const d = outShape[ax]!;
    if (stride !== 0) s += `    ${name} += (r % ${nz(d)}u) * ${stride}u;\n`;
    s += `    r = r / ${nz(d)}u;\n`;
  }
  return s + '  }\n';
}

/**
 * A divisor for generated WGSL: WGSL refuses `x % 0u` at compile time even where no thread runs it (a
 * zero-size axis), so 0 is written as 1.
 */
export const nz = (d: number): number => Math.max(d, 1);

/** A float as a 32-bit word of the params array (read back with `bitcast<f32>`). */
export function f32bits(x: number): number {
  return new Uint32Array(new Float32Array([x]).buffer)[0]!;
}

/** Helpers the float kernels share: accurate near 0 where the direct formula cancels. */
export const MATH = `
fn expm1_(v: f32) -> f32 { if (abs(v) < 0.01) { return v + 0.5 * v * v + v * v * v / 6.0; } return exp(v) - 1.0; }
fn log1p_(v: f32) -> f32 { if (abs(v) < 0.01) { return v - 0.5 * v * v + v * v * v / 3.0; } return log(1.0 + v); }
fn tanh_(v: f32) -> f32 {
  if (abs(v) < 0.005) { return v * (1.0 - v * v / 3.0); }
  let e = exp(-2.0 * abs(v));
  return sign(v) * (1.0 - e) / (1.0 + e);
}
fn sigmoid_(v: f32) -> f32 { if (v >= 0.0) { return 1.0 / (1.0 + exp(-v)); } let e = exp(v); return e / (1.0 + e); }
`;

/**
 * Infinities and NaN for WGSL code: WGSL rejects them as constants (`bitcast<f32>(0x7f800000u)` is
 * folded at compile time and refused), so they come from private variables, which are not constants.
 */
export const SPECIALS = `
var<private> ninf_bits: u32 = 0xff800000u;
var<private> pinf_bits: u32 = 0x7f800000u;
var<private> nan_bits: u32 = 0x7fc00000u;
fn ninf() -> f32 { return bitcast<f32>(ninf_bits); }
fn pinf() -> f32 { return bitcast<f32>(pinf_bits); }
fn qnan() -> f32 { return bitcast<f32>(nan_bits); }
`;
