/**
 * The first program: a small MLP on the UCI handwritten digits shipped with the package
 * (8x8 images, 1,797 samples, no download). Trains in seconds and prints the test accuracy.
 *
 *   npm run example            (or: npm run example -- digits)
 */
import * as keras from 'keras-ts';

const {Sequential} = keras.models;
const {Dense, Dropout} = keras.layers;

keras.utils.setRandomSeed(1337);

const [[xTrain, yTrain], [xTest, yTest]] = await keras.datasets.uciDigits.loadData();
// pixels are 0..16: scale them to [0, 1]; labels to one-hot vectors
const x = keras.ops.divide(xTrain, 16);
const xt = keras.ops.divide(xTest, 16);
const y = keras.utils.toCategorical(yTrain, 10);
const yt = keras.utils.toCategorical(yTest, 10);
console.log(`${x.shape[0]} train samples, ${xt.shape[0]} test samples`);

const model = new Sequential();
model.add(new Dense(64, {activation: 'relu', inputShape: [64]}));
model.add(new Dropout(0.2));
model.add(new Dense(64, {activation: 'relu'}));
model.add(new Dense(10, {activation: 'softmax'}));
model.summary();

model.compile({loss: 'categorical_crossentropy', optimizer: new keras.optimizers.Adam(), metrics: ['accuracy']});
await model.fit(x, y, {batchSize: 32, epochs: 20, verbose: 2, validationData: [xt, yt]});
const [loss, accuracy] = (await model.evaluate(xt, yt, {verbose: 0})) as number[];
console.log(`Test loss: ${loss!.toFixed(4)}`);
console.log(`Test accuracy: ${accuracy!.toFixed(4)}`);
