import assert from 'node:assert/strict';
import {test} from 'node:test';
import {Dense} from '../src/layers/core/dense.js';
import {KerasTensor} from '../src/layers/keras_tensor.js';
import {Add, Concatenate, add, concatenate} from '../src/layers/merging/index.js';
import {Input} from '../src/layers/symbolic_call.js';
import {Functional} from '../src/models/functional.js';
import {Model} from '../src/models/model.js';
import * as ops from '../src/ops/index.js';
import {assertClose} from '../src/testing/gradcheck.js';
import {tensor} from '../src/tensor/tensor.js';

test('Input and a symbolic layer call record a node with history', () => {
  const x = Input({shape: [4], name: 'x_in'});
  assert.ok(x instanceof KerasTensor);
  assert.deepEqual(x.shape, [null, 4]);
  const d = new Dense(3, {name: 'd1'});
  const y = d.apply(x) as KerasTensor;
  assert.deepEqual(y.shape, [null, 3]);
  assert.equal(y.keras!.layer, d);
  assert.equal(y.keras!.nodeIndex, 0);
  assert.equal(d.inboundNodes.length, 1);
  assert.deepEqual(d.inboundNodes[0]!.inputTensors, [x]);
  assert.equal(x.keras!.layer.name, 'x_in');
  assert.equal(d.built, true);
  assert.deepEqual(d.kernel.shape, [4, 3]);
  assert.equal(d.output, y);
  assert.equal(d.input, x);
});

test('new Model({inputs, outputs}) is a Functional that computes like the layers it holds', () => {
  const x = Input({shape: [4], name: 'in'});
  const d1 = new Dense(5, {activation: 'relu', name: 'h'});
  const d2 = new Dense(2, {name: 'out'});
  const m = new Model({inputs: x, outputs: d2.apply(d1.apply(x))});
  assert.ok(m instanceof Functional);
  assert.ok(m instanceof Model);
  assert.match(m.name, /^functional/);
  const f = m as Functional;
  assert.deepEqual(f.layers.map((l) => l.name), ['in', 'h', 'out']);
  assert.equal(f.getLayer('h'), d1);
  assert.equal(f.getLayer(2), d2);
  assert.throws(() => f.getLayer('nope'), /No such layer: nope/);
  assert.equal(f.weights.length, 4);
  const xv = tensor([[1, -2, 3, 0.5], [0, 1, 0, 1]]);
  const want = d2.apply(d1.apply(xv));
  assertClose(m.apply(xv), want);
  // a nested number array also works, and the output shape is known
  assertClose(m.apply(tensor([[1, -2, 3, 0.5]])), d2.apply(d1.apply(tensor([[1, -2, 3, 0.5]]))));
  assert.deepEqual(f.outputShape, [null, 2]);
  assert.deepEqual(f.outputNames, ['out']);
});

test('several inputs and outputs: arrays and objects by name', () => {
  const a = Input({shape: [3], name: 'a'});
  const b = Input({shape: [2], name: 'b'});
  const h = concatenate([a, b]);
  const o1 = new Dense(1, {name: 'o1'}).apply(h);
  const o2 = new Dense(4, {name: 'o2'}).apply(h);
  const m = new Model({inputs: [a, b], outputs: [o1, o2]}) as Functional;
  const av = tensor([[1, 2, 3]]), bv = tensor([[4, 5]]);
  const [y1, y2] = m.apply([av, bv]);
  assert.deepEqual(y1.shape, [1, 1]);
  assert.deepEqual(y2.shape, [1, 4]);
  const [z1, z2] = m.apply({b: bv, a: av});
  assertClose(z1, y1);
  assertClose(z2, y2);
  // outputs as an object
  const m2 = new Model({inputs: {a, b}, outputs: {first: o1, second: o2}}) as Functional;
  const r = m2.apply({a: av, b: bv}) as Record<string, ReturnType<typeof tensor>>;
  assertClose(r['first']!, y1);
  assertClose(r['second']!, y2);
  assert.throws(() => m.apply([av]), /expects 2 input\(s\), but it received 1/);
  assert.throws(() => m.apply([tensor([[1, 2]]), bv]), /Input 0 of layer ".*" is incompatible with the layer: expected shape=\[null, 3\], found shape=\[1, 2\]/);
});

