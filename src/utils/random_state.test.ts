import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {MT19937, PythonRandom, RandomState} from './random_state.js';

const fx = JSON.parse(readFileSync(new URL('../../test/fixtures/datasets_numpy.json', import.meta.url), 'utf8'));
const nr = fx.numpyRandom;

test('MT19937 reproduces the reference generator (first outputs for seed 5489, from numpy)', () => {
  const g = MT19937.fromSeed(nr.rawUint32.seed);
  assert.deepEqual(nr.rawUint32.values.map(() => g.nextUint32()), nr.rawUint32.values);
});

test('RandomState.randomSample matches numpy', () => {
  const r = new RandomState(nr.randomSample.seed);
  for (const v of nr.randomSample.values) assert.equal(r.randomSample(), v);
});

test('RandomState.shuffle matches numpy for several seeds and lengths', () => {
  for (const c of nr.shuffle) {
    const a = Array.from({length: c.n}, (_, i) => i);
    new RandomState(c.seed).shuffle(a);
    assert.deepEqual(a, c.result, `seed=${c.seed} n=${c.n}`);
  }
});

test('RandomState: two shuffles in a row continue the same stream (imdb pattern)', () => {
  const t = nr.twoShuffles;
  const r = new RandomState(t.seed);
  const a = Array.from({length: t.n1}, (_, i) => i);
  const b = Array.from({length: t.n2}, (_, i) => i);
  r.shuffle(a);
  r.shuffle(b);
  assert.deepEqual(a, t.first);
  assert.deepEqual(b, t.second);
});

test('RandomState.permutation matches numpy', () => {
  assert.deepEqual(Array.from(new RandomState(nr.permutation.seed).permutation(nr.permutation.n)), nr.permutation.result);
});

test('RandomState rejects seeds numpy rejects', () => {
  assert.throws(() => new RandomState(-1), /between 0 and 2\*\*32 - 1/);
  assert.throws(() => new RandomState(2 ** 32), /between 0 and 2\*\*32 - 1/);
});

test("PythonRandom.shuffle matches Python's random.shuffle", () => {
  for (const c of fx.pythonRandom) {
    const a = Array.from({length: c.n}, (_, i) => i);
    new PythonRandom(c.seed).shuffle(a);
    assert.deepEqual(a, c.result, `seed=${c.seed} n=${c.n}`);
  }
});
