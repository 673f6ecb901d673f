/**
 * A compiled step gives the numbers eager execution gives: the same models trained, evaluated and
 * predicted with `jitCompile: 'auto'` (plans) and `jitCompile: false` (eager), from the same seed,
 * end with the same weights bit for bit (the plan runs the kernels eager execution runs, or fused
 * kernels that compute the same values in the same order) on the reference and the native backends: the seed MLP (dropout), the seed
 * CNN, the seed Embedding + LSTM (dropout, recurrent dropout, masking), a functional model with two
 * inputs and two outputs, and a model with BatchNormalization. Each run checks that the plans were
 * used (so a silent fallback to eager cannot pass), that the training plans hold the optimizer
 * update, that the last partial batch got its own plan, that the optimizer's variables (slots,
 * iteration count) agree, and that `evaluate` and `predict` agree too.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {backendName, setBackend} from '../backends/registry.js';
import {Model} from '../models/model.js';
import {Input} from '../layers/symbolic_call.js';
import * as L from '../layers/index.js';
import {Sequential} from '../models/sequential.js';
import * as optimizers from '../optimizers/index.js';
import {setRandomSeed} from '../tensor/random.js';
import {Tensor} from '../tensor/tensor.js';
import {xorshift32} from '../testing/kernel_test.js';
import '../models/index.js';
import {setPlanDebugSink} from './index.js';

// the whole suite's run (native) checks native and reference; a run on another backend (CI's wasm) checks that one
const ACTIVE = backendName();
const BACKENDS = ACTIVE === 'native' ? ['reference', 'native'] : [ACTIVE];

/** 4 full batches of 8 and a partial one of 4 per epoch, 4 epochs: 20 steps. */
const BATCH = 8, N = 36, EPOCHS = 4;

const rand = xorshift32(20261203);
const floats = (shape: number[]) => new Tensor(shape, 'float32', Float32Array.from({length: shape.reduce((a, b) => a * b, 1)}, () => rand()));
function oneHot(n: number, k: number): Tensor {
  const v = new Float32Array(n * k);
  for (let i = 0; i < n; i++) v[i * k + Math.floor(rand() * k)] = 1;
  return new Tensor([n, k], 'float32', v);
}
function ids(n: number, len: number, vocab: number): Tensor {
  // zeros at the end of some rows: padding the mask hides
  const v = new Int32Array(n * len);
  for (let i = 0; i < n; i++) {
    const valid = 1 + Math.floor(rand() * len);
    for (let t = 0; t < valid; t++) v[i * len + t] = 1 + Math.floor(rand() * (vocab - 1));
  }
  return new Tensor([n, len], 'int32', v);
}

interface Case {
  name: string;
  build(backend: string): Model;
  data(backend: string): {x: Tensor | Tensor[]; y: Tensor | Tensor[]};
}

