/**
 * The two string hashes Keras's preprocessing layers use, bit for bit:
 * - `fingerprint64`: farmhash's `Fingerprint64` (= `farmhashna::Hash64`), which TensorFlow's
 *   `tf.strings.to_hash_bucket_fast` takes modulo the number of buckets (`Hashing` without a salt,
 *   the extra OOV buckets of `StringLookup`);
 * - `sipHash64`: SipHash-2-4 keyed by two 64-bit words, TensorFlow's `to_hash_bucket_strong`
 *   (`Hashing` with a `salt`).
 * Both read the UTF-8 bytes of a string. 64-bit arithmetic is done on BigInt, wrapped to 64 bits.
 * Checked against farmhash's own self-test table and SipHash's reference vectors (see the test).
 *
 * ```ts
 * fingerprint64('');                       // 0x9ae16a3b2f90404fn
 * hashToBucket('A', 3);                    // 1, as keras.layers.Hashing(num_bins=3)
 * ```
 */

const M = (1n << 64n) - 1n;
const K0 = 0xc3a5c85c97cb3127n;
const K1 = 0xb492b66fbe98f273n;
const K2 = 0x9ae16a3b2f90404fn;

const wrap = (x: bigint): bigint => x & M;
const mul = (a: bigint, b: bigint): bigint => (a * b) & M;
const rot = (v: bigint, n: bigint): bigint => (n === 0n ? v : ((v >> n) | (v << (64n - n))) & M);
const shiftMix = (v: bigint): bigint => v ^ (v >> 47n);

