/**
 * Public API that no other test touched: stopGradient, metrics.fromFunction, MeanMetricWrapper,
 * saving.modelToJson, utils.countParams, utils.printSummary, what config.setFloatx does to new
 * layers, and the eleven loss classes built with options (config round trip through
 * losses.serialize/deserialize; the option reaches the loss: the value equals the loss function's
 * with the same arguments, whose values test/fixtures/losses checks, and differs from the default's).
 */
import assert from 'node:assert/strict';
import {after, test} from 'node:test';
import * as keras from '../src/index.js';
import {Tensor} from '../src/tensor/tensor.js';

after(() => keras.saving.shutdownH5());

const t = (rows: number[][]) => new Tensor([rows.length, rows[0]!.length], 'float32', Float32Array.from(rows.flat()));

test('stopGradient: the value passes, the gradient does not', () => {
  const x = keras.tensor([1.5, -2, 3]);
  const tape = new keras.GradientTape();
  tape.watch([x]);
  // d/dx sum(x * stop(x)) = stop(x) = x; without the stop it would be 2x
  const y = tape.run(() => keras.ops.sum(keras.ops.multiply(x, keras.stopGradient(x))));
  assert.equal(y.item(), 1.5 * 1.5 + 4 + 9);
  const [g] = tape.gradient(y, [x]);
  assert.deepEqual([...g!.values], [1.5, -2, 3]);
});

test('metrics.fromFunction and MeanMetricWrapper: the (weighted) mean of the function over every update', () => {
  const absErr = (yTrue: keras.ops.TensorLike, yPred: keras.ops.TensorLike) => keras.ops.mean(keras.ops.abs(keras.ops.subtract(yPred, yTrue)), -1);
  const m = keras.metrics.fromFunction(absErr as never, 'abs_err');
  assert.ok(m instanceof keras.metrics.MeanMetricWrapper);
  assert.equal(m.name, 'abs_err');
  m.updateState(t([[0, 0], [1, 1]]), t([[1, 3], [1, 2]])); // per sample 2, 0.5
  m.updateState(t([[0, 0]]), t([[4, 0]])); // 2
  assert.ok(Math.abs(m.result().item() - (2 + 0.5 + 2) / 3) < 1e-6, `result ${m.result().item()}`);
  const w = new keras.metrics.MeanMetricWrapper(absErr as never, {name: 'weighted'});
  w.updateState(t([[0, 0], [1, 1]]), t([[1, 3], [1, 2]]), keras.tensor([3, 1]));
  assert.ok(Math.abs(w.result().item() - (3 * 2 + 1 * 0.5) / 4) < 1e-6, `weighted result ${w.result().item()}`);
  w.resetState();
  assert.equal(w.result().item(), 0);
});

function smallModel() {
  return new keras.Sequential([new keras.layers.Dense(3, {inputShape: [4], activation: 'relu', name: 'd1'}), new keras.layers.Dense(2, {name: 'd2'})]);
}

test('utils.countParams counts the elements of the weights it is given', () => {
  const m = smallModel();
  assert.equal(keras.utils.countParams(m.trainableWeights), 4 * 3 + 3 + 3 * 2 + 2);
  assert.equal(keras.utils.countParams(m.getLayer('d2').trainableWeights), 8);
  assert.equal(keras.utils.countParams([]), 0);
});

test('utils.printSummary prints what model.summary prints', () => {
  const m = smallModel();
  let a = '', b = '';
  m.summary({printFn: (s: string) => (a += s)});
  keras.utils.printSummary(m as never, {printFn: (s: string) => (b += s)});
  assert.equal(b, a);
  assert.match(b, /Total params: 23 \(92\.00 B\)/);
});

test('saving.modelToJson: the architecture without compile config, read back by modelFromJson', () => {
  const m = smallModel();
  m.compile({optimizer: 'sgd', loss: 'mse'});
  const json = keras.saving.modelToJson(m as never);
  const parsed = JSON.parse(json) as Record<string, any>;
  assert.equal(parsed['class_name'], 'Sequential');
  assert.equal(parsed['compile_config'], undefined);
  assert.deepEqual(parsed['config']['layers'].map((l: any) => [l.class_name, l.config.name ?? null]).filter((p: unknown[]) => p[0] !== 'InputLayer'), [['Dense', 'd1'], ['Dense', 'd2']]);
  assert.equal(parsed['config']['layers'].find((l: any) => l.config.name === 'd1').config.activation, 'relu'); // snake_case keys only, values untouched
  const back = keras.saving.modelFromJson(json) as unknown as keras.Sequential;
  assert.deepEqual(back.layers.map((l) => [l.className, l.name]), [['Dense', 'd1'], ['Dense', 'd2']]);
  assert.equal(keras.utils.countParams(back.trainableWeights), 23);
});

test('config.setFloatx: new layers make float64 weights and outputs; the old value comes back', () => {
  const before = keras.config.floatx();
  keras.config.setFloatx('float64');
  try {
    const d = new keras.layers.Dense(2);
    const y = d.apply(new Tensor([1, 3], 'float64', Float64Array.from([1, 2, 3]))) as Tensor;
    assert.equal(d.kernel.dtype, 'float64');
    assert.equal(y.dtype, 'float64');
    assert.equal(new keras.losses.MeanSquaredError().dtype, 'float64');
  } finally {
    keras.config.setFloatx(before as 'float32');
  }
  assert.equal(new keras.layers.Dense(2).apply(keras.ones([1, 3])).dtype, before);
});

