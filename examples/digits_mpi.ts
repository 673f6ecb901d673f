/**
 * The digits MLP trained by several processes at once (keras.distribution.DataParallel over MPI):
 * each process takes its share of every batch of 32, the gradients are averaged across processes,
 * and rank 0 prints.
 *
 *   mpirun -np 2 node --conditions=source --import tsx examples/digits_mpi.ts
 *   npm run example -- digits_mpi        (one process: the same program, no MPI needed)
 */
import * as keras from 'keras-ts';

keras.distribution.setDistribution(new keras.distribution.DataParallel());
const rank = keras.distribution.distribution()!.processId;
keras.utils.setRandomSeed(1337 + rank); // dropout masks differ per process; the weights come from rank 0
if (rank === 0) console.log(`devices: ${keras.distribution.listDevices().join(', ')}`);

const [[xTrain, yTrain], [xTest, yTest]] = await keras.datasets.uciDigits.loadData();
const [x, xt] = [keras.ops.divide(xTrain, 16), keras.ops.divide(xTest, 16)];
const [y, yt] = [keras.utils.toCategorical(yTrain, 10), keras.utils.toCategorical(yTest, 10)];

const model = new keras.models.Sequential([
  new keras.layers.Dense(64, {activation: 'relu', inputShape: [64]}),
  new keras.layers.Dropout(0.2),
  new keras.layers.Dense(64, {activation: 'relu'}),
  new keras.layers.Dense(10, {activation: 'softmax'}),
]);
model.compile({loss: 'categorical_crossentropy', optimizer: new keras.optimizers.Adam(), metrics: ['accuracy']});
// batchSize is the global batch: 16 rows per process and step with 2 processes
await model.fit(x, y, {batchSize: 32, epochs: 20, verbose: 2, validationData: [xt, yt]});
const [loss, accuracy] = (await model.evaluate(xt, yt, {batchSize: 32, verbose: 0})) as number[];
if (rank === 0) console.log(`Test loss: ${loss!.toFixed(4)}\nTest accuracy: ${accuracy!.toFixed(4)}`);
