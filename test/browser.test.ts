/**
 * keras-ts in a real browser: Debian's Chromium (headless, driven by puppeteer-core) opens the demo
 * page (examples/browser/) served from 127.0.0.1 and, in the page, with the browser build
 * (dist/browser/keras.js, built here first):
 * - trains the digits MLP to >= 0.90 test accuracy (the page's own Train button code) on the wasm
 *   backend, the page's default (its kernels fetched beside keras.js as the module loads); a copy of
 *   keras.js without them beside it falls back to 'reference' with one console line saying why;
 * - loads ../shared/fixtures/keras/fashion_cnn_k3.keras from a URL and predicts real Fashion-MNIST
 *   test images (fetched from the same server) as Node does for that file, within 1e-5;
 * - saves models to bytes (.keras, .h5, .weights.h5) and loads them back identically;
 * with no error in the browser console. A cross-origin-isolated page computes on the threaded build
 * (Web Workers over one shared memory), its results bitwise those of one thread. A second page gets bad input (404, not a model, a cut
 * download) and must answer each with an error naming the source, building nothing.
 * Screenshots of the demo go to test-output/browser/ ($KERAS_TS_TEST_OUTPUT moves the folder).
 */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {after, before, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import puppeteer, {type Browser, type Page} from 'puppeteer-core';
import * as keras from '../src/index.js';
import {startServer, type StaticServer} from './browser/static_server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = process.env['CHROMIUM'] ?? '/usr/bin/chromium';
const FIXTURES = resolve(ROOT, '../shared/fixtures');
const FASHION = '/usr/share/datasets/fashion-mnist';
const MODEL = join(FIXTURES, 'keras/fashion_cnn_k3.keras');
const OUT = resolve(ROOT, process.env['KERAS_TS_TEST_OUTPUT'] ?? 'test-output', 'browser');
const N_IMAGES = 64;

// in CI (CI=true) a missing Chromium fails the test instead of skipping it
const skip = !existsSync(CHROMIUM) && !process.env['CI'] ? `no Chromium at ${CHROMIUM} (Debian package "chromium")` : false;
const skipFashion = !existsSync(MODEL) ? `no fixture ${MODEL}` : !existsSync(join(FASHION, 't10k-images-idx3-ubyte.gz')) ? `no Fashion-MNIST in ${FASHION}` : false;

let server: StaticServer;
let browser: Browser;
let demo: Page;
const consoleErrors: string[] = [];

before(async () => {
  if (skip) return;
  const b = spawnSync(process.execPath, [join(ROOT, 'scripts/build-browser.mjs')], {encoding: 'utf8'});
  assert.equal(b.status, 0, `the browser build failed:\n${b.stdout}${b.stderr}`);
  // keras.js and its chunks, without the .wasm files the build puts beside it
  const noWasm = mkdtempSync(join(tmpdir(), 'keras-ts-nowasm-'));
  copyFileSync(join(ROOT, 'dist/browser/keras.js'), join(noWasm, 'keras.js'));
  cpSync(join(ROOT, 'dist/browser/chunks'), join(noWasm, 'chunks'), {recursive: true});
  writeFileSync(join(noWasm, 'index.html'), '<!doctype html><script type="module">import * as keras from "./keras.js"; window.keras = keras;</script>');
  // served under /isolated/: the browser build with its .wasm files, in a cross-origin-isolated page
  writeFileSync(join(noWasm, 'isolated.html'), '<!doctype html><link rel="icon" href="data:,"><script type="module">import * as keras from "/isolated/dist/browser/keras.js"; window.keras = keras;</script>');
  server = await startServer({'/fixtures/': FIXTURES, '/fashion-mnist/': FASHION, '/nowasm/': noWasm, '/': ROOT}, MODEL);
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...(root ? ['--no-sandbox'] : []), '--disable-gpu', '--disable-dev-shm-usage'],
  });
  demo = await browser.newPage();
  demo.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  demo.on('pageerror', (e) => consoleErrors.push(`uncaught: ${(e as Error).message}`));
  await demo.goto(`${server.url}/examples/browser/index.html`, {waitUntil: 'load'});
  await demo.waitForFunction('window.kerasDemo !== undefined', {timeout: 60_000});
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('browser: the demo page trains the digits MLP to >= 0.90 test accuracy on the wasm backend (the default), with a live chart and a drawing prediction', {skip}, async () => {
  const r = await demo.evaluate(async () => {
    const d = (globalThis as unknown as {kerasDemo: {train(o: object): Promise<number>; state: {history: object[]}; keras: {backend: {backendName(): string}}}}).kerasDemo;
    const accuracy = await d.train({epochs: 20});
    return {accuracy, epochs: d.state.history.length, backend: d.keras.backend.backendName()};
  });
  assert.equal(r.backend, 'wasm', 'the page computes on the WebAssembly kernels fetched beside keras.js');
  assert.equal(await demo.$eval('#backend', (e) => e.textContent), 'wasm');
  assert.equal(r.epochs, 20, 'the fit callback gave the UI one entry per epoch');
  assert.ok(r.accuracy >= 0.9, `test accuracy ${r.accuracy} < 0.90 (backend ${r.backend})`);
  // draw a "1" and let the page predict it, for the screenshot
  const pad = await demo.$('#pad');
  const box = (await pad!.boundingBox())!;
  await demo.mouse.move(box.x + 80, box.y + 20);
  await demo.mouse.down();
  for (let y = 20; y <= 140; y += 5) await demo.mouse.move(box.x + 80, box.y + y);
  await demo.mouse.up();
  await demo.waitForFunction(`document.getElementById('prediction').textContent !== '–'`);
  mkdirSync(OUT, {recursive: true});
  await demo.screenshot({path: join(OUT, 'demo.png'), fullPage: true});
});