// --- the eleven loss classes ---------------------------------------------------------------------
const L = keras.losses;
type Case = {cls: new (a?: any) => keras.losses.Loss; fn: (yt: Tensor, yp: Tensor, kw?: any) => Tensor; options: Record<string, unknown>; yTrue: Tensor; yPred: Tensor};
const probs = t([[0.2, 0.7, 0.1], [0.5, 0.3, 0.2]]);
const onehot = t([[0, 1, 0], [1, 0, 0]]);
const signs = t([[-1, 1, 1], [1, -1, 1]]);
const scores = t([[0.3, -0.8, 1.7], [-0.4, 2.1, 0.6]]);
const pos = t([[0.5, 1.5, 2.0], [3.0, 0.25, 1.0]]);
const CASES: Record<string, Case> = {
  Hinge: {cls: L.Hinge, fn: L.hinge, options: {}, yTrue: signs, yPred: scores},
  SquaredHinge: {cls: L.SquaredHinge, fn: L.squaredHinge, options: {}, yTrue: signs, yPred: scores},
  CategoricalHinge: {cls: L.CategoricalHinge, fn: L.categoricalHinge, options: {}, yTrue: onehot, yPred: scores},
  Poisson: {cls: L.Poisson, fn: L.poisson, options: {}, yTrue: pos, yPred: t([[1, 1, 2], [2, 0.5, 1]])},
  KLDivergence: {cls: L.KLDivergence, fn: L.klDivergence, options: {}, yTrue: t([[0.1, 0.6, 0.3], [0.3, 0.3, 0.4]]), yPred: probs},
  LogCosh: {cls: L.LogCosh, fn: L.logCosh, options: {}, yTrue: pos, yPred: scores},
  MeanAbsolutePercentageError: {cls: L.MeanAbsolutePercentageError, fn: L.meanAbsolutePercentageError, options: {}, yTrue: pos, yPred: scores},
  MeanSquaredLogarithmicError: {cls: L.MeanSquaredLogarithmicError, fn: L.meanSquaredLogarithmicError, options: {}, yTrue: pos, yPred: t([[1, 1, 2], [2, 0.5, 1]])},
  CosineSimilarity: {cls: L.CosineSimilarity, fn: L.cosineSimilarity as never, options: {axis: 0}, yTrue: pos, yPred: scores},
  BinaryFocalCrossentropy: {
    cls: L.BinaryFocalCrossentropy, fn: L.binaryFocalCrossentropy as never,
    options: {applyClassBalancing: true, alpha: 0.4, gamma: 1.5, fromLogits: true, labelSmoothing: 0.1}, yTrue: onehot, yPred: scores,
  },
  CategoricalFocalCrossentropy: {
    cls: L.CategoricalFocalCrossentropy, fn: L.categoricalFocalCrossentropy as never,
    options: {alpha: 0.5, gamma: 3, fromLogits: true, labelSmoothing: 0.2}, yTrue: onehot, yPred: scores,
  },
};

for (const [name, c] of Object.entries(CASES)) {
  test(`losses.${name}: built with options (${Object.keys(c.options).join(', ') || 'name, reduction'}), config round trip, the options take effect`, () => {
    const loss = new c.cls({name: `my_${name}`, reduction: 'sum', ...c.options});
    assert.equal(loss.className, name);
    const config = loss.getConfig();
    assert.deepEqual({name: config['name'], reduction: config['reduction']}, {name: `my_${name}`, reduction: 'sum'});
    for (const [k, v] of Object.entries(c.options)) assert.deepEqual(config[k], v, `${name} config.${k}`);
    // serialize -> JSON -> deserialize gives an equal loss
    const back = L.deserialize(JSON.parse(JSON.stringify(L.serialize(loss))) as never) as keras.losses.Loss;
    assert.equal(back.className, name);
    assert.deepEqual(back.getConfig(), config);
    // reduction 'sum' of the per-sample values of the function called with the same options
    const perSample = c.fn(c.yTrue, c.yPred, c.options);
    const expected = [...perSample.values].reduce((a, b) => a + b, 0);
    for (const l of [loss, back]) {
      const v = l.apply(c.yTrue, c.yPred).item();
      assert.ok(Math.abs(v - expected) <= 1e-5 * Math.max(1, Math.abs(expected)), `${name}: ${v}, expected ${expected}`);
    }
    const none = new c.cls({reduction: 'none', ...c.options}).apply(c.yTrue, c.yPred);
    assert.deepEqual([...none.shape], [...perSample.shape]);
    if (Object.keys(c.options).length) {
      const plain = new c.cls({reduction: 'sum'}).apply(c.yTrue, c.yPred).item();
      assert.ok(Math.abs(plain - expected) > 1e-4, `${name}: the options change nothing (${plain} vs ${expected})`);
    }
    assert.throws(() => new c.cls({notAnOption: 1}), /argument\(s\) not recognized: notAnOption/);
  });
}
