/**
 * keras.io's guide "Customizing what happens in `fit()`" (fchollet), part by part: a `trainStep`
 * with the compiled loss and metrics, a lower-level one with its own `Mean` tracker and
 * `MeanAbsoluteError`, `sampleWeight` support, a custom `testStep`, and the end-to-end GAN with two
 * optimizers, trained through `fit` on real images (Fashion-MNIST in place of MNIST: the same
 * 28x28 shapes, and Debian ships it).
 *
 *   npm run example -- custom_train_step [--steps 100] [--batch-size 64]
 */
import * as keras from 'keras-ts';
import type {Tensor} from 'keras-ts';

const {layers} = keras;
const argv = process.argv.slice(2);
const arg = (name: string, dflt: number) => (argv.includes(`--${name}`) ? Number(argv[argv.indexOf(`--${name}`) + 1]) : dflt);
keras.utils.setRandomSeed(1337);

// ## A first simple example

class CustomModel extends keras.Model {
  override trainStep(data: keras.StepData) {
    // Unpack the data. Its structure depends on your model and on what you pass to `fit()`.
    const [x, y] = data;

    const tape = new keras.GradientTape();
    const [yPred, loss] = tape.run(() => {
      const yPred = this.apply(x, {training: true}); // Forward pass
      // Compute the loss value (the loss function is configured in `compile()`)
      return [yPred, this.computeLoss({y, yPred})] as const;
    });

    // Compute gradients
    const trainableVars = this.trainableVariables;
    const gradients = tape.gradient(loss, trainableVars);

    // Update weights
    this.optimizer!.apply(gradients, trainableVars);

    // Update metrics (includes the metric that tracks the loss)
    for (const metric of this.metrics) {
      if (metric.name === 'loss') metric.updateState(loss);
      else metric.updateState(y, yPred);
    }

    // Return a dict mapping metric names to current value
    return Object.fromEntries(this.metrics.map((m) => [m.name, m.result()]));
  }
}

// Construct and compile an instance of CustomModel
let inputs = keras.Input({shape: [32]});
let outputs = new keras.layers.Dense(1).apply(inputs);
let model: keras.Model = new CustomModel({inputs, outputs});
model.compile({optimizer: 'adam', loss: 'mse', metrics: ['mae']});

// Just use `fit` as usual
let x = keras.random.uniform([1000, 32]);
let y = keras.random.uniform([1000, 1]);
await model.fit(x, y, {epochs: 3});

// ## Going lower-level

class LowLevelModel extends keras.Model {
  lossTracker = new keras.metrics.Mean({name: 'loss'});
  maeMetric = new keras.metrics.MeanAbsoluteError({name: 'mae'});
  lossFn = new keras.losses.MeanSquaredError();

  override trainStep(data: [Tensor, Tensor]) {
    const [x, y] = data;

    const tape = new keras.GradientTape();
    const [yPred, loss] = tape.run(() => {
      const yPred = this.apply(x, {training: true}); // Forward pass
      // Compute our own loss
      return [yPred, this.lossFn.apply(y, yPred)] as const;
    });

    // Compute gradients
    const trainableVars = this.trainableVariables;
    const gradients = tape.gradient(loss, trainableVars);

    // Update weights
    this.optimizer!.apply(gradients, trainableVars);

    // Compute our own metrics
    this.lossTracker.updateState(loss);
    this.maeMetric.updateState(y, yPred);
    return {loss: this.lossTracker.result(), mae: this.maeMetric.result()};
  }

  // We list our `Metric` objects here so that `resetState()` can be called automatically at the
  // start of each epoch or at the start of `evaluate()`.
  override get metrics() {
    return [this.lossTracker, this.maeMetric];
  }
}

// Construct an instance of LowLevelModel
inputs = keras.Input({shape: [32]});
outputs = new keras.layers.Dense(1).apply(inputs);
model = new LowLevelModel({inputs, outputs});

// We don't pass a loss or metrics here.
model.compile({optimizer: 'adam'});

// Just use `fit` as usual -- you can use callbacks, etc.
x = keras.random.uniform([1000, 32]);
y = keras.random.uniform([1000, 1]);
await model.fit(x, y, {epochs: 5});

// ## Supporting `sampleWeight` & `classWeight`

