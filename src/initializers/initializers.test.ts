import assert from 'node:assert/strict';
import {test} from 'node:test';
import * as ops from '../ops/index.js';
import {setRandomSeed} from '../tensor/random.js';
import type {Tensor} from '../tensor/tensor.js';
import * as initializers from './index.js';
import {
  computeFans, Constant, GlorotNormal, GlorotUniform, HeNormal, HeUniform, Identity, LecunNormal, LecunUniform, Ones,
  Orthogonal, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling, Zeros,
} from './index.js';

function stats(t: Tensor): {mean: number; std: number; min: number; max: number} {
  const v = t.dataSync();
  let s = 0, s2 = 0, min = Infinity, max = -Infinity;
  for (const x of v) {
    s += x;
    s2 += x * x;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  const mean = s / v.length;
  return {mean, std: Math.sqrt(s2 / v.length - mean * mean), min, max};
}

test('computeFans follows Keras: dense (in, out), conv kernels times the receptive field', () => {
  assert.deepEqual(computeFans([]), [1, 1]);
  assert.deepEqual(computeFans([7]), [7, 7]);
  assert.deepEqual(computeFans([3, 5]), [3, 5]);
  assert.deepEqual(computeFans([3, 3, 4, 8]), [36, 72]);
});

test('VarianceScaling family: bounds and standard deviations from Keras 3 formulas', () => {
  const shape = [300, 200];
  const [fi, fo] = [300, 200];
  const cases: [initializers.Initializer, 'uniform' | 'normal', number][] = [
    [new GlorotUniform({seed: 1}), 'uniform', Math.sqrt(6 / (fi + fo))],
    [new HeUniform({seed: 1}), 'uniform', Math.sqrt(6 / fi)],
    [new LecunUniform({seed: 1}), 'uniform', Math.sqrt(3 / fi)],
    [new GlorotNormal({seed: 1}), 'normal', Math.sqrt(2 / (fi + fo))],
    [new HeNormal({seed: 1}), 'normal', Math.sqrt(2 / fi)],
    [new LecunNormal({seed: 1}), 'normal', Math.sqrt(1 / fi)],
    [new VarianceScaling({scale: 3, mode: 'fan_out', distribution: 'untruncated_normal', seed: 1}), 'normal', Math.sqrt(3 / fo)],
  ];
  for (const [init, kind, p] of cases) {
    const s = stats(init.call(shape, 'float32'));
    assert.ok(Math.abs(s.mean) < 0.05 * p + 1e-3, `${init.className}: mean ${s.mean}`);
    if (kind === 'uniform') {
      // uniform in ±limit: std = limit / sqrt(3)
      assert.ok(s.max <= p && s.min >= -p && s.max > 0.99 * p, `${init.className}: range [${s.min}, ${s.max}] vs limit ${p}`);
      assert.ok(Math.abs(s.std - p / Math.sqrt(3)) < 0.02 * p, `${init.className}: std ${s.std}`);
    } else {
      // the truncated normal's stddev is divided by 0.8796..., so the kept values have stddev sqrt(scale / fan)
      assert.ok(Math.abs(s.std - p) < 0.02 * p, `${init.className}: std ${s.std} vs ${p}`);
      if (!(init instanceof VarianceScaling && init.distribution === 'untruncated_normal')) {
        assert.ok(s.max <= (2 * p) / 0.87962566103423978 + 1e-6, `${init.className}: truncated at two stddevs`);
      }
    }
  }
});

test('RandomNormal, RandomUniform, TruncatedNormal: Keras defaults (0.05) and arguments', () => {
  const n = stats(new RandomNormal({seed: 3}).call([100, 100]));
  assert.ok(Math.abs(n.std - 0.05) < 0.002 && Math.abs(n.mean) < 0.002);
  const u = stats(new RandomUniform({minval: 2, maxval: 3, seed: 3}).call([100, 100]));
  assert.ok(u.min >= 2 && u.max < 3 && Math.abs(u.mean - 2.5) < 0.01);
  const t = stats(new TruncatedNormal({mean: 1, stddev: 0.5, seed: 3}).call([100, 100]));
  assert.ok(t.min >= 0 && t.max <= 2 && Math.abs(t.mean - 1) < 0.01);
  assert.deepEqual(new RandomUniform().getConfig(), {seed: null, minval: -0.05, maxval: 0.05});
});

test('seeded initializers repeat; unseeded ones follow setRandomSeed', () => {
  const a = new GlorotUniform({seed: 42});
  assert.deepEqual([...a.call([3, 4]).dataSync()], [...a.call([3, 4]).dataSync()]);
  assert.deepEqual([...a.call([3, 4]).dataSync()], [...new GlorotUniform({seed: 42}).call([3, 4]).dataSync()]);
  assert.notDeepEqual([...a.call([3, 4]).dataSync()], [...new GlorotUniform({seed: 43}).call([3, 4]).dataSync()]);
  setRandomSeed(7);
  const x1 = new HeNormal().call([5]).dataSync(), x2 = new HeNormal().call([5]).dataSync();
  setRandomSeed(7);
  assert.deepEqual([...new HeNormal().call([5]).dataSync()], [...x1]);
  assert.deepEqual([...new HeNormal().call([5]).dataSync()], [...x2]);
  assert.notDeepEqual([...x1], [...x2]);
});

test('Orthogonal: orthonormal rows or columns, times gain; conv shapes flattened', () => {
  for (const shape of [[6, 4], [4, 6], [3, 3, 2, 5]]) {
    const w = new Orthogonal({gain: 2, seed: 1}).call(shape, 'float64');
    const rows = shape.slice(0, -1).reduce((x, y) => x * y, 1), cols = shape.at(-1)!;
    const m = ops.reshape(w, [rows, cols]);
    const g = rows >= cols ? ops.matmul(m, m, {transposeA: true}) : ops.matmul(m, m, {transposeB: true});
    const n = Math.min(rows, cols);
    const v = g.dataSync();
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.ok(Math.abs(v[i * n + j]! - (i === j ? 4 : 0)) < 1e-9, `shape ${shape}: gram[${i},${j}] = ${v[i * n + j]}`);
  }
  assert.throws(() => new Orthogonal().call([3]), /at least two-dimensional/);
});

test('constant initializers', () => {
  assert.deepEqual(new Zeros().call([2]).arraySync(), [0, 0]);
  assert.deepEqual(new Ones().call([2], 'int32').arraySync(), [1, 1]);
  assert.deepEqual(new Constant(3).call([2]).arraySync(), [3, 3]);
  assert.deepEqual(new Constant({value: -1}).getConfig(), {value: -1});
  assert.deepEqual(new Identity({gain: 2}).call([2, 3]).arraySync(), [[2, 0, 0], [0, 2, 0]]);
  assert.throws(() => new Identity().call([2, 2, 2]), /only be used for 2D matrices/);
});

test('get: Keras names, class names, aliases, {className, config}; serialize round trip; errors', () => {
  for (const [name, cls] of [
    ['glorot_uniform', GlorotUniform], ['GlorotUniform', GlorotUniform], ['he_normal', HeNormal], ['lecun_uniform', LecunUniform],
    ['zeros', Zeros], ['zero', Zeros], ['ones', Ones], ['one', Ones], ['constant', Constant], ['random_normal', RandomNormal],
    ['normal', RandomNormal], ['uniform', RandomUniform], ['truncated_normal', TruncatedNormal], ['orthogonal', Orthogonal],
    ['identity', Identity], ['IdentityInitializer', Identity], ['variance_scaling', VarianceScaling],
  ] as const) {
    assert.ok(initializers.get(name) instanceof cls, name);
  }
  const v = new VarianceScaling({scale: 2, mode: 'fan_avg', distribution: 'normal', seed: 5});
  assert.equal(v.distribution, 'truncated_normal');
  const s = initializers.serialize(v);
  assert.deepEqual(s, {className: 'VarianceScaling', config: {seed: 5, scale: 2, mode: 'fan_avg', distribution: 'truncated_normal'}});
  const back = initializers.get(s) as VarianceScaling;
  assert.deepEqual([...back.call([3, 3]).dataSync()], [...v.call([3, 3]).dataSync()]);
  assert.deepEqual(initializers.serialize(new GlorotUniform()), {className: 'GlorotUniform', config: {seed: null}});
  assert.throws(() => initializers.get('glorot'), /Could not interpret initializer identifier: glorot/);
  assert.throws(() => new VarianceScaling({scale: 0}), /Argument `scale` must be positive float. Received: scale=0/);
  assert.throws(() => new VarianceScaling({mode: 'fan' as never}), /Invalid `mode` argument: fan/);
  assert.throws(() => new GlorotUniform().call([2, 2], 'int32'), /only supports floating point dtypes/);
});