test('browser: a .keras file from a URL predicts real Fashion-MNIST images as Node does (1e-5)', {skip: skip || skipFashion}, async () => {
  const [, [xTest]] = await keras.datasets.fashionMnist.loadData({dataDir: FASHION});
  const x = keras.ops.divide(keras.ops.reshape(keras.ops.slice(xTest, [0, 0, 0], [N_IMAGES, 28, 28]), [N_IMAGES, 28, 28, 1]), 255);
  const nodeModel = await keras.models.loadModel(MODEL);
  const expected = Array.from(((await nodeModel.predict(x, {verbose: 0})) as keras.Tensor).values as Float32Array);
  const got = await demo.evaluate(async (n: number) => {
    const {keras: k, load} = (globalThis as unknown as {kerasDemo: {keras: typeof keras; load(s: string): Promise<keras.Model>}}).kerasDemo;
    const model = await load('/fixtures/keras/fashion_cnn_k3.keras');
    const [, [xt]] = await k.datasets.fashionMnist.loadData({dataDir: '/fashion-mnist/'});
    const xs = k.ops.divide(k.ops.reshape(k.ops.slice(xt, [0, 0, 0], [n, 28, 28]), [n, 28, 28, 1]), 255);
    return Array.from(((await model.predict(xs, {verbose: 0})) as keras.Tensor).values as Float32Array);
  }, N_IMAGES);
  await demo.screenshot({path: join(OUT, 'demo_loaded_model.png'), fullPage: true});
  assert.equal(got.length, expected.length);
  let worst = 0;
  got.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - expected[i]!))));
  assert.ok(worst <= 1e-5, `largest difference from Node's predictions: ${worst}`);
});

test('browser: models and weights saved to bytes in the page load back identically (.keras, .h5, .weights.h5)', {skip}, async () => {
  const r = await demo.evaluate(async () => {
    const {keras: k, state} = (globalThis as unknown as {kerasDemo: {keras: typeof keras; state: {model: keras.Model}}}).kerasDemo;
    const m = state.model;
    const x = k.random.randomUniform([16, 64]);
    const want = Array.from(((await m.predict(x, {verbose: 0})) as keras.Tensor).values);
    const out: Record<string, number> = {};
    for (const format of ['keras', 'h5'] as const) {
      const bytes = await k.saving.modelToBytes(m, {format});
      const again = await k.models.loadModel(new Blob([bytes as Uint8Array<ArrayBuffer>]));
      const got = Array.from(((await again.predict(x, {verbose: 0})) as keras.Tensor).values);
      out[format] = got.filter((v, i) => v !== want[i]).length + Math.abs(got.length - want.length);
    }
    const clone = k.models.cloneModel(m) as keras.Model;
    await clone.loadWeights(await k.saving.weightsToBytes(m));
    const got = Array.from(((await clone.predict(x, {verbose: 0})) as keras.Tensor).values);
    out['weights'] = got.filter((v, i) => v !== want[i]).length;
    return out;
  });
  assert.deepEqual(r, {keras: 0, h5: 0, weights: 0});
});

