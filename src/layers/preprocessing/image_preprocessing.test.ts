import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {availableBackends, backendName, setBackend} from '../../backends/registry.js';
import * as ops from '../../ops/index.js';
import {randomUniform, SeedGenerator} from '../../tensor/random.js';
import {ones, tensor, Tensor} from '../../tensor/tensor.js';
import {assertClose} from '../../testing/gradcheck.js';
import {runLayerTest} from '../../testing/layer_test.js';
import {affineMatrices} from './base_image_layer.js';
import {CategoryEncoding} from './category_encoding.js';
import {CenterCrop} from './center_crop.js';
import {Discretization} from './discretization.js';
import {Normalization} from './normalization.js';
import {RandomBrightness} from './random_brightness.js';
import {RandomContrast} from './random_contrast.js';
import {RandomCrop} from './random_crop.js';
import {RandomFlip} from './random_flip.js';
import {RandomRotation} from './random_rotation.js';
import {RandomTranslation} from './random_translation.js';
import {RandomZoom} from './random_zoom.js';
import {Rescaling} from './rescaling.js';
import {Resizing} from './resizing.js';

// Expected values: Keras 3's docstring examples (Normalization, Discretization, CategoryEncoding),
// the ops of keras.ops.image (tested against torch / Keras's NumPy backend in src/ops/image.test.ts)
// applied to the transformation drawn from the same seed, and hand-computed cases.

const img = (shape: number[], seed = 3): Tensor => randomUniform(shape, {minval: 0, maxval: 255, seed});
const arr = (t: Tensor) => Array.from(t.values);

test('runLayerTest: every preprocessing and augmentation layer', () => {
  const images = {inputShape: [2, 8, 10, 3]};
  const rnd = {expectedNumSeedGenerators: 1, trainingIsRandom: true, expectedNumTrainableWeights: 0};
  runLayerTest(Rescaling, {init: [1 / 255], options: {offset: -1}, ...images, expectedOutputShape: [2, 8, 10, 3], expectedNumTrainableWeights: 0});
  runLayerTest(Rescaling, {init: [[1, 2, 3]], ...images, expectedOutputShape: [2, 8, 10, 3]});
  runLayerTest(Resizing, {init: [5, 6], ...images, expectedOutputShape: [2, 5, 6, 3]});
  runLayerTest(Resizing, {init: [12, 12], options: {interpolation: 'bicubic', cropToAspectRatio: true}, ...images, expectedOutputShape: [2, 12, 12, 3]});
  runLayerTest(Resizing, {init: [4, 4], options: {interpolation: 'nearest', padToAspectRatio: true}, ...images, expectedOutputShape: [2, 4, 4, 3]});
  runLayerTest(CenterCrop, {init: [4, 6], ...images, expectedOutputShape: [2, 4, 6, 3]});
  runLayerTest(CenterCrop, {init: [12, 4], ...images, expectedOutputShape: [2, 12, 4, 3]});
  runLayerTest(RandomCrop, {init: [5, 5], options: {seed: 1}, ...images, expectedOutputShape: [2, 5, 5, 3], ...rnd});
  runLayerTest(RandomFlip, {init: ['horizontal_and_vertical'], options: {seed: 1}, ...images, expectedOutputShape: [2, 8, 10, 3], ...rnd});
  runLayerTest(RandomRotation, {init: [0.2], options: {seed: 1}, ...images, expectedOutputShape: [2, 8, 10, 3], ...rnd});
  runLayerTest(RandomZoom, {init: [0.2], options: {widthFactor: [-0.3, 0.1], seed: 1}, ...images, expectedOutputShape: [2, 8, 10, 3], ...rnd});
  runLayerTest(RandomTranslation, {init: [0.2, 0.1], options: {fillMode: 'constant', seed: 1}, ...images, expectedOutputShape: [2, 8, 10, 3], ...rnd});
  runLayerTest(RandomContrast, {init: [0.5], options: {seed: 1}, ...images, expectedOutputShape: [2, 8, 10, 3], ...rnd});
  runLayerTest(RandomBrightness, {init: [0.3], options: {seed: 1, valueRange: [-3, 3]}, ...images, expectedOutputShape: [2, 8, 10, 3], ...rnd});
  runLayerTest(Normalization, {options: {axis: -1}, inputShape: [4, 3], expectedOutputShape: [4, 3], expectedNumTrainableWeights: 0, expectedNumNonTrainableWeights: 3});
  runLayerTest(Normalization, {options: {axis: null, mean: 3, variance: 2}, inputShape: [4, 3], expectedOutputShape: [4, 3], expectedNumNonTrainableWeights: 0});
  const ids = tensor(Int32Array.from([0, 3, 1, 1, 2, 0]), [3, 2], 'int32');
  runLayerTest(CategoryEncoding, {init: [4], options: {outputMode: 'count'}, inputData: ids, expectedOutputShape: [3, 4], runTrainingCheck: false});
  runLayerTest(CategoryEncoding, {init: [4], options: {outputMode: 'one_hot'}, inputData: ids, expectedOutputShape: [3, 2, 4], runTrainingCheck: false});
  runLayerTest(Discretization, {options: {binBoundaries: [-1, 0, 1]}, inputShape: [3, 4], expectedOutputShape: [3, 4], runTrainingCheck: false});
  runLayerTest(Discretization, {options: {binBoundaries: [-1, 0, 1], outputMode: 'multi_hot'}, inputShape: [3, 4], expectedOutputShape: [3, 4], runTrainingCheck: false});
});

