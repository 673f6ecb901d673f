// Every form Python Keras writes a compile configuration in (Keras 3 `.keras` `compile_config`,
// Keras 2 / tf.keras `.h5` `training_config`), in Keras's exact JSON, loads compiled; a form that is
// still not understood loads the model uncompiled with one warning naming it; `compile: false` skips it.
import {after, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import * as keras from '../src/index.js';
import {loadModel, readH5File, shutdownH5, writeH5File, type SavingModel} from '../src/saving/index.js';
import {compileArgsFromConfig} from '../src/saving/compile_config.js';
import {configToCamel} from '../src/saving/keys.js';
import {setWarn, warn as defaultWarn} from '../src/saving/saving_lib.js';
import {readZip, writeZip} from '../src/utils/zip.js';
import {tensor, type Tensor} from '../src/tensor/tensor.js';
import {Loss} from '../src/losses/loss.js';
import {Metric} from '../src/metrics/metric.js';
import {Optimizer} from '../src/optimizers/optimizer.js';

const dir = mkdtempSync(join(tmpdir(), 'keras-ts-compile-config-'));
const warnings: string[] = [];
const originalWarn = defaultWarn;
setWarn((m) => warnings.push(m));
after(async () => {
  setWarn(originalWarn);
  rmSync(dir, {recursive: true, force: true});
  await shutdownH5();
});

type M = SavingModel & {
  compile(a: object): void;
  save(p: string): Promise<void>;
  evaluate(x: Tensor, y: Tensor, a?: object): Promise<number | number[]>;
  metricsNames: string[];
};

// --- Keras's own JSON, one constant per form ------------------------------------------------------

/** Keras 3.x Adam, as `serialize_keras_object` writes it. */
const K3_ADAM = {
  module: 'keras.optimizers', class_name: 'Adam', registered_name: null,
  config: {
    name: 'adam', learning_rate: 0.0010000000474974513, weight_decay: null, clipnorm: null, global_clipnorm: null, clipvalue: null,
    use_ema: false, ema_momentum: 0.99, ema_overwrite_frequency: null, loss_scale_factor: null, gradient_accumulation_steps: null,
    beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: false,
  },
};
/** tf.keras 2.11-2.15: optimizers registered as `Custom>Name`, with `is_legacy_optimizer`. */
const TF215_ADAM = {
  class_name: 'Custom>Adam',
  config: {
    name: 'Adam', weight_decay: null, clipnorm: null, global_clipnorm: null, clipvalue: null, use_ema: false, ema_momentum: 0.99,
    ema_overwrite_frequency: null, jit_compile: false, is_legacy_optimizer: false, learning_rate: 0.0010000000474974513,
    beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: false,
  },
};
/** tf.keras 2.4-2.10 (optimizer_v2). */
const TF2_RMSPROP = {class_name: 'RMSprop', config: {name: 'RMSprop', learning_rate: 0.001, decay: 0.0, rho: 0.9, momentum: 0.0, epsilon: 1e-7, centered: false}};
/** Keras 2.2 / 2.3 standalone: `lr`, `decay`. */
const K2_SGD = {class_name: 'SGD', config: {lr: 0.009999999776482582, momentum: 0.0, decay: 0.0, nesterov: false}};
const K2_ADAM = {class_name: 'Adam', config: {lr: 0.0010000000474974513, beta_1: 0.8999999761581421, beta_2: 0.9990000128746033, decay: 0.0, epsilon: 1e-7, amsgrad: false}};
/** tf.keras 2.11-2.15 mixed precision. */
const TF215_LOSS_SCALE = {class_name: 'LossScaleOptimizerV3', config: {inner_optimizer: TF215_ADAM, dynamic: true, initial_scale: 32768.0, dynamic_growth_steps: 2000}};
/** Keras 3 mixed precision. */
const K3_LOSS_SCALE = {
  module: 'keras.optimizers', class_name: 'LossScaleOptimizer', registered_name: null,
  config: {name: 'loss_scale_optimizer', learning_rate: 0.0010000000474974513, weight_decay: null, clipnorm: null, global_clipnorm: null, clipvalue: null,
    use_ema: false, ema_momentum: 0.99, ema_overwrite_frequency: null, loss_scale_factor: null, gradient_accumulation_steps: null,
    inner_optimizer: K3_ADAM, initial_scale: 32768.0, dynamic_growth_steps: 2000},
};
/** A learning-rate schedule inside an optimizer, tf.keras and Keras 3. */
const TF2_SGD_SCHEDULE = {
  class_name: 'SGD',
  config: {name: 'SGD', learning_rate: {class_name: 'ExponentialDecay', config: {initial_learning_rate: 0.1, decay_steps: 1000, decay_rate: 0.96, staircase: false, name: null}}, decay: 0.0, momentum: 0.9, nesterov: true},
};
const K3_SGD_SCHEDULE = {
  module: 'keras.optimizers', class_name: 'SGD', registered_name: null,
  config: {name: 'SGD', learning_rate: {module: 'keras.optimizers.schedules', class_name: 'ExponentialDecay', config: {initial_learning_rate: 0.1, decay_steps: 1000, decay_rate: 0.96, staircase: false, name: 'ExponentialDecay'}, registered_name: null},
    weight_decay: null, clipnorm: null, global_clipnorm: null, clipvalue: null, use_ema: false, ema_momentum: 0.99, ema_overwrite_frequency: null,
    loss_scale_factor: null, gradient_accumulation_steps: null, momentum: 0.9, nesterov: true},
};

/** A plain function Keras could not place (the file). */
const BUILTINS_FN_LOSS = {module: 'builtins', class_name: 'function', config: 'sparse_categorical_crossentropy', registered_name: 'function'};
/** A public Keras function. */
const K3_FN_LOSS = {module: 'keras.losses', class_name: 'function', config: 'sparse_categorical_crossentropy', registered_name: 'sparse_categorical_crossentropy'};
const K3_CLASS_LOSS = {module: 'keras.losses', class_name: 'SparseCategoricalCrossentropy', config: {name: 'sparse_categorical_crossentropy', reduction: 'sum_over_batch_size', from_logits: false, ignore_class: null}, registered_name: null};
const K3_WRAPPED_LOSS = {module: 'keras.losses', class_name: 'LossFunctionWrapper', config: {name: 'loss_function_wrapper', reduction: 'sum_over_batch_size', fn: K3_FN_LOSS}, registered_name: null};
const TF2_CLASS_LOSS = {class_name: 'SparseCategoricalCrossentropy', config: {reduction: 'auto', name: 'sparse_categorical_crossentropy', from_logits: false, ignore_class: null}};
const TF2_CCE_LOSS = {class_name: 'CategoricalCrossentropy', config: {reduction: 'auto', name: 'categorical_crossentropy', from_logits: false, label_smoothing: 0.0, axis: -1}};

const TF2_ACC_METRIC = {class_name: 'MeanMetricWrapper', config: {name: 'accuracy', dtype: 'float32', fn: 'sparse_categorical_accuracy'}};
const TF2_BIN_ACC_METRIC = {class_name: 'MeanMetricWrapper', config: {name: 'accuracy', dtype: 'float32', fn: 'binary_accuracy'}};
const TF2_CLASS_METRIC = {class_name: 'SparseCategoricalAccuracy', config: {name: 'sparse_categorical_accuracy', dtype: 'float32'}};
const K3_CLASS_METRIC = {module: 'keras.metrics', class_name: 'SparseCategoricalAccuracy', config: {name: 'sparse_categorical_accuracy', dtype: 'float32'}, registered_name: null};
const K3_POLICY_METRIC = {
  module: 'keras.metrics', class_name: 'SparseCategoricalAccuracy', registered_name: null,
  config: {name: 'acc', dtype: {module: 'keras', class_name: 'DTypePolicy', config: {name: 'mixed_float16'}, registered_name: null}},
};
const K3_WRAPPER_METRIC = {module: 'keras.metrics', class_name: 'MeanMetricWrapper', config: {name: 'mean_metric_wrapper', dtype: 'float32', fn: {module: 'keras.metrics', class_name: 'function', config: 'sparse_categorical_accuracy', registered_name: 'sparse_categorical_accuracy'}}, registered_name: null};
const TF2_MAE_METRIC = {class_name: 'MeanMetricWrapper', config: {name: 'mae', dtype: 'float32', fn: 'mean_absolute_error'}};
const TF2_XENT_METRIC = {class_name: 'MeanMetricWrapper', config: {name: 'sparse_categorical_crossentropy', dtype: 'float32', fn: 'sparse_categorical_crossentropy', from_logits: false}};

/** The training configs each Keras version writes into an `.h5`, and compile configs into a `.keras`. */
const K3_COMPILE = (o: object = {}) => ({optimizer: K3_ADAM, loss: 'sparse_categorical_crossentropy', loss_weights: null, metrics: ['accuracy'], weighted_metrics: null, run_eagerly: false, steps_per_execution: 1, jit_compile: false, ...o});
const TF215_TRAINING = (o: object = {}) => ({loss: 'sparse_categorical_crossentropy', metrics: [[TF2_ACC_METRIC]], weighted_metrics: null, loss_weights: null, optimizer_config: TF215_ADAM, ...o});
const K22_TRAINING = (o: object = {}) => ({optimizer_config: K2_ADAM, loss: 'sparse_categorical_crossentropy', metrics: ['acc'], sample_weight_mode: null, loss_weights: null, ...o});

// --- unit: every form resolves -----------------------------------------------------------------------

function args(raw: object, outputNames?: string[]) {
  return compileArgsFromConfig(configToCamel(JSON.parse(JSON.stringify(raw))), {outputNames});
}

describe('compileArgsFromConfig: every form', () => {
  const optimizerForms: [string, object, string, number][] = [
    ['Keras 3 Adam', K3_ADAM, 'Adam', 0.001],
    ['tf.keras 2.15 Custom>Adam', TF215_ADAM, 'Adam', 0.001],
    ['tf.keras 2.x RMSprop (decay)', TF2_RMSPROP, 'RMSprop', 0.001],
    ['Keras 2.2 SGD (lr, decay)', K2_SGD, 'SGD', 0.01],
    ['Keras 2.2 Adam (lr)', K2_ADAM, 'Adam', 0.001],
    ['tf.keras 2.15 LossScaleOptimizerV3', TF215_LOSS_SCALE, 'Adam', 0.001],
    ['Keras 3 LossScaleOptimizer', K3_LOSS_SCALE, 'Adam', 0.001],
    ['the string "rmsprop"', 'rmsprop' as unknown as object, 'RMSprop', 0.001],
  ];
  for (const [what, form, cls, lr] of optimizerForms) {
    test(`optimizer: ${what}`, () => {
      const {args: a, skipped} = args({optimizer: form, loss: 'mse'});
      assert.deepEqual(skipped, []);
      const opt = a['optimizer'] as Optimizer;
      assert.ok(opt instanceof Optimizer);
      assert.equal(opt.className, cls);
      assert.ok(Math.abs(Number(opt.learningRate) - lr) < 1e-6, `learning rate ${opt.learningRate}`);
    });
  }
  test('optimizer: learning-rate schedules (tf.keras and Keras 3)', () => {
    for (const form of [TF2_SGD_SCHEDULE, K3_SGD_SCHEDULE]) {
      const {args: a, skipped} = args({optimizer_config: form, loss: 'mse'});
      assert.deepEqual(skipped, []);
      const opt = a['optimizer'] as Optimizer & {learningRateSchedule?: unknown};
      assert.equal(opt.className, 'SGD');
      assert.equal((opt as unknown as {nesterov: boolean}).nesterov, true);
    }
  });

  const lossForms: [string, unknown][] = [
    ['string', 'sparse_categorical_crossentropy'],
    ['Keras 2 alias kullback_leibler_divergence', 'kullback_leibler_divergence'],
    ['builtins function', BUILTINS_FN_LOSS],
    ['keras.losses function', K3_FN_LOSS],
    ['Keras 3 class', K3_CLASS_LOSS],
    ['Keras 3 LossFunctionWrapper with fn', K3_WRAPPED_LOSS],
    ['tf.keras class, reduction auto', TF2_CLASS_LOSS],
    ['tf.keras CategoricalCrossentropy (label_smoothing, axis)', TF2_CCE_LOSS],
  ];
  for (const [what, form] of lossForms) {
    test(`loss: ${what}`, () => {
      const {args: a, skipped} = args({optimizer: 'adam', loss: form});
      assert.deepEqual(skipped, []);
      const l = a['loss'];
      assert.ok(typeof l === 'string' || l instanceof Loss, `loss resolved to ${String(l)}`);
      assert.doesNotThrow(() => keras.losses.get(l as string));
    });
  }
  test('loss: per output (list and dict) with loss_weights', () => {
    const list = args({optimizer: 'adam', loss: ['mse', TF2_CLASS_LOSS], loss_weights: [1.0, 0.5]});
    assert.deepEqual(list.skipped, []);
    assert.equal((list.args['loss'] as unknown[]).length, 2);
    assert.deepEqual(list.args['lossWeights'], [1.0, 0.5]);
    const dict = args({optimizer: 'adam', loss: {out_a: 'mse', out_b: K3_FN_LOSS}, loss_weights: {out_a: 1.0, out_b: 0.2}});
    assert.deepEqual(dict.skipped, []);
    assert.deepEqual(Object.keys(dict.args['loss'] as object), ['out_a', 'out_b']);
    assert.deepEqual(dict.args['lossWeights'], {out_a: 1.0, out_b: 0.2});
  });

  const metricForms: [string, unknown, string][] = [
    ['"accuracy"', 'accuracy', 'accuracy'],
    ['Keras 2 "acc"', 'acc', 'acc'],
    ['a metric name', 'sparse_categorical_accuracy', 'sparse_categorical_accuracy'],
    ['a loss name used as metric', 'mean_absolute_error', 'mean_absolute_error'],
    ['tf.keras MeanMetricWrapper fn', TF2_ACC_METRIC, 'accuracy'],
    ['tf.keras MeanMetricWrapper (loss fn, kwargs)', TF2_XENT_METRIC, 'sparse_categorical_crossentropy'],
    ['tf.keras MeanMetricWrapper mae', TF2_MAE_METRIC, 'mae'],
    ['tf.keras class', TF2_CLASS_METRIC, 'sparse_categorical_accuracy'],
    ['Keras 3 class', K3_CLASS_METRIC, 'sparse_categorical_accuracy'],
    ['Keras 3 class with a dtype policy', K3_POLICY_METRIC, 'acc'],
    ['Keras 3 MeanMetricWrapper with fn object', K3_WRAPPER_METRIC, 'mean_metric_wrapper'],
  ];
  for (const [what, form, name] of metricForms) {
    test(`metric: ${what}`, () => {
      const {args: a, skipped} = args({optimizer: 'adam', loss: 'mse', metrics: [form], weighted_metrics: [form]});
      assert.deepEqual(skipped, []);
      for (const key of ['metrics', 'weightedMetrics']) {
        const m = (a[key] as unknown[])[0];
        assert.equal(typeof m === 'string' ? m : (m as Metric).name, name);
        if (typeof m !== 'string') assert.ok(m instanceof Metric);
      }
    });
  }
  test('metrics: tf.keras per-output nesting ([[...]] for one output; dict per output)', () => {
    const one = args({optimizer_config: TF215_ADAM, loss: 'mse', metrics: [[TF2_ACC_METRIC, TF2_MAE_METRIC]]}, ['dense']);
    assert.deepEqual(one.skipped, []);
    assert.deepEqual((one.args['metrics'] as Metric[]).map((m) => m.name), ['accuracy', 'mae']);
    const two = args({optimizer_config: TF215_ADAM, loss: {a: 'mse', b: 'mse'}, metrics: {a: [TF2_MAE_METRIC], b: [TF2_BIN_ACC_METRIC]}}, ['a', 'b']);
    assert.deepEqual(two.skipped, []);
    assert.deepEqual(Object.keys(two.args['metrics'] as object), ['a', 'b']);
  });
  test('what is not understood is named', () => {
    const {skipped} = args({
      optimizer_config: {class_name: 'Custom>Shampoo', config: {learning_rate: 0.1}},
      loss: {module: null, class_name: 'function', config: 'my_loss', registered_name: 'Custom>my_loss'},
      metrics: [{class_name: 'MeanIoU', config: {name: 'mean_io_u', num_classes: 3}}],
    });
    assert.equal(skipped.length, 3);
    assert.match(skipped[0]!, /optimizer: .*Shampoo/);
    assert.match(skipped[1]!, /loss: unknown loss "my_loss"/);
    assert.match(skipped[2]!, /metric: .*MeanIoU/);
  });
  test('a custom loss given in customObjects is used', () => {
    const myLoss = (yTrue: unknown, yPred: unknown) => keras.losses.meanSquaredError(yTrue as never, yPred as never);
    const r = compileArgsFromConfig(configToCamel({optimizer: 'adam', loss: {module: null, class_name: 'function', config: 'my_loss', registered_name: 'Custom>my_loss'}}), {customObjects: {my_loss: myLoss}});
    assert.deepEqual(r.skipped, []);
    assert.equal(r.args['loss'], myLoss);
  });
});

// --- end to end: the forms inside real files -----------------------------------------------------------

const x = tensor(Float32Array.from({length: 32}, (_, i) => Math.sin(i)), [8, 4]);
const y = tensor(Int32Array.from({length: 8}, (_, i) => i % 3), [8], 'int32');

async function saved(format: 'keras' | 'h5'): Promise<string> {
  const model = new keras.models.Sequential([new keras.layers.Dense(3, {inputShape: [4], activation: 'softmax'})]) as unknown as M;
  model.compile({optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy']});
  const p = join(dir, `base.${format}`);
  await model.save(p);
  return p;
}

/** A copy of a `.keras` file with `compile_config` replaced. */
async function withCompileConfig(cc: object, name: string): Promise<string> {
  const src = await saved('keras');
  const zip = readZip(readFileSync(src), {source: src});
  const members = zip.entries.map((e) => ({name: e.name, data: zip.read(e)}));
  const cfg = members.find((m) => m.name === 'config.json')!;
  const json = JSON.parse(new TextDecoder().decode(cfg.data));
  json.compile_config = cc;
  cfg.data = new TextEncoder().encode(JSON.stringify(json));
  const out = join(dir, name);
  writeFileSync(out, writeZip(members));
  return out;
}

/** A copy of an `.h5` file with `training_config` replaced. */
async function withTrainingConfig(tc: object, name: string): Promise<string> {
  const tree = await readH5File(await saved('h5'));
  tree.attrs['training_config'] = JSON.stringify(tc);
  const out = join(dir, name);
  await writeH5File(out, tree);
  return out;
}

async function loadsCompiled(path: string, optimizer: string, metricNames: string[]): Promise<void> {
  warnings.length = 0;
  const model = (await loadModel(path)) as M;
  assert.deepEqual(warnings, []);
  assert.equal(model.optimizer?.className, optimizer);
  const r = (await model.evaluate(x, y, {verbose: 0})) as number[];
  assert.ok(Number.isFinite(r[0]!), `loss ${r[0]}`);
  assert.deepEqual(model.metricsNames, ['loss', ...metricNames]);
}

describe('compile configs in files', () => {
  test('.keras: the builtins-function loss (the form Keras 3 writes for a plain function)', async () => {
    await loadsCompiled(await withCompileConfig(K3_COMPILE({loss: BUILTINS_FN_LOSS}), 'builtins.keras'), 'Adam', ['accuracy']);
  });
  test('.keras: Keras 3 classes, MeanMetricWrapper with fn object, LossScaleOptimizer', async () => {
    await loadsCompiled(await withCompileConfig(K3_COMPILE({optimizer: K3_LOSS_SCALE, loss: K3_CLASS_LOSS, metrics: [K3_WRAPPER_METRIC]}), 'k3classes.keras'), 'Adam', ['mean_metric_wrapper']);
  });
  test('.h5: tf.keras 2.15 (Custom>Adam, MeanMetricWrapper per output)', async () => {
    await loadsCompiled(await withTrainingConfig(TF215_TRAINING(), 'tf215.h5'), 'Adam', ['accuracy']);
  });
  test('.h5: Keras 2.2 (lr, decay, "acc")', async () => {
    await loadsCompiled(await withTrainingConfig(K22_TRAINING(), 'k22.h5'), 'Adam', ['acc']);
  });
  test('.h5: tf.keras class loss and metric, weighted_metrics', async () => {
    await loadsCompiled(await withTrainingConfig(TF215_TRAINING({loss: TF2_CLASS_LOSS, metrics: [[TF2_CLASS_METRIC]], weighted_metrics: [[TF2_ACC_METRIC]], optimizer_config: TF2_RMSPROP}), 'tf2cls.h5'), 'RMSprop', ['sparse_categorical_accuracy', 'accuracy']);
  });
  test('an unknown form loads uncompiled, with one warning naming it', async () => {
    for (const p of [
      await withCompileConfig(K3_COMPILE({loss: {module: null, class_name: 'function', config: 'my_loss', registered_name: 'Custom>my_loss'}}), 'unknown.keras'),
      await withTrainingConfig(TF215_TRAINING({optimizer_config: {class_name: 'Custom>Shampoo', config: {learning_rate: 0.1}}}), 'unknown.h5'),
    ]) {
      warnings.length = 0;
      const model = (await loadModel(p)) as M;
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0]!, /(my_loss|Shampoo).*was \*not\* compiled/);
      assert.equal(model.optimizer ?? null, null);
      // the weights loaded: the model predicts
      const out = await (model as unknown as {predict(x: Tensor, a: object): Promise<Tensor>}).predict(x, {verbose: 0});
      assert.deepEqual(out.shape, [8, 3]);
    }
  });
  test('compile: false skips the compile configuration (no warning)', async () => {
    const p = await withTrainingConfig(TF215_TRAINING({optimizer_config: {class_name: 'Custom>Shampoo', config: {}}}), 'nocompile.h5');
    warnings.length = 0;
    const model = (await loadModel(p, {compile: false})) as M;
    assert.deepEqual(warnings, []);
    assert.equal(model.optimizer ?? null, null);
  });
});