function fetch64(s: Uint8Array, i: number): bigint {
  const lo = (s[i]! | (s[i + 1]! << 8) | (s[i + 2]! << 16) | (s[i + 3]! << 24)) >>> 0;
  const hi = (s[i + 4]! | (s[i + 5]! << 8) | (s[i + 6]! << 16) | (s[i + 7]! << 24)) >>> 0;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

function fetch32(s: Uint8Array, i: number): bigint {
  return BigInt((s[i]! | (s[i + 1]! << 8) | (s[i + 2]! << 16) | (s[i + 3]! << 24)) >>> 0);
}

function hashLen16(u: bigint, v: bigint, m: bigint): bigint {
  let a = mul(u ^ v, m);
  a ^= a >> 47n;
  let b = mul(v ^ a, m);
  b ^= b >> 47n;
  return mul(b, m);
}

function hashLen0to16(s: Uint8Array): bigint {
  const n = s.length;
  const len = BigInt(n);
  if (n >= 8) {
    const m = wrap(K2 + len * 2n);
    const a = wrap(fetch64(s, 0) + K2);
    const b = fetch64(s, n - 8);
    const c = wrap(mul(rot(b, 37n), m) + a);
    const d = mul(wrap(rot(a, 25n) + b), m);
    return hashLen16(c, d, m);
  }
  if (n >= 4) {
    const m = wrap(K2 + len * 2n);
    const a = fetch32(s, 0);
    return hashLen16(wrap(len + (a << 3n)), fetch32(s, n - 4), m);
  }
  if (n > 0) {
    const y = BigInt((s[0]! + (s[n >> 1]! << 8)) >>> 0);
    const z = BigInt((n + (s[n - 1]! << 2)) >>> 0);
    return mul(shiftMix(mul(y, K2) ^ mul(z, K0)), K2);
  }
  return K2;
}

function hashLen17to32(s: Uint8Array): bigint {
  const n = s.length;
  const m = wrap(K2 + BigInt(n) * 2n);
  const a = mul(fetch64(s, 0), K1);
  const b = fetch64(s, 8);
  const c = mul(fetch64(s, n - 8), m);
  const d = mul(fetch64(s, n - 16), K2);
  return hashLen16(wrap(rot(wrap(a + b), 43n) + rot(c, 30n) + d), wrap(a + rot(wrap(b + K2), 18n) + c), m);
}

function hashLen33to64(s: Uint8Array): bigint {
  const n = s.length;
  const m = wrap(K2 + BigInt(n) * 2n);
  const a = mul(fetch64(s, 0), K2);
  const b = fetch64(s, 8);
  const c = mul(fetch64(s, n - 8), m);
  const d = mul(fetch64(s, n - 16), K2);
  const y = wrap(rot(wrap(a + b), 43n) + rot(c, 30n) + d);
  const z = hashLen16(y, wrap(a + rot(wrap(b + K2), 18n) + c), m);
  const e = mul(fetch64(s, 16), m);
  const f = fetch64(s, 24);
  const g = mul(wrap(y + fetch64(s, n - 32)), m);
  const h = mul(wrap(z + fetch64(s, n - 24)), m);
  return hashLen16(wrap(rot(wrap(e + f), 43n) + rot(g, 30n) + h), wrap(e + rot(wrap(f + a), 18n) + g), m);
}

/** farmhash's `WeakHashLen32WithSeeds` over `s[i .. i+32)`. */
function weak32(s: Uint8Array, i: number, a: bigint, b: bigint): [bigint, bigint] {
  const w = fetch64(s, i), x = fetch64(s, i + 8), y = fetch64(s, i + 16), z = fetch64(s, i + 24);
  a = wrap(a + w);
  b = rot(wrap(b + a + z), 21n);
  const c = a;
  a = wrap(a + x + y);
  b = wrap(b + rot(a, 44n));
  return [wrap(a + z), wrap(b + c)];
}

const encoder = new TextEncoder();

/** farmhash `Fingerprint64` (`farmhashna::Hash64`) of the UTF-8 bytes of `input`, as an unsigned 64-bit BigInt. */
export function fingerprint64(input: string | Uint8Array): bigint {
  const s = typeof input === 'string' ? encoder.encode(input) : input;
  const n = s.length;
  if (n <= 16) return hashLen0to16(s);
  if (n <= 32) return hashLen17to32(s);
  if (n <= 64) return hashLen33to64(s);
  // over 64 bytes: 64-byte blocks through a 56-byte state, then the last 64 bytes
  const seed = 81n;
  let x = seed;
  let y = wrap(seed * K1 + 113n);
  let z = mul(shiftMix(wrap(mul(y, K2) + 113n)), K2);
  let v: [bigint, bigint] = [0n, 0n];
  let w: [bigint, bigint] = [0n, 0n];
  x = wrap(mul(x, K2) + fetch64(s, 0));
  const end = Math.floor((n - 1) / 64) * 64;
  const last64 = end + ((n - 1) & 63) - 63;
  let p = 0;
  do {
    x = mul(rot(wrap(x + y + v[0] + fetch64(s, p + 8)), 37n), K1);
    y = mul(rot(wrap(y + v[1] + fetch64(s, p + 48)), 42n), K1);
    x ^= w[1];
    y = wrap(y + v[0] + fetch64(s, p + 40));
    z = mul(rot(wrap(z + w[0]), 33n), K1);
    v = weak32(s, p, mul(v[1], K1), wrap(x + w[0]));
    w = weak32(s, p + 32, wrap(z + w[1]), wrap(y + fetch64(s, p + 16)));
    [z, x] = [x, z];
    p += 64;
  } while (p !== end);
  const m = wrap(K1 + ((z & 0xffn) << 1n));
  p = last64;
  w[0] = wrap(w[0] + BigInt((n - 1) & 63));
  v[0] = wrap(v[0] + w[0]);
  w[0] = wrap(w[0] + v[0]);
  x = mul(rot(wrap(x + y + v[0] + fetch64(s, p + 8)), 37n), m);
  y = mul(rot(wrap(y + v[1] + fetch64(s, p + 48)), 42n), m);
  x ^= mul(w[1], 9n);
  y = wrap(y + mul(v[0], 9n) + fetch64(s, p + 40));
  z = mul(rot(wrap(z + w[0]), 33n), m);
  v = weak32(s, p, mul(v[1], m), wrap(x + w[0]));
  w = weak32(s, p + 32, wrap(z + w[1]), wrap(y + fetch64(s, p + 16)));
  [z, x] = [x, z];
  return hashLen16(wrap(hashLen16(v[0], w[0], m) + mul(shiftMix(y), K0) + z), wrap(hashLen16(v[1], w[1], m) + x), m);
}

/** SipHash-2-4 of the UTF-8 bytes of `input` with the key `(k0, k1)` (two unsigned 64-bit words). */
export function sipHash64(k0: bigint, k1: bigint, input: string | Uint8Array): bigint {
  const s = typeof input === 'string' ? encoder.encode(input) : input;
  k0 = wrap(k0);
  k1 = wrap(k1);
  let v0 = k0 ^ 0x736f6d6570736575n;
  let v1 = k1 ^ 0x646f72616e646f6dn;
  let v2 = k0 ^ 0x6c7967656e657261n;
  let v3 = k1 ^ 0x7465646279746573n;
  // rotations to the left by r, written as rotations to the right by 64 - r
  const round = (): void => {
    v0 = wrap(v0 + v1); v1 = rot(v1, 51n) ^ v0; v0 = rot(v0, 32n);
    v2 = wrap(v2 + v3); v3 = rot(v3, 48n) ^ v2;
    v0 = wrap(v0 + v3); v3 = rot(v3, 43n) ^ v0;
    v2 = wrap(v2 + v1); v1 = rot(v1, 47n) ^ v2; v2 = rot(v2, 32n);
  };
  const n = s.length;
  const full = n - (n % 8);
  for (let i = 0; i < full; i += 8) {
    const m = fetch64(s, i);
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  let b = BigInt(n & 0xff) << 56n;
  for (let i = full; i < n; i++) b |= BigInt(s[i]!) << BigInt(8 * (i - full));
  v3 ^= b;
  round();
  round();
  v0 ^= b;
  v2 ^= 0xffn;
  round();
  round();
  round();
  round();
  return v0 ^ v1 ^ v2 ^ v3;
}

/**
 * The bucket of `input` among `numBuckets`: `fingerprint64 % numBuckets` (TensorFlow's
 * `to_hash_bucket_fast`), or with a `key`, `sipHash64 % numBuckets` (`to_hash_bucket_strong`).
 */
export function hashToBucket(input: string, numBuckets: number, key: readonly [bigint, bigint] | null = null): number {
  const h = key ? sipHash64(key[0], key[1], input) : fingerprint64(input);
  return Number(h % BigInt(numBuckets));
}
