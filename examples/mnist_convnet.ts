/**
 * keras.io's "Simple MNIST convnet" (fchollet), line for line, on Fashion-MNIST by default (Debian
 * ships it; `--dataset mnist` for the original's data): `Sequential` starting with `keras.Input`,
 * two convolutions, `validationSplit: 0.1`.
 *
 *   npm run example -- mnist_convnet [--dataset mnist] [--epochs 15] [--limit N]
 */
import * as keras from 'keras-ts';
import {parseArgs} from './_args.js';

const {layers} = keras;
const {dataset, epochs: epochsArg, limit} = parseArgs({dataset: 'fashion_mnist', epochs: 15});
keras.utils.setRandomSeed(1337);

// ## Prepare the data

// Model / data parameters
const numClasses = 10;
const inputShape = [28, 28, 1];

// Load the data and split it between train and test sets
const data = dataset === 'mnist' ? keras.datasets.mnist : keras.datasets.fashionMnist;
let [[xTrain, yTrain], [xTest, yTest]] = await data.loadData();
if (limit < xTrain.shape[0]!) [xTrain, yTrain] = [keras.ops.slice(xTrain, [0, 0, 0], [limit, -1, -1]), keras.ops.slice(yTrain, [0], [limit])];
if (limit < xTest.shape[0]!) [xTest, yTest] = [keras.ops.slice(xTest, [0, 0, 0], [limit, -1, -1]), keras.ops.slice(yTest, [0], [limit])];

// Scale images to the [0, 1] range
xTrain = keras.ops.divide(keras.ops.cast(xTrain, 'float32'), 255);
xTest = keras.ops.divide(keras.ops.cast(xTest, 'float32'), 255);
// Make sure images have shape (28, 28, 1)
xTrain = keras.ops.expandDims(xTrain, -1);
xTest = keras.ops.expandDims(xTest, -1);
console.log('x_train shape:', xTrain.shape);
console.log(xTrain.shape[0], 'train samples');
console.log(xTest.shape[0], 'test samples');

// convert class vectors to binary class matrices
yTrain = keras.utils.toCategorical(yTrain, numClasses);
yTest = keras.utils.toCategorical(yTest, numClasses);

// ## Build the model

const model = new keras.Sequential([
  keras.Input({shape: inputShape}),
  new layers.Conv2D(32, [3, 3], {activation: 'relu'}),
  new layers.MaxPooling2D({poolSize: [2, 2]}),
  new layers.Conv2D(64, [3, 3], {activation: 'relu'}),
  new layers.MaxPooling2D({poolSize: [2, 2]}),
  new layers.Flatten(),
  new layers.Dropout(0.5),
  new layers.Dense(numClasses, {activation: 'softmax'}),
]);

model.summary();

// ## Train the model

const batchSize = 128;
const epochs = epochsArg;

model.compile({loss: 'categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy']});

await model.fit(xTrain, yTrain, {batchSize, epochs, validationSplit: 0.1});

// ## Evaluate the trained model

const score = (await model.evaluate(xTest, yTest, {verbose: 0})) as number[];
console.log('Test loss:', score[0]);
console.log('Test accuracy:', score[1]);
