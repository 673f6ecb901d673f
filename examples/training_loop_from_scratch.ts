/**
 * keras.io's guide "Writing a training loop from scratch" (fchollet): a `GradientTape` loop over
 * batches, `optimizer.applyGradients`, metrics updated and reset by hand, a validation loop, and
 * the losses layers add (`addLoss`) summed into the training loss. On Fashion-MNIST in place of
 * MNIST (the same shapes; Debian ships it). The guide's `@tf.function` sections have no TypeScript
 * counterpart: the loop below is the same code without the decorator.
 *
 *   npm run example -- training_loop_from_scratch [--epochs 2] [--limit N]
 */
import * as keras from 'keras-ts';
import type {Tensor} from 'keras-ts';
import {parseArgs} from './_args.js';

const {layers} = keras;
const {epochs, limit} = parseArgs({dataset: 'fashion_mnist', epochs: 2});
keras.utils.setRandomSeed(1337);

/** tf.data's `from_tensor_slices((x, y)).shuffle(...).batch(batchSize)`: `[x, y]` batches. */
function* batches(x: Tensor, y: Tensor, batchSize: number, shuffle: boolean): Generator<[Tensor, Tensor]> {
  const n = x.shape[0]!;
  const order = shuffle ? keras.random.shuffle(keras.arange(0, n, 1, 'int32')) : keras.arange(0, n, 1, 'int32');
  for (let i = 0; i < n; i += batchSize) {
    const idx = keras.ops.slice(order, [i], [Math.min(batchSize, n - i)]);
    yield [keras.ops.take(x, idx, 0), keras.ops.take(y, idx, 0)];
  }
}

// ## Using the `GradientTape`: a first end-to-end example

let inputs = keras.Input({shape: [784], name: 'digits'});
const x1 = new layers.Dense(64, {activation: 'relu'}).apply(inputs);
const x2 = new layers.Dense(64, {activation: 'relu'}).apply(x1);
let outputs = new layers.Dense(10, {name: 'predictions'}).apply(x2);
let model = new keras.Model({inputs, outputs});

// Instantiate an optimizer.
let optimizer = new keras.optimizers.SGD({learningRate: 1e-3});
// Instantiate a loss function.
let lossFn = new keras.losses.SparseCategoricalCrossentropy({fromLogits: true});

// Prepare the training dataset.
const batchSize = 64;
let [[xTrain, yTrain], [xTest, yTest]] = await keras.datasets.fashionMnist.loadData();
if (limit < xTrain.shape[0]!) [xTrain, yTrain] = [keras.ops.slice(xTrain, [0, 0, 0], [limit, -1, -1]), keras.ops.slice(yTrain, [0], [limit])];
xTrain = keras.ops.divide(keras.ops.reshape(xTrain, [-1, 784]), 255);
xTest = keras.ops.divide(keras.ops.reshape(xTest, [-1, 784]), 255);
void [xTest, yTest];

for (let epoch = 0; epoch < epochs; epoch++) {
  console.log(`\nStart of epoch ${epoch}`);

  // Iterate over the batches of the dataset.
  let step = 0;
  for (const [xBatchTrain, yBatchTrain] of batches(xTrain, yTrain, batchSize, true)) {
    // Open a GradientTape to record the operations run during the forward pass, which enables
    // auto-differentiation.
    const tape = new keras.GradientTape();
    const lossValue = tape.run(() => {
      // Run the forward pass of the layer. The operations that the layer applies to its inputs
      // are going to be recorded on the GradientTape.
      const logits = model.apply(xBatchTrain, {training: true}); // Logits for this minibatch
      // Compute the loss value for this minibatch.
      return lossFn.apply(yBatchTrain, logits);
    });

    // Use the gradient tape to automatically retrieve the gradients of the trainable variables
    // with respect to the loss.
    const grads = tape.gradient(lossValue, model.trainableWeights);

    // Run one step of gradient descent by updating the value of the variables to minimize the loss.
    optimizer.applyGradients(grads.map((g, i) => [g, model.trainableWeights[i]!]));

    // Log every 200 batches.
    if (step % 200 === 0) {
      console.log(`Training loss (for one batch) at step ${step}: ${lossValue.item().toFixed(4)}`);
      console.log(`Seen so far: ${(step + 1) * 64} samples`);
    }
    step++;
  }
}

// ## Low-level handling of metrics

// Get model
inputs = keras.Input({shape: [784], name: 'digits'});
let x = new layers.Dense(64, {activation: 'relu', name: 'dense_1'}).apply(inputs);
x = new layers.Dense(64, {activation: 'relu', name: 'dense_2'}).apply(x);
outputs = new layers.Dense(10, {name: 'predictions'}).apply(x);
model = new keras.Model({inputs, outputs});

