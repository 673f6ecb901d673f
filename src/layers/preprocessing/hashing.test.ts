// Expected values: test/fixtures/preprocessing/hashing.json, written by scripts/make_hashing_fixtures.py
// (FarmHash64 and SipHash-2-4 transcribed in Python, checked there against farmhash's self-test,
// SipHash's reference vectors and the bins Keras's docstrings and hashing_test.py assert).
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';
import {runLayerTest} from '../../testing/layer_test.js';
import {stringTensor, tensor} from '../../tensor/tensor.js';
import {fingerprint64, sipHash64} from './farmhash.js';
import {Hashing, type HashingArgs} from './hashing.js';

interface Case {
  values: (string | number)[];
  num_bins: number;
  mask_value?: string | number;
  salt?: number | [number, number];
  bins: number[];
}
const fixture = JSON.parse(readFileSync(new URL('../../../test/fixtures/preprocessing/hashing.json', import.meta.url), 'utf8')) as {
  selftest: [number, number, string][];
  fingerprints: [string, string][];
  siphash: [string, string][];
  keras: Case[];
  cases: Case[];
};

const K0 = 0xc3a5c85c97cb3127n;
const M = (1n << 64n) - 1n;

/** farmhash.cc's `Setup()`: the 1 MiB buffer its self-test hashes. */
function selftestData(): Uint8Array {
  const out = new Uint8Array(1 << 20);
  let a = 9n, b = 777n;
  for (let i = 0; i < out.length; i++) {
    a = (a + b) & M;
    b = (b + a) & M;
    a = ((a ^ (a >> 41n)) * K0) & M;
    b = (((b ^ (b >> 41n)) * K0) + BigInt(i)) & M;
    out[i] = Number((b >> 37n) & 0xffn);
  }
  return out;
}

test("fingerprint64 is farmhash's Fingerprint64: farmhash's own self-test table (362 offsets and lengths up to 1 MiB)", () => {
  const data = selftestData();
  for (const [off, len, hex] of fixture.selftest) {
    assert.equal(fingerprint64(data.subarray(off, off + len)).toString(16).padStart(16, '0'), hex, `offset ${off}, length ${len}`);
  }
  for (const [s, hex] of fixture.fingerprints) assert.equal(fingerprint64(s).toString(16).padStart(16, '0'), hex, JSON.stringify(s));
});

test("sipHash64 is SipHash-2-4: the paper's reference vectors, and the Python transcription's values", () => {
  const k0 = 0x0706050403020100n, k1 = 0x0f0e0d0c0b0a0908n;
  assert.equal(sipHash64(k0, k1, new Uint8Array(0)), 0x726fdb47dd0e0e31n);
  assert.equal(sipHash64(k0, k1, Uint8Array.from({length: 15}, (_, i) => i)), 0xa129ca6149be45e5n);
  for (const [s, hex] of fixture.siphash) assert.equal(sipHash64(133n, 137n, s).toString(16).padStart(16, '0'), hex, JSON.stringify(s));
});

function layerOf(c: Case): Hashing {
  const args: HashingArgs = {};
  if (c.mask_value !== undefined) args.maskValue = c.mask_value;
  if (c.salt !== undefined) args.salt = c.salt;
  return new Hashing(c.num_bins, args);
}

test('Hashing gives the bins Keras asserts (strings, integers, mask values, salts) and those of the Python oracle', () => {
  for (const c of [...fixture.keras, ...fixture.cases]) {
    const layer = layerOf(c);
    const y = layer.apply(c.values.map((v) => [v]));
    assert.equal(y.dtype, 'int32');
    assert.deepEqual(y.shape, [c.values.length, 1]);
    assert.deepEqual(Array.from(y.values), c.bins, `numBins=${c.num_bins} maskValue=${String(c.mask_value)} salt=${JSON.stringify(c.salt)} values=${JSON.stringify(c.values)}`);
  }
  // integer tensors hash as their decimal digits; float values are truncated first, as Keras's cast to int64
  assert.deepEqual(Array.from(new Hashing(3).apply(tensor([0, 1, 2, 3, 4], undefined, 'int32')).values), [1, 0, 1, 0, 2]);
  assert.deepEqual(Array.from(new Hashing(3).apply(tensor([0.5, 1.9, 2.2, 3.7, 4.1])).values), [1, 0, 1, 0, 2]);
  // a string tensor, rank 1 and 2
  assert.deepEqual(new Hashing(2).apply(stringTensor(['omar', 'stringer', 'marlo', 'wire', 'skywalker'])).arraySync(), [0, 0, 1, 0, 0]);
  assert.deepEqual(new Hashing(2).apply([[1, 2], [2, 3], [3, 4]]).arraySync(), [[1, 1], [1, 1], [1, 1]]);
});

test('Hashing: one_hot, multi_hot and count outputs (Keras hashing_test), and its errors', () => {
  // the bins of 0..4 with numBins=3 are [1, 0, 1, 0, 2]
  const oneHot = new Hashing(3, {outputMode: 'one_hot'}).apply(tensor([0, 1, 2, 3, 4], undefined, 'int32'));
  assert.deepEqual(oneHot.arraySync(), [[0, 1, 0], [1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 0, 1]]);
  assert.deepEqual(new Hashing(3, {outputMode: 'multi_hot'}).apply([[0, 1, 2, 3, 4]]).arraySync(), [[1, 1, 1]]);
  assert.deepEqual(new Hashing(3, {outputMode: 'count'}).apply([[0, 1, 2, 3, 4]]).arraySync(), [[2, 2, 1]]);
  assert.deepEqual(new Hashing(3, {outputMode: 'one_hot'}).computeOutputShape([null, 1]), [null, 3]);
  assert.deepEqual(new Hashing(3, {outputMode: 'multi_hot'}).computeOutputShape([null, 5]), [null, 3]);
  assert.throws(() => new Hashing(0), /cannot be `None` or non-positive values. Received: num_bins=0/);
  assert.throws(() => new Hashing(2, {salt: [1] as unknown as [number, number]}), /can only be a tuple of size 2 integers, or a single integer. Received: salt=\[1\]/);
  assert.throws(() => new Hashing(3, {outputMode: 'int', dtype: 'float32'}), /should be an integer type/);
  assert.throws(() => new Hashing(3, {outputMode: 'unsupported' as 'int'}), /Expected one of/);
  assert.throws(() => new Hashing(3, {sparse: true}), /sparse=True/);
  assert.equal(new Hashing(3, {dtype: 'int64'}).dtype, 'int32');
});

test('Hashing: the layer contract (runLayerTest: shapes, no weights, config round trip)', () => {
  runLayerTest(Hashing, {
    init: [7], options: {salt: [133, 137], maskValue: 0}, inputData: tensor([[3, 0, 5], [10, 11, 0]], undefined, 'int32'),
    expectedOutputShape: [2, 3], expectedNumTrainableWeights: 0, expectedNumNonTrainableWeights: 0, runTrainingCheck: false,
  });
  const layer = new Hashing(5, {salt: 133, maskValue: '', outputMode: 'count', name: 'h'});
  const cfg = JSON.parse(JSON.stringify(layer.getConfig())) as Record<string, unknown>;
  assert.deepEqual(cfg, {name: 'h', trainable: true, dtype: 'float32', numBins: 5, salt: [133, 133], maskValue: '', outputMode: 'count', sparse: false});
  assert.deepEqual(Hashing.fromConfig(cfg).getConfig(), layer.getConfig());
});