test("Normalization: Keras's docstring examples, weights as Keras stores them, invert", () => {
  const global = new Normalization({axis: null});
  global.adapt(tensor([1, 2, 3, 4, 5]));
  assertClose(global.apply(tensor([1, 2, 3])), [-1.4142135, -0.70710677, 0], {atol: 1e-6});
  const data = [[0, 7, 4], [2, 9, 6], [0, 7, 4], [2, 9, 6]];
  const perFeature = new Normalization({axis: -1});
  perFeature.adapt(data);
  assertClose(perFeature.apply([[0, 7, 4]]), [-1, -1, -1], {atol: 1e-6});
  assert.deepEqual(perFeature.weights.map((w) => [w.name, [...w.shape], w.dtype, w.trainable]), [
    ['mean', [3], 'float32', false], ['variance', [3], 'float32', false], ['count', [], 'int32', false],
  ]);
  assertClose(perFeature.adaptMean!.value, [1, 8, 5]);
  assertClose(perFeature.adaptVariance!.value, [1, 1, 1]);
  const given = new Normalization({mean: 3, variance: 2});
  assertClose(given.apply([[1], [2], [3]]), [-1.4142135, -0.70710677, 0], {atol: 1e-6});
  const inverse = new Normalization({axis: -1, invert: true});
  inverse.adapt(data);
  assertClose(inverse.apply([[1, 2, 3]]), [2, 10, 8]);
  // several kept axes, mean given per kept axis and broadcast from the right
  const two = new Normalization({axis: [1, 2], mean: [1, 2], variance: [4, 16]});
  assertClose(two.apply(ones([1, 3, 2])), [0, -0.25, 0, -0.25, 0, -0.25]);
  assert.throws(() => new Normalization({mean: 1}), /both `mean` and `variance` must be set/);
  assert.throws(() => new Normalization({axis: null, mean: [1, 2], variance: [1, 2]}), /rank of `mean`/);
  assert.throws(() => perFeature.adapt([[1, 2]]), /incompatible shape/);
});

test('Normalization.adapt: a stream of batches (array of tensors, generator, PyDataset-like, async) equals one array', async () => {
  const x = randomUniform([50, 4], {minval: -3, maxval: 9, seed: 5});
  const whole = new Normalization();
  whole.adapt(x);
  const batches = [0, 16, 32, 48].map((s) => ops.slice(x, [s, 0], [Math.min(16, 50 - s), 4]));
  const fromList = new Normalization();
  fromList.adapt(batches);
  const fromGen = new Normalization();
  fromGen.adapt((function* () { for (const b of batches) yield [b, b] as const; })());
  const fromDs = new Normalization();
  fromDs.adapt({length: batches.length, getItem: (i: number) => batches[i]});
  const fromAsync = new Normalization();
  await fromAsync.adapt((async function* () { for (const b of batches) yield b; })());
  // the exact float64 moments, computed here
  const v = Array.from(x.values);
  const mean = [0, 1, 2, 3].map((j) => v.filter((_, i) => i % 4 === j).reduce((a, b) => a + b, 0) / 50);
  const variance = [0, 1, 2, 3].map((j) => v.filter((_, i) => i % 4 === j).reduce((a, b) => a + (b - mean[j]!) ** 2, 0) / 50);
  for (const l of [whole, fromList, fromGen, fromDs, fromAsync]) {
    assertClose(l.adaptMean!.value, mean, {rtol: 1e-6});
    assertClose(l.adaptVariance!.value, variance, {rtol: 1e-5});
  }
  assert.throws(() => new Normalization().adapt([] as Tensor[]), /empty/);
});

