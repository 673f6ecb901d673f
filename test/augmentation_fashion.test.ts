// An image model with its input pipeline inside it — Rescaling, then RandomFlip / RandomTranslation /
// RandomZoom / RandomContrast, then Conv2D — trains on the real Fashion-MNIST (Debian's
// dataset-fashion-mnist), and the augmentation is off in `predict` and `evaluate`: the trained model
// predicts exactly what the same weights predict without the augmentation layers.
// Default: 2 epochs on the first 8,000 training images, tested on 2,000 test images (2,048 and 1,000
// on the pure-TypeScript reference backend); AUG_FASHION_FULL=1 trains 5 epochs on all 60,000.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {backendName, getBackend} from '../src/backends/registry.js';
import * as fashionMnist from '../src/datasets/fashion_mnist.js';
import {
  Conv2D, Dense, Flatten, Input, MaxPooling2D, RandomContrast, RandomFlip, RandomTranslation, RandomZoom, Rescaling,
} from '../src/layers/index.js';
import type {Layer} from '../src/layers/layer.js';
import {Sequential} from '../src/models/index.js';
import * as ops from '../src/ops/index.js';
import {setRandomSeed} from '../src/tensor/random.js';
import type {Tensor} from '../src/tensor/tensor.js';
import {FASHION_DIR, needFashion} from '../src/testing/needs.js';

const skip = needFashion();
const FULL = process.env['AUG_FASHION_FULL'] === '1';

function head(x: Tensor, n: number): Tensor {
  return ops.slice(x, [0, ...x.shape.slice(1).map(() => 0)], [n, ...x.shape.slice(1)]);
}

const convStack = (): Layer[] => [
  new Conv2D(16, [3, 3], {activation: 'relu'}), new MaxPooling2D([2, 2]),
  new Conv2D(32, [3, 3], {activation: 'relu'}), new MaxPooling2D([2, 2]),
  new Flatten(), new Dense(10, {activation: 'softmax'}),
];

test('Fashion-MNIST CNN with Rescaling + augmentation layers: trains, and predict does not augment', {skip}, async () => {
  setRandomSeed(Number(process.env['AUG_FASHION_SEED'] ?? 7));
  getBackend();
  const reference = backendName() === 'reference';
  const [[xTrainAll, yTrainAll], [xTestAll, yTestAll]] = await fashionMnist.loadData({dataDir: FASHION_DIR});
  const nTrain = FULL ? 60000 : reference ? 2048 : 8000;
  const nTest = FULL ? 10000 : reference ? 1000 : 2000;
  // uint8 pixels as int32 [n, 28, 28] -> [n, 28, 28, 1]; the model rescales them itself
  const xTrain = ops.reshape(head(xTrainAll, nTrain), [nTrain, 28, 28, 1]);
  const yTrain = head(yTrainAll, nTrain);
  const xTest = ops.reshape(head(xTestAll, nTest), [nTest, 28, 28, 1]);
  const yTest = head(yTestAll, nTest);

  const augmentation = [
    new RandomFlip('horizontal', {seed: 1}),
    new RandomTranslation(0.08, 0.08, {fillMode: 'constant', seed: 2}),
    new RandomZoom(0.1, {fillMode: 'constant', seed: 3}),
    new RandomContrast(0.2, {valueRange: [0, 1], seed: 4}),
  ];
  const model = new Sequential([Input({shape: [28, 28, 1]}), new Rescaling(1 / 255), ...augmentation, ...convStack()]);
  model.compile({optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy']});
  const epochs = FULL ? 5 : 2;
  const t0 = performance.now();
  const history = await model.fit(xTrain, yTrain, {batchSize: 32, epochs, verbose: FULL ? 1 : 0});
  const seconds = (performance.now() - t0) / 1000;
  const [loss, acc] = (await model.evaluate(xTest, yTest, {verbose: 0})) as number[];
  console.log(`# fashion-mnist CNN + augmentation (${backendName()}): ${epochs} epochs on ${nTrain} images in ${seconds.toFixed(1)} s; train accuracy ${history.history['accuracy']!.at(-1)!.toFixed(4)}, test loss ${loss!.toFixed(4)}, test accuracy ${acc!.toFixed(4)}`);
  // measured 2026-12-03 (AUG_FASHION_SEED 7 / 1 / 2): native 0.768 / 0.767 / 0.761 (about 15 s of
  // training at load 6), wasm 0.767 (seed 7); reference, 2,048 images tested on 1,000: 0.680 /
  // 0.690 / 0.669; AUG_FASHION_FULL=1 (native, seed 7): 0.856 (train accuracy on augmented images
  // 0.844) in 618 s at load 10-15. The floors sit 0.03-0.07 below the worst run.
  assert.ok(acc! >= (FULL ? 0.83 : reference ? 0.6 : 0.72), `test accuracy ${acc} below the floor`);
  assert.ok(history.history['loss']![epochs - 1]! < history.history['loss']![0]!, 'the training loss falls');

  // predict does not augment: the same weights without the augmentation layers predict the same
  const plain = new Sequential([Input({shape: [28, 28, 1]}), new Rescaling(1 / 255), ...convStack()]);
  plain.setWeights(model.getWeights());
  const xs = head(xTest, 256);
  const p1 = (await model.predict(xs, {verbose: 0})) as Tensor;
  const p2 = (await model.predict(xs, {verbose: 0})) as Tensor;
  const pPlain = (await plain.predict(xs, {verbose: 0})) as Tensor;
  assert.deepEqual(Array.from(p1.values), Array.from(p2.values), 'predict is deterministic');
  assert.deepEqual(Array.from(p1.values), Array.from(pPlain.values), 'predict equals the model without augmentation');
  plain.compile({optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy']});
  const [, accPlain] = (await plain.evaluate(xTest, yTest, {verbose: 0})) as number[];
  assert.equal(accPlain, acc, 'evaluate does not augment either');
  // while in training mode the same model does augment
  const trainingOut = model.apply(xs, {training: true}) as Tensor;
  assert.notDeepEqual(Array.from(trainingOut.values), Array.from(p1.values));
});
