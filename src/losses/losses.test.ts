import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {test} from 'node:test';
import {tensor, type Tensor} from '../tensor/tensor.js';
import {GradientTape} from '../gradients/tape.js';
import * as ops from '../ops/index.js';
import * as losses from './index.js';

const FIX = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'losses', 'losses.json'), 'utf8'));

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol * (1 + Math.abs(expected[i]!)), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}
const f64 = (x: number[] | number[][]): Tensor => tensor(x as never, undefined, 'float64');

for (const [name, c] of Object.entries(FIX.cases) as [string, any][]) {
  test(`loss ${name} matches PyTorch (${c.oracle})`, () => {
    const fn = (losses as unknown as Record<string, (a: Tensor, b: Tensor, k?: unknown) => Tensor>)[c.fn]!;
    const out = fn(f64(c.y_true), f64(c.y_pred), c.args);
    close(out.values, c.expected, 1e-9, name);
    // float32 inputs: the class form reduces with sum_over_batch_size
    const mean = c.expected.reduce((a: number, b: number) => a + b, 0) / c.expected.length;
    const cls = losses.get(c.fn.replace(/([A-Z])/g, '_$1').toLowerCase()) as losses.LossFn;
    assert.equal(typeof cls, 'function');
    close([losses.reduceWeightedValues(fn(tensor(c.y_true), tensor(c.y_pred), c.args)).item()], [mean], 1e-5, `${name} mean`);
  });
}

// Gradients with respect to y_pred: the tape's d sum(loss * w) / d y_pred against PyTorch autograd (float64).
for (const [name, c] of Object.entries(FIX.cases) as [string, any][]) {
  test(`loss ${name}: gradient with respect to y_pred matches PyTorch autograd`, () => {
    assert.ok(Array.isArray(c.grad_y_pred), `${name}: no gradient in the fixture (rerun scripts/make_loss_fixtures.py)`);
    const fn = (losses as unknown as Record<string, (a: Tensor, b: Tensor, k?: unknown) => Tensor>)[c.fn]!;
    const yTrue = f64(c.y_true), yPred = f64(c.y_pred);
    const tape = new GradientTape();
    tape.watch([yPred]);
    const total = tape.run(() => ops.sum(ops.multiply(fn(yTrue, yPred, c.args), f64(c.w))));
    const [g] = tape.gradient(total, [yPred]);
    assert.ok(g, `${name}: no gradient`);
    assert.deepEqual([...g.shape], [...yPred.shape]);
    close(g.values, (c.grad_y_pred as number[][]).flat(), 1e-8, `${name} d/dy_pred`);
  });
}

test('CategoricalCrossentropy: the values in Keras\'s docstring', () => {
  const yTrue = [[0, 1, 0], [0, 0, 1]];
  const yPred = [[0.05, 0.95, 0], [0.1, 0.8, 0.1]];
  const cce = new losses.CategoricalCrossentropy();
  close([cce.apply(yTrue, yPred).item()], [1.177], 1e-3, 'mean');
  close([cce.apply(yTrue, yPred, [0.3, 0.7]).item()], [0.814], 1e-3, 'weighted');
  close([new losses.CategoricalCrossentropy({reduction: 'sum'}).apply(yTrue, yPred).item()], [2.354], 1e-3, 'sum');
  close(new losses.CategoricalCrossentropy({reduction: 'none'}).apply(yTrue, yPred).values, [0.0513, 2.303], 1e-3, 'none');
  assert.equal(cce.name, 'categorical_crossentropy');
  assert.deepEqual(cce.getConfig(), {name: 'categorical_crossentropy', reduction: 'sum_over_batch_size', fromLogits: false, labelSmoothing: 0, axis: -1});
});

test('SparseCategoricalCrossentropy and BinaryCrossentropy: Keras docstring values', () => {
  close([new losses.SparseCategoricalCrossentropy().apply([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]).item()], [1.177], 1e-3, 'scce');
  const bce = new losses.BinaryCrossentropy({fromLogits: true});
  close([bce.apply([0, 1, 0, 0], [-18.6, 0.51, 2.94, -12.8]).item()], [0.865], 1e-3, 'bce logits');
  close([new losses.MeanSquaredError().apply([[0, 1], [0, 0]], [[1, 1], [1, 0]]).item()], [0.5], 1e-7, 'mse');
});

test('crossentropy on logits stays finite for large logits', () => {
  const v = losses.categoricalCrossentropy(tensor([[0, 1]]), tensor([[1000, -1000]]), {fromLogits: true});
  close(v.values, [2000], 1e-6, 'cce');
  const b = losses.binaryCrossentropy(tensor([[1, 0]]), tensor([[-500, 500]]), {fromLogits: true});
  close(b.values, [500], 1e-6, 'bce');
  const p = losses.categoricalCrossentropy(tensor([[0, 1]]), tensor([[1, 0]]));
  close(p.values, [-Math.log(1e-7)], 1e-5, 'clipped');
});

test('shape mismatch errors name both shapes as Keras does', () => {
  assert.throws(
    () => losses.categoricalCrossentropy(tensor([[0, 1, 0]]), tensor([[0.5, 0.5]])),
    /Arguments `target` and `output` must have the same shape. Received: target.shape=\(1, 3\), output.shape=\(1, 2\)/,
  );
  assert.throws(
    () => losses.sparseCategoricalCrossentropy(tensor([1, 2, 0]), tensor([[0.5, 0.5]])),
    /must have the same shape up until the last dimension: target.shape=\(3,\), output.shape=\(1, 2\)/,
  );
  assert.throws(() => new losses.MeanSquaredError({reduction: 'avg' as never}), /Invalid value for argument `reduction`/);
});

test('ignoreClass masks those samples out of the mean', () => {
  const scce = new losses.SparseCategoricalCrossentropy({ignoreClass: -1});
  const all = losses.sparseCategoricalCrossentropy(tensor([0]), tensor([[0.9, 0.1]])).item();
  // one valid sample of two: the masked mean is over the valid one only
  close([scce.apply([0, -1], [[0.9, 0.1], [0.2, 0.8]]).item()], [all], 1e-6, 'ignore');
});

test('losses.get: class names, function names, aliases; unknown names list the valid ones', () => {
  assert.ok(losses.get('CategoricalCrossentropy') instanceof losses.CategoricalCrossentropy);
  assert.equal(losses.get('categorical_crossentropy'), losses.categoricalCrossentropy);
  assert.equal(losses.get('mse'), losses.meanSquaredError);
  assert.equal(losses.get('MAE'), losses.meanAbsoluteError);
  assert.throws(() => losses.get('categorical_crosentropy'), /Could not interpret loss identifier: categorical_crosentropy. Expected one of: .*categorical_crossentropy/);
  const h = new losses.Huber({delta: 2});
  assert.equal(h.name, 'huber_loss');
  const h2 = losses.deserialize(losses.serialize(h) as never) as losses.Loss;
  assert.equal((h2 as unknown as {delta: number}).delta, 2);
});

test('sample weights of rank 1 broadcast over per-sample losses; mean_with_sample_weight divides by their sum', () => {
  const mae = new losses.MeanAbsoluteError({reduction: 'mean_with_sample_weight'});
  close([mae.apply([[0], [0]], [[1], [3]], [1, 3]).item()], [(1 + 9) / 4], 1e-6, 'mwsw');
});