// Instantiate an optimizer to train the model.
optimizer = new keras.optimizers.SGD({learningRate: 1e-3});
// Instantiate a loss function.
lossFn = new keras.losses.SparseCategoricalCrossentropy({fromLogits: true});

// Prepare the metrics.
const trainAccMetric = new keras.metrics.SparseCategoricalAccuracy();
const valAccMetric = new keras.metrics.SparseCategoricalAccuracy();

// Prepare the validation dataset. Reserve a sixth of the samples (10,000 of 60,000) for validation.
const nVal = Math.floor(xTrain.shape[0]! / 6);
const xVal = keras.ops.slice(xTrain, [xTrain.shape[0]! - nVal, 0], [nVal, -1]);
const yVal = keras.ops.slice(yTrain, [yTrain.shape[0]! - nVal], [nVal]);
xTrain = keras.ops.slice(xTrain, [0, 0], [xTrain.shape[0]! - nVal, -1]);
yTrain = keras.ops.slice(yTrain, [0], [yTrain.shape[0]! - nVal]);

for (let epoch = 0; epoch < epochs; epoch++) {
  console.log(`\nStart of epoch ${epoch}`);
  const startTime = performance.now();

  // Iterate over the batches of the dataset.
  let step = 0;
  for (const [xBatchTrain, yBatchTrain] of batches(xTrain, yTrain, batchSize, true)) {
    const tape = new keras.GradientTape();
    const [logits, lossValue] = tape.run(() => {
      const logits = model.apply(xBatchTrain, {training: true});
      return [logits, lossFn.apply(yBatchTrain, logits)] as const;
    });
    const grads = tape.gradient(lossValue, model.trainableWeights);
    optimizer.applyGradients(grads.map((g, i) => [g, model.trainableWeights[i]!]));

    // Update training metric.
    trainAccMetric.updateState(yBatchTrain, logits);

    // Log every 200 batches.
    if (step % 200 === 0) {
      console.log(`Training loss (for one batch) at step ${step}: ${lossValue.item().toFixed(4)}`);
      console.log(`Seen so far: ${(step + 1) * 64} samples`);
    }
    step++;
  }

  // Display metrics at the end of each epoch.
  const trainAcc = trainAccMetric.result();
  console.log(`Training acc over epoch: ${trainAcc.item().toFixed(4)}`);

  // Reset training metrics at the end of each epoch
  trainAccMetric.resetState();

  // Run a validation loop at the end of each epoch.
  for (const [xBatchVal, yBatchVal] of batches(xVal, yVal, 64, false)) {
    const valLogits = model.apply(xBatchVal, {training: false});
    // Update val metrics
    valAccMetric.updateState(yBatchVal, valLogits);
  }
  const valAcc = valAccMetric.result();
  valAccMetric.resetState();
  console.log(`Validation acc: ${valAcc.item().toFixed(4)}`);
  console.log(`Time taken: ${((performance.now() - startTime) / 1000).toFixed(2)}s`);
}

// ## Low-level handling of losses tracked by the model

class ActivityRegularizationLayer extends layers.Layer {
  override call(inputs: Tensor) {
    this.addLoss(keras.ops.multiply(1e-2, keras.ops.sum(inputs)));
    return inputs;
  }
}

inputs = keras.Input({shape: [784], name: 'digits'});
x = new layers.Dense(64, {activation: 'relu'}).apply(inputs);
// Insert activity regularization as a layer
x = new ActivityRegularizationLayer().apply(x);
x = new layers.Dense(64, {activation: 'relu'}).apply(x);
outputs = new layers.Dense(10, {name: 'predictions'}).apply(x);

model = new keras.Model({inputs, outputs});
optimizer = new keras.optimizers.SGD({learningRate: 1e-3});

// Here's what our training step should look like now:
function trainStep(x: Tensor, y: Tensor): Tensor {
  const tape = new keras.GradientTape();
  const [logits, lossValue] = tape.run(() => {
    const logits = model.apply(x, {training: true});
    let lossValue = lossFn.apply(y, logits);
    // Add any extra losses created during the forward pass.
    lossValue = keras.ops.add(lossValue, model.losses.reduce((a, b) => keras.ops.add(a, b)));
    return [logits, lossValue] as const;
  });
  const grads = tape.gradient(lossValue, model.trainableWeights);
  optimizer.applyGradients(grads.map((g, i) => [g, model.trainableWeights[i]!]));
  trainAccMetric.updateState(y, logits);
  return lossValue;
}

let step = 0;
for (const [xBatchTrain, yBatchTrain] of batches(xTrain, yTrain, batchSize, true)) {
  const lossValue = trainStep(xBatchTrain, yBatchTrain);
  if (step % 200 === 0) console.log(`Training loss (with the activity regularization) at step ${step}: ${lossValue.item().toFixed(4)}`);
  step++;
}
console.log(`Training acc over one epoch with addLoss: ${trainAccMetric.result().item().toFixed(4)}`);