test('browser: the demo page logged no error to the console', {skip}, () => {
  assert.deepEqual(consoleErrors, []);
});

test('browser: bad input (404, not a model, a cut download, a cut file) gives an error naming the source and builds nothing', {skip}, async () => {
  const page = await browser.newPage();
  try {
    await page.goto(`${server.url}/examples/browser/index.html`, {waitUntil: 'load'});
    await page.waitForFunction('window.kerasDemo !== undefined', {timeout: 60_000});
    const r = await page.evaluate(async () => {
      const {keras: k} = (globalThis as unknown as {kerasDemo: {keras: typeof keras}}).kerasDemo;
      const before = new k.layers.Dense(1).name;
      const errors: Record<string, string> = {};
      for (const url of ['/nowhere/model.keras', '/bad/not_a_model.keras', '/bad/truncated.keras', '/bad/half.keras']) {
        try {
          await k.models.loadModel(url);
          errors[url] = 'loaded';
        } catch (e) {
          errors[url] = `${(e as Error).name}: ${(e as Error).message}`;
        }
      }
      try {
        await k.models.loadModel(new Uint8Array([1, 2, 3]));
      } catch (e) {
        errors['bytes'] = (e as Error).message;
      }
      return {errors, before, after: new k.layers.Dense(1).name};
    });
    const {errors} = r;
    assert.match(errors['/nowhere/model.keras']!, /ValueError: loadModel: cannot download \/nowhere\/model\.keras: the server answered HTTP 404/);
    assert.match(errors['/bad/not_a_model.keras']!, /ValueError: \/bad\/not_a_model\.keras: not a Keras model file: expected a `\.keras` archive .* starting with 3c 21 64 6f/);
    assert.match(errors['/bad/truncated.keras']!, /ValueError: loadModel: the download of \/bad\/truncated\.keras was cut short/);
    assert.match(errors['/bad/half.keras']!, /ValueError: \/bad\/half\.keras: /);
    assert.match(errors['bytes']!, /<3 bytes>: not a Keras model file/);
    // no layer was built by the failed loads: the next automatic layer name follows the one before
    const num = (s: string) => Number(/_(\d+)$/.exec(s)?.[1] ?? 0);
    assert.equal(num(r.after), num(r.before) + 1, `layer names ${r.before} then ${r.after}`);
  } finally {
    await page.close();
  }
});

test('browser: keras.json keys come from localStorage, output goes to the console one line per epoch', {skip}, async () => {
  const page = await browser.newPage();
  const logs: string[] = [];
  page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
  try {
    await page.evaluateOnNewDocument(() =>
      (globalThis as unknown as {localStorage: {setItem(k: string, v: string): void}}).localStorage.setItem('keras.json', JSON.stringify({epsilon: 1e-5, floatx: 'float32'})),
    );
    await page.goto(`${server.url}/examples/browser/index.html`, {waitUntil: 'load'});
    await page.waitForFunction('window.kerasDemo !== undefined', {timeout: 60_000});
    const r = await page.evaluate(async () => {
      const {keras: k} = (globalThis as unknown as {kerasDemo: {keras: typeof keras}}).kerasDemo;
      (globalThis as unknown as {localStorage: {removeItem(k: string): void}}).localStorage.removeItem('keras.json');
      const m = new k.models.Sequential([new k.layers.Dense(2, {inputShape: [3]})]);
      m.compile({loss: 'mse', optimizer: 'sgd'});
      await m.fit(k.ones([8, 3]), k.zeros([8, 2]), {epochs: 2, batchSize: 4, verbose: 1});
      return {epsilon: k.config.epsilon(), backend: k.backend.backendName()};
    });
    assert.deepEqual(r, {epsilon: 1e-5, backend: 'wasm'});
    const epochLines = logs.filter((l) => /^log: 2\/2 .*step - loss: /.test(l));
    assert.equal(epochLines.length, 2, `console lines:\n${logs.join('\n')}`);
    assert.deepEqual(logs.filter((l) => l.startsWith('error')), []);
  } finally {
    await page.close();
  }
});

