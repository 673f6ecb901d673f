// Sequential.fromConfig / modelFromConfig / modelFromJson: custom classes come from customObjects
// (by class name or registered name) or the registry, at any depth; one implementation for configs
// in memory and from files.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {Dense, Flatten, Layer, type LayerArgs} from '../layers/index.js';
import type {ShapeLike} from '../layers/layer.js';
import * as ops from '../ops/index.js';
import {registerKerasSerializable} from '../serialization.js';
import {tensor, type Tensor} from '../tensor/tensor.js';
import {modelFromConfig, modelFromJson} from './index.js';
import {Sequential} from './sequential.js';

/** Not registered: only customObjects can rebuild it. */
class TimesK extends Layer {
  static override readonly className: string = 'TimesK';
  readonly k: number;
  constructor(args: LayerArgs & {k?: number} = {}) {
    const {k = 2, ...rest} = args;
    super(rest);
    this.k = k;
  }
  override call(x: Tensor): Tensor {
    return ops.multiply(x, this.k);
  }
  override computeOutputShape(s: ShapeLike): ShapeLike {
    return s;
  }
  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), k: this.k};
  }
}

/** Registered under a package: found without customObjects. */
class PlusOne extends Layer {
  static override readonly className: string = 'PlusOne';
  override call(x: Tensor): Tensor {
    return ops.add(x, 1);
  }
  override computeOutputShape(s: ShapeLike): ShapeLike {
    return s;
  }
}
registerKerasSerializable(PlusOne, {pkg: 'my_pkg'});

function model(): Sequential {
  const inner = new Sequential([new TimesK({k: 3, name: 'times3'}), new PlusOne({name: 'plus'})], {name: 'inner'});
  return new Sequential([new Dense(2, {inputShape: [3], name: 'd'}), inner, new Flatten({name: 'flat'})], {name: 'outer'});
}

const x = tensor([[1, 2, 3], [0, -1, 0.5]]);

test('Sequential.fromConfig: custom layers from customObjects (nested too), registered ones from the registry', () => {
  const m = model();
  const config = JSON.parse(JSON.stringify(m.getConfig())) as Record<string, unknown>;
  // the entries are Keras's serialized layers, with the build configs of built layers
  const entries = config['layers'] as Record<string, unknown>[];
  assert.deepEqual(entries.map((e) => e['className']), ['Dense', 'Sequential', 'Flatten']);
  assert.deepEqual(entries[0]!['buildConfig'], {inputShape: [null, 3]});
  assert.deepEqual(entries[2]!['buildConfig'], {inputShape: [null, 2]});
  assert.equal(entries[0]!['registeredName'], null);
  assert.deepEqual(config['buildInputShape'], [null, 3]);

  assert.throws(() => Sequential.fromConfig(config), /Unknown layer: 'TimesK'/);
  const r = Sequential.fromConfig(config, {TimesK});
  assert.equal(r.name, 'outer');
  assert.ok(r.built);
  const inner = r.getLayer('inner') as Sequential;
  assert.ok(inner.layers[0] instanceof TimesK);
  assert.equal((inner.layers[0] as TimesK).k, 3);
  assert.ok(inner.layers[1] instanceof PlusOne);
  r.setWeights(m.getWeights());
  assert.deepEqual((r.apply(x) as Tensor).arraySync(), (m.apply(x) as Tensor).arraySync());
});

test('customObjects by registered name; a class given there wins over the registry', () => {
  const config = JSON.parse(JSON.stringify(model().getConfig())) as Record<string, unknown>;
  const inner = (config['layers'] as Record<string, unknown>[])[1]!['config'] as Record<string, unknown>;
  const entries = inner['layers'] as Record<string, unknown>[];
  // an entry known only by its registered name
  entries[0] = {...entries[0], className: 'Renamed', registeredName: 'my_pkg>TimesK'};
  assert.throws(() => Sequential.fromConfig(config, {TimesK}), /Unknown layer: 'Renamed' \(registered name 'my_pkg>TimesK'\)/);
  const r = Sequential.fromConfig(config, {'my_pkg>TimesK': TimesK});
  assert.ok((r.getLayer('inner') as Sequential).layers[0] instanceof TimesK);
  class PlusTwo extends PlusOne {
    override call(x: Tensor): Tensor {
      return ops.add(x, 2);
    }
  }
  const r2 = Sequential.fromConfig(config, {'my_pkg>TimesK': TimesK, PlusOne: PlusTwo});
  assert.ok((r2.getLayer('inner') as Sequential).layers[1] instanceof PlusTwo);
  assert.throws(() => Sequential.fromConfig({name: 's', layers: [42]}), /Cannot deserialize a layer: expected an object with `className`/);
});

test('modelFromConfig and modelFromJson (keras.models) take the same customObjects, in memory and from JSON', () => {
  const m = model();
  const r1 = modelFromConfig({className: 'Sequential', config: m.getConfig()}, {customObjects: {TimesK}}) as unknown as Sequential;
  assert.deepEqual(r1.layers.map((l) => l.name), ['d', 'inner', 'flat']);
  const r2 = modelFromJson(m.toJson(), {customObjects: {TimesK}}) as unknown as Sequential;
  assert.deepEqual(r2.layers.map((l) => l.name), ['d', 'inner', 'flat']);
  r2.setWeights(m.getWeights());
  assert.deepEqual((r2.apply(x) as Tensor).arraySync(), (m.apply(x) as Tensor).arraySync());
  assert.throws(() => modelFromJson(m.toJson()), /Unknown layer: 'TimesK'/);
  // JSON.stringify(model) gives toJson()'s text (toJSON returns the object, not a string to encode again)
  assert.equal(JSON.stringify(m), m.toJson());
  // JSON with snake_case keys and a dtype policy, as Keras 3 writes it
  const k3 = {class_name: 'Sequential', config: {name: 's', layers: [
    {module: 'keras.layers', class_name: 'InputLayer', config: {batch_shape: [null, 3], dtype: 'float32', name: 'in'}, registered_name: null},
    {module: 'keras.layers', class_name: 'Dense', config: {name: 'dd', units: 4, use_bias: false, dtype: {module: 'keras', class_name: 'DTypePolicy', config: {name: 'float32'}, registered_name: null}}, registered_name: null, build_config: {input_shape: [null, 3]}},
  ]}};
  const r3 = modelFromConfig(k3) as unknown as Sequential;
  assert.equal((r3.layers[0] as Dense).useBias, false);
  assert.deepEqual(r3.outputShape, [null, 4]);
});
