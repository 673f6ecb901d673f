/**
 * Sequences end to end: the seed's IMDB LSTM model (Keras 1 arguments) builds line for line and
 * trains, and TextVectorization + Embedding + LSTM learns real sentiment-labelled sentences.
 */
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {needFiles} from '../src/testing/needs.js';
import {test} from 'node:test';
import {Activation} from '../src/layers/activations/activation.js';
import {Dense} from '../src/layers/core/dense.js';
import {Embedding} from '../src/layers/core/embedding.js';
import {TextVectorization} from '../src/layers/preprocessing/text_vectorization.js';
import {LSTM} from '../src/layers/recurrent/layers.js';
import {Sequential} from '../src/models/sequential.js';
import {clearSession} from '../src/layers/layer.js';
import {permutation, setRandomSeed} from '../src/tensor/random.js';
import {Tensor} from '../src/tensor/tensor.js';
import * as ops from '../src/ops/index.js';
import {padSequences} from '../src/utils/sequence.js';

// measured (native, 2026-12-03, load ~18): evaluated loss 0.0706, 0.0695, 0.0561, 0.0518, 0.0721 for seeds 1-5
const SEED_LSTM_FLOOR = 0.15;

test("the seed's imdb_lstm model builds line for line and trains (Keras 1 dropout arguments)", async () => {
  setRandomSeed(3);
  const maxFeatures = 50;
  const warn = console.warn;
  const warnings: string[] = [];
  console.warn = (m: string) => warnings.push(String(m));
  let model: Sequential;
  try {
    // model = Sequential()
    // model.add(Embedding(max_features, 128, dropout=0.2))
    // model.add(LSTM(128, dropout_W=0.2, dropout_U=0.2))
    // model.add(Dense(1))
    // model.add(Activation('sigmoid'))
    model = new Sequential();
    model.add(new Embedding(maxFeatures, 128, {dropout: 0.2}));
    model.add(new LSTM(128, {dropout_W: 0.2, dropout_U: 0.2}));
    model.add(new Dense(1));
    model.add(new Activation('sigmoid'));
  } finally {
    console.warn = warn;
  }
  assert.ok(warnings.some((w) => w.includes('Embedding')), 'Embedding dropout warns that it is Keras 1');
  const lstm = model.layers[1] as LSTM;
  assert.equal(lstm.cell.dropout, 0.2);
  assert.equal(lstm.cell.recurrentDropout, 0.2);
  model.compile({loss: 'binary_crossentropy', optimizer: 'adam', metrics: ['accuracy']});
  // tiny data: 8 padded sequences of ids
  const seqs = Array.from({length: 8}, (_, i) => Array.from({length: 3 + (i % 4)}, (_, j) => 1 + ((i * 7 + j * 3) % (maxFeatures - 1))));
  const x = padSequences(seqs, {maxlen: 6});
  const y = new Tensor([8, 1], 'float32', Float32Array.from({length: 8}, (_, i) => i % 2));
  await model.predict(x, {verbose: 0}); // builds the model
  const before = model.getWeights().map((w) => w.values.slice());
  assert.equal(before.length, 6); // embeddings, kernel, recurrent_kernel, bias, dense kernel, dense bias
  const history = await model.fit(x, y, {batchSize: 4, epochs: 1, verbose: 0});
  const loss = history.history['loss']!;
  assert.ok(loss.length === 1 && Number.isFinite(loss[0]!), `loss ${loss}`);
  assert.ok(Number.isFinite(history.history['accuracy']![0]!));
  const after = model.getWeights();
  after.forEach((w, i) => assert.ok(w.values.some((v, k) => v !== before[i]![k]), `weight ${i} was trained`));
  const p = (await model.predict(x, {verbose: 0})) as Tensor;
  assert.deepEqual(p.shape, [8, 1]);
  assert.ok([...p.values].every((v) => v > 0 && v < 1));
});

// Training must fit: on the same 8 sequences (labels alternate with the sequence's id pattern), 20
// epochs of the seed's model (its dropout on) bring the loss from ~0.69 to below the floor.
// Measured over seeds 1-5 (beside SEED_LSTM_FLOOR): the floor is twice the worst seed, far below
// ln 2 = 0.693 where a model whose gradient is broken stays.
test("the seed's imdb_lstm model fits 8 sequences: the loss falls below the measured floor", async () => {
  const seed = Number(process.env['SEED_LSTM_SEED'] ?? 3);
  setRandomSeed(seed);
  const maxFeatures = 50;
  const model = new Sequential([new Embedding(maxFeatures, 128), new LSTM(128, {dropout: 0.2, recurrentDropout: 0.2}), new Dense(1), new Activation('sigmoid')]);
  model.compile({loss: 'binary_crossentropy', optimizer: 'adam', metrics: ['accuracy']});
  const seqs = Array.from({length: 8}, (_, i) => Array.from({length: 3 + (i % 4)}, (_, j) => 1 + ((i * 7 + j * 3) % (maxFeatures - 1))));
  const x = padSequences(seqs, {maxlen: 6});
  const y = new Tensor([8, 1], 'float32', Float32Array.from({length: 8}, (_, i) => i % 2));
  const history = await model.fit(x, y, {batchSize: 4, epochs: 20, verbose: 0});
  const loss = history.history['loss']!;
  const [final] = (await model.evaluate(x, y, {verbose: 0})) as number[];
  console.log(`# seed LSTM (seed ${seed}): training loss ${loss[0]!.toFixed(4)} -> ${loss.at(-1)!.toFixed(4)}, evaluated ${final!.toFixed(4)}`);
  assert.ok(final! < SEED_LSTM_FLOOR, `evaluated loss ${final} after 20 epochs, floor ${SEED_LSTM_FLOOR}`);
});