test('browser: keras.js without its .wasm files beside it computes on the reference backend, saying why in one console line', {skip}, async () => {
  const page = await browser.newPage();
  const logs: string[] = [];
  page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
  try {
    await page.goto(`${server.url}/nowasm/index.html`, {waitUntil: 'load'});
    await page.waitForFunction('window.keras !== undefined', {timeout: 60_000});
    const r = await page.evaluate(async () => {
      const k = (globalThis as unknown as {keras: typeof keras}).keras;
      const m = new k.models.Sequential([new k.layers.Dense(2, {inputShape: [3]})]);
      m.compile({loss: 'mse', optimizer: 'sgd'});
      const h = await m.fit(k.ones([8, 3]), k.zeros([8, 2]), {epochs: 2, batchSize: 4, verbose: 0});
      return {backend: k.backend.backendName(), epochs: h.epoch.length};
    });
    assert.deepEqual(r, {backend: 'reference', epochs: 2});
    const warnings = logs.filter((l) => l.includes('keras-ts: backend'));
    assert.equal(warnings.length, 1, `console lines:\n${logs.join('\n')}`);
    assert.match(warnings[0]!, /^warn(ing)?: keras-ts: backend "wasm" unavailable \(the WebAssembly kernels could not be loaded beside keras-ts's module \(.*\/nowasm\/keras_kernels\.relaxed-simd\.wasm: HTTP 404; .*\/nowasm\/keras_kernels\.simd128\.wasm: HTTP 404\)\); using "reference"\.$/);
  } finally {
    await page.close();
  }
});

test('browser: a cross-origin-isolated page runs the threaded wasm build on Web Workers; 2 threads give 1 thread\'s results bitwise', {skip}, async () => {
  const page = await browser.newPage();
  const logs: string[] = [];
  page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`uncaught: ${(e as Error).message}`));
  try {
    await page.goto(`${server.url}/isolated/nowasm/isolated.html`, {waitUntil: 'load'});
    await page.waitForFunction('window.keras !== undefined', {timeout: 60_000});
    const r = await page.evaluate(async () => {
      const k = (globalThis as unknown as {keras: typeof keras}).keras;
      interface Threads {ready(): Promise<void>; workerChunks(): number}
      const b = k.backend.getBackend() as unknown as {setNumThreads(n: number): void; getNumThreads(): number; addon: {variant: string; threads: Threads | null}};
      const isolated = (globalThis as unknown as {crossOriginIsolated: boolean}).crossOriginIsolated;
      const threaded = b.addon.variant.endsWith('-mt');
      if (!b.addon.threads) return {isolated, backend: k.backend.backendName(), threaded};
      b.setNumThreads(2);
      await b.addon.threads.ready();
      // (no named functions in here: the test's transpiler would wrap them in a helper the page lacks)
      const data = new Float32Array(256 * 384 + 384 * 320);
      for (let i = 0, s = 7; i < data.length; i++) data[i] = (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
      const x = k.tensor(data.slice(0, 256 * 384), [256, 384]);
      const w = k.tensor(data.slice(256 * 384), [384, 320]);
      b.setNumThreads(1);
      const one = Array.from(k.ops.matmul(x, w).values as Float32Array);
      b.setNumThreads(2);
      const before = b.addon.threads.workerChunks();
      let two = Array.from(k.ops.matmul(x, w).values as Float32Array);
      for (let i = 0; i < 50 && b.addon.threads.workerChunks() === before; i++) two = Array.from(k.ops.matmul(x, w).values as Float32Array);
      return {
        isolated, backend: k.backend.backendName(), threaded, threads: b.getNumThreads(),
        workerRan: b.addon.threads.workerChunks() > before, equal: one.length === two.length && one.every((v, i) => Object.is(v, two[i])),
      };
    });
    assert.deepEqual(r, {isolated: true, backend: 'wasm', threaded: true, threads: 2, workerRan: true, equal: true}, `console lines:\n${logs.join('\n')}`);
    assert.deepEqual(logs.filter((l) => l.startsWith('error') || l.startsWith('uncaught')), []);
  } finally {
    await page.close();
  }
});
