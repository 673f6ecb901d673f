/**
 * keras.io's "Image classification from scratch" (fchollet): `imageDatasetFromDirectory` over a
 * folder with one sub-folder per class, a small Xception-like network (Rescaling, separable
 * convolutions, batch normalization, residual connections), `ModelCheckpoint`, and inference on
 * one file with `loadImg`. The original's Kaggle Cats vs Dogs JPEGs are not available offline:
 * point `--dir` at any such folder (the test writes real Fashion-MNIST images as PNGs). As in the
 * original, the training images are augmented (RandomFlip, RandomRotation) in the dataset's `map`,
 * on the CPU as they are read.
 *
 *   npm run example -- image_classification_from_scratch --dir PetImages [--image-size 180] [--epochs 25] [--out .]
 */
import {readdirSync} from 'node:fs';
import {join} from 'node:path';
import * as keras from 'keras-ts';
import type {Tensor} from 'keras-ts';

const {layers} = keras;
const argv = process.argv.slice(2);
const arg = (name: string) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : undefined);
const dataDir = arg('dir') ?? 'PetImages';
const side = Number(arg('image-size') ?? 180);
const outDir = arg('out') ?? '.';
keras.utils.setRandomSeed(1337);

// ## Generate a `Dataset`

const imageSize: [number, number] = [side, side];
const batchSize = 128;

const [trainDs, valDs] = keras.utils.imageDatasetFromDirectory(dataDir, {
  validationSplit: 0.2,
  subset: 'both',
  seed: 1337,
  imageSize,
  batchSize,
});

// ## Using image data augmentation

const dataAugmentationLayers = [new layers.RandomFlip('horizontal'), new layers.RandomRotation(0.1)];

function dataAugmentation(images: Tensor): Tensor {
  for (const layer of dataAugmentationLayers) images = layer.apply(images) as Tensor;
  return images;
}

// ## Configure the dataset for performance

// Apply `dataAugmentation` to the training images.
// (labels are inferred from the folders, so every batch is [images, labels])
const augmentedTrainDs = trainDs.map((batch) => {
  const [img, label] = batch as [Tensor, Tensor];
  return [dataAugmentation(img), label];
});

// ## Build a model

function makeModel(inputShape: number[], numClasses: number): keras.Model {
  const inputs = keras.Input({shape: inputShape});

  // Entry block
  let x = new layers.Rescaling(1.0 / 255).apply(inputs);
  x = new layers.Conv2D(32, 3, {strides: 2, padding: 'same'}).apply(x);
  x = new layers.BatchNormalization().apply(x);
  x = new layers.Activation('relu').apply(x);

  x = new layers.Conv2D(64, 3, {padding: 'same'}).apply(x);
  x = new layers.BatchNormalization().apply(x);
  x = new layers.Activation('relu').apply(x);

  let previousBlockActivation = x; // Set aside residual

  for (const size of [128, 256, 512, 728]) {
    x = new layers.Activation('relu').apply(x);
    x = new layers.SeparableConv2D(size, 3, {padding: 'same'}).apply(x);
    x = new layers.BatchNormalization().apply(x);

    x = new layers.Activation('relu').apply(x);
    x = new layers.SeparableConv2D(size, 3, {padding: 'same'}).apply(x);
    x = new layers.BatchNormalization().apply(x);

    x = new layers.MaxPooling2D(3, {strides: 2, padding: 'same'}).apply(x);

    // Project residual
    const residual = new layers.Conv2D(size, 1, {strides: 2, padding: 'same'}).apply(previousBlockActivation);
    x = layers.add([x, residual]); // Add back residual
    previousBlockActivation = x; // Set aside next residual
  }

  x = new layers.SeparableConv2D(1024, 3, {padding: 'same'}).apply(x);
  x = new layers.BatchNormalization().apply(x);
  x = new layers.Activation('relu').apply(x);

  x = new layers.GlobalAveragePooling2D().apply(x);
  let activation: string, units: number;
  if (numClasses === 2) {
    activation = 'sigmoid';
    units = 1;
  } else {
    activation = 'softmax';
    units = numClasses;
  }

  x = new layers.Dropout(0.5).apply(x);
  const outputs = new layers.Dense(units, {activation}).apply(x);
  return new keras.Model({inputs, outputs});
}

const model = makeModel([...imageSize, 3], 2);

// ## Train the model

const epochs = Number(arg('epochs') ?? 25);

const callbacks = [new keras.callbacks.ModelCheckpoint(join(outDir, 'save_at_{epoch}.keras'))];
model.compile({optimizer: new keras.optimizers.Adam({learningRate: 1e-3}), loss: 'binary_crossentropy', metrics: ['accuracy']});
await model.fit(augmentedTrainDs, {epochs, callbacks, validationData: valDs});

// ## Run inference on new data

const firstClass = join(dataDir, trainDs.classNames[0]!);
const img = await keras.utils.loadImg(join(firstClass, readdirSync(firstClass).sort()[0]!), {targetSize: imageSize});
let imgArray = keras.utils.imgToArray(img);
imgArray = keras.ops.expandDims(imgArray, 0); // Create batch axis

const predictions = (await model.predict(imgArray)) as Tensor;
const score = predictions.values[0]!;
console.log(`This image is ${(100 * (1 - score)).toFixed(2)}% ${trainDs.classNames[0]} and ${(100 * score).toFixed(2)}% ${trainDs.classNames[1]}.`);
const [valLoss, valAcc] = (await model.evaluate(valDs, {verbose: 0})) as number[];
console.log('Validation loss:', valLoss);
console.log('Validation accuracy:', valAcc);
