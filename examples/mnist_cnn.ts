/**
 * The seed's CNN (Keras 1's mnist_cnn.py): two 3x3 convolutions of `nb_filters` = 32 each, max pooling,
 * dropout, Dense 128, dropout, Dense 10 softmax, batch 128.
 *
 * The seed compiled with `optimizer='adadelta'`, which in Keras 1 meant a learning rate of 1.0;
 * Keras 3's Adadelta defaults to 0.001, so this example states the rate it uses: 1.0.
 *
 *   npm run example -- mnist_cnn [--dataset fashion_mnist] [--epochs 12] [--tensorboard logs] [--plot plots]
 */
import * as keras from 'keras-ts';
import {parseArgs} from './_args.js';

keras.utils.setRandomSeed(1337); // for reproducibility, as the original's np.random.seed(1337)

const {Sequential} = keras.models;
const {Dense, Dropout, Activation, Flatten, Convolution2D, MaxPooling2D} = keras.layers;

const {dataset, epochs, limit, tensorboard, plot} = parseArgs({dataset: 'mnist', epochs: 12});
const batchSize = 128;
const nbClasses = 10;
const [imgRows, imgCols] = [28, 28];
const nbFilters = 32;
const poolSize: [number, number] = [2, 2];
const kernelSize = [3, 3] as const;
const inputShape = [imgRows, imgCols, 1];

const data = dataset === 'mnist' ? keras.datasets.mnist : keras.datasets.fashionMnist;
let [[xTrain, yTrain], [xTest, yTest]] = await data.loadData();
if (limit < xTrain.shape[0]!) [xTrain, yTrain] = [keras.ops.slice(xTrain, [0, 0, 0], [limit, -1, -1]), keras.ops.slice(yTrain, [0], [limit])];
if (limit < xTest.shape[0]!) [xTest, yTest] = [keras.ops.slice(xTest, [0, 0, 0], [limit, -1, -1]), keras.ops.slice(yTest, [0], [limit])];
const X_train = keras.ops.divide(keras.ops.reshape(xTrain, [-1, imgRows, imgCols, 1]), 255);
const X_test = keras.ops.divide(keras.ops.reshape(xTest, [-1, imgRows, imgCols, 1]), 255);
console.log('X_train shape:', X_train.shape);
console.log(`${X_train.shape[0]} train samples`);
console.log(`${X_test.shape[0]} test samples`);
const Y_train = keras.utils.toCategorical(yTrain, nbClasses);
const Y_test = keras.utils.toCategorical(yTest, nbClasses);

const model = new Sequential();
model.add(new Convolution2D(nbFilters, kernelSize[0], kernelSize[1], {borderMode: 'valid', inputShape}));
model.add(new Activation('relu'));
model.add(new Convolution2D(nbFilters, kernelSize[0], kernelSize[1]));
model.add(new Activation('relu'));
model.add(new MaxPooling2D({poolSize}));
model.add(new Dropout(0.25));
model.add(new Flatten());
model.add(new Dense(128));
model.add(new Activation('relu'));
model.add(new Dropout(0.5));
model.add(new Dense(nbClasses));
model.add(new Activation('softmax'));
model.summary();

model.compile({loss: 'categorical_crossentropy', optimizer: new keras.optimizers.Adadelta({learningRate: 1.0}), metrics: ['accuracy']});

if (plot) for (const ext of ['svg', 'png']) await keras.utils.plotModel(model, {toFile: `${plot}/model.${ext}`, showShapes: true});
const callbacks = tensorboard ? [new keras.callbacks.TensorBoard(tensorboard, {histogramFreq: 1, writeImages: true})] : [];
const history = await model.fit(X_train, Y_train, {batchSize, epochs, verbose: 1, validationData: [X_test, Y_test], callbacks});
if (plot) for (const ext of ['svg', 'png']) await keras.utils.plotHistory(history, {toFile: `${plot}/history.${ext}`});
const score = (await model.evaluate(X_test, Y_test, {verbose: 0})) as number[];
console.log('Test score:', score[0]);
console.log('Test accuracy:', score[1]);
