/**
 * loadModel / loadWeights from a URL, a Blob or bytes (what a web page passes), in Node: the same
 * model as from the path, and bad input (HTTP 404, not a model, a cut download, a cut file) gives a
 * ValueError naming the source, before any layer is built.
 */
import assert from 'node:assert/strict';
import {createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, before, test} from 'node:test';
import * as keras from '../src/index.js';
import {shutdownH5} from '../src/saving/h5_io.js';

let url = '';
let close: () => Promise<void> = async () => undefined;
let keras_bytes: Uint8Array;
let model: keras.Model;
const x = keras.tensor(Float32Array.from({length: 24}, (_, i) => Math.sin(i)), [4, 6]);

before(async () => {
  keras.utils.setRandomSeed(7);
  model = new keras.models.Sequential([new keras.layers.Dense(5, {activation: 'relu', inputShape: [6]}), new keras.layers.Dense(3, {activation: 'softmax'})]);
  model.compile({loss: 'sparse_categorical_crossentropy', optimizer: 'adam'});
  await model.fit(x, keras.tensor([0, 1, 2, 1], [4], 'int32'), {epochs: 1, verbose: 0});
  keras_bytes = await keras.saving.modelToBytes(model);
  const server = createServer((req, res) => {
    if (req.url === '/model.keras') return void res.writeHead(200, {'content-length': String(keras_bytes.length)}).end(keras_bytes);
    if (req.url === '/cut.keras') {
      res.writeHead(200, {'content-length': String(keras_bytes.length)});
      return void res.write(keras_bytes.subarray(0, 100), () => res.destroy());
    }
    if (req.url === '/half.keras') return void res.writeHead(200).end(keras_bytes.subarray(0, keras_bytes.length >> 1));
    if (req.url === '/page.keras') return void res.writeHead(200).end('<html>login</html>');
    res.writeHead(404, 'Not Found').end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });
});

after(async () => {
  await close();
  await shutdownH5();
});

async function predictions(m: keras.Model): Promise<number[]> {
  return Array.from(((await m.predict(x, {verbose: 0})) as keras.Tensor).values);
}

test('loadModel: from a URL, a Blob, an ArrayBuffer and a Uint8Array, the same model (.keras and .h5 bytes)', async () => {
  const want = await predictions(model);
  const h5 = await keras.saving.modelToBytes(model, {format: 'h5'});
  for (const src of [`${url}/model.keras`, new URL(`${url}/model.keras`), new Blob([keras_bytes as Uint8Array<ArrayBuffer>]), keras_bytes.slice().buffer, keras_bytes, h5]) {
    assert.deepEqual(await predictions(await keras.models.loadModel(src)), want);
  }
  const clone = keras.models.cloneModel(model) as keras.Model;
  await clone.loadWeights(await keras.saving.weightsToBytes(model));
  assert.deepEqual(await predictions(clone), want);
});

test('loadModel: bad sources give a ValueError naming them, and build no layer', async () => {
  const before = new keras.layers.Dense(1).name;
  const cases: [keras.saving.ModelSource, RegExp][] = [
    [`${url}/missing.keras`, /^loadModel: cannot download http:\/\/127\.0\.0\.1:\d+\/missing\.keras: the server answered HTTP 404 Not Found$/],
    [`${url}/page.keras`, /^http:\/\/127\.0\.0\.1:\d+\/page\.keras: not a Keras model file: expected a `\.keras` archive \(a zip, starting with "PK"\) or a legacy `\.h5` file \(HDF5\)\. Received 18 bytes starting with 3c 68 74 6d 6c 3e 6c 6f$/],
    [`${url}/cut.keras`, /^loadModel: the download of http:\/\/127\.0\.0\.1:\d+\/cut\.keras was cut short/],
    [`${url}/half.keras`, /^http:\/\/127\.0\.0\.1:\d+\/half\.keras: /],
    [new Uint8Array(0), /^<0 bytes>: not a Keras model file: .* Received 0 bytes starting with nothing$/],
  ];
  for (const [src, re] of cases) {
    await assert.rejects(keras.models.loadModel(src), (e: Error) => {
      assert.equal(e.name, 'ValueError');
      assert.match(e.message, re);
      return true;
    });
  }
  const num = (s: string) => Number(/_(\d+)$/.exec(s)?.[1] ?? 0);
  assert.equal(num(new keras.layers.Dense(1).name), num(before) + 1, 'no layer was created by the failed loads');
});