class WeightedModel extends keras.Model {
  override trainStep(data: keras.StepData) {
    // Unpack the data. Its structure depends on your model and on what you pass to `fit()`.
    const [x, y, sampleWeight = null] = data;

    const tape = new keras.GradientTape();
    const [yPred, loss] = tape.run(() => {
      const yPred = this.apply(x, {training: true}); // Forward pass
      // Compute the loss value. The loss function is configured in `compile()`.
      return [yPred, this.computeLoss({y, yPred, sampleWeight})] as const;
    });

    // Compute gradients
    const trainableVars = this.trainableVariables;
    const gradients = tape.gradient(loss, trainableVars);

    // Update weights
    this.optimizer!.apply(gradients, trainableVars);

    // Update the metrics. Metrics are configured in `compile()`.
    for (const metric of this.metrics) {
      if (metric.name === 'loss') metric.updateState(loss);
      else metric.updateState(y, yPred, sampleWeight);
    }

    // Return a dict mapping metric names to current value.
    // Note that it will include the loss (tracked in this.metrics).
    return Object.fromEntries(this.metrics.map((m) => [m.name, m.result()]));
  }
}

// Construct and compile an instance of WeightedModel
inputs = keras.Input({shape: [32]});
outputs = new keras.layers.Dense(1).apply(inputs);
model = new WeightedModel({inputs, outputs});
model.compile({optimizer: 'adam', loss: 'mse', metrics: ['mae']});

// You can now use the sampleWeight argument
x = keras.random.uniform([1000, 32]);
y = keras.random.uniform([1000, 1]);
const sw = keras.random.uniform([1000, 1]);
await model.fit(x, y, {sampleWeight: sw, epochs: 3});

// ## Providing your own evaluation step

class EvalModel extends keras.Model {
  override testStep(data: keras.StepData) {
    // Unpack the data
    const [x, y] = data;
    // Compute predictions
    const yPred = this.apply(x, {training: false});
    // Updates the metrics tracking the loss
    const loss = this.computeLoss({y, yPred});
    // Update the metrics.
    for (const metric of this.metrics) {
      if (metric.name === 'loss') metric.updateState(loss);
      else metric.updateState(y, yPred);
    }
    // Return a dict mapping metric names to current value.
    // Note that it will include the loss (tracked in this.metrics).
    return Object.fromEntries(this.metrics.map((m) => [m.name, m.result()]));
  }
}

// Construct an instance of EvalModel
inputs = keras.Input({shape: [32]});
outputs = new keras.layers.Dense(1).apply(inputs);
model = new EvalModel({inputs, outputs});
model.compile({loss: 'mse', metrics: ['mae']});

// Evaluate with our custom testStep
x = keras.random.uniform([1000, 32]);
y = keras.random.uniform([1000, 1]);
await model.evaluate(x, y);

// ## Wrapping up: an end-to-end GAN example

// Create the discriminator
const discriminator = new keras.Sequential(
  [
    keras.Input({shape: [28, 28, 1]}),
    new layers.Conv2D(64, [3, 3], {strides: [2, 2], padding: 'same'}),
    new layers.LeakyReLU({negativeSlope: 0.2}),
    new layers.Conv2D(128, [3, 3], {strides: [2, 2], padding: 'same'}),
    new layers.LeakyReLU({negativeSlope: 0.2}),
    new layers.GlobalMaxPooling2D(),
    new layers.Dense(1),
  ],
  {name: 'discriminator'},
);

// Create the generator
const latentDim = 128;
const generator = new keras.Sequential(
  [
    keras.Input({shape: [latentDim]}),
    // We want to generate 128 coefficients to reshape into a 7x7x128 map
    new layers.Dense(7 * 7 * 128),
    new layers.LeakyReLU({negativeSlope: 0.2}),
    new layers.Reshape([7, 7, 128]),
    new layers.Conv2DTranspose(128, [4, 4], {strides: [2, 2], padding: 'same'}),
    new layers.LeakyReLU({negativeSlope: 0.2}),
    new layers.Conv2DTranspose(128, [4, 4], {strides: [2, 2], padding: 'same'}),
    new layers.LeakyReLU({negativeSlope: 0.2}),
    new layers.Conv2D(1, [7, 7], {padding: 'same', activation: 'sigmoid'}),
  ],
  {name: 'generator'},
);

// A feature-complete GAN class, overriding `compile()` to use its own signature, and implementing
// the entire GAN algorithm in `trainStep`:
class GAN extends keras.Model {
  dLossTracker = new keras.metrics.Mean({name: 'd_loss'});
  gLossTracker = new keras.metrics.Mean({name: 'g_loss'});
  seedGenerator = new keras.random.SeedGenerator(1337);
  dOptimizer!: keras.optimizers.Optimizer;
  gOptimizer!: keras.optimizers.Optimizer;
  lossFn!: keras.losses.Loss;

