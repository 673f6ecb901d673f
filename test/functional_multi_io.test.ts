/**
 * Acceptance: a two-input, two-output functional model (an image branch Conv2D/MaxPooling2D/Flatten
 * and a sequence branch Embedding/LSTM, concatenated; a softmax class head and a sigmoid head)
 * trains with per-output losses and loss weights; History has Keras's per-output names.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {Conv2D} from '../src/layers/convolutional/conv2d.js';
import {Dense} from '../src/layers/core/dense.js';
import {Embedding} from '../src/layers/core/embedding.js';
import {concatenate} from '../src/layers/merging/index.js';
import {MaxPooling2D} from '../src/layers/pooling/max_pooling2d.js';
import {LSTM} from '../src/layers/recurrent/layers.js';
import {Flatten} from '../src/layers/reshaping/flatten.js';
import {Input} from '../src/layers/symbolic_call.js';
import type {Functional} from '../src/models/functional.js';
import '../src/models/functional.js';
import {Model} from '../src/models/model.js';
import {Adam} from '../src/optimizers/adam.js';
import {setRandomSeed} from '../src/tensor/random.js';
import {Tensor} from '../src/tensor/tensor.js';

const N = 48;

/** Images whose class is the quadrant with the bright spot; sequences whose flag is "token 7 occurs". */
function data() {
  let s = 12345;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const img = new Float32Array(N * 8 * 8), seq = new Int32Array(N * 6), cls = new Int32Array(N), flag = new Float32Array(N);
  for (let n = 0; n < N; n++) {
    const c = n % 3;
    cls[n] = c;
    for (let i = 0; i < 64; i++) img[n * 64 + i] = rnd() * 0.2;
    const [r0, c0] = ([[0, 0], [0, 4], [4, 2]] as const)[c]!;
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) img[n * 64 + (r0 + i) * 8 + c0 + j] = 1;
    const f = rnd() < 0.5 ? 1 : 0;
    flag[n] = f;
    for (let t = 0; t < 6; t++) seq[n * 6 + t] = 1 + Math.floor(rnd() * 6); // tokens 1..6
    if (f) seq[n * 6 + Math.floor(rnd() * 6)] = 7;
  }
  return {
    img: new Tensor([N, 8, 8, 1], 'float32', img), seq: new Tensor([N, 6], 'int32', seq),
    cls: new Tensor([N], 'int32', cls), flag: new Tensor([N, 1], 'float32', flag),
  };
}

function build(): Functional {
  const image = Input({shape: [8, 8, 1], name: 'image'});
  const tokens = Input({shape: [6], dtype: 'int32', name: 'tokens'});
  let a = new Conv2D(4, 3, {activation: 'relu', padding: 'same'}).apply(image);
  a = new MaxPooling2D(2).apply(a);
  a = new Flatten().apply(a);
  let b = new Embedding(10, 4).apply(tokens);
  b = new LSTM(6).apply(b);
  const h = concatenate([a, b]);
  const classOut = new Dense(3, {activation: 'softmax', name: 'class_out'}).apply(h);
  const flagOut = new Dense(1, {activation: 'sigmoid', name: 'flag_out'}).apply(h);
  return new Model({inputs: [image, tokens], outputs: [classOut, flagOut], name: 'two_by_two'}) as Functional;
}

