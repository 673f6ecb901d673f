/**
 * A model that takes raw strings: `Input({dtype: 'string'})` -> TextVectorization -> Embedding ->
 * pooling -> Dense, trained on the real UCI sentiment sentences, saved to `.keras` (the adapted
 * vocabulary in the archive's assets, as Keras writes it) and to legacy `.h5`, loaded back, and
 * predicting identically on raw strings. Also a Hashing + StringLookup model through `.keras`.
 */
import assert from 'node:assert/strict';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';
import * as keras from '../src/index.js';
import {clearSession} from '../src/layers/layer.js';
import {needFiles} from '../src/testing/needs.js';
import {permutation, setRandomSeed} from '../src/tensor/random.js';
import {stringTensor, type Tensor} from '../src/tensor/tensor.js';
import {decode, encode} from '../src/utils/py_dataset_codec.js';
import {readZip} from '../src/utils/zip.js';

const DATA = new URL('../../shared/data/uci_sentiment_labelled_sentences/', import.meta.url);
const FILES = ['amazon_cells_labelled.txt', 'imdb_labelled.txt', 'yelp_labelled.txt'];
const skipData = needFiles('the UCI sentiment data set', FILES.map((f) => fileURLToPath(new URL(f, DATA))), '../shared/data/uci_sentiment_labelled_sentences/ beside the repository');

function sentences(): {texts: string[]; labels: number[]} {
  const lines = FILES.flatMap((f) => readFileSync(new URL(f, DATA), 'utf8').split('\n').filter((l) => l.trim()));
  return {texts: lines.map((l) => l.slice(0, l.lastIndexOf('\t'))), labels: lines.map((l) => Number(l.slice(l.lastIndexOf('\t') + 1)))};
}

const same = (a: Tensor, b: Tensor) => assert.deepEqual(Array.from(b.values), Array.from(a.values));

