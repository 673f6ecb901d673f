/**
 * Functional configs in Keras 3's structure (round trip, shared layers, nested models), reading
 * Keras 2's inbound-node form, and cloneModel.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {Dense} from '../src/layers/core/dense.js';
import type {KerasTensor} from '../src/layers/keras_tensor.js';
import {Add, concatenate} from '../src/layers/merging/index.js';
import {Dropout} from '../src/layers/regularization/dropout.js';
import {Input} from '../src/layers/symbolic_call.js';
import {cloneModel} from '../src/models/clone.js';
import {Functional} from '../src/models/functional.js';
import {modelFromConfig} from '../src/models/index.js';
import {configToCamel} from '../src/saving/keys.js';
import {Model} from '../src/models/model.js';
import {assertClose} from '../src/testing/gradcheck.js';
import {Tensor, tensor} from '../src/tensor/tensor.js';

function twoHeaded(): Functional {
  const a = Input({shape: [4], name: 'in_a'});
  const b = Input({shape: [2], name: 'in_b'});
  const shared = new Dense(4, {name: 'shared_d'});
  const h = concatenate([shared.apply(a), shared.apply(new Dense(4, {name: 'lift'}).apply(b))], {name: 'cat'});
  const d = new Dropout(0.3, {name: 'drop'}).apply(h, {training: false});
  const o1 = new Dense(3, {activation: 'softmax', name: 'cls'}).apply(d);
  const o2 = new Dense(1, {name: 'reg'}).apply(h);
  return new Model({inputs: [a, b], outputs: [o1, o2], name: 'two_headed'}) as Functional;
}

test('getConfig has Keras 3\'s structure (layers, inbound_nodes with __keras_tensor__, input/output layers)', () => {
  const m = twoHeaded();
  const c = m.getConfig();
  assert.equal(c['name'], 'two_headed');
  assert.equal(c['trainable'], true);
  assert.deepEqual(c['inputLayers'], [['in_a', 0, 0], ['in_b', 0, 0]]);
  assert.deepEqual(c['outputLayers'], [['cls', 0, 0], ['reg', 0, 0]]);
  const layers = c['layers'] as Record<string, unknown>[];
  assert.deepEqual(layers.map((l) => l['name']), ['in_b', 'in_a', 'lift', 'shared_d', 'cat', 'drop', 'cls', 'reg']);
  const input = layers[0]!;
  assert.equal(input['className'], 'InputLayer');
  assert.equal(input['module'], 'keras.layers');
  assert.deepEqual(input['inboundNodes'], []);
  assert.deepEqual((input['config'] as Record<string, unknown>)['batchShape'], [null, 2]);
  const shared = layers.find((l) => l['name'] === 'shared_d')!;
  assert.equal(shared['className'], 'Dense');
  assert.deepEqual(shared['buildConfig'], {inputShape: [null, 4]});
  const kt = (name: string, node: number, shape: (number | null)[]) => ({className: '__keras_tensor__', config: {shape, dtype: 'float32', kerasHistory: [name, node, 0]}});
  // a shared layer: two inbound nodes
  assert.deepEqual(shared['inboundNodes'], [
    {args: [kt('in_a', 0, [null, 4])], kwargs: {}},
    {args: [kt('lift', 0, [null, 4])], kwargs: {}},
  ]);
  const cat = layers.find((l) => l['name'] === 'cat')!;
  assert.deepEqual(cat['inboundNodes'], [{args: [[kt('shared_d', 0, [null, 4]), kt('shared_d', 1, [null, 4])]], kwargs: {}}]);
  assert.deepEqual((layers.find((l) => l['name'] === 'drop')!['inboundNodes'] as unknown[])[0], {args: [kt('cat', 0, [null, 8])], kwargs: {training: false}});
  // plain JSON
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(c)));
});

test('fromConfig rebuilds the same graph; with the same weights it computes the same outputs', () => {
  const m = twoHeaded();
  const c = JSON.parse(JSON.stringify(m.getConfig())) as Record<string, unknown>;
  const r = Functional.fromConfig(c);
  assert.deepEqual(r.layers.map((l) => l.name), m.layers.map((l) => l.name));
  assert.equal(r.getLayer('shared_d').inboundNodes.length, 2);
  r.setWeights(m.getWeights());
  const a = tensor([[1, 2, 3, 4], [0, -1, 0, 1]]), b = tensor([[0.5, -0.5], [1, 1]]);
  const [y1, y2] = m.apply([a, b]) as Tensor[];
  const [z1, z2] = r.apply([a, b]) as Tensor[];
  assertClose(z1!, y1!);
  assertClose(z2!, y2!);
  // through the generic entry, with the outer {className, config}
  const r2 = modelFromConfig({className: 'Functional', config: c}) as Functional;
  assert.equal(r2.name, 'two_headed');
});

test('nested models: config round trip (output_layers count the nested model\'s own node)', () => {
  const x = Input({shape: [3], name: 'enc_in'});
  const enc = new Model({inputs: x, outputs: new Dense(2, {name: 'enc_d'}).apply(x), name: 'enc'}) as Functional;
  const p = Input({shape: [3], name: 'p'});
  const q = Input({shape: [3], name: 'q'});
  const s = new Add({name: 'plus'}).apply([enc.apply(p), enc.apply(q)]);
  const m = new Model({inputs: [p, q], outputs: [s, enc.apply(p) as KerasTensor]}) as Functional;
  const c = JSON.parse(JSON.stringify(m.getConfig())) as Record<string, unknown>;
  // Keras writes the nested model's call indices starting at 1 in output_layers
  assert.deepEqual(c['outputLayers'], [['plus', 0, 0], ['enc', 3, 0]]);
  const nested = (c['layers'] as Record<string, unknown>[]).find((l) => l['name'] === 'enc')!;
  assert.equal(nested['className'], 'Functional');
  assert.equal((nested['inboundNodes'] as unknown[]).length, 3);
  const r = Functional.fromConfig(c);
  r.setWeights(m.getWeights());
  const pv = tensor([[1, 2, 3]]), qv = tensor([[0, 1, 0]]);
  const [a1, a2] = m.apply([pv, qv]) as Tensor[];
  const [b1, b2] = r.apply([pv, qv]) as Tensor[];
  assertClose(b1!, a1!);
  assertClose(b2!, a2!);
});

test('Keras 2 configs: inbound_nodes as [[[name, node, tensor, kwargs]]], snake_case keys', () => {
  const k2 = {
    class_name: 'Model',
    config: {
      name: 'k2',
      layers: [
        {name: 'x', class_name: 'InputLayer', config: {batch_input_shape: [null, 3], dtype: 'float32', sparse: false, name: 'x'}, inbound_nodes: []},
        {name: 'd', class_name: 'Dense', config: {name: 'd', trainable: true, units: 2, activation: 'relu', use_bias: true, kernel_initializer: {class_name: 'GlorotUniform', config: {seed: null}}, bias_initializer: {class_name: 'Zeros', config: {}}}, inbound_nodes: [[['x', 0, 0, {}]]]},
        {name: 'add_1', class_name: 'Add', config: {name: 'add_1', trainable: true}, inbound_nodes: [[['d', 0, 0, {}], ['d', 0, 0, {}]]]},
      ],
      input_layers: [['x', 0, 0]],
      output_layers: [['add_1', 0, 0]],
    },
  };
  const m = modelFromConfig(k2) as Functional;
  assert.deepEqual(m.layers.map((l) => `${l.name}:${l.className}`), ['x:InputLayer', 'd:Dense', 'add_1:Add']);
  const d = m.getLayer('d') as Dense;
  assert.equal(d.useBias, true);
  d.setWeights([tensor([[1, 0], [0, 1], [1, 1]]), tensor([0, -10])]);
  assert.deepEqual((m.apply(tensor([[1, 2, 3]])) as Tensor).arraySync(), [[8, 0]]);
  // keys only: names in values and in output_layers stay as written
  assert.deepEqual(configToCamel({output_layers: {out_a: ['out_a', 0, 0]}, batch_input_shape: 'keep_me'}), {outputLayers: {out_a: ['out_a', 0, 0]}, batchInputShape: 'keep_me'});
  assert.throws(() => modelFromConfig({class_name: 'Model', config: {...k2.config, layers: [...k2.config.layers, {name: 'z', class_name: 'NoSuchLayer', config: {}, inbound_nodes: []}]}}), /Unknown layer: 'NoSuchLayer'/);
});

test('cloneModel: same architecture, new weights; shared layers stay shared', () => {
  const m = twoHeaded();
  const c = cloneModel(m) as Functional;
  assert.ok(c instanceof Functional);
  assert.notEqual(c, m);
  assert.deepEqual(c.layers.map((l) => l.name), m.layers.map((l) => l.name));
  assert.notEqual(c.getLayer('shared_d'), m.getLayer('shared_d'));
  assert.equal(c.getLayer('shared_d').inboundNodes.length, 2);
  assert.equal(c.weights.length, m.weights.length);
  assert.ok(c.weights.every((w, i) => w !== m.weights[i]));
  c.setWeights(m.getWeights());
  const a = tensor([[1, 2, 3, 4]]), b = tensor([[0.5, -0.5]]);
  assertClose((c.apply([a, b]) as Tensor[])[1]!, (m.apply([a, b]) as Tensor[])[1]!);
  // reuse the layers instead
  const same = cloneModel(m, {cloneFunction: (l) => l}) as Functional;
  assert.equal(same.getLayer('cls'), m.getLayer('cls'));
});