const CASES: Case[] = [
  {
    name: 'seed MLP (Dropout 0.2), RMSprop',
    build: () => {
      const m = new Sequential([
        new L.Dense(512, {activation: 'relu', inputShape: [784]}),
        new L.Dropout(0.2),
        new L.Dense(512, {activation: 'relu'}),
        new L.Dropout(0.2),
        new L.Dense(10, {activation: 'softmax'}),
      ]);
      return m;
    },
    data: () => ({x: floats([N, 784]), y: oneHot(N, 10)}),
  },
  {
    // the reference backend gets 14x14 images (its convolutions are plain loops); native the seed's 28x28
    name: 'seed CNN (Dropout 0.25, 0.5), Adadelta',
    build: (b) =>
      new Sequential([
        new L.Conv2D(32, [3, 3], {activation: 'relu', inputShape: b === 'native' ? [28, 28, 1] : [14, 14, 1]}),
        new L.Conv2D(64, [3, 3], {activation: 'relu'}),
        new L.MaxPooling2D([2, 2]),
        new L.Dropout(0.25),
        new L.Flatten(),
        new L.Dense(128, {activation: 'relu'}),
        new L.Dropout(0.5),
        new L.Dense(10, {activation: 'softmax'}),
      ]),
    data: (b) => ({x: floats(b === 'native' ? [N, 28, 28, 1] : [N, 14, 14, 1]), y: oneHot(N, 10)}),
  },
  {
    // the reference backend gets a 1000-token vocabulary and sequences of 12; native the seed's 20000 and 80
    name: 'seed Embedding + LSTM (maskZero, dropout 0.2, recurrentDropout 0.2), Adam',
    build: (b) =>
      new Sequential([
        new L.Embedding(b === 'native' ? 20000 : 1000, 128, {inputShape: [b === 'native' ? 80 : 12], maskZero: true}),
        new L.LSTM(128, {dropout: 0.2, recurrentDropout: 0.2}),
        new L.Dense(1, {activation: 'sigmoid'}),
      ]),
    data: (b) => {
      const len = b === 'native' ? 80 : 12;
      const y = new Tensor([N, 1], 'float32', Float32Array.from({length: N}, () => (rand() < 0.5 ? 0 : 1)));
      return {x: ids(N, len, b === 'native' ? 20000 : 1000), y};
    },
  },
  {
    // without recurrent dropout the LSTM runs the fused LSTMSequence kernel and its gradient kernel
    name: 'seed Embedding + LSTM, fused sequence kernel (maskZero, dropout 0.2), Adam',
    build: (b) =>
      new Sequential([
        new L.Embedding(b === 'native' ? 20000 : 1000, 128, {inputShape: [b === 'native' ? 80 : 12], maskZero: true}),
        new L.LSTM(128, {dropout: 0.2}),
        new L.Dense(1, {activation: 'sigmoid'}),
      ]),
    data: (b) => {
      const len = b === 'native' ? 80 : 12;
      const y = new Tensor([N, 1], 'float32', Float32Array.from({length: N}, () => (rand() < 0.5 ? 0 : 1)));
      return {x: ids(N, len, b === 'native' ? 20000 : 1000), y};
    },
  },
  {
    name: 'functional, two inputs and two outputs (Concatenate, Dropout), Adam',
    build: () => {
      const a = Input({shape: [12], name: 'a'});
      const b = Input({shape: [6], name: 'b'});
      const h = new L.Dense(16, {activation: 'tanh'}).apply(new L.Concatenate().apply([a, b]));
      const d = new L.Dropout(0.3).apply(h);
      const cls = new L.Dense(3, {activation: 'softmax', name: 'cls'}).apply(d);
      const reg = new L.Dense(1, {name: 'reg'}).apply(new L.Dense(8, {activation: 'relu'}).apply(b));
      return new Model({inputs: [a, b], outputs: [cls, reg]});
    },
    data: () => ({x: [floats([N, 12]), floats([N, 6])], y: [oneHot(N, 3), floats([N, 1])]}),
  },
  {
    name: 'BatchNormalization (moving statistics written by the step), SGD momentum',
    build: () =>
      new Sequential([
        new L.Dense(32, {inputShape: [20]}),
        new L.BatchNormalization(),
        new L.Activation('relu'),
        new L.Dense(4, {activation: 'softmax'}),
      ]),
    data: () => ({x: floats([N, 20]), y: oneHot(N, 4)}),
  },
];

function compileFor(c: Case, model: Model, jitCompile: boolean | 'auto'): void {
  const multi = c.name.startsWith('functional');
  const optimizer =
    c.name.includes('RMSprop') ? new optimizers.RMSprop() :
    c.name.includes('Adadelta') ? new optimizers.Adadelta({learningRate: 1}) :
    c.name.includes('SGD') ? new optimizers.SGD({learningRate: 0.05, momentum: 0.9}) : new optimizers.Adam();
  const loss = multi ? ['categorical_crossentropy', 'mse'] : c.name.includes('LSTM') ? 'binary_crossentropy' : 'categorical_crossentropy';
  model.compile({optimizer, loss, metrics: multi ? [['accuracy'], ['mae']] : ['accuracy'], jitCompile});
}

async function train(c: Case, backend: string, jitCompile: boolean | 'auto', {x, y}: {x: Tensor | Tensor[]; y: Tensor | Tensor[]}) {
  setRandomSeed(7); // the same initial weights and dropout seeds for both runs
  const model = c.build(backend);
  compileFor(c, model, jitCompile);
  const history = await model.fit(x, y, {batchSize: BATCH, epochs: EPOCHS, verbose: 0});
  const evaluated = await model.evaluate(x, y, {batchSize: BATCH, verbose: 0});
  const predicted = await model.predict(x, {batchSize: BATCH, verbose: 0});
  return {model, history: history.history, evaluated, predicted: (Array.isArray(predicted) ? predicted : [predicted]).map((t) => Array.from(t.values))};
}

