/**
 * The seed's MLP (mnist_mlp.py: Dense 512 relu, Dropout 0.2, Dense 512 relu, Dropout 0.2, Dense 10
 * softmax; RMSprop; batch 128) on the real Fashion-MNIST (Debian's dataset-fashion-mnist), trained the
 * same way on each backend from the same seed: the test accuracies must agree within noise.
 *
 *   node --import tsx bench/mlp_backends.ts [trainImages=6000] [epochs=1] [backends=native,reference]
 */
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {gunzipSync} from 'node:zlib';
import * as keras from '../src/index.js';

const DIR = '/usr/share/datasets/fashion-mnist';
const nTrain = Number(process.argv[2] ?? 6000);
const epochs = Number(process.argv[3] ?? 1);
const backends = (process.argv[4] ?? 'native,reference').split(',');

function idx(file: string): Uint8Array {
  const buf = gunzipSync(readFileSync(join(DIR, file)));
  const ndim = buf[3]!;
  return new Uint8Array(buf.buffer, buf.byteOffset + 4 + 4 * ndim);
}

function load(images: string, labels: string, n: number): [keras.Tensor, keras.Tensor] {
  const im = idx(images), lb = idx(labels);
  const x = Float32Array.from(im.subarray(0, n * 784), (v) => v / 255);
  const y = new Float32Array(n * 10);
  for (let i = 0; i < n; i++) y[i * 10 + lb[i]!] = 1;
  return [keras.tensor(x, [n, 784]), keras.tensor(y, [n, 10])];
}

const [xTrain, yTrain] = load('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', nTrain);
const [xTest, yTest] = load('t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz', 10000);
const L = keras.layers;
for (const b of backends) {
  keras.backend.setBackend(b);
  keras.random.setRandomSeed(1337);
  const model = new keras.Sequential([
    new L.Dense(512, {activation: 'relu', inputShape: [784]}), new L.Dropout(0.2),
    new L.Dense(512, {activation: 'relu'}), new L.Dropout(0.2), new L.Dense(10, {activation: 'softmax'}),
  ]);
  model.compile({loss: 'categorical_crossentropy', optimizer: new keras.optimizers.RMSprop(), metrics: ['accuracy']});
  const t0 = performance.now();
  await model.fit(xTrain, yTrain, {batchSize: 128, epochs, verbose: 0});
  const seconds = (performance.now() - t0) / 1000;
  const [loss, acc] = (await model.evaluate(xTest, yTest, {verbose: 0, batchSize: 1000})) as number[];
  console.log(JSON.stringify({backend: b, trainImages: nTrain, epochs, seconds: +seconds.toFixed(1), testLoss: +loss!.toFixed(4), testAccuracy: +acc!.toFixed(4)}));
}
