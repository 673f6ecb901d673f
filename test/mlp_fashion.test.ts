// Acceptance: the seed's MLP (mnist_mlp.py) on the real Fashion-MNIST, from Debian's
// dataset-fashion-mnist (/usr/share/datasets/fashion-mnist/*.gz). The default run trains 1 epoch on
// the first 12,000 training images (3,072, tested on 2,000, on the pure-TypeScript reference
// backend, which takes ~1 s per batch of 128); KERAS_TS_FULL=1 runs the full acceptance (5 epochs, batch 128, all 60,000
// images, test accuracy >= 0.86).
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {test} from 'node:test';
import {gunzipSync} from 'node:zlib';
import {Activation, Dense, Dropout} from '../src/layers/index.js';
import {Sequential} from '../src/models/index.js';
import {RMSprop} from '../src/optimizers/index.js';
import {Tensor} from '../src/tensor/tensor.js';
import {backendName, getBackend} from '../src/backends/registry.js';
import {setRandomSeed} from '../src/tensor/random.js';
import {FASHION_DIR, FASHION_FILES, needFashion} from '../src/testing/needs.js';

const DIR = FASHION_DIR;
const FILES = FASHION_FILES;
const skip = needFashion(); // in CI, missing data fails the run
const FULL = process.env['KERAS_TS_FULL'] === '1';

/** A gzipped IDX file: magic (0, 0, type 0x08 = ubyte, ndim), big-endian dims, then the bytes. */
function readIdx(file: string): {shape: number[]; data: Uint8Array} {
  const buf = gunzipSync(readFileSync(join(DIR, file)));
  assert.equal(buf[2], 0x08, `${file}: expected unsigned bytes`);
  const ndim = buf[3]!;
  const shape = Array.from({length: ndim}, (_, i) => buf.readUInt32BE(4 + 4 * i));
  return {shape, data: new Uint8Array(buf.buffer, buf.byteOffset + 4 + 4 * ndim, shape.reduce((a, b) => a * b, 1))};
}

function load(images: string, labels: string, limit: number): [Tensor, Tensor] {
  const im = readIdx(images), lb = readIdx(labels);
  const n = Math.min(limit, im.shape[0]!);
  const x = new Float32Array(n * 784);
  for (let i = 0; i < n * 784; i++) x[i] = im.data[i]! / 255; // x.astype('float32') / 255
  const y = new Float32Array(n * 10); // to_categorical(y, 10)
  for (let i = 0; i < n; i++) y[i * 10 + lb.data[i]!] = 1;
  return [new Tensor([n, 784], 'float32', x), new Tensor([n, 10], 'float32', y)];
}

// Keras 3's summary of this model, rendered by rich as summary_utils.py draws it (line length 88):
// test/fixtures/summary/mlp_88.txt, made by scripts/make_summary_fixtures.py.
const EXPECTED_SUMMARY = readFileSync(join(import.meta.dirname, 'fixtures', 'summary', 'mlp_88.txt'), 'utf8');

test('Fashion-MNIST MLP (the seed program)', {skip}, async () => {
  setRandomSeed(Number(process.env['MLP_FASHION_SEED'] ?? 1337)); // the seed's np.random.seed(1337)
  const model = new Sequential();
  model.add(new Dense(512, {inputShape: [784]}));
  model.add(new Activation('relu'));
  model.add(new Dropout(0.2));
  model.add(new Dense(512));
  model.add(new Activation('relu'));
  model.add(new Dropout(0.2));
  model.add(new Dense(10));
  model.add(new Activation('softmax'));
  let printed = '';
  model.summary({lineLength: 88, printFn: (s) => (printed += s)});
  assert.equal(printed, EXPECTED_SUMMARY.replace(/"sequential"/, `"${model.name}"`));
  assert.match(printed, /Total params: 669,706 \(2\.55 MB\)/);

  model.compile({loss: 'categorical_crossentropy', optimizer: new RMSprop(), metrics: ['accuracy']});
  getBackend();
  const reference = backendName() === 'reference';
  const [xTrain, yTrain] = load(FILES[0]!, FILES[1]!, FULL ? 60000 : reference ? 3072 : 12000);
  const [xTest, yTest] = load(FILES[2]!, FILES[3]!, reference && !FULL ? 2000 : 10000);
  const epochs = FULL ? 5 : 1;
  const t0 = performance.now();
  const history = await model.fit(xTrain, yTrain, {batchSize: 128, epochs, verbose: FULL ? 1 : 0, validationData: [xTest, yTest]});
  const seconds = (performance.now() - t0) / 1000;
  const [loss, acc] = (await model.evaluate(xTest, yTest, {verbose: 0})) as number[];
  console.log(`# fashion-mnist MLP: ${epochs} epoch(s) on ${xTrain.shape[0]} images in ${seconds.toFixed(1)} s; test loss ${loss!.toFixed(4)}, test accuracy ${acc!.toFixed(4)}`);
  assert.deepEqual(Object.keys(history.history), ['accuracy', 'loss', 'val_accuracy', 'val_loss']);
  assert.equal(history.history['loss']!.length, epochs);
  assert.ok(Math.abs(history.history['val_accuracy']!.at(-1)! - acc!) < 1e-6, 'validation after the last epoch is the test evaluation');
  // measured: 1 epoch on 12k images (native) gave 0.767 and 0.794 unseeded, 0.769, 0.774, 0.796 with
  // seeds 1337, 1, 2 (MLP_FASHION_SEED; 2026-12-03); on 3,072 images (reference)
  // 0.72 and 0.68 unseeded, 0.7025, 0.6965, 0.7060 with seeds 1337, 1, 2.
  // The floors sit below the worst run by about 0.04.
  assert.ok(acc! >= (FULL ? 0.86 : reference ? 0.64 : 0.73), `test accuracy ${acc} below the floor`);
  // Optimizer params now appear in the summary: RMSprop's velocities + iteration + learning_rate
  printed = '';
  model.summary({lineLength: 88, printFn: (s) => (printed += s)});
  assert.match(printed, / Total params: 1,339,414 \(5\.11 MB\)\n Trainable params: 669,706 \(2\.55 MB\)\n Non-trainable params: 0 \(0\.00 B\)\n Optimizer params: 669,708 \(2\.55 MB\)\n$/);
});
