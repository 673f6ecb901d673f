/**
 * keras.io's guide "Training & evaluation with the built-in methods", its section "Training &
 * evaluation using `PyDataset` instances": a `keras.utils.PyDataset` subclass that slices batches,
 * passed to `fit` (with a PyDataset as `validationData`) and `evaluate`; then the same dataset read
 * with 4 workers (here: 4 `getItem` calls in flight). On the UCI digits shipped with the package
 * (8x8 images, no download) in place of MNIST, so the inputs have 64 features instead of 784.
 *
 *   npm run example -- pydataset_training [--epochs 10]
 */
import * as keras from 'keras-ts';
import type {Tensor} from 'keras-ts';
import {parseArgs} from './_args.js';

const {layers} = keras;
const {epochs} = parseArgs({dataset: 'mnist', epochs: 10});
keras.utils.setRandomSeed(1337);

function getUncompiledModel(): keras.Model {
  const inputs = keras.Input({shape: [64], name: 'digits'});
  let x = new layers.Dense(64, {activation: 'relu', name: 'dense_1'}).apply(inputs);
  x = new layers.Dense(64, {activation: 'relu', name: 'dense_2'}).apply(x);
  const outputs = new layers.Dense(10, {activation: 'softmax', name: 'predictions'}).apply(x);
  return new keras.Model({inputs, outputs});
}

function getCompiledModel(): keras.Model {
  const model = getUncompiledModel();
  model.compile({optimizer: 'rmsprop', loss: 'sparse_categorical_crossentropy', metrics: ['sparse_categorical_accuracy']});
  return model;
}

let [[xTrain, yTrain], [xTest, yTest]] = await keras.datasets.uciDigits.loadData();
// Preprocess the data (these are NumPy arrays in the original)
xTrain = keras.ops.divide(keras.ops.cast(xTrain, 'float32'), 16);
xTest = keras.ops.divide(keras.ops.cast(xTest, 'float32'), 16);
yTrain = keras.ops.cast(yTrain, 'float32');
yTest = keras.ops.cast(yTest, 'float32');
// Reserve 300 samples for validation (10,000 of MNIST's 60,000 in the original)
const nTrain = xTrain.shape[0]! - 300;
const xVal = keras.ops.slice(xTrain, [nTrain, 0], [300, -1]);
const yVal = keras.ops.slice(yTrain, [nTrain], [300]);
xTrain = keras.ops.slice(xTrain, [0, 0], [nTrain, -1]);
yTrain = keras.ops.slice(yTrain, [0], [nTrain]);

class ExamplePyDataset extends keras.utils.PyDataset {
  constructor(readonly x: Tensor, readonly y: Tensor, readonly batchSize: number, kwargs: keras.utils.PyDatasetArgs = {}) {
    super(kwargs);
  }

  get length() {
    return Math.ceil(this.x.shape[0]! / this.batchSize);
  }

  getItem(idx: number) {
    const n = Math.min(this.batchSize, this.x.shape[0]! - idx * this.batchSize);
    const batchX = keras.ops.slice(this.x, [idx * this.batchSize, 0], [n, -1]);
    const batchY = keras.ops.slice(this.y, [idx * this.batchSize], [n]);
    return [batchX, batchY];
  }
}

let trainPyDataset = new ExamplePyDataset(xTrain, yTrain, 32);
const valPyDataset = new ExamplePyDataset(xVal, yVal, 32);

// To fit the model, pass the dataset instead as the `x` argument (no need for a `y` argument since
// the dataset includes the targets), and pass the validation dataset as `validationData`.
let model = getCompiledModel();
await model.fit(trainPyDataset, {batchSize: 64, validationData: valPyDataset, epochs});

// Evaluating the model is just as easy:
console.log('Evaluate on the validation PyDataset:', await model.evaluate(valPyDataset));

// Using multiprocessing and worker threads: `workers` getItem calls are kept in flight.
trainPyDataset = new ExamplePyDataset(xTrain, yTrain, 32, {workers: 4});
model = getCompiledModel();
await model.fit(trainPyDataset, {epochs});

const [testLoss, testAcc] = (await model.evaluate(xTest, yTest, {verbose: 0})) as number[];
console.log('Test loss:', testLoss);
console.log('Test accuracy:', testAcc);
