import {ValueError} from '../errors.js';
import {allocate, isFloat, type DType} from './dtype.js';
import {sizeOf, type Shape} from './shape.js';
import {Tensor} from './tensor.js';

/**
 * Counter-based random numbers: element `i` of a draw with key `(k0, k1)` is a pure function of
 * `(k0, k1, i)`, so a layer seeded with 42 gets the same weights whatever ran before it.
 * The mixing is the Philox-4x32 round function (Salmon et al., 2011), 10 rounds.
 */
function philox(k0: number, k1: number, c0: number, c1: number): [number, number, number, number] {
  return philox4x32(k0, k1, c0, c1, 0, 0);
}

/**
 * Philox-4x32-10 of a 128-bit counter `(c0..c3)` under a 64-bit key `(k0, k1)`, all as unsigned
 * 32-bit words; matches the Random123 known-answer vectors (random.test.ts).
 */
export function philox4x32(
  k0: number, k1: number, c0: number, c1: number, c2: number, c3: number,
): [number, number, number, number] {
  let x0 = c0 >>> 0, x1 = c1 >>> 0, x2 = c2 >>> 0, x3 = c3 >>> 0;
  let key0 = k0 >>> 0, key1 = k1 >>> 0;
  const M0 = 0xd2511f53, M1 = 0xcd9e8d57;
  for (let r = 0; r < 10; r++) {
    const hi0 = mulhi(M0, x0), lo0 = Math.imul(M0, x0) >>> 0;
    const hi1 = mulhi(M1, x2), lo1 = Math.imul(M1, x2) >>> 0;
    const n0 = (hi1 ^ x1 ^ key0) >>> 0;
    const n2 = (hi0 ^ x3 ^ key1) >>> 0;
    x0 = n0; x1 = lo1; x2 = n2; x3 = lo0;
    key0 = (key0 + 0x9e3779b9) >>> 0;
    key1 = (key1 + 0xbb67ae85) >>> 0;
  }
  return [x0, x1, x2, x3];
}

function mulhi(a: number, b: number): number {
  // high 32 bits of a 32x32 unsigned product, exact in doubles by splitting b
  const bl = b & 0xffff, bh = b >>> 16;
  const lo = a * bl;
  const mid = a * bh + Math.floor(lo / 65536);
  return Math.floor(mid / 65536) >>> 0;
}

const TWO32 = 4294967296;

/** Keras's `SeedGenerator`: a seed plus a counter advanced by each draw that uses it. */
export class SeedGenerator {
  private counter = 0;
  readonly seed: number;
  constructor(seed?: number) {
    this.seed = seed ?? drawGlobalSeed();
    if (!Number.isInteger(this.seed)) throw new ValueError(`SeedGenerator: seed must be an integer. Received: seed=${seed}`);
  }
  /** A fresh key for one draw. */
  next(): [number, number] {
    return [this.seed >>> 0, this.counter++];
  }
}

let globalGenerator: SeedGenerator | null = null;
let globalSeed = (Date.now() ^ (Math.random() * TWO32)) >>> 0;

function drawGlobalSeed(): number {
  globalGenerator ??= new SeedGenerator(globalSeed);
  const [a, b] = globalGenerator.next();
  return philox(a, 0x5eed, b, 0)[0] >>> 1;
}

/** `keras.utils.set_random_seed`: makes every unseeded draw after this reproducible. */
export function setRandomSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0) throw new ValueError(`setRandomSeed: seed must be a non-negative integer. Received: ${seed}`);
  globalSeed = seed >>> 0;
  globalGenerator = new SeedGenerator(globalSeed);
}

export type Seed = number | SeedGenerator | undefined;

let drawObserver: ((seed: Seed) => void) | null = null;

/**
 * Installs (or removes, with null) a function told of every draw's seed before its key is taken: a
 * compiled step's tracer (plan/) learns which seed each random kernel of the step draws from.
 */
export function setDrawObserver(o: ((seed: Seed) => void) | null): void {
  drawObserver = o;
}

function keyOf(seed: Seed): [number, number] {
  drawObserver?.(seed);
  if (seed instanceof SeedGenerator) return seed.next();
  if (seed === undefined) return [drawGlobalSeed(), 0x7fffffff];
  if (!Number.isInteger(seed)) throw new ValueError(`seed must be an integer or a SeedGenerator. Received: seed=${seed}`);
  return [seed >>> 0, 0x3c6ef372];
}

/** Uniform floats in [0, 1) for counters `[0, n)` of key `k`, with a stream tag for independent uses. */
function uniforms(k: [number, number], n: number, stream: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = philox(k[0], (k[1] ^ Math.imul(stream, 0x9e3779b1)) >>> 0, i >>> 1, stream);
    // 52 random bits each; `>>> 0` keeps the masked word unsigned (a plain `&` is a signed int32)
    out[i] = (r[0] * TWO32 + ((r[1] & 0xfffff000) >>> 0)) / (TWO32 * TWO32);
    if (i + 1 < n) out[i + 1] = (r[2] * TWO32 + ((r[3] & 0xfffff000) >>> 0)) / (TWO32 * TWO32);
  }
  return out;
}