test('bad graphs: disconnected input, duplicate names, incompatible shapes', () => {
  const a = Input({shape: [3], name: 'in_a'});
  const b = Input({shape: [3], name: 'in_b'});
  const s = add([a, b]);
  const y = new Dense(2, {name: 'head'}).apply(s);
  assert.throws(
    () => new Model({inputs: a, outputs: y}),
    (e: Error) => /^Graph disconnected: cannot find parent for tensor <KerasTensor shape=\[null, 3\], dtype=float32, name=in_b>/.test(e.message) && /Input layer "in_b"/.test(e.message) && /at layer "add/.test(e.message),
  );
  const x = Input({shape: [3], name: 'dup_in'});
  const z = new Dense(2, {name: 'same'}).apply(new Dense(3, {name: 'same'}).apply(x));
  assert.throws(() => new Model({inputs: x, outputs: z}), /The name "same" is used 2 times in the model. All layer names should be unique./);
  const d = new Dense(2, {name: 'dense_shape'});
  d.apply(Input({shape: [3]}));
  assert.throws(() => d.apply(Input({shape: [5]})), (e: Error) => /dense_shape/.test(e.message) && /expected axis -1 of input shape to have value 3/.test(e.message) && /\[null, 5\]/.test(e.message));
  assert.throws(() => new Add({name: 'add_bad'}).apply([Input({shape: [3]}), Input({shape: [4]})]), (e: Error) => /add_bad/.test(e.message) && /\(3,\) and \(4,\)/.test(e.message));
  assert.throws(() => new Model({inputs: a, outputs: tensor([1]) as never}), /All `outputs` values must be KerasTensors/);
});

test('shared layer: one weight set, several nodes; a nested model is a layer', () => {
  const shared = new Dense(3, {name: 'shared'});
  const a = Input({shape: [4], name: 'sa'});
  const b = Input({shape: [4], name: 'sb'});
  const ya = shared.apply(a);
  const yb = shared.apply(b);
  assert.equal(shared.inboundNodes.length, 2);
  assert.equal((yb as KerasTensor).keras!.nodeIndex, 1);
  const m = new Model({inputs: [a, b], outputs: new Add({name: 'sum'}).apply([ya, yb])}) as Functional;
  assert.equal(m.weights.length, 2);
  const av = tensor([[1, 2, 3, 4]]), bv = tensor([[0, 1, 0, 1]]);
  assertClose(m.apply([av, bv]), ops.add(shared.apply(av), shared.apply(bv)));
  // nest: inner model called on new symbolic inputs inside an outer model
  const inner = m;
  const p = Input({shape: [4], name: 'p'});
  const q = Input({shape: [4], name: 'q'});
  const r = inner.apply([p, q]) as KerasTensor;
  assert.deepEqual(r.shape, [null, 3]);
  const outer = new Model({inputs: [p, q], outputs: new Dense(1, {name: 'top'}).apply(r)}) as Functional;
  assert.deepEqual(outer.layers.map((l) => l.name), ['p', 'q', inner.name, 'top']);
  assert.equal(outer.weights.length, 4);
  const want = outer.getLayer('top').apply(inner.apply([av, bv]));
  assertClose(outer.apply([av, bv]), want);
});

