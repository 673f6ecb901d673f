import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {createServer, type Server} from 'node:http';
import {existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {gzipSync} from 'node:zlib';
import {resetConfig, setImageDataFormat} from '../config.js';
import {writeTar} from '../utils/tar.js';
import {writeZip} from '../utils/zip.js';
import {bostonHousing, californiaHousing, cifar10, cifar100, fashionMnist, fashion_mnist, imdb, mnist, reuters} from './index.js';
import {FASHION_DIR, needFashion} from '../testing/needs.js';

const fx = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(new URL('../../test/fixtures/datasets_numpy.json', import.meta.url), 'utf8')));
const L = fx.loaders;
const b64 = (s: string): Buffer => Buffer.from(s, 'base64');
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

let home = '';
before(() => {
  home = mkdtempSync(join(tmpdir(), 'keras-ts-datasets-'));
  mkdirSync(join(home, 'datasets'), {recursive: true});
  // keep keras.json of the test home out of the user's
  process.env['KERAS_HOME'] = home;
  resetConfig();
});
after(() => rmSync(home, {recursive: true, force: true}));

/** A version-1.0 .npy stream. */
function npy(descr: string, shape: number[], body: Uint8Array): Buffer {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header = header.padEnd(64 * Math.ceil((10 + header.length + 1) / 64) - 10 - 1) + '\n';
  const len = Buffer.alloc(2);
  len.writeUInt16LE(header.length);
  return Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0]), len, Buffer.from(header, 'latin1'), body]);
}

test('mnist.loadData reads mnist.npz from the cache: int32 images [n, 28, 28] and labels [n]', async () => {
  const px = (n: number): Uint8Array => new Uint8Array(n * 784).map((_, i) => (i * 13) % 256);
  const file = writeZip([
    {name: 'x_train.npy', data: npy('|u1', [3, 28, 28], px(3))},
    {name: 'y_train.npy', data: npy('|u1', [3], new Uint8Array([5, 0, 9]))},
    {name: 'x_test.npy', data: npy('|u1', [2, 28, 28], px(2))},
    {name: 'y_test.npy', data: npy('|u1', [2], new Uint8Array([7, 2]))},
  ]);
  writeFileSync(join(home, 'datasets', 'my_mnist.npz'), file);
  const [[xTrain, yTrain], [xTest, yTest]] = await mnist.loadData({path: 'my_mnist.npz', fileHash: sha(file)});
  assert.deepEqual(xTrain.shape, [3, 28, 28]);
  assert.equal(xTrain.dtype, 'int32');
  assert.equal(xTrain.values[1], 13);
  assert.equal(Math.max(...xTrain.values), 255);
  assert.deepEqual(Array.from(yTrain.values), [5, 0, 9]);
  assert.deepEqual(xTest.shape, [2, 28, 28]);
  assert.deepEqual(Array.from(yTest.values), [7, 2]);
});

test("mnist.loadData offline, with Keras's hash and a wrong cached file: says where to put mnist.npz", async () => {
  writeFileSync(join(home, 'datasets', 'mnist.npz'), 'not the real file');
  await assert.rejects(
    mnist.loadData({origin: 'http://127.0.0.1:9/tensorflow/tf-keras-datasets/mnist.npz', progress: false}),
    (e: Error) => {
      assert.ok(
        e.message.includes(`Place mnist.npz in ${join(home, 'datasets')}/ to skip the download (its sha256 is 731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1)`),
        e.message,
      );
      return true;
    },
  );
});

const snake = (o: Record<string, unknown>): Record<string, unknown> => {
  const map: Record<string, string> = {num_words: 'numWords', skip_top: 'skipTop', start_char: 'startChar', oov_char: 'oovChar', index_from: 'indexFrom', test_split: 'testSplit'};
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [map[k] ?? k, v]));
};

test('imdb.loadData matches NumPy/Keras order and encoding for several argument sets', async () => {
  writeFileSync(join(home, 'datasets', 'imdb.npz'), b64(L.imdbNpz));
  for (const c of L.imdbCases) {
    const [[xTrain, yTrain], [xTest, yTest]] = await imdb.loadData({...snake(c.args), fileHash: null});
    const what = JSON.stringify(c.args);
    assert.deepEqual(xTrain, c.expected.xTrain, what);
    assert.deepEqual(Array.from(yTrain.values), c.expected.yTrain, what);
    assert.deepEqual(xTest, c.expected.xTest, what);
    assert.deepEqual(Array.from(yTest.values), c.expected.yTest, what);
    assert.equal(yTrain.dtype, 'int32');
  }
  await assert.rejects(imdb.loadData({maxlen: 1, fileHash: null}), /no sequence was kept\. Increase maxlen/);
});

