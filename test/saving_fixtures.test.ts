// Real model files written by Python Keras (../shared/fixtures/keras, not copied into the repo) load
// and reproduce the oracles recorded with them. Skipped with a message when the folder is absent;
// with CI=true a missing folder or data set fails the run (src/testing/needs.ts).
import {after, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import '../src/index.js';
import {loadModel, loadWeights, readH5File, shutdownH5} from '../src/saving/index.js';
import {getPath, type H5Dataset} from '../src/saving/h5_tree.js';
import {modelFromJson} from '../src/saving/saving_lib.js';
import {tensor, type Tensor} from '../src/tensor/tensor.js';
import {loadNpy} from '../src/utils/npy.js';
import {loadIdx} from '../src/utils/idx.js';
import {FASHION_DIR, KERAS_FIXTURES, needFashion, needKerasFixtures} from '../src/testing/needs.js';

const FIX = KERAS_FIXTURES;
const FASHION = FASHION_DIR;
const skipFix = needKerasFixtures('MANIFEST.md');
const skipFashion = skipFix || needFashion(['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']);
/** Test images to classify: a subset by default; KERAS_TS_FULL_FASHION=1 uses all 10,000. */
const N_FASHION = process.env['KERAS_TS_FULL_FASHION'] ? 10000 : 1000;

after(() => shutdownH5());

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function ds(tree: Awaited<ReturnType<typeof readH5File>>, path: string): H5Dataset {
  const d = getPath(tree, path);
  assert.ok(d && d.kind === 'dataset', `missing dataset ${path}`);
  return d;
}

function fashionTest(n: number): {x: Tensor; y: Uint8Array} {
  const img = loadIdx(join(FASHION, 't10k-images-idx3-ubyte.gz'));
  const lab = loadIdx(join(FASHION, 't10k-labels-idx1-ubyte.gz'));
  const px = img.data as Uint8Array;
  const x = new Float32Array(n * 784);
  for (let i = 0; i < n * 784; i++) x[i] = px[i]! / 255;
  return {x: tensor(x, [n, 28, 28, 1]), y: (lab.data as Uint8Array).subarray(0, n)};
}

/**
 * The independent float64 NumPy pass of each model (scripts/make_fashion_oracles.py ->
 * test/fixtures/fashion_oracles.json): the same class for every one of the first 1,000 images (the
 * smallest NumPy margins there are 1.8e-3, 1.3e-3 and 3.0e-4, far above float32's error) and the same number correct; on
 * all 10,000 (KERAS_TS_FULL_FASHION=1) the same count as NumPy's (0.9051, 0.8414, 0.8416).
 */
const ORACLES = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'fashion_oracles.json'), 'utf8')) as {
  subset: number;
  models: Record<string, {subsetCorrect: number; fullCorrect: number; fullAccuracy: number; predictions: number[]; margins: number[]}>;
};

async function assertOracle(name: string, model: {predict(x: Tensor, a?: object): Promise<Tensor | Tensor[]>}, x: Tensor, y: Uint8Array): Promise<void> {
  const o = ORACLES.models[name]!;
  const p = (await model.predict(x, {batchSize: 250, verbose: 0})) as Tensor;
  const k = p.shape[1]!;
  let correct = 0;
  const differ: string[] = [];
  for (let i = 0; i < y.length; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (p.values[i * k + j]! > p.values[i * k + best]!) best = j;
    if (best === y[i]) correct++;
    if (i < ORACLES.subset && best !== o.predictions[i]) differ.push(`image ${i}: ours ${best}, NumPy ${o.predictions[i]} (margin ${o.margins[i]})`);
  }
  assert.deepEqual(differ.slice(0, 10), [], `${name}: ${differ.length} predictions differ from the NumPy pass`);
  const want = y.length === 10000 ? o.fullCorrect : y.length === ORACLES.subset ? o.subsetCorrect : null;
  assert.ok(want !== null, `no oracle for ${y.length} images`);
  assert.equal(correct, want, `${name}: ${correct} of ${y.length} correct, NumPy ${want}`);
}

