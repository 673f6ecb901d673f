/**
 * The two random streams Keras's dataset code shuffles with, reproduced bit for bit so that a seed
 * gives the same order here as in Python:
 *
 * - NumPy's legacy `np.random.RandomState(seed)`: MT19937 seeded with `init_genrand(seed)`, and
 *   `shuffle` / `permutation` drawing each swap index with `random_interval` (a masked 32-bit draw,
 *   rejected while above the bound). Used by imdb, reuters, boston_housing, california_housing.
 * - Python's `random.seed(seed)` + `random.shuffle`: MT19937 seeded with `init_by_array` over the
 *   seed's 32-bit words, each index drawn with `getrandbits(k)` rejection. Used by
 *   `keras.utils.split_dataset(shuffle=True)`.
 *
 * ```ts
 * const rng = new RandomState(113);
 * const order = rng.permutation(5); // [1, 0, 3, 2, 4], as np.random.RandomState(113).permutation(5)
 * ```
 */
import {ValueError} from '../errors.js';

const N = 624;
const M = 397;

/** The Mersenne Twister MT19937, 32-bit outputs. */
export class MT19937 {
  private readonly mt = new Uint32Array(N);
  private mti = N + 1;

  /** `init_genrand`: the seeding NumPy's legacy RandomState uses for an integer seed. */
  static fromSeed(seed: number): MT19937 {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new ValueError(`RandomState: seed must be an integer between 0 and 2**32 - 1. Received: seed=${seed}`);
    }
    const g = new MT19937();
    g.initGenrand(seed);
    return g;
  }

  /** `init_by_array`: the seeding Python's `random.seed(int)` uses (key = the int's 32-bit words). */
  static fromKey(key: readonly number[]): MT19937 {
    const g = new MT19937();
    g.initByArray(key.length ? key : [0]);
    return g;
  }

  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      // 1812433253 * prev mod 2^32, split so the product stays exact in doubles
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.mti = N;
  }

  private initByArray(key: readonly number[]): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1664525)) + key[j]! + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1]!;
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1]!;
        i = 1;
      }
    }
    mt[0] = 0x80000000;
    this.mti = N;
  }

  private twist(): void {
    const mt = this.mt;
    let kk = 0;
    let y: number;
    for (; kk < N - M; kk++) {
      y = (mt[kk]! & 0x80000000) | (mt[kk + 1]! & 0x7fffffff);
      mt[kk] = mt[kk + M]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    for (; kk < N - 1; kk++) {
      y = (mt[kk]! & 0x80000000) | (mt[kk + 1]! & 0x7fffffff);
      mt[kk] = mt[kk + (M - N)]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    y = (mt[N - 1]! & 0x80000000) | (mt[0]! & 0x7fffffff);
    mt[N - 1] = mt[M - 1]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    this.mti = 0;
  }

  /** The next 32-bit output, as an unsigned integer. */
  nextUint32(): number {
    if (this.mti >= N) this.twist();
    let y = this.mt[this.mti++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A double in [0, 1) from two outputs (53 bits), as NumPy's `random_sample` and Python's `random()`. */
  nextDouble(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }
}

/** NumPy's legacy `np.random.RandomState`, the parts Keras's dataset loaders use. */
export class RandomState {
  private readonly gen: MT19937;

  constructor(seed: number) {
    this.gen = MT19937.fromSeed(seed);
  }

  /** `random_interval(max)`: uniform in [0, max], by masking 32-bit draws and rejecting. */
  randomInterval(max: number): number {
    if (max === 0) return 0;
    if (max > 0xffffffff) {
      throw new ValueError(`RandomState: bounds above 2**32 - 1 are not supported. Received: ${max}`);
    }
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let v: number;
    do v = (this.gen.nextUint32() & mask) >>> 0;
    while (v > max);
    return v;
  }

  /** `RandomState.shuffle` of a 1-D array, in place (Fisher–Yates from the end). */
  shuffle<T>(x: {length: number; [i: number]: T}): void {
    for (let i = x.length - 1; i > 0; i--) {
      const j = this.randomInterval(i);
      const t = x[i]!;
      x[i] = x[j]!;
      x[j] = t;
    }
  }

  /** `RandomState.permutation(n)`: `arange(n)` shuffled. */
  permutation(n: number): Int32Array {
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    this.shuffle(idx);
    return idx;
  }

  /** `RandomState.random_sample`: a double in [0, 1). */
  randomSample(): number {
    return this.gen.nextDouble();
  }

  /** The raw 32-bit output of the generator (for tests against the MT19937 reference). */
  nextUint32(): number {
    return this.gen.nextUint32();
  }
}

/** Python's `random.Random(seed)`, the parts `split_dataset` uses. */
export class PythonRandom {
  private readonly gen: MT19937;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) {
      throw new ValueError(`PythonRandom: seed must be a safe integer. Received: seed=${seed}`);
    }
    // random.seed(int) keys the generator with abs(seed)'s 32-bit words, least significant first
    let a = Math.abs(seed);
    const key: number[] = [];
    while (a > 0) {
      key.push(a % 0x100000000);
      a = Math.floor(a / 0x100000000);
    }
    this.gen = MT19937.fromKey(key);
  }

  /** `getrandbits(k)` for 0 < k <= 32. */
  private getrandbits(k: number): number {
    return this.gen.nextUint32() >>> (32 - k);
  }

  /** `_randbelow(n)`: uniform in [0, n) with `getrandbits(n.bit_length())` rejection. */
  randbelow(n: number): number {
    if (n <= 0 || n > 0xffffffff) throw new ValueError(`PythonRandom: randbelow needs 0 < n < 2**32. Received: ${n}`);
    const k = 32 - Math.clz32(n);
    let r = this.getrandbits(k);
    while (r >= n) r = this.getrandbits(k);
    return r;
  }

  /** `random.shuffle`, in place. */
  shuffle<T>(x: {length: number; [i: number]: T}): void {
    for (let i = x.length - 1; i > 0; i--) {
      const j = this.randbelow(i + 1);
      const t = x[i]!;
      x[i] = x[j]!;
      x[j] = t;
    }
  }

  random(): number {
    return this.gen.nextDouble();
  }
}