test('reuters.loadData matches NumPy/Keras, including testSplit; label names', async () => {
  writeFileSync(join(home, 'datasets', 'reuters.npz'), b64(L.reutersNpz));
  for (const c of L.reutersCases) {
    const [[xTrain, yTrain], [xTest, yTest]] = await reuters.loadData({...snake(c.args), fileHash: null});
    const what = JSON.stringify(c.args);
    assert.deepEqual(xTrain, c.expected.xTrain, what);
    assert.deepEqual(Array.from(yTrain.values), c.expected.yTrain, what);
    assert.deepEqual(xTest, c.expected.xTest, what);
    assert.deepEqual(Array.from(yTest.values), c.expected.yTest, what);
  }
  const names = reuters.getLabelNames();
  assert.equal(names.length, 46);
  assert.equal(names[3], 'earn');
  assert.equal(names[45], 'lead');
  await assert.rejects(reuters.loadData({testSplit: 1, fileHash: null}), /Invalid `test_split` argument: 1/);
});

test('word indexes load from JSON, checked against their MD5', async () => {
  const json = JSON.stringify({the: 1, and: 2});
  writeFileSync(join(home, 'datasets', 'imdb_word_index.json'), json);
  const md5 = createHash('md5').update(json).digest('hex');
  assert.deepEqual(await imdb.getWordIndex({fileHash: md5}), {the: 1, and: 2});
  writeFileSync(join(home, 'datasets', 'reuters_word_index.json'), json);
  assert.deepEqual(await reuters.getWordIndex({fileHash: md5}), {the: 1, and: 2});
});

test('bostonHousing / californiaHousing: NumPy shuffle and split, floats in floatx', async () => {
  writeFileSync(join(home, 'datasets', 'boston_housing.npz'), b64(L.housingNpz));
  writeFileSync(join(home, 'datasets', 'california_housing.npz'), b64(L.housingNpz));
  for (const c of L.housingCases) {
    for (const loader of [bostonHousing, californiaHousing]) {
      const [[xTrain, yTrain], [xTest, yTest]] = await loader.loadData({testSplit: c.testSplit, seed: c.seed, fileHash: null});
      assert.equal(xTrain.dtype, 'float32');
      assert.deepEqual(xTrain.shape, [c.yTrain.length, 3]);
      assert.deepEqual(Array.from(xTrain.values), c.xTrain.map(Math.fround));
      assert.deepEqual(Array.from(yTrain.values), c.yTrain.map(Math.fround));
      assert.deepEqual(Array.from(xTest.values), c.xTest.map(Math.fround));
      assert.deepEqual(Array.from(yTest.values), c.yTest.map(Math.fround));
    }
  }
  await assert.rejects(californiaHousing.loadData({version: 'medium' as 'small', fileHash: null}), /Argument `version` must be one of 'small', 'large'/);
  const [[small]] = await californiaHousing.loadData({version: 'small', fileHash: null});
  assert.equal(small.shape[0], 8); // 11 rows < 600: all kept, 80% train
});