test('a model taking raw strings (TextVectorization inside) trains on real sentences, saves to .keras and .h5, loads, and predicts identically', {skip: skipData}, async () => {
  setRandomSeed(3);
  clearSession();
  const {texts, labels} = sentences();
  assert.equal(texts.length, 3000);
  const order = [...permutation(texts.length, 42)];
  const testIdx = order.slice(0, 600), trainIdx = order.slice(600);
  const pick = <T>(xs: T[], ix: number[]) => ix.map((i) => xs[i]!);

  const vectorize = new keras.layers.TextVectorization({maxTokens: 3000, outputSequenceLength: 24});
  vectorize.adapt(pick(texts, trainIdx));
  const inputs = keras.Input({shape: [1], dtype: 'string'});
  let x = vectorize.apply(inputs);
  x = new keras.layers.Embedding(3000, 16).apply(x);
  x = new keras.layers.GlobalAveragePooling1D().apply(x);
  const outputs = new keras.layers.Dense(1, {activation: 'sigmoid'}).apply(x);
  const model = new keras.Model({inputs, outputs});
  model.compile({optimizer: {className: 'Adam', config: {learningRate: 0.01}} as never, loss: 'binary_crossentropy', metrics: ['accuracy']});
  // raw strings in fit, evaluate and predict: a string[] of sentences, batched and shuffled as any array
  await model.fit(pick(texts, trainIdx), pick(labels, trainIdx), {epochs: 8, batchSize: 32, verbose: 0});
  const heldOut = pick(texts, testIdx);
  const result = (await model.evaluate(heldOut, pick(labels, testIdx), {verbose: 0, returnDict: true})) as Record<string, number>;
  console.log(`# raw-string model, held-out accuracy ${result['accuracy']!.toFixed(4)} (600 sentences)`);
  assert.ok(result['accuracy']! >= 0.72, `held-out accuracy ${result['accuracy']}`);
  const before = (await model.predict(heldOut, {verbose: 0})) as Tensor;
  assert.deepEqual(before.shape, [600, 1]);

  const dir = mkdtempSync(join(tmpdir(), 'keras-ts-text-'));
  try {
    const path = join(dir, 'sentiment.keras');
    await model.save(path);
    // the archive holds the learnt vocabulary where Keras writes it (for the layer and its inner StringLookup)
    const zip = readZip(readFileSync(path));
    const names = zip.entries.map((e) => e.name);
    assert.ok(names.includes('assets/layers/text_vectorization/vocabulary.txt'), names.join(', '));
    assert.ok(names.includes('assets/layers/text_vectorization/_lookup_layer/vocabulary.txt'));
    const vocabText = new TextDecoder().decode(zip.read(zip.entries.find((e) => e.name === 'assets/layers/text_vectorization/vocabulary.txt')!));
    assert.deepEqual(vocabText.split('\n'), vectorize.getVocabulary());
    const config = JSON.parse(new TextDecoder().decode(zip.read(zip.entries.find((e) => e.name === 'config.json')!)));
    const layers = config.config.layers as {class_name: string; config: Record<string, unknown>}[];
    assert.equal(layers[0]!.config['dtype'], 'string');
    assert.equal(layers[1]!.class_name, 'TextVectorization');
    assert.equal(layers[1]!.config['vocabulary'], null);
    assert.equal(layers[1]!.config['vocabulary_size'], vectorize.vocabularySize());

    const loaded = (await keras.models.loadModel(path)) as keras.Model;
    assert.notEqual(loaded, model);
    same(before, (await loaded.predict(heldOut, {verbose: 0})) as Tensor);
    // the loaded model keeps training from the raw strings
    await loaded.fit(pick(texts, trainIdx.slice(0, 64)), pick(labels, trainIdx.slice(0, 64)), {epochs: 1, verbose: 0});

    const h5 = join(dir, 'sentiment.h5');
    await model.save(h5);
    const fromH5 = (await keras.models.loadModel(h5)) as keras.Model;
    same(before, (await fromH5.predict(heldOut, {verbose: 0})) as Tensor);
    // one sentence, as a string tensor of shape [1] or [1, 1]
    const one = (await fromH5.predict(stringTensor([['What a great phone!']]), {verbose: 0})) as Tensor;
    same((await model.predict(['What a great phone!'], {verbose: 0})) as Tensor, one);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test('string inputs: Hashing and StringLookup (adapted) in one model through .keras and .h5; numbers where strings are expected are refused', async () => {
  clearSession();
  const words = ['omar', 'stringer', 'marlo', 'wire', 'skywalker', 'omar', 'wire'];
  const inputs = keras.Input({shape: [], dtype: 'string', name: 'word'});
  const lookup = new keras.layers.StringLookup({outputMode: 'one_hot'});
  lookup.adapt(words);
  const hashed = new keras.layers.Hashing(8, {outputMode: 'one_hot', salt: [133, 137]}).apply(inputs);
  const looked = lookup.apply(inputs);
  const merged = new keras.layers.Concatenate().apply([hashed, looked]);
  const model = new keras.Model({inputs, outputs: new keras.layers.Dense(2).apply(merged)});
  const probe = ['omar', 'marlo', 'unknown', 'skywalker'];
  const before = (await model.predict(probe, {verbose: 0})) as Tensor;
  assert.deepEqual(before.shape, [4, 2]);
  const dir = mkdtempSync(join(tmpdir(), 'keras-ts-text-'));
  try {
    for (const file of ['words.keras', 'words.h5']) {
      await model.save(join(dir, file));
      const loaded = (await keras.models.loadModel(join(dir, file))) as keras.Model;
      same(before, (await loaded.predict(probe, {verbose: 0})) as Tensor);
    }
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
  await assert.rejects(model.predict([1, 2, 3], {verbose: 0}), /expects strings \(dtype string\), but received a float32 tensor/);
  // a string tensor refused by numeric ops, naming the op
  assert.throws(() => keras.ops.relu(stringTensor(['a'])), /Relu \(input 'x'\): received a string tensor, but this operation needs numbers/);
  assert.throws(() => keras.ops.reshape(stringTensor(['a', 'b']), [2, 1]), /Reshape \(input 'x'\): received a string tensor/);
  assert.throws(() => keras.ops.add(stringTensor(['a']), stringTensor(['b'])), /Cannot combine a string tensor with a int32 tensor/);
  assert.throws(() => keras.ops.add(stringTensor(['a']), 1), /numbers cannot become a string tensor/);
  assert.throws(() => keras.ops.cast(stringTensor(['1']), 'float32'), /Cast \(input 'x'\): received a string tensor/);
  assert.throws(() => keras.ops.cast([1, 2], 'string'), /Cast: cannot make a string tensor, only numbers/);
});

test('a model with a string output (StringLookup then its inverse) predicts strings over several batches; IntegerLookup in a model round-trips .keras', async () => {
  clearSession();
  const vocab = ['a', 'b', 'c', 'd'];
  const inputs = keras.Input({shape: [2], dtype: 'string'});
  const ids = new keras.layers.StringLookup({vocabulary: vocab}).apply(inputs);
  const back = new keras.layers.StringLookup({vocabulary: vocab, invert: true}).apply(ids);
  const model = new keras.Model({inputs, outputs: back});
  const data = [['a', 'z'], ['d', 'c'], ['b', 'b'], ['q', 'a'], ['c', 'd']];
  const out = (await model.predict(data, {batchSize: 2, verbose: 0})) as Tensor;
  assert.equal(out.dtype, 'string');
  assert.deepEqual(out.arraySync(), [['a', '[UNK]'], ['d', 'c'], ['b', 'b'], ['[UNK]', 'a'], ['c', 'd']]);

  clearSession();
  const intIn = keras.Input({shape: [3], dtype: 'int32'});
  const intLookup = new keras.layers.IntegerLookup({numOovIndices: 2});
  intLookup.adapt([[12, 1138, 42], [42, 1000, 36], [123456789, 42, 12]]);
  const intModel = new keras.Model({inputs: intIn, outputs: intLookup.apply(intIn)});
  // int32 data (a nested array of numbers would be read as float32, where 123456789 is not exact)
  const probe = keras.tensor([[12, 7, 42], [123456789, 36, 8]], undefined, 'int32');
  const before = (await intModel.predict(probe, {verbose: 0})) as Tensor;
  // 42 x3, 12 x2, then ties by descending value; 7 and 8 go to the OOV buckets by value mod 2
  assert.deepEqual(before.arraySync(), [[3, 1, 2], [4, 7, 0]]);
  const dir = mkdtempSync(join(tmpdir(), 'keras-ts-text-'));
  try {
    await intModel.save(join(dir, 'ints.keras'));
    const zip = readZip(readFileSync(join(dir, 'ints.keras')));
    const vocabFile = zip.entries.find((e) => e.name === 'assets/layers/integer_lookup/vocabulary.txt');
    assert.ok(vocabFile, zip.entries.map((e) => e.name).join(', '));
    assert.equal(new TextDecoder().decode(zip.read(vocabFile)), '-1\n-1\n42\n12\n123456789\n1138\n1000\n36');
    same(before, (await ((await keras.models.loadModel(join(dir, 'ints.keras'))) as keras.Model).predict(probe, {verbose: 0})) as Tensor);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test('a Sequential starting with TextVectorization (with or without keras.Input) trains on strings; its saved input layer has dtype string', async () => {
  const texts = ['good movie', 'bad movie', 'great film', 'awful film', 'good good', 'bad bad'];
  const labels = [1, 0, 1, 0, 1, 0];
  const dir = mkdtempSync(join(tmpdir(), 'keras-ts-text-'));
  try {
    for (const withInput of [true, false]) {
      clearSession();
      const tv = new keras.layers.TextVectorization({outputMode: 'multi_hot'});
      tv.adapt(texts);
      const layers = [tv, new keras.layers.Dense(1, {activation: 'sigmoid'})];
      const model = new keras.Sequential(withInput ? [keras.Input({shape: [1], dtype: 'string'}), ...layers] : layers);
      model.compile({optimizer: 'adam', loss: 'binary_crossentropy'});
      await model.fit(texts, labels, {epochs: 2, verbose: 0});
      const probe = ['good film', 'awful movie', 'never seen'];
      const before = (await model.predict(probe, {verbose: 0})) as Tensor;
      const path = join(dir, `seq_${withInput}.keras`);
      await model.save(path);
      const zip = readZip(readFileSync(path));
      const config = JSON.parse(new TextDecoder().decode(zip.read(zip.entries.find((e) => e.name === 'config.json')!)));
      assert.equal(config.config.layers[0].class_name, 'InputLayer');
      assert.equal(config.config.layers[0].config.dtype, 'string');
      same(before, (await ((await keras.models.loadModel(path)) as keras.Model).predict(probe, {verbose: 0})) as Tensor);
    }
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test('the text dataset streams raw strings straight into a model with TextVectorization inside (keras.io "text classification from scratch", vectorization in the model)', {skip: skipData}, async () => {
  clearSession();
  setRandomSeed(5);
  const {texts, labels} = sentences();
  const root = mkdtempSync(join(tmpdir(), 'keras-ts-text-ds-'));
  try {
    for (const cls of ['neg', 'pos']) mkdirSync(join(root, cls));
    texts.slice(0, 800).forEach((t, i) => writeFileSync(join(root, labels[i] ? 'pos' : 'neg', `${i}.txt`), t));
    const [rawTrain, rawVal] = keras.utils.textDatasetFromDirectory(root, {validationSplit: 0.2, subset: 'both', seed: 1337, batchSize: 32, verbose: false});
    const vectorize = new keras.layers.TextVectorization({maxTokens: 2000, outputSequenceLength: 32});
    vectorize.adapt(await rawTrain.texts());
    const inputs = keras.Input({shape: [], dtype: 'string'});
    let x = vectorize.apply(inputs);
    x = new keras.layers.Embedding(2000, 16).apply(x);
    x = new keras.layers.GlobalAveragePooling1D().apply(x);
    const model = new keras.Model({inputs, outputs: new keras.layers.Dense(1, {activation: 'sigmoid'}).apply(x)});
    model.compile({optimizer: {className: 'Adam', config: {learningRate: 0.01}} as never, loss: 'binary_crossentropy', metrics: ['accuracy']});
    const h = await model.fit(rawTrain, undefined, {epochs: 6, validationData: rawVal, verbose: 0});
    const loss = h.history['loss']!;
    assert.ok(loss.at(-1)! < loss[0]! * 0.6, `loss ${loss.join(', ')}`);
    assert.ok(h.history['val_accuracy']!.at(-1)! > 0.6, `val accuracy ${h.history['val_accuracy']}`);
    const p = (await model.predict(['I loved it, great product.', 'Terrible, it broke after a day.'], {verbose: 0})) as Tensor;
    assert.deepEqual(p.shape, [2, 1]);
  } finally {
    rmSync(root, {recursive: true, force: true});
  }
});

test('a string tensor crosses to and from a PyDataset worker thread with its strings', () => {
  const t = stringTensor([['the cat'], ['a dog']]);
  const back = decode(structuredClone(encode([t, 1], 'batch'))) as [Tensor, number];
  assert.equal(back[0].dtype, 'string');
  assert.deepEqual(back[0].arraySync(), [['the cat'], ['a dog']]);
});
