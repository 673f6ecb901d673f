/**
 * The seed's LSTM (Keras's imdb_lstm.py): Embedding - LSTM with dropout - Dense 1 - sigmoid on the
 * IMDB reviews, written with the seed's Keras-1 spellings (`dropout` on Embedding, `dropout_W` /
 * `dropout_U` on LSTM), which keras-ts maps to Keras 3 with a one-time deprecation warning.
 *
 *   npm run example -- imdb_lstm [--epochs 15] [--limit 25000] [--tensorboard logs] [--plot plots]
 */
import * as keras from 'keras-ts';
import {parseArgs} from './_args.js';

keras.utils.setRandomSeed(1337); // for reproducibility, as the original's np.random.seed(1337)

const {Sequential} = keras.models;
const {Dense, Activation, Embedding, LSTM} = keras.layers;

const {epochs, limit, tensorboard, plot} = parseArgs({dataset: 'imdb', epochs: 15});
const maxFeatures = 20000;
const maxlen = 80; // cut texts after this number of words (among top maxFeatures most common words)
const batchSize = 32;

console.log('Loading data...');
let [[xTrain, yTrain], [xTest, yTest]] = await keras.datasets.imdb.loadData({numWords: maxFeatures});
if (limit < xTrain.length) {
  [xTrain, yTrain] = [xTrain.slice(0, limit), keras.ops.slice(yTrain, [0], [limit])];
  [xTest, yTest] = [xTest.slice(0, limit), keras.ops.slice(yTest, [0], [limit])];
}
console.log(`${xTrain.length} train sequences`);
console.log(`${xTest.length} test sequences`);

console.log('Pad sequences (samples x time)');
const X_train = keras.utils.padSequences(xTrain, {maxlen});
const X_test = keras.utils.padSequences(xTest, {maxlen});
console.log('X_train shape:', X_train.shape);
console.log('X_test shape:', X_test.shape);

console.log('Build model...');
const model = new Sequential();
model.add(new Embedding(maxFeatures, 128, {dropout: 0.2}));
model.add(new LSTM(128, {dropout_W: 0.2, dropout_U: 0.2})); // try using a GRU instead, for fun
model.add(new Dense(1));
model.add(new Activation('sigmoid'));
model.build([null, maxlen]);
model.summary();

model.compile({loss: 'binary_crossentropy', optimizer: 'adam', metrics: ['accuracy']});

console.log('Train...');
if (plot) for (const ext of ['svg', 'png']) await keras.utils.plotModel(model, {toFile: `${plot}/model.${ext}`, showShapes: true});
const callbacks = tensorboard ? [new keras.callbacks.TensorBoard(tensorboard, {histogramFreq: 1})] : [];
const history = await model.fit(X_train, yTrain, {batchSize, epochs, validationData: [X_test, yTest], callbacks});
if (plot) for (const ext of ['svg', 'png']) await keras.utils.plotHistory(history, {toFile: `${plot}/history.${ext}`});
const [score, acc] = (await model.evaluate(X_test, yTest, {batchSize, verbose: 0})) as number[];
console.log('Test score:', score);
console.log('Test accuracy:', acc);