for (const backend of BACKENDS) {
  for (const c of CASES) {
    test(`${backend}: ${c.name}: compiled and eager end bit for bit equal after 20 steps`, async () => {
      const prev = backendName();
      setBackend(backend);
      const fallbacks: string[] = [];
      setPlanDebugSink((line) => fallbacks.push(line));
      try {
        const data = c.data(backend); // the same data for both runs
        const eager = await train(c, backend, false, data);
        const compiled = await train(c, backend, 'auto', data);
        const plans = compiled.model.trainerState!.plans!;
        assert.equal(eager.model.trainerState!.plans, null);
        // 20 train steps (16 full batches, 4 partial), evaluate and predict 4 full and 1 partial each: 6
        // signatures, each traced on its first two runs (eager) and replayed from a plan after that
        assert.deepEqual(fallbacks, [], 'no signature fell back to eager');
        assert.equal(plans.size, 6);
        assert.equal(plans.plans().length, 4, 'a plan for each signature that ran more than twice');
        assert.deepEqual(plans.counts, {planned: 14 + 2 + 2 + 2, eager: 2 + 2 + 2 + 1 + 2 + 1});
        // the optimizer update is part of the training plans (a fused update kernel per variable, in place)
        const trained = plans.plans().filter((p) => p.kernelNames().some((k) => k.endsWith('Update')));
        assert.equal(trained.length, 2, 'the full and the partial batch train from plans that hold the update');
        if (c.name.startsWith('seed CNN')) {
          // the fusions with relu's gradient (bit for bit the same values: the comparisons below hold them)
          for (const p of trained) {
            const names = p.kernelNames();
            for (const k of ['MaxPoolGradRelu', 'Conv2DBackpropInputRelu']) assert.ok(names.includes(k), `the training plan runs ${k}`);
            assert.ok(!names.includes('MaxPoolGrad') && !names.includes('Conv2DBackpropInput'), 'nothing left unfused');
          }
          // and the pooling in the second convolution, in every plan (train, evaluate, predict); where
          // nothing but the second convolution reads the first's output (evaluate, predict), the first too
          for (const p of plans.plans()) {
            const names = p.kernelNames(), pair = !trained.includes(p);
            assert.ok(names.includes(pair ? 'FusedConv2DPairMaxPool' : 'FusedConv2DMaxPool') && !names.includes('MaxPool'), 'FusedConv2DMaxPool');
            assert.equal(names.filter((k) => k === 'FusedConv2D').length, pair ? 0 : 1, 'FusedConv2DPairMaxPool');
          }
        }
        if (!c.name.includes('LSTM')) {
          // the crossentropy fusion (src/plan/patterns.ts): the loss after the softmax and its gradient, two kernels
          for (const p of trained) {
            const names = p.kernelNames();
            assert.ok(names.includes('CategoricalCrossentropyProbs') && names.includes('SoftmaxCrossentropyGrad'), 'the crossentropy fusion');
            assert.ok(!names.includes('Clip') && !names.includes('Log'), 'none of the composite left');
          }
        }
        if (c.name.startsWith('seed MLP') || c.name.startsWith('seed CNN')) {
          // Dropout's gradient, relu's and the bias's sum, one kernel per Dense(relu) before a Dropout
          for (const p of trained) assert.equal(p.kernelNames().filter((k) => k === 'MulReluGradSum').length, c.name.startsWith('seed MLP') ? 2 : 1, 'MulReluGradSum');
          // each Dropout's mask and product, one kernel
          for (const p of trained) {
            assert.equal(p.kernelNames().filter((k) => k === 'BernoulliMaskMul').length, 2, 'BernoulliMaskMul');
            assert.ok(!p.kernelNames().includes('BernoulliMask'), 'no mask drawn alone');
          }
          // the accuracy's ArgMax, ArgMax, Equal, Cast (patterns.ts)
          for (const p of trained) assert.ok(p.kernelNames().includes('ArgMaxMatch') && !p.kernelNames().includes('ArgMax'), 'ArgMaxMatch');
        }
        const oe = eager.model.optimizer!.variables, oc = compiled.model.optimizer!.variables;
        oe.forEach((v, i) => assert.deepEqual(Array.from(oc[i]!.value.values), Array.from(v.value.values), `optimizer variable ${v.path}`));
        const we = eager.model.getWeights(), wc = compiled.model.getWeights();
        assert.equal(we.length, wc.length);
        we.forEach((w, i) => assert.deepEqual(Array.from(wc[i]!.values), Array.from(w.values), `weight ${i} (${eager.model.weights[i]!.path})`));
        assert.deepEqual(compiled.history, eager.history);
        assert.deepEqual(compiled.evaluated, eager.evaluated);
        assert.deepEqual(compiled.predicted, eager.predicted);
      } finally {
        setPlanDebugSink(null);
        setBackend(prev);
      }
    });
  }
}