  constructor(readonly discriminator: keras.Model, readonly generator: keras.Model, readonly latentDim: number) {
    super();
  }

  override get metrics() {
    return [this.dLossTracker, this.gLossTracker];
  }

  override compile({dOptimizer, gOptimizer, lossFn}: GANCompileArgs) {
    super.compile();
    this.dOptimizer = dOptimizer;
    this.gOptimizer = gOptimizer;
    this.lossFn = lossFn;
  }

  override trainStep([realImages]: [Tensor]) {
    // Sample random points in the latent space
    const batchSize = realImages.shape[0]!;
    let randomLatentVectors = keras.random.normal([batchSize, this.latentDim], {seed: this.seedGenerator});

    // Decode them to fake images
    const generatedImages = this.generator.apply(randomLatentVectors);

    // Combine them with real images
    const combinedImages = keras.ops.concatenate([generatedImages, realImages], 0);

    // Assemble labels discriminating real from fake images
    let labels = keras.ops.concatenate([keras.ones([batchSize, 1]), keras.zeros([batchSize, 1])], 0);
    // Add random noise to the labels - important trick!
    labels = keras.ops.add(labels, keras.ops.multiply(0.05, keras.random.uniform(labels.shape, {seed: this.seedGenerator})));

    // Train the discriminator
    let tape = new keras.GradientTape();
    const dLoss = tape.run(() => {
      const predictions = this.discriminator.apply(combinedImages);
      return this.lossFn.apply(labels, predictions);
    });
    let grads = tape.gradient(dLoss, this.discriminator.trainableWeights);
    this.dOptimizer.apply(grads, this.discriminator.trainableWeights);

    // Sample random points in the latent space
    randomLatentVectors = keras.random.normal([batchSize, this.latentDim], {seed: this.seedGenerator});

    // Assemble labels that say "all real images"
    const misleadingLabels = keras.zeros([batchSize, 1]);

    // Train the generator (note that we should *not* update the weights of the discriminator)!
    tape = new keras.GradientTape();
    const gLoss = tape.run(() => {
      const predictions = this.discriminator.apply(this.generator.apply(randomLatentVectors));
      return this.lossFn.apply(misleadingLabels, predictions);
    });
    grads = tape.gradient(gLoss, this.generator.trainableWeights);
    this.gOptimizer.apply(grads, this.generator.trainableWeights);

    // Update metrics and return their value.
    this.dLossTracker.updateState(dLoss);
    this.gLossTracker.updateState(gLoss);
    return {d_loss: this.dLossTracker.result(), g_loss: this.gLossTracker.result()};
  }
}
interface GANCompileArgs extends keras.CompileArgs {
  dOptimizer: keras.optimizers.Optimizer;
  gOptimizer: keras.optimizers.Optimizer;
  lossFn: keras.losses.Loss;
}

// Prepare the dataset. We use both the training & test images.
const batchSize = arg('batch-size', 64);
const [[xTrain], [xTest]] = await keras.datasets.fashionMnist.loadData();
let allDigits = keras.ops.concatenate([xTrain, xTest], 0);
allDigits = keras.ops.divide(keras.ops.cast(allDigits, 'float32'), 255.0);
allDigits = keras.ops.reshape(allDigits, [-1, 28, 28, 1]);
// as tf.data's `shuffle(...).batch(batchSize)`: shuffled batches, yielded one at a time
function* dataset(): Generator<Tensor> {
  const order = keras.random.shuffle(keras.arange(0, allDigits.shape[0]!, 1, 'int32'), {seed: 1024});
  for (let i = 0; i + batchSize <= order.size; i += batchSize) yield keras.ops.take(allDigits, keras.ops.slice(order, [i], [batchSize]), 0);
}

const gan = new GAN(discriminator, generator, latentDim);
gan.compile({
  dOptimizer: new keras.optimizers.Adam({learningRate: 0.0003}),
  gOptimizer: new keras.optimizers.Adam({learningRate: 0.0003}),
  lossFn: new keras.losses.BinaryCrossentropy({fromLogits: true}),
});

// To limit the execution time, we only train on 100 batches (`--steps`; `dataset.take(100)` in the
// original). You can train on the entire dataset. You will need about 20 epochs to get nice results.
const history = await gan.fit(dataset(), {epochs: 1, stepsPerEpoch: arg('steps', 100)});
console.log('GAN d_loss:', history.history['d_loss']!.at(-1), 'g_loss:', history.history['g_loss']!.at(-1));
