/**
 * keras.utils.textDatasetFromDirectory over a folder of .txt files the test writes from the UCI
 * "Sentiment Labelled Sentences" (IMDb part, ../shared/data/uci_sentiment_labelled_sentences): labels
 * from the sub-folders, labelMode, classNames, batchSize, maxLength, shuffle + seed, validationSplit
 * + subset (incl. 'both'), followLinks; and a TextVectorization + Embedding model trained through fit.
 */
import assert from 'node:assert/strict';
import {mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';
import * as keras from '../../src/index.js';
import type {Tensor} from '../../src/index.js';

const DATA = new URL('../../../shared/data/uci_sentiment_labelled_sentences/imdb_labelled.txt', import.meta.url);

/** neg/ and pos/ with one file per sentence; returns the root and each sentence's label. */
function sentimentTree(): {root: string; label: Map<string, number>; count: number} {
  const root = mkdtempSync(join(tmpdir(), 'keras-ts-text-'));
  mkdirSync(join(root, 'neg'));
  mkdirSync(join(root, 'pos'));
  const label = new Map<string, number>();
  let count = 0;
  readFileSync(DATA, 'utf8').split('\n').forEach((line, i) => {
    const m = /^(.*)\t([01])\s*$/.exec(line);
    if (!m) return;
    const text = m[1]!.trim();
    const y = Number(m[2]);
    writeFileSync(join(root, y ? 'pos' : 'neg', `review_${String(i).padStart(4, '0')}.txt`), text);
    label.set(text, y);
    count++;
  });
  writeFileSync(join(root, 'pos', 'README.md'), 'not a .txt file');
  return {root, label, count};
}

async function all(ds: keras.utils.TextDataset): Promise<keras.utils.TextBatch[]> {
  const out: keras.utils.TextBatch[] = [];
  for await (const b of ds) out.push(b);
  return out;
}

const quiet = <T>(fn: () => T): {value: T; logs: string[]} => {
  const logs: string[] = [];
  const log = console.log;
  console.log = (s: string) => logs.push(s);
  try {
    return {value: fn(), logs};
  } finally {
    console.log = log;
  }
};

test('labels from sub-folders, every text read whole, labelMode int / categorical / binary / null, batchSize', async () => {
  const {root, label, count} = sentimentTree();
  assert.equal(count, 1000);
  const {value: ds, logs} = quiet(() => keras.utils.textDatasetFromDirectory(root, {batchSize: 64, seed: 7}));
  assert.deepEqual(logs, ['Found 1000 files belonging to 2 classes.']);
  assert.deepEqual(ds.classNames, ['neg', 'pos']);
  assert.equal(ds.length, 16);
  const batches = (await all(ds)) as [string[], Tensor][];
  assert.deepEqual(batches.map(([x]) => x.length), [...Array(15).fill(64), 40]);
  const seen = new Set<string>();
  for (const [texts, y] of batches) {
    assert.equal(y.dtype, 'int32');
    texts.forEach((t, i) => {
      assert.equal(y.values[i], label.get(t), t);
      seen.add(t);
    });
  }
  assert.equal(seen.size, label.size); // every sentence once (some sentences repeat in the data set)
  const cat = ((await all(keras.utils.textDatasetFromDirectory(root, {labelMode: 'categorical', batchSize: 8, seed: 1, verbose: false})))[0] as [string[], Tensor])[1];
  assert.deepEqual(cat.shape, [8, 2]);
  const [tb, bin] = (await all(keras.utils.textDatasetFromDirectory(root, {labelMode: 'binary', batchSize: 8, seed: 1, verbose: false})))[0] as [string[], Tensor];
  assert.deepEqual(bin.shape, [8, 1]);
  assert.deepEqual(Array.from(bin.values), tb.map((t) => label.get(t)));
  // same seed, same order: the one-hot rows match the binary labels
  assert.deepEqual(Array.from(cat.values), tb.flatMap((t) => (label.get(t) ? [0, 1] : [1, 0])));
  const unlabeled = quiet(() => keras.utils.textDatasetFromDirectory(root, {labels: null, batchSize: 600, shuffle: false}));
  assert.deepEqual(unlabeled.logs, ['Found 1000 files.']);
  const texts = (await unlabeled.value.getItem(1)) as string[];
  assert.ok(Array.isArray(texts) && typeof texts[0] === 'string' && texts.length === 400);
  const noMode = (await keras.utils.textDatasetFromDirectory(root, {labelMode: null, batchSize: 4, verbose: false, seed: 2}).getItem(0)) as string[];
  assert.equal(noMode.length, 4);
});

test('batchSize: null yields one text and its label at a time, as Keras', async () => {
  const {root, label} = sentimentTree();
  const ds = keras.utils.textDatasetFromDirectory(root, {batchSize: null, labelMode: 'binary', seed: 3, verbose: false});
  assert.equal(ds.length, 1000);
  const [text, y] = (await ds.getItem(5)) as [string, Tensor];
  assert.equal(typeof text, 'string');
  assert.deepEqual(y.shape, [1]);
  assert.equal(y.values[0], label.get(text));
  const [, yi] = (await keras.utils.textDatasetFromDirectory(root, {batchSize: null, seed: 3, verbose: false}).getItem(5)) as [string, Tensor];
  assert.deepEqual([yi.shape, yi.dtype], [[], 'int32']);
  const alone = await keras.utils.textDatasetFromDirectory(root, {labels: null, batchSize: null, shuffle: false, verbose: false}).getItem(0);
  assert.equal(typeof alone, 'string');
});

test('shuffle false keeps sorted order; a seed gives the same order; each epoch reshuffles; classNames reorders labels; maxLength cuts', async () => {
  const {root, label} = sentimentTree();
  const sorted = keras.utils.textDatasetFromDirectory(root, {shuffle: false, batchSize: 1000, verbose: false});
  const [x0] = (await sorted.getItem(0)) as [string[], Tensor];
  const negFirst = x0.slice(0, 500);
  assert.ok(negFirst.every((t) => label.get(t) === 0));
  const a = keras.utils.textDatasetFromDirectory(root, {seed: 3, batchSize: 10, verbose: false});
  const b = keras.utils.textDatasetFromDirectory(root, {seed: 3, batchSize: 10, verbose: false});
  const a0 = ((await a.getItem(0)) as [string[], Tensor])[0];
  assert.deepEqual(((await b.getItem(0)) as [string[], Tensor])[0], a0);
  a.onEpochEnd();
  assert.notDeepEqual(((await a.getItem(0)) as [string[], Tensor])[0], a0);
  const swapped = keras.utils.textDatasetFromDirectory(root, {classNames: ['pos', 'neg'], shuffle: false, batchSize: 1000, verbose: false});
  const [xs, ys] = (await swapped.getItem(0)) as [string[], Tensor];
  assert.ok(xs.every((t, i) => ys.values[i] === 1 - label.get(t)!));
  assert.throws(
    () => keras.utils.textDatasetFromDirectory(root, {classNames: ['neg', 'other'], verbose: false}),
    /The `class_names` passed did not match the names of the subdirectories of the target directory\. Expected: \["neg","pos"\], but received: \["neg","other"\]/,
  );
  const cut = keras.utils.textDatasetFromDirectory(root, {maxLength: 12, shuffle: false, batchSize: 1000, verbose: false});
  const [short] = (await cut.getItem(0)) as [string[], Tensor];
  assert.deepEqual(short, x0.map((t) => Buffer.from(t).subarray(0, 12).toString('utf8')));
  assert.deepEqual((await cut.texts()).slice(0, 3), short.slice(0, 3));
  assert.throws(() => keras.utils.textDatasetFromDirectory(root, {maxLength: 0}), /`max_length` must be a positive integer or null\. Received: max_length=0/);
  assert.throws(
    () => keras.utils.textDatasetFromDirectory(root, {labelMode: 'binary', classNames: null, labels: 'inferred', verbose: false, batchSize: 0}),
    /batch_size must be a positive integer or null \(no batching\)\. Received: batch_size=0/,
  );
});

test("validationSplit + subset: 'training', 'validation' and 'both' split one shuffled listing without overlap", async () => {
  const {root} = sentimentTree();
  const opts = {validationSplit: 0.2, seed: 11, batchSize: 100};
  const both = quiet(() => keras.utils.textDatasetFromDirectory(root, {...opts, subset: 'both'}));
  assert.deepEqual(both.logs, ['Found 1000 files belonging to 2 classes.', 'Using 800 files for training.', 'Using 200 files for validation.']);
  const [train, val] = both.value;
  assert.equal(train.filePaths.length, 800);
  assert.equal(val.filePaths.length, 200);
  const trainSet = new Set(train.filePaths);
  assert.ok(val.filePaths.every((p) => !trainSet.has(p)));
  const onlyTrain = quiet(() => keras.utils.textDatasetFromDirectory(root, {...opts, subset: 'training'})).value;
  const onlyVal = quiet(() => keras.utils.textDatasetFromDirectory(root, {...opts, subset: 'validation'})).value;
  assert.deepEqual(onlyTrain.filePaths, train.filePaths);
  assert.deepEqual(onlyVal.filePaths, val.filePaths);
  assert.throws(() => keras.utils.textDatasetFromDirectory(root, {validationSplit: 0.2, subset: 'both'}), /If using `validation_split` and shuffling the data, you must provide a `seed` argument/);
  assert.throws(() => keras.utils.textDatasetFromDirectory(root, {subset: 'training'}), /If `subset` is set, `validation_split` must be set, and inversely\./);
});

test('followLinks: a linked folder of texts is read only when asked', async () => {
  const {root} = sentimentTree();
  const extra = mkdtempSync(join(tmpdir(), 'keras-ts-text-extra-'));
  writeFileSync(join(extra, 'linked.txt'), 'A wonderful linked review.');
  symlinkSync(extra, join(root, 'pos', 'more'), 'dir');
  const plain = quiet(() => keras.utils.textDatasetFromDirectory(root, {seed: 1})).logs;
  const followed = quiet(() => keras.utils.textDatasetFromDirectory(root, {seed: 1, followLinks: true})).logs;
  assert.deepEqual(plain, ['Found 1000 files belonging to 2 classes.']);
  assert.deepEqual(followed, ['Found 1001 files belonging to 2 classes.']);
  const empty = mkdtempSync(join(tmpdir(), 'keras-ts-text-empty-'));
  mkdirSync(join(empty, 'a'));
  assert.throws(() => keras.utils.textDatasetFromDirectory(empty, {verbose: false}), /No text files found in directory .*\. Allowed formats: \.txt/);
});

test('a TextVectorization + Embedding model trains through fit on the streamed texts (map), validated on the held-out subset', async () => {
  const {root} = sentimentTree();
  const [rawTrain, rawVal] = keras.utils.textDatasetFromDirectory(root, {validationSplit: 0.2, subset: 'both', seed: 1337, batchSize: 32, verbose: false});
  const vectorize = new keras.layers.TextVectorization({maxTokens: 2000, outputSequenceLength: 32});
  vectorize.adapt(await rawTrain.texts());
  const vectorizeText = ([x, y]: [string[], Tensor]) => [vectorize.apply(x), y];
  const trainDs = rawTrain.map((b) => vectorizeText(b as [string[], Tensor]));
  const valDs = rawVal.map((b) => vectorizeText(b as [string[], Tensor]));
  const model = new keras.Sequential([
    keras.Input({shape: [32], dtype: 'int32'}),
    new keras.layers.Embedding(2000, 16, {embeddingsInitializer: new keras.initializers.RandomUniform({minval: -0.05, maxval: 0.05, seed: 2})}),
    new keras.layers.GlobalAveragePooling1D(),
    new keras.layers.Dense(1, {activation: 'sigmoid', kernelInitializer: new keras.initializers.GlorotUniform({seed: 3})}),
  ]);
  model.compile({optimizer: new keras.optimizers.Adam({learningRate: 0.01}), loss: 'binary_crossentropy', metrics: ['accuracy']});
  const h = await model.fit(trainDs, undefined, {epochs: 8, validationData: valDs, verbose: 0});
  const loss = h.history['loss']!;
  if (process.env.SHOW) console.error(JSON.stringify(h.history));
  assert.equal(loss.length, 8);
  assert.ok(loss[7]! < loss[0]! * 0.6, `loss ${loss.join(', ')}`);
  assert.ok(h.history['accuracy']![7]! > 0.9, `train accuracy ${h.history['accuracy']}`);
  assert.ok(h.history['val_accuracy']![7]! > 0.6, `val accuracy ${h.history['val_accuracy']}`);
});