// Written from Keras 3's summary format (keras/src/utils/summary_utils.py rendered by rich): the
// seed's model with max_features=20000, maxlen=80. Parameters: 20000*128; 4*(128*128 + 128*128 + 128);
// 128 + 1. Bytes: 2,691,713 * 4 = 10,766,852 = 10.27 MB.
const IMDB_SUMMARY = `Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ embedding (Embedding)           │ (None, 80, 128)        │     2,560,000 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ lstm (LSTM)                     │ (None, 128)            │       131,584 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense (Dense)                   │ (None, 1)              │           129 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ activation (Activation)         │ (None, 1)              │             0 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 2,691,713 (10.27 MB)
 Trainable params: 2,691,713 (10.27 MB)
 Non-trainable params: 0 (0.00 B)
`;

test("the seed's imdb_lstm model prints Keras 3's summary", () => {
  clearSession();
  const warn = console.warn;
  console.warn = () => {};
  const model = new Sequential();
  try {
    model.add(new Embedding(20000, 128, {dropout: 0.2}));
    model.add(new LSTM(128, {dropout_W: 0.2, dropout_U: 0.2}));
    model.add(new Dense(1));
    model.add(new Activation('sigmoid'));
  } finally {
    console.warn = warn;
  }
  model.build([null, 80]);
  const lines: string[] = [];
  model.summary({printFn: (l: string) => lines.push(l)});
  assert.equal(lines.join('\n').trimEnd() + '\n', IMDB_SUMMARY);
});

const DATA = new URL('../../shared/data/uci_sentiment_labelled_sentences/', import.meta.url);
const FILES = ['amazon_cells_labelled.txt', 'imdb_labelled.txt', 'yelp_labelled.txt'];
// in CI, missing data fails the run (src/testing/needs.ts)
const skipData = needFiles('the UCI sentiment data set', FILES.map((f) => fileURLToPath(new URL(f, DATA))), '../shared/data/uci_sentiment_labelled_sentences/ beside the repository');

test(
  'real text: TextVectorization + Embedding + LSTM reaches >= 0.75 held-out accuracy on UCI sentiment sentences',
  {skip: skipData},
  async () => {
    const t0 = performance.now();
    setRandomSeed(1);
    // one sentence per line, the label after the last tab
    const lines = FILES.flatMap((f) => readFileSync(new URL(f, DATA), 'utf8').split('\n').filter((l) => l.trim()));
    assert.equal(lines.length, 3000);
    const texts = lines.map((l) => l.slice(0, l.lastIndexOf('\t')));
    const labels = lines.map((l) => Number(l.slice(l.lastIndexOf('\t') + 1)));
    // a fixed shuffled 80/20 split
    const order = [...permutation(texts.length, 42)];
    const nTest = texts.length / 5;
    const testIdx = order.slice(0, nTest), trainIdx = order.slice(nTest);

    const vectorize = new TextVectorization({maxTokens: 2000, outputSequenceLength: 20});
    vectorize.adapt(trainIdx.map((i) => texts[i]!));
    const ids = vectorize.apply(texts) as Tensor;
    const rows = (ix: number[]) => ops.take(ids, new Tensor([ix.length], 'int32', Int32Array.from(ix)), 0);
    const labelsOf = (ix: number[]) => new Tensor([ix.length, 1], 'float32', Float32Array.from(ix, (i) => labels[i]!));

    const model = new Sequential([
      new Embedding(2000, 16, {maskZero: true}),
      new LSTM(16),
      new Dense(1, {activation: 'sigmoid'}),
    ]);
    model.compile({loss: 'binary_crossentropy', optimizer: {className: 'Adam', config: {learningRate: 0.01}} as never, metrics: ['accuracy']});
    await model.fit(rows(trainIdx), labelsOf(trainIdx), {batchSize: 32, epochs: 2, verbose: 0});
    const result = (await model.evaluate(rows(testIdx), labelsOf(testIdx), {verbose: 0, returnDict: true})) as Record<string, number>;
    const seconds = (performance.now() - t0) / 1000;
    console.log(`# UCI sentiment: held-out accuracy ${result['accuracy']!.toFixed(4)}, loss ${result['loss']!.toFixed(4)}, ${seconds.toFixed(1)} s`);
    assert.ok(result['accuracy']! >= 0.75, `held-out accuracy ${result['accuracy']}`);
  },
);
