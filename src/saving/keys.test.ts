import {test} from 'node:test';
import assert from 'node:assert/strict';
import {configToCamel, configToSnake, toCamelKey, toSnakeKey} from './keys.js';
import {readEnvelope} from './config.js';

test('keys convert both ways; values never change', () => {
  for (const [snake, camel] of [['batch_input_shape', 'batchInputShape'], ['beta_1', 'beta1'], ['beta_2_decay', 'beta2Decay'], ['l1', 'l1'],
    ['l1_regularization_strength', 'l1RegularizationStrength'], ['class_name', 'className'], ['keras_history', 'kerasHistory'], ['_private', '_private']]) {
    assert.equal(toCamelKey(snake!), camel);
    assert.equal(toSnakeKey(camel!), snake);
  }
  const disk = {class_name: 'LSTM', config: {recurrent_activation: 'hard_sigmoid', name: 'lstm_cell_kernel', kernel_initializer: {class_name: 'GlorotUniform', config: {seed: null}}}};
  const mem = configToCamel(disk);
  assert.deepEqual(mem, {className: 'LSTM', config: {recurrentActivation: 'hard_sigmoid', name: 'lstm_cell_kernel', kernelInitializer: {className: 'GlorotUniform', config: {seed: null}}}});
  assert.deepEqual(configToSnake(mem), disk);
});

test('dicts keyed by user names keep their keys (losses per output), envelopes inside them convert', () => {
  const cc = {loss: {dense_1: 'mse', out_b: {class_name: 'Huber', config: {reduction: 'sum_over_batch_size'}}}, loss_weights: {dense_1: 0.5}};
  assert.deepEqual(configToCamel(cc), {loss: {dense_1: 'mse', out_b: {className: 'Huber', config: {reduction: 'sum_over_batch_size'}}}, lossWeights: {dense_1: 0.5}});
});

test('dialects: Keras 2.0 list-form Sequential, Keras 2 Model, dtype policies, shared object ids', () => {
  const k2 = readEnvelope({class_name: 'Sequential', config: [{class_name: 'Dense', config: {units: 2, batch_input_shape: [null, 3]}}]}, 't');
  assert.deepEqual(k2, {className: 'Sequential', config: {name: 'sequential', layers: [{className: 'Dense', config: {units: 2, batchInputShape: [null, 3]}}]}});
  const fn = readEnvelope({class_name: 'Model', config: {name: 'm', layers: [], input_layers: [['in', 0, 0]], output_layers: []}}, 't');
  assert.equal(fn.className, 'Functional');
  const k3 = readEnvelope({module: 'keras.layers', class_name: 'Dense', config: {dtype: {module: 'keras', class_name: 'DTypePolicy', config: {name: 'float32'}, registered_name: null, shared_object_id: 1}}, registered_name: null}, 't');
  assert.deepEqual(k3.config, {dtype: 'float32'});
  assert.throws(() => readEnvelope([1, 2], 'file.keras'), /file\.keras: the model config must be an object/);
});
