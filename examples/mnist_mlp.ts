/**
 * The seed's MLP (Keras's mnist_mlp.py): Dense 512 - ReLU - Dropout - Dense 512 - ReLU - Dropout -
 * Dense 10 - Softmax, RMSprop, batch 128.
 *
 *   npm run example -- mnist_mlp [--dataset fashion_mnist] [--epochs 20] [--tensorboard logs] [--plot plots]
 */
import * as keras from 'keras-ts';
import {parseArgs} from './_args.js';

keras.utils.setRandomSeed(1337); // for reproducibility, as the original's np.random.seed(1337)

const {Sequential} = keras.models;
const {Dense, Dropout, Activation} = keras.layers;
const {RMSprop} = keras.optimizers;

const {dataset, epochs, limit, tensorboard, plot} = parseArgs({dataset: 'mnist', epochs: 20});
const batchSize = 128;
const nbClasses = 10;

const data = dataset === 'mnist' ? keras.datasets.mnist : keras.datasets.fashionMnist;
let [[xTrain, yTrain], [xTest, yTest]] = await data.loadData();
if (limit < xTrain.shape[0]!) [xTrain, yTrain] = [keras.ops.slice(xTrain, [0, 0, 0], [limit, -1, -1]), keras.ops.slice(yTrain, [0], [limit])];
if (limit < xTest.shape[0]!) [xTest, yTest] = [keras.ops.slice(xTest, [0, 0, 0], [limit, -1, -1]), keras.ops.slice(yTest, [0], [limit])];
const X_train = keras.ops.divide(keras.ops.reshape(xTrain, [-1, 784]), 255);
const X_test = keras.ops.divide(keras.ops.reshape(xTest, [-1, 784]), 255);
console.log(`${X_train.shape[0]} train samples`);
console.log(`${X_test.shape[0]} test samples`);
const Y_train = keras.utils.toCategorical(yTrain, nbClasses);
const Y_test = keras.utils.toCategorical(yTest, nbClasses);

const model = new Sequential();
model.add(new Dense(512, {inputShape: [784]}));
model.add(new Activation('relu'));
model.add(new Dropout(0.2));
model.add(new Dense(512));
model.add(new Activation('relu'));
model.add(new Dropout(0.2));
model.add(new Dense(10));
model.add(new Activation('softmax'));
model.summary();

model.compile({loss: 'categorical_crossentropy', optimizer: new RMSprop(), metrics: ['accuracy']});

if (plot) for (const ext of ['svg', 'png']) await keras.utils.plotModel(model, {toFile: `${plot}/model.${ext}`, showShapes: true});
const callbacks = tensorboard ? [new keras.callbacks.TensorBoard(tensorboard, {histogramFreq: 1})] : [];
const history = await model.fit(X_train, Y_train, {batchSize, epochs, verbose: 1, validationData: [X_test, Y_test], callbacks});
if (plot) for (const ext of ['svg', 'png']) await keras.utils.plotHistory(history, {toFile: `${plot}/history.${ext}`});
const score = (await model.evaluate(X_test, Y_test, {verbose: 0})) as number[];
console.log('Test score:', score[0]);
console.log('Test accuracy:', score[1]);