test("Discretization and CategoryEncoding: Keras's docstring examples", () => {
  const input = [[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]];
  assert.deepEqual(new Discretization({binBoundaries: [0, 1, 2]}).apply(input).arraySync(), [[0, 2, 3, 1], [1, 3, 2, 1]]);
  const adapted = new Discretization({numBins: 4, epsilon: 0.01});
  adapted.adapt(input);
  assert.deepEqual(adapted.apply(input).arraySync(), [[0, 2, 3, 2], [1, 3, 3, 1]]);
  const revived = Discretization.fromConfig(JSON.parse(JSON.stringify(adapted.getConfig())));
  assert.deepEqual(revived.binBoundaries, adapted.binBoundaries);
  assert.ok(!('trainable' in adapted.getConfig()), "Keras's Discretization config has no `trainable`");
  assert.throws(() => new Discretization({binBoundaries: [0], numBins: 2}), /should not be set/);

  assert.deepEqual(new CategoryEncoding(4, {outputMode: 'one_hot'}).apply([3, 2, 0, 1]).arraySync(), [[0, 0, 0, 1], [0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0]]);
  const ids = [[0, 1], [0, 0], [1, 2], [3, 1]];
  assert.deepEqual(new CategoryEncoding({numTokens: 4, outputMode: 'multi_hot'}).apply(ids).arraySync(), [[1, 1, 0, 0], [1, 0, 0, 0], [0, 1, 1, 0], [0, 1, 0, 1]]);
  const counted = new CategoryEncoding(4, {outputMode: 'count'}).apply(ids, {countWeights: [[0.1, 0.2], [0.1, 0.1], [0.2, 0.3], [0.4, 0.2]]});
  assertClose(counted, [0.1, 0.2, 0, 0, 0.2, 0, 0, 0, 0, 0.2, 0.3, 0, 0, 0.2, 0, 0.4]);
  assert.throws(() => new CategoryEncoding(4).apply([[0, 4]]), /0 <= values < num_tokens \(4\). Received: 4/);
  assert.throws(() => new CategoryEncoding(), /num_tokens must be set/);
  assert.throws(() => new CategoryEncoding(4, {outputMode: 'one_hot'}).apply([1], {countWeights: [1]}), /`count_weights` is not used/);
});

test('Rescaling, Resizing, CenterCrop: values', () => {
  assertClose(new Rescaling(1 / 127.5, {offset: -1}).apply(tensor(Int32Array.from([0, 255]), [2], 'int32')), [-1, 1]);
  assertClose(new Rescaling([1, 10], {offset: [0, 1]}).apply([[1, 1], [2, 2]]), [1, 11, 2, 21]);
  const x = img([2, 6, 8, 3]);
  assertClose(new Resizing(3, 4, {interpolation: 'bicubic', antialias: true}).apply(x), ops.image.resize(x, [3, 4], {interpolation: 'bicubic', antialias: true}));
  const xi = ops.cast(ops.round(x), 'int32');
  assert.equal(new Resizing(3, 4).apply(xi).dtype, 'int32', 'integer images stay integers, as Keras');
  // the centre window when it fits, smart_resize when it does not
  assert.deepEqual(arr(new CenterCrop(2, 4).apply(x)), arr(ops.slice(x, [0, 2, 2, 0], [2, 2, 4, 3])));
  assertClose(new CenterCrop(8, 8).apply(x), ops.image.resize(x, [8, 8], {cropToAspectRatio: true}));
  assert.throws(() => new Resizing(0, 3), /`height` must be a positive integer/);
  assert.throws(() => new Resizing(3, 3, {interpolation: 'area' as never}), /interpolation/);
});