test('two inputs, two outputs: per-output losses, loss weights, metrics by output name', async () => {
  setRandomSeed(Number(process.env['MULTI_IO_SEED'] ?? 7));
  const d = data();
  const model = build();
  assert.deepEqual(model.outputNames, ['class_out', 'flag_out']);
  model.compile({
    optimizer: new Adam({learningRate: 0.01}),
    loss: {class_out: 'sparse_categorical_crossentropy', flag_out: 'binary_crossentropy'},
    lossWeights: {class_out: 1.0, flag_out: 0.5},
    metrics: {class_out: ['accuracy'], flag_out: ['accuracy']},
  });
  const history = await model.fit({image: d.img, tokens: d.seq}, {class_out: d.cls, flag_out: d.flag}, {epochs: 12, batchSize: 16, verbose: 0});
  const h = history.history;
  assert.deepEqual(Object.keys(h).sort(), ['class_out_accuracy', 'class_out_loss', 'flag_out_accuracy', 'flag_out_loss', 'loss']);
  assert.equal(h['loss']!.length, 12);
  assert.ok(h['class_out_loss']!.at(-1)! < h['class_out_loss']![0]!, `class loss falls: ${h['class_out_loss']}`);
  assert.ok(h['loss']!.at(-1)! < h['loss']![0]!, `total loss falls: ${h['loss']}`);
  // evaluate: the total is the weighted sum of the per-output losses
  const ev = (await model.evaluate([d.img, d.seq], [d.cls, d.flag], {returnDict: true, verbose: 0})) as Record<string, number>;
  assert.ok(Math.abs(ev['loss']! - (ev['class_out_loss']! + 0.5 * ev['flag_out_loss']!)) < 1e-4, JSON.stringify(ev));
  console.log(`# multi-io: class_out_accuracy ${ev['class_out_accuracy']}, flag_out_accuracy ${ev['flag_out_accuracy']}, loss ${h['loss']![0]} -> ${h['loss']!.at(-1)}`);
  assert.ok(ev['class_out_accuracy']! > 0.6, `class accuracy ${ev['class_out_accuracy']}`);
  // predict with arrays or objects
  const [pc, pf] = (await model.predict({tokens: d.seq, image: d.img}, {verbose: 0})) as Tensor[];
  assert.deepEqual(pc!.shape, [N, 3]);
  assert.deepEqual(pf!.shape, [N, 1]);
  // losses as a list with weights as a list
  const m2 = build();
  m2.compile({optimizer: 'sgd', loss: ['sparse_categorical_crossentropy', 'binary_crossentropy'], lossWeights: [0.2, 1.0]});
  const e2 = (await m2.evaluate([d.img, d.seq], [d.cls, d.flag], {returnDict: true, verbose: 0})) as Record<string, number>;
  assert.ok(Math.abs(e2['loss']! - (0.2 * e2['class_out_loss']! + e2['flag_out_loss']!)) < 1e-4, JSON.stringify(e2));
  await assert.rejects(() => model.fit({image: d.img}, [d.cls, d.flag], {verbose: 0}), /Expected keys \["image","tokens"\]/);
});

// The floor of a trained functional model, from measured spread: 12 epochs (above) leave the class
// head anywhere between 0.35 and 1.0 depending on the seed (measured, seeds 1337, 1-4), too wide for
// a floor that a broken gradient would fail. 40 epochs, seeds 7, 1, 2, 3, 4 (native, 2026-12-03):
// class and flag accuracy 1 for every seed, loss 0.0074, 0.0086, 0.0090, 0.0070, 0.0079.
const MULTI_IO_LOSS_FLOOR = 0.05;
test('two inputs, two outputs: 40 epochs fit the training data above the measured floor', async () => {
  const seed = Number(process.env['MULTI_IO_SEED'] ?? 7);
  setRandomSeed(seed);
  const d = data();
  const model = build();
  model.compile({
    optimizer: new Adam({learningRate: 0.01}),
    loss: {class_out: 'sparse_categorical_crossentropy', flag_out: 'binary_crossentropy'},
    lossWeights: {class_out: 1.0, flag_out: 0.5},
    metrics: {class_out: ['accuracy'], flag_out: ['accuracy']},
  });
  await model.fit({image: d.img, tokens: d.seq}, {class_out: d.cls, flag_out: d.flag}, {epochs: 40, batchSize: 16, verbose: 0});
  const ev = (await model.evaluate([d.img, d.seq], [d.cls, d.flag], {returnDict: true, verbose: 0})) as Record<string, number>;
  console.log(`# multi-io 40 epochs (seed ${seed}): class_out_accuracy ${ev['class_out_accuracy']}, flag_out_accuracy ${ev['flag_out_accuracy']}, loss ${ev['loss']}`);
  assert.equal(ev['class_out_accuracy'], 1, 'class head: every training sample right, as for every seed measured');
  assert.equal(ev['flag_out_accuracy'], 1, 'flag head (the LSTM branch): every training sample right, as for every seed measured');
  assert.ok(ev['loss']! < MULTI_IO_LOSS_FLOOR, `loss ${ev['loss']} above the floor ${MULTI_IO_LOSS_FLOOR} (measured <= 0.009)`);
});