// CIFAR: tar.gz archives of py2-style pickled batches, served by a local HTTP server
let server: Server;
let base = '';
const cifar10Tar = gzipSync(
  writeTar([
    {name: 'cifar-10-batches-py', type: 'directory'},
    ...[1, 2, 3, 4, 5].map((i) => ({name: `cifar-10-batches-py/data_batch_${i}`, data: b64(fx.cifar10Batch.pickle)})),
    {name: 'cifar-10-batches-py/test_batch', data: b64(fx.cifarProto4)},
  ]),
);
const cifar100Tar = gzipSync(
  writeTar([
    {name: 'cifar-100-python/train', data: b64(fx.cifar100Batch.pickle)},
    {name: 'cifar-100-python/test', data: b64(fx.cifar100Batch.pickle)},
  ]),
);
before(async () => {
  server = createServer((req, res) => {
    const body = req.url === '/cifar-10-python.tar.gz' ? cifar10Tar : req.url === '/cifar-100-python.tar.gz' ? cifar100Tar : null;
    if (!body) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, {'Content-Length': body.length});
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as {port: number}).port}`;
});
after(() => server.close());

test('cifar10.loadData downloads, extracts and assembles NHWC int32 images with [n, 1] labels', async () => {
  const [[xTrain, yTrain], [xTest, yTest]] = await cifar10.loadData({origin: `${base}/cifar-10-python.tar.gz`, fileHash: sha(cifar10Tar), progress: false});
  const data = b64(fx.cifar10Batch.data); // [3, 3072] as (c, h, w)
  assert.deepEqual(xTrain.shape, [15, 32, 32, 3]);
  assert.deepEqual(yTrain.shape, [15, 1]);
  assert.deepEqual(xTest.shape, [3, 32, 32, 3]);
  assert.deepEqual(Array.from(yTest.values), fx.cifar10Batch.labels);
  assert.deepEqual(Array.from(yTrain.values), [].concat(...Array(5).fill(fx.cifar10Batch.labels)));
  // x[n, h, w, c] == data[n, c*1024 + h*32 + w]
  for (const [n, h, w, c] of [[0, 0, 0, 0], [1, 5, 7, 2], [2, 31, 31, 1], [2, 10, 3, 0]] as const) {
    assert.equal(xTest.values[((n * 32 + h) * 32 + w) * 3 + c], data[n * 3072 + c * 1024 + h * 32 + w]);
    assert.equal(xTrain.values[(((n + 12) * 32 + h) * 32 + w) * 3 + c], data[n * 3072 + c * 1024 + h * 32 + w]);
  }
  assert.ok(existsSync(join(home, 'datasets', 'cifar-10-batches-py-target', 'cifar-10-batches-py', 'test_batch')));
  // channels_first keeps the planes
  setImageDataFormat('channels_first');
  try {
    const [, [xt]] = await cifar10.loadData({origin: `${base}/cifar-10-python.tar.gz`, fileHash: sha(cifar10Tar), progress: false});
    assert.deepEqual(xt.shape, [3, 3, 32, 32]);
    assert.deepEqual(Array.from(xt.values.subarray(0, 3072)), Array.from(data.subarray(0, 3072)));
  } finally {
    setImageDataFormat('channels_last');
  }
});

test('cifar100.loadData: fine and coarse labels', async () => {
  const opts = {origin: `${base}/cifar-100-python.tar.gz`, fileHash: sha(cifar100Tar), progress: false as const};
  const [[x, yFine]] = await cifar100.loadData(opts);
  assert.deepEqual(x.shape, [3, 32, 32, 3]);
  assert.deepEqual(Array.from(yFine.values), fx.cifar100Batch.fine);
  const [, [, yCoarse]] = await cifar100.loadData({...opts, labelMode: 'coarse'});
  assert.deepEqual(Array.from(yCoarse.values), fx.cifar100Batch.coarse);
  await assert.rejects(cifar100.loadData({...opts, labelMode: 'medium' as 'fine'}), /`label_mode` must be one of "fine", "coarse"/);
});

function idx(type: number, shape: number[], body: Uint8Array): Buffer {
  const h = Buffer.alloc(4 + 4 * shape.length);
  h[2] = type;
  h[3] = shape.length;
  shape.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([h, body]);
}

test('fashionMnist.loadData from a dataDir of gzipped IDX files; foreign files fail the hash check', async () => {
  const dir = join(home, 'fashion');
  mkdirSync(dir, {recursive: true});
  const img = (n: number): Uint8Array => new Uint8Array(n * 784).map((_, i) => i % 251);
  writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(idx(8, [4], new Uint8Array([9, 0, 0, 3]))));
  writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(idx(8, [4, 28, 28], img(4))));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idx(8, [2], new Uint8Array([1, 2]))); // unpacked works too
  writeFileSync(join(dir, 't10k-images-idx3-ubyte.gz'), gzipSync(idx(8, [2, 28, 28], img(2))));
  const [[xTrain, yTrain], [xTest, yTest]] = await fashionMnist.loadData({dataDir: dir, verify: false});
  assert.deepEqual(xTrain.shape, [4, 28, 28]);
  assert.deepEqual(Array.from(yTrain.values), [9, 0, 0, 3]);
  assert.equal(xTrain.values[300], 300 % 251);
  assert.deepEqual(xTest.shape, [2, 28, 28]);
  assert.deepEqual(Array.from(yTest.values), [1, 2]);
  await assert.rejects(fashionMnist.loadData({dataDir: dir}), /is not the Fashion-MNIST file train-labels-idx1-ubyte\.gz/);
  assert.equal(fashion_mnist, fashionMnist);
});

const DEBIAN = FASHION_DIR;
test('fashionMnist.loadData on the real files (Debian dataset-fashion-mnist)', {skip: needFashion()}, async () => {
  const [[xTrain, yTrain], [xTest, yTest]] = await fashionMnist.loadData({dataDir: DEBIAN});
  assert.deepEqual(xTrain.shape, [60000, 28, 28]);
  assert.deepEqual(xTest.shape, [10000, 28, 28]);
  assert.deepEqual(yTrain.shape, [60000]);
  assert.deepEqual(yTest.shape, [10000]);
  const counts = new Array(10).fill(0);
  for (const v of yTrain.values) counts[v]++;
  assert.deepEqual(counts, new Array(10).fill(6000));
  const testCounts = new Array(10).fill(0);
  for (const v of yTest.values) testCounts[v]++;
  assert.deepEqual(testCounts, new Array(10).fill(1000));
  let max = 0;
  for (const v of xTrain.values) if (v > max) max = v;
  assert.equal(max, 255);
});