function checkFloat(dtype: DType, op: string): void {
  if (!isFloat(dtype)) throw new ValueError(`${op}: dtype must be a float type. Received: dtype=${dtype}`);
}

export interface UniformArgs { minval?: number; maxval?: number; dtype?: DType; seed?: Seed }

export function randomUniform(shape: Shape, args: UniformArgs = {}): Tensor {
  const {minval = 0, maxval = 1, dtype = 'float32', seed} = args;
  const n = sizeOf(shape);
  const u = uniforms(keyOf(seed), n, 0);
  const out = allocate(dtype, n);
  if (dtype === 'int32') {
    for (let i = 0; i < n; i++) out[i] = Math.floor(minval + u[i]! * (maxval - minval));
  } else {
    checkFloat(dtype, 'randomUniform');
    for (let i = 0; i < n; i++) out[i] = minval + u[i]! * (maxval - minval);
  }
  return new Tensor(shape, dtype, out);
}

export interface NormalArgs { mean?: number; stddev?: number; dtype?: DType; seed?: Seed }

function normals(k: [number, number], n: number, stream: number): Float64Array {
  const u = uniforms(k, n + (n & 1), stream);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    // Box-Muller; 1 - u keeps the log argument in (0, 1]
    const r = Math.sqrt(-2 * Math.log(1 - u[i]!));
    const th = 2 * Math.PI * u[i + 1]!;
    out[i] = r * Math.cos(th);
    if (i + 1 < n) out[i + 1] = r * Math.sin(th);
  }
  return out;
}

export function randomNormal(shape: Shape, args: NormalArgs = {}): Tensor {
  const {mean = 0, stddev = 1, dtype = 'float32', seed} = args;
  checkFloat(dtype, 'randomNormal');
  const n = sizeOf(shape);
  const z = normals(keyOf(seed), n, 1);
  const out = allocate(dtype, n);
  for (let i = 0; i < n; i++) out[i] = mean + stddev * z[i]!;
  return new Tensor(shape, dtype, out);
}

/** Normal values with those beyond two standard deviations redrawn, as Keras's `truncated_normal`. */
export function truncatedNormal(shape: Shape, args: NormalArgs = {}): Tensor {
  const {mean = 0, stddev = 1, dtype = 'float32', seed} = args;
  checkFloat(dtype, 'truncatedNormal');
  const n = sizeOf(shape);
  const key = keyOf(seed);
  const z = normals(key, n, 2);
  for (let round = 3; ; round++) {
    let bad = 0;
    for (let i = 0; i < n; i++) if (Math.abs(z[i]!) > 2) bad++;
    if (bad === 0) break;
    const redraw = normals(key, n, round);
    for (let i = 0; i < n; i++) if (Math.abs(z[i]!) > 2) z[i] = redraw[i]!;
  }
  const out = allocate(dtype, n);
  for (let i = 0; i < n; i++) out[i] = mean + stddev * z[i]!;
  return new Tensor(shape, dtype, out);
}

/**
 * The Philox key `[k0, k1]` of one draw from `seed`, advancing a `SeedGenerator` as a draw does:
 * what `bernoulliMask` uses, resolved in JavaScript so a backend kernel can draw the mask itself.
 */
export function maskKey(seed: Seed): [number, number] {
  return keyOf(seed);
}

/** The stream tag of dropout masks (`uniforms(key, n, BERNOULLI_STREAM)`); native code mirrors it. */
export const BERNOULLI_STREAM = 7;

/** Fills `out` with the Bernoulli(keep) mask of key `[k0, k1]`: what `bernoulliMask` draws for that key. */
export function fillBernoulliMask(out: {length: number; [i: number]: number}, keepProb: number, k0: number, k1: number): void {
  const n = out.length;
  const u = uniforms([k0 >>> 0, k1 >>> 0], n, BERNOULLI_STREAM);
  for (let i = 0; i < n; i++) out[i] = u[i]! < keepProb ? 1 : 0;
}

/** A Bernoulli(keep) mask of 0/1 in `dtype`, for dropout. */
export function bernoulliMask(shape: Shape, keepProb: number, dtype: DType, seed: Seed): Tensor {
  const [k0, k1] = keyOf(seed);
  const out = allocate(dtype, sizeOf(shape));
  fillBernoulliMask(out, keepProb, k0, k1);
  return new Tensor(shape, dtype, out);
}

/** A random permutation of `[0, n)` (Fisher-Yates on counter-based draws). */
export function permutation(n: number, seed?: Seed): Int32Array {
  const u = uniforms(keyOf(seed), n, 11);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u[i]! * (i + 1));
    const t = p[i]!; p[i] = p[j]!; p[j] = t;
  }
  return p;
}
