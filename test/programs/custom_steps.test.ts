/**
 * Overridable steps as in Keras 3: `trainStep`, `testStep`, `predictStep`, `computeLoss`,
 * `computeMetrics` and the `metrics` getter, run by `fit` / `evaluate` / `predict` with callbacks.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import * as keras from '../../src/index.js';
import type {Tensor} from '../../src/index.js';

function data(n: number): [Tensor, Tensor] {
  const x = keras.random.uniform([n, 4], {seed: 1});
  // y = x @ [1, -2, 3, 0.5]
  const y = keras.ops.matmul(x, keras.tensor([[1], [-2], [3], [0.5]]));
  return [x, y];
}

test('a trainStep override runs in fit with callbacks; its metrics are reset at each epoch', async () => {
  class Counting extends keras.Model {
    steps = 0;
    tracker = new keras.metrics.Mean({name: 'loss'});
    batches = new keras.metrics.Sum({name: 'batches'});
    override trainStep(data: [Tensor, Tensor]) {
      const [x, y] = data;
      this.steps++;
      const tape = new keras.GradientTape();
      const loss = tape.run(() => keras.ops.mean(keras.ops.square(keras.ops.subtract(this.apply(x, {training: true}), y))));
      const vars = this.trainableVariables;
      this.optimizer!.apply(tape.gradient(loss, vars), vars);
      this.tracker.updateState(loss);
      this.batches.updateState(1);
      return {loss: this.tracker.result(), batches: this.batches.result()};
    }
    override get metrics() {
      return [this.tracker, this.batches];
    }
  }
  const inputs = keras.Input({shape: [4]});
  const model = new Counting({inputs, outputs: new keras.layers.Dense(1).apply(inputs)});
  assert.ok(model instanceof keras.Functional, 'a Model subclass built with inputs/outputs is a functional model');
  model.compile({optimizer: new keras.optimizers.SGD({learningRate: 0.1})});
  const [x, y] = data(64);
  const seen: keras.callbacks.Logs[] = [];
  const history = await model.fit(x, y, {
    epochs: 3, batchSize: 16, verbose: 0,
    callbacks: [new keras.callbacks.LambdaCallback({onEpochEnd: (_e, logs) => void seen.push({...logs})})],
  });
  assert.equal(model.steps, 12);
  // reset per epoch: 4 batches counted in every epoch, not 4, 8, 12
  assert.deepEqual(history.history['batches'], [4, 4, 4]);
  assert.deepEqual(seen.map((l) => l['batches']), [4, 4, 4]);
  const losses = history.history['loss']!;
  assert.ok(losses[2]! < losses[0]!, `loss decreases: ${losses}`);
});

test('computeLoss, testStep, predictStep and computeMetrics overrides are what fit / evaluate / predict use', async () => {
  class Custom extends keras.Model {
    lossCalls = 0;
    metricCalls = 0;
    override computeLoss(args: keras.ComputeLossArgs) {
      this.lossCalls++;
      return keras.ops.multiply(super.computeLoss(args), 2); // twice the compiled mse
    }
    override computeMetrics(x: keras.StepTensors | null, y: keras.StepTensors | null, yPred: keras.StepTensors | null, sw: keras.StepTensors | null = null) {
      this.metricCalls++;
      return super.computeMetrics(x, y, yPred, sw);
    }
    override testStep(data: [Tensor, Tensor]) {
      const [x, y] = data;
      const yPred = this.apply(x, {training: false});
      return {custom_mae: keras.ops.mean(keras.ops.abs(keras.ops.subtract(yPred, y)))};
    }
    override predictStep(data: [Tensor]) {
      return keras.ops.add(this.apply(data[0], {training: false}), 100);
    }
  }
  const inputs = keras.Input({shape: [4]});
  const model = new Custom({inputs, outputs: new keras.layers.Dense(1, {kernelInitializer: 'zeros'}).apply(inputs)});
  model.compile({optimizer: 'sgd', loss: 'mse', metrics: ['mse']});
  const [x, y] = data(32);
  const history = await model.fit(x, y, {epochs: 1, batchSize: 32, verbose: 0, validationData: [x, y]});
  assert.equal(model.lossCalls, 1);
  assert.equal(model.metricCalls, 1);
  // the zero model's first step: the loss is 2 * mse, the compiled metric is the plain mse
  const mse = keras.ops.mean(keras.ops.square(y)).values[0]!;
  assert.ok(Math.abs(history.history['loss']![0]! - 2 * mse) < 1e-4, `${history.history['loss']} vs 2 * ${mse}`);
  assert.ok(Math.abs(history.history['mse']![0]! - mse) < 1e-4);
  // validation went through the overridden testStep (its own logs, as Keras's _get_metrics_result_or_logs)
  assert.deepEqual(Object.keys(history.history).sort(), ['loss', 'mse', 'val_custom_mae']);
  const evalLogs = (await model.evaluate(x, y, {verbose: 0, returnDict: true})) as Record<string, number>;
  assert.deepEqual(Object.keys(evalLogs), ['custom_mae']);
  const pred = (await model.predict(x, {verbose: 0})) as Tensor;
  const plain = model.apply(x) as Tensor;
  assert.ok(Math.abs(pred.values[0]! - (plain.values[0]! + 100)) < 1e-5);
});

test('the compiled metrics are in model.metrics before the first step (the guide\'s loop over this.metrics updates them)', async () => {
  const inputs = keras.Input({shape: [4]});
  const model = new keras.Model({inputs, outputs: new keras.layers.Dense(1).apply(inputs)});
  model.compile({optimizer: 'adam', loss: 'mse', metrics: ['mae']});
  assert.deepEqual(model.metricsNames, ['loss']);
  const [x, y] = data(8);
  await model.fit(x, y, {epochs: 1, verbose: 0});
  assert.deepEqual(model.metricsNames, ['loss', 'mae']);
});