test('augmentation: seeded draws give exactly the transformation Keras computes from them', () => {
  const x = img([4, 7, 9, 2]);
  const draws = (seed: number, n: number, lo: number, hi: number, times = 1): Float32Array[] => {
    const g = new SeedGenerator(seed);
    return Array.from({length: times}, () => randomUniform([n], {minval: lo, maxval: hi, seed: g}).values as Float32Array);
  };
  // RandomFlip: image i flipped left-right iff its draw <= 0.5
  const [u] = draws(11, 4, 0, 1);
  const flipped = new RandomFlip('horizontal', {seed: 11}).apply(x, {training: true});
  const perImage = (t: Tensor, i: number) => arr(ops.slice(t, [i, 0, 0, 0], [1, 7, 9, 2]));
  for (let i = 0; i < 4; i++) assert.deepEqual(perImage(flipped, i), perImage(u![i]! <= 0.5 ? ops.flip(x, 2) : x, i), `image ${i}`);
  assert.ok(u!.some((v) => v <= 0.5) && u!.some((v) => v > 0.5), 'the seed flips some images and not others');
  // RandomRotation: angles in factor * 360 degrees, rotation about the centre
  const [ang] = draws(5, 4, -0.2 * 360, 0.2 * 360);
  const rotated = new RandomRotation(0.2, {seed: 5, fillMode: 'constant', fillValue: 7}).apply(x, {training: true});
  assertClose(rotated, ops.image.affineTransform(x, tensor(affineMatrices(ang!, 7, 9), [4, 8]), {fillMode: 'constant', fillValue: 7}), {atol: 1e-4});
  // RandomTranslation: dy drawn first (times height), then dx (times width); matrix [1, 0, -dx, 0, 1, -dy]
  const [dy, dx] = draws(8, 4, -0.3, 0.3, 2);
  const m = new Float32Array(32);
  for (let i = 0; i < 4; i++) m.set([1, 0, -Math.fround(dx![i]! * 9), 0, 1, -Math.fround(dy![i]! * 7), 0, 0], i * 8);
  assertClose(new RandomTranslation(0.3, 0.3, {seed: 8, interpolation: 'nearest'}).apply(x, {training: true}), ops.image.affineTransform(x, tensor(m, [4, 8]), {interpolation: 'nearest', fillMode: 'reflect'}));
  // RandomZoom without widthFactor: one zoom for both axes, about the centre
  const [z] = draws(9, 4, 0.8, 1.2);
  const zm = new Float32Array(32);
  for (let i = 0; i < 4; i++) zm.set([z![i]!, 0, 4 * (1 - z![i]!), 0, z![i]!, 3 * (1 - z![i]!), 0, 0], i * 8);
  assertClose(new RandomZoom(0.2, {seed: 9}).apply(x, {training: true}), ops.image.affineTransform(x, tensor(zm, [4, 8]), {fillMode: 'reflect'}), {atol: 1e-3});
  // RandomContrast: (x - mean) * c + mean per image and channel, clipped to [0, 255]; factor 0.5 -> c in [1, 1.5]
  const [c] = draws(4, 4, 1, 1.5);
  const mean = ops.mean(x, [1, 2], true);
  const expected = ops.clip(ops.add(ops.multiply(ops.subtract(x, mean), tensor(c!, [4, 1, 1, 1])), mean), 0, 255);
  assertClose(new RandomContrast(0.5, {seed: 4}).apply(x, {training: true}), expected, {atol: 1e-3});
  assert.deepEqual(new RandomContrast(0.5).getConfig()['factor'], [0, 0.5]);
  // RandomBrightness: + delta * 255, clipped
  const [d] = draws(2, 4, -0.4, 0.4);
  assertClose(new RandomBrightness(0.4, {seed: 2}).apply(x, {training: true}), ops.clip(ops.add(x, tensor(d!.map((v) => v * 255), [4, 1, 1, 1])), 0, 255), {atol: 1e-3});
  // RandomCrop: one window for the batch, at floor(uniform(0, H - h + 1)), floor(uniform(0, W - w + 1))
  const [top, left] = draws(6, 1, 0, 1, 2);
  const t0 = Math.floor(top![0]! * 3), l0 = Math.floor(left![0]! * 5); // H - h + 1 = 3, W - w + 1 = 5
  const cropped = new RandomCrop(5, 5, {seed: 6}).apply(x, {training: true});
  assertClose(cropped, ops.slice(x, [0, t0, l0, 0], [4, 5, 5, 2]), {atol: 0});
});

test('augmentation is off in inference, on when called directly (as Keras), and single images work', () => {
  const x = img([3, 6, 6, 3]);
  const layers = [
    // seeded: an unseeded RandomFlip leaves all 3 images as they are once in 64 runs (seed 1 is such a draw)
    new RandomFlip('horizontal_and_vertical', {seed: 2}), new RandomRotation(0.3, {seed: 2}), new RandomZoom(0.3, {seed: 3}),
    new RandomTranslation(0.3, 0.3, {seed: 4}), new RandomContrast(0.9, {seed: 5}), new RandomBrightness(0.5, {seed: 6}),
  ];
  for (const l of layers) {
    assert.deepEqual(arr(l.apply(x, {training: false})), arr(x), `${l.className} in inference`);
    assert.notDeepEqual(arr(l.apply(x)), arr(x), `${l.className} called directly augments (Keras's training=True default)`);
    assert.deepEqual(l.apply(ops.reshape(ops.slice(x, [0, 0, 0, 0], [1, 6, 6, 3]), [6, 6, 3]), {training: true}).shape, [6, 6, 3]);
  }
  // RandomCrop in inference: the centred window of the aspect ratio, resized (Keras's documented behaviour)
  assertClose(new RandomCrop(3, 3).apply(x, {training: false}), ops.image.resize(x, [3, 3], {cropToAspectRatio: true}));
  assert.throws(() => new RandomFlip('diagonal' as never), /unknown mode/);
  assert.throws(() => new RandomRotation(1.5), /range \[-1, 1\]/);
  assert.throws(() => new RandomZoom(-1), /\(-1.0, 1.0\]/);
  assert.throws(() => new RandomRotation(0.1, {fillMode: 'edge' as never}), /Unknown `fill_mode`/);
  assert.throws(() => new RandomFlip().apply(ones([2, 3])), /rank 3 \(single image\) or 4/);
});