test('feature extraction: a model from an inner layer output', () => {
  const x = Input({shape: [4], name: 'fx'});
  const h = new Dense(6, {name: 'feat'}).apply(x);
  const y = new Dense(2, {name: 'cls'}).apply(h);
  const m = new Model({inputs: x, outputs: y}) as Functional;
  const fe = new Model({inputs: m.inputs, outputs: m.getLayer('feat').output}) as Functional;
  const xv = tensor([[1, 2, 3, 4]]);
  assertClose(fe.apply(xv), m.getLayer('feat').apply(xv));
  assert.deepEqual(fe.layers.map((l) => l.name), ['fx', 'feat']);
  // a model can also start at an intermediate tensor
  const tail = new Model({inputs: h, outputs: y}) as Functional;
  const hv = tensor([[1, 0, 0, 1, 0, 2]]);
  assertClose(tail.apply(hv), m.getLayer('cls').apply(hv));
  // as Keras: a new Input stands for the intermediate tensor, and the config is self-contained
  assert.deepEqual(tail.layers.map((l) => l.name), ['feat_clone', 'cls']);
  assert.equal(tail.getLayer('cls'), m.getLayer('cls'));
  const again = Functional.fromConfig(JSON.parse(JSON.stringify(tail.getConfig())));
  again.setWeights(tail.getWeights());
  assertClose(again.apply(hv), tail.apply(hv));
});

test('layer order follows Keras (depth, then traversal order); Concatenate in a diamond', () => {
  const x = Input({shape: [2], name: 'i'});
  const left = new Dense(2, {name: 'left'}).apply(x);
  const right = new Dense(2, {name: 'right'}).apply(new Dense(2, {name: 'right_pre'}).apply(x));
  const c = new Concatenate({name: 'cat'}).apply([left, right]);
  const m = new Model({inputs: x, outputs: c}) as Functional;
  assert.deepEqual(m.layers.map((l) => l.name), ['i', 'right_pre', 'left', 'right', 'cat']);
});

test('masks: symbolic tensors record a mask; the graph carries it to mask-aware layers', async () => {
  const {Embedding} = await import('../src/layers/core/embedding.js');
  const {GlobalAveragePooling1D} = await import('../src/layers/pooling/global_average_pooling1d.js');
  const x = Input({shape: [4], dtype: 'int32', name: 'tokens'});
  const emb = new Embedding(10, 2, {maskZero: true, name: 'emb'});
  const e = emb.apply(x) as KerasTensor;
  assert.equal(x.hasMask, false);
  assert.equal(e.hasMask, true);
  assert.deepEqual(e.shape, [null, 4, 2]);
  const d = new Dense(2, {name: 'td'}).apply(e) as KerasTensor;
  assert.equal(d.hasMask, true, 'Dense passes the mask through');
  const pooled = new GlobalAveragePooling1D({name: 'gap'}).apply(d) as KerasTensor;
  assert.equal(pooled.hasMask, false, 'pooling consumes the mask');
  const m = new Model({inputs: x, outputs: pooled}) as Functional;
  // the masked mean over the 2 real tokens equals the mean over a sequence of just those tokens
  const full = m.apply(tensor([[3, 5, 0, 0]], undefined, 'int32')) as ReturnType<typeof tensor>;
  const dl = m.getLayer('td');
  const ev = emb.apply(tensor([[3, 5]], undefined, 'int32'));
  const want = ops.mean(dl.apply(ev), 1);
  assertClose(full, want, {rtol: 1e-5});
});

test('training flows into the graph: Dropout is active only with training=true', async () => {
  const {Dropout} = await import('../src/layers/regularization/dropout.js');
  const x = Input({shape: [1000], name: 'din'});
  const m = new Model({inputs: x, outputs: new Dropout(0.5, {name: 'drop'}).apply(x)}) as Functional;
  const ones = ops.onesLike(tensor(new Array(1000).fill(1), [1, 1000]));
  assert.equal((m.apply(ones) as ReturnType<typeof tensor>).values.every((v) => v === 1), true);
  const t = m.apply(ones, {training: true}) as ReturnType<typeof tensor>;
  const zeros = t.values.filter((v) => v === 0).length;
  assert.ok(zeros > 350 && zeros < 650, `about half dropped, got ${zeros}`);
});