describe('Python Keras fixtures', {skip: skipFix}, () => {
  test('Keras 2.3.1 MLP (.h5): recorded outputs and loss', async () => {
    const model = await loadModel(join(FIX, 'dl4j_sparse_xent_mlp_k2_model.h5'));
    assert.equal(model.className, 'Sequential');
    assert.equal(model.optimizer?.className, 'RMSprop');
    const io = await readH5File(join(FIX, 'dl4j_sparse_xent_mlp_k2_inputs_and_outputs.h5'));
    const x = ds(io, 'inputs/dense_1_input');
    const want = ds(io, 'outputs/activation_1');
    const out = (await (model as never as {predict(x: Tensor, a: object): Promise<Tensor>}).predict(tensor(x.data as Float32Array, x.shape), {verbose: 0}));
    assert.deepEqual(out.shape, [3, 3]);
    assert.ok(maxAbsDiff(out.values, want.data as Float32Array) < 1e-6, `outputs differ by ${maxAbsDiff(out.values, want.data as Float32Array)}`);
    // the recorded loss is the sparse categorical crossentropy of these outputs for labels 0, 1, 2;
    // the loss comes from the file's training_config
    const loss = (await (model as never as {evaluate(x: Tensor, y: Tensor, a: object): Promise<number | number[]>}).evaluate(
      tensor(x.data as Float32Array, x.shape), tensor([0, 1, 2], [3], 'int32'), {verbose: 0},
    ));
    const l = Array.isArray(loss) ? loss[0]! : loss;
    const recorded = (ds(io, 'scores/loss').data as Float32Array)[0]!;
    assert.ok(Math.abs(l - recorded) < 1e-5, `loss ${l} vs recorded ${recorded}`);
  });

  test('Keras 2.1.3 CNN + BatchNormalization (.h5): recorded predictions to 1e-5', async () => {
    const model = await loadModel(join(FIX, 'dl4j_cnn_batchnorm_k2_model.h5'));
    const x = loadNpy(join(FIX, 'dl4j_cnn_batchnorm_input.npy'));
    const want = loadNpy(join(FIX, 'dl4j_cnn_batchnorm_predictions.npy'));
    assert.deepEqual(x.shape, [5, 10, 10, 3]);
    const xt = tensor(Float32Array.from(x.data as Float64Array), x.shape);
    const out = (await (model as never as {predict(x: Tensor, a: object): Promise<Tensor>}).predict(xt, {verbose: 0}));
    assert.deepEqual(out.shape, [5, 1]);
    const d = maxAbsDiff(out.values, want.data as Float32Array);
    assert.ok(d < 1e-5, `predictions differ by ${d}`);
  });

  test('Keras 2.0.6 LSTM: the model file and its weights-only twin hold identical weights', async () => {
    const m1 = await loadModel(join(FIX, 'dl4j_simple_lstm_k2_model.h5'), {compile: false});
    const lstm = m1.layers[0]!;
    assert.equal(lstm.className, 'LSTM');
    assert.equal((lstm.getConfig() as {recurrentActivation: string}).recurrentActivation, 'hard_sigmoid');
    assert.deepEqual(m1.weights.map((w) => w.shape), [[1, 200], [50, 200], [200], [50, 1], [1]]);
    // a second copy with its weights zeroed, then loaded from the weights-only file
    const m2 = await loadModel(join(FIX, 'dl4j_simple_lstm_k2_model.h5'), {compile: false});
    m2.setWeights(m2.getWeights().map((w) => tensor(new Float32Array(w.size), w.shape)));
    await loadWeights(m2, join(FIX, 'dl4j_simple_lstm_k2_weights.h5'));
    const w1 = m1.getWeights();
    const w2 = m2.getWeights();
    w1.forEach((w, i) => assert.deepEqual(Array.from(w2[i]!.values), Array.from(w.values), `weight ${i}`));
    // and both equal the arrays in the file
    const raw = await readH5File(join(FIX, 'dl4j_simple_lstm_k2_weights.h5'));
    const k = ds(raw, 'lstm_1/lstm_1/recurrent_kernel:0');
    assert.deepEqual(Array.from(w1[1]!.values), Array.from(k.data as Float32Array));
    const io = await readH5File(join(FIX, 'dl4j_simple_lstm_k2_inputs_and_outputs.h5'));
    const x = ds(io, 'inputs/lstm_1_input');
    const out = (await (m1 as never as {predict(x: Tensor, a: object): Promise<Tensor>}).predict(tensor(x.data as Float32Array, x.shape), {batchSize: 25, verbose: 0}));
    assert.deepEqual(out.shape, [100, 1]);
    assert.ok(Array.from(out.values).every(Number.isFinite));
  });

  test('Keras 3.10 .keras Fashion-MNIST CNN: config, optimizer state, test accuracy', {skip: skipFashion}, async () => {
    const model = await loadModel(join(FIX, 'fashion_cnn_k3.keras'));
    assert.deepEqual(model.layers.map((l) => l.className), ['Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dropout', 'Dense', 'Dense']);
    const opt = model.optimizer!;
    assert.equal(opt.className, 'Adam');
    assert.equal(opt.variables.length, 18);
    assert.ok(opt.iterations > 0, 'the Adam iteration counter comes from the file');
    const {x, y} = fashionTest(N_FASHION);
    // exactly the NumPy pass's predictions and count (all 10,000: 0.9051)
    await assertOracle('fashion_cnn_k3', model as never, x, y);
  });

  test('KotlinDL LeNet: JSON config + Keras 2.2.4-tf weights classify Fashion-MNIST', {skip: skipFashion}, async () => {
    const json = readFileSync(join(FIX, 'kotlindl_lenet_fashion_config.json'), 'utf8');
    const model = modelFromJson(json);
    await loadWeights(model, join(FIX, 'kotlindl_lenet_fashion_weights.h5'));
    const {x, y} = fashionTest(N_FASHION);
    // exactly the NumPy pass's predictions and count (all 10,000: 0.8414)
    await assertOracle('kotlindl_lenet', model as never, x, y);
  });

  test('KotlinDL ToyResNet: functional Keras 2 JSON (Add, shared inputs) + weights classify Fashion-MNIST', {skip: skipFashion}, async () => {
    const model = modelFromJson(readFileSync(join(FIX, 'kotlindl_toyresnet_fashion_config.json'), 'utf8'));
    assert.equal(model.className, 'Functional');
    await loadWeights(model, join(FIX, 'kotlindl_toyresnet_fashion_weights.h5'));
    const {x, y} = fashionTest(N_FASHION);
    // exactly the NumPy pass's predictions and count (all 10,000: 0.8416)
    await assertOracle('kotlindl_toyresnet', model as never, x, y);
  });
});