test('augmentation: the same seed gives the same outputs on every backend', (t) => {
  const names = ['reference', 'native', 'wasm'].filter((n) => availableBackends().includes(n));
  if (names.length < 2) return t.skip(`only ${names.join(', ')} available`);
  const before = backendName();
  const x = img([3, 8, 8, 2]);
  const make = () => [
    new RandomFlip('horizontal_and_vertical', {seed: 1}), new RandomRotation(0.25, {seed: 2}), new RandomZoom(0.3, {seed: 3}),
    new RandomTranslation(0.2, 0.2, {seed: 4, fillMode: 'wrap'}), new RandomContrast(0.5, {seed: 5}), new RandomBrightness(0.2, {seed: 6}),
    new RandomCrop(5, 6, {seed: 7}),
  ];
  const results = new Map<string, number[][]>();
  try {
    for (const n of names) {
      setBackend(n);
      // two calls each: the generators advance identically too
      results.set(n, make().flatMap((l) => [arr(l.apply(x, {training: true})), arr(l.apply(x, {training: true}))]));
    }
  } finally {
    setBackend(before);
  }
  const ref = results.get(names[0]!)!;
  for (const n of names.slice(1)) {
    results.get(n)!.forEach((v, i) => {
      // bit-identical, but RandomContrast (outputs 8, 9): its image mean is a reduction whose
      // summation order is the backend's (1 ulp at 255 measured)
      const worst = Math.max(...v.map((a, j) => Math.abs(a - ref[i]![j]!)));
      assert.ok(worst <= (i === 8 || i === 9 ? 1e-4 : 0), `${n} vs ${names[0]}: output ${i} differs by ${worst}`);
    });
  }
});

test('Discretization.adapt over batches: the boundaries of a NumPy transcription of Keras (fixture)', () => {
  const here = dirname(fileURLToPath(import.meta.url));
  const fix = JSON.parse(readFileSync(join(here, '..', '..', '..', 'test', 'fixtures', 'preprocessing_layers.json'), 'utf8')) as {
    discretization: {numBins: number; epsilon: number; batches: number[][]; binBoundaries: number[]}[];
  };
  for (const c of fix.discretization) {
    const d = new Discretization({numBins: c.numBins, epsilon: c.epsilon});
    d.adapt(c.batches.map((b) => tensor(b)));
    assert.equal(d.binBoundaries!.length, c.numBins - 1);
    assertClose(d.binBoundaries!, c.binBoundaries, {rtol: 1e-5, atol: 1e-5, label: `numBins ${c.numBins}, epsilon ${c.epsilon}`});
  }
});

test('channels_first: the same result as channels_last on transposed images', () => {
  const x = img([2, 6, 8, 3]);
  const cf = ops.transpose(x, [0, 3, 1, 2]);
  const back = (t: Tensor) => ops.transpose(t, [0, 2, 3, 1]);
  const makers: ((df: 'channels_last' | 'channels_first') => {apply(x: Tensor, k?: object): unknown})[] = [
    (df) => new RandomFlip('horizontal_and_vertical', {seed: 1, dataFormat: df}),
    (df) => new RandomRotation(0.2, {seed: 2, dataFormat: df}),
    (df) => new RandomZoom(0.2, {seed: 3, dataFormat: df}),
    (df) => new RandomTranslation(0.2, 0.3, {seed: 4, dataFormat: df}),
    (df) => new RandomContrast(0.4, {seed: 5, dataFormat: df}),
    (df) => new RandomCrop(4, 5, {seed: 6, dataFormat: df}),
    (df) => new Resizing(3, 5, {dataFormat: df}),
    (df) => new CenterCrop(4, 4, {dataFormat: df}),
  ];
  for (const make of makers) {
    const a = make('channels_last').apply(x, {training: true}) as Tensor;
    const b = make('channels_first').apply(cf, {training: true}) as Tensor;
    assertClose(back(b), a, {atol: 1e-4});
  }
});
