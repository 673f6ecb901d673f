import type {BernoulliMaskAttrs} from '../../kernels/defs/random.js';
import {BERNOULLI_STREAM} from '../../tensor/random.js';
import type {Tensor} from '../../tensor/tensor.js';
import {wgslType} from './device.js';
import type {GpuKernel} from './elementwise.js';
import {binding, groups1d, main1d} from './wgsl.js';

/**
 * The dropout mask from the same counter-based generator as every backend (tensor/random.ts): element
 * `i` is Philox-4x32-10 of counter `(i >> 1, stream)` under key `(k0, k1 ^ stream * 0x9e3779b1)`, two
 * words per uniform. The uniform `(hi * 2^32 + (lo & 0xfffff000)) / 2^64` is compared with `keepProb`
 * as the 64-bit integers `hi:lo < ceil(keepProb * 2^64)`, which is the same test exactly (both sides
 * scaled by a power of two), with no float64 on the GPU: the masks match bit for bit.
 */
const PHILOX = `
fn mulhilo(a: u32, b: u32) -> vec2<u32> {
  let al = a & 0xffffu; let ah = a >> 16u; let bl = b & 0xffffu; let bh = b >> 16u;
  let ll = al * bl; let lh = al * bh; let hl = ah * bl; let hh = ah * bh;
  let mid = (ll >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return vec2<u32>(hh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u), a * b);
}
fn philox(k0: u32, k1: u32, c: vec4<u32>) -> vec4<u32> {
  var x = c; var key0 = k0; var key1 = k1;
  for (var r = 0u; r < 10u; r++) {
    let p0 = mulhilo(0xd2511f53u, x.x);
    let p1 = mulhilo(0xcd9e8d57u, x.z);
    x = vec4<u32>(p1.x ^ x.y ^ key0, p1.y, p0.x ^ x.w ^ key1, p0.y);
    key0 += 0x9e3779b9u; key1 += 0xbb67ae85u;
  }
  return x;
}
`;

const bernoulliMask: GpuKernel = (gpu) => (_inputs: Record<string, never>, a: BernoulliMaskAttrs, [y]: Tensor[]) => {
  const out = y!;
  const t = wgslType(out.dtype), scale = a.scale ?? 1;
  if (!t || (t !== 'f32' && scale !== 1)) return false;
  // ceil(keepProb * 2^64) as two words; `all` when it does not fit (keepProb >= 1)
  const scaled = a.keepProb * 2 ** 64;
  let hi = 0, lo = 0, all = 0;
  if (scaled >= 2 ** 64) all = 1;
  else if (scaled > 0) {
    const big = BigInt(Math.ceil(scaled));
    hi = Number(big >> 32n);
    lo = Number(big & 0xffffffffn);
  }
  const one = t === 'f32' ? 'bitcast<f32>(P[5])' : t === 'i32' ? '1i' : '1u';
  const zero = t === 'f32' ? '0.0' : t === 'i32' ? '0i' : '0u';
  const code =
    binding(0, 'y', out.dtype, 'read_write') +
    binding(1, 'P', 'u32', 'read') +
    PHILOX +
    main1d(
      out.size,
      `  let r = philox(P[0], P[1], vec4<u32>(i >> 1u, ${BERNOULLI_STREAM}u, 0u, 0u));\n` +
        `  let h = select(r.x, r.z, (i & 1u) == 1u);\n  let l = select(r.y, r.w, (i & 1u) == 1u) & 0xfffff000u;\n` +
        `  let keep = P[4] == 1u || h < P[2] || (h == P[2] && l < P[3]);\n  y[i] = select(${zero}, ${one}, keep);`,
    );
  const k1 = (a.k1 ^ Math.imul(BERNOULLI_STREAM, 0x9e3779b1)) >>> 0;
  gpu.run('BernoulliMask', code, [gpu.output(out)], [a.k0 >>> 0, k1, hi >>> 0, lo >>> 0, all, new Uint32Array(Float32Array.of(scale).buffer)[0]!], groups1d(out.size));
};

export const randomGpu: Record<string, GpuKernel> = {BernoulliMask: bernoulliMask};
