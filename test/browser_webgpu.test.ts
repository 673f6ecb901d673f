/**
 * The webgpu backend in a real page: Debian's Chromium, headless, with `--enable-unsafe-webgpu`
 * (WebGPU is behind that flag on Linux; headless it offers SwiftShader's adapter, Vulkan on the CPU),
 * opens the demo page (examples/browser/) from 127.0.0.1 with keras.json in localStorage asking for
 * `webgpu`, and in the page, with the browser build (built here into a folder of its own):
 * - trains the digits MLP (the page's Train button code, 20 epochs) on the page's WebGPU device and
 *   reaches the accuracy the wasm backend reaches in the same page, seed and data, within 0.01;
 * - a training epoch with `verbose: 0` reads nothing back per step (one read: the epoch's logs);
 * - `dataSync()` on a tensor there fails with an error pointing to `await data()`, which works.
 * Where this Chromium offers no adapter, the test says so with what the browser answered, and checks
 * that the page falls back to wasm with one console line. Without the flag (the other browser
 * below) WebGPU is off: the page asking for it falls back to wasm with one console line saying why.
 */
import assert from 'node:assert/strict';
import {existsSync, mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import puppeteer, {type Browser, type Page} from 'puppeteer-core';
import {startServer, type StaticServer} from './browser/static_server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = process.env['CHROMIUM'] ?? '/usr/bin/chromium';
const EPOCHS = 20;
const skip = !existsSync(CHROMIUM) && !process.env['CI'] ? `no Chromium at ${CHROMIUM} (Debian package "chromium")` : false;

let server: StaticServer;
const browsers: Browser[] = [];

before(async () => {
  if (skip) return;
  // a build of its own: the other browser test rebuilds dist/browser meanwhile
  const out = mkdtempSync(join(tmpdir(), 'keras-ts-webgpu-page-'));
  const {buildBrowser} = (await import(`${ROOT}scripts/build-browser.mjs`)) as {buildBrowser(o: string): Promise<{errors: unknown[]}>};
  assert.deepEqual((await buildBrowser(out)).errors, []);
  server = await startServer({'/dist/browser/': out, '/': ROOT}, join(ROOT, 'package.json'));
});

after(async () => {
  for (const b of browsers) await b.close();
  await server?.close();
});

async function launch(args: string[]): Promise<Browser> {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const b = await puppeteer.launch({executablePath: CHROMIUM, headless: true, args: [...(root ? ['--no-sandbox'] : []), '--disable-dev-shm-usage', ...args]});
  browsers.push(b);
  return b;
}

interface Opened {
  page: Page;
  warnings: string[];
  errors: string[];
}

/** The demo page with keras.json in localStorage naming `backend`. */
async function openDemo(b: Browser, backend: string): Promise<Opened> {
  const page = await b.newPage();
  const warnings: string[] = [], errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'warn') warnings.push(m.text());
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${(e as Error).message}`));
  await page.evaluateOnNewDocument((name: string) => (globalThis as unknown as {localStorage: {setItem(k: string, v: string): void}}).localStorage.setItem('keras.json', JSON.stringify({backend: name})), backend);
  await page.goto(`${server.url}/examples/browser/index.html`, {waitUntil: 'load'});
  await page.waitForFunction('window.kerasDemo !== undefined', {timeout: 120_000});
  return {page, warnings, errors};
}

interface Demo {
  train(o: object): Promise<number>;
  keras: {
    backend: {backendName(): string; getBackend(): {stats?: {reads: number; dispatches: number; submits: number}; adapter?: {description: string}}};
  };
}

async function trainDigits(page: Page): Promise<{accuracy: number; backend: string}> {
  return page.evaluate(async (epochs: number) => {
    const d = (globalThis as unknown as {kerasDemo: Demo}).kerasDemo;
    const accuracy = await d.train({epochs});
    return {accuracy, backend: d.keras.backend.backendName()};
  }, EPOCHS);
}

test('browser webgpu: the digits MLP trains on the page\'s WebGPU device as far as on wasm; no read per step; dataSync says to await data()', {skip, timeout: 1_500_000}, async () => {
  const b = await launch(['--enable-unsafe-webgpu']);
  const probe = await b.newPage();
  await probe.goto(`${server.url}/package.json`);
  const offered = await probe.evaluate(async () => {
    const gpu = (globalThis as unknown as {navigator: {gpu?: GPU}}).navigator.gpu;
    if (!gpu) return 'navigator.gpu is absent';
    const a = await gpu.requestAdapter();
    return a ? `adapter: ${[a.info.vendor, a.info.architecture, a.info.device, a.info.description].filter(Boolean).join(' ')}` : 'requestAdapter() returned null';
  });
  const gpuPage = await openDemo(b, 'webgpu');
  if (!offered.startsWith('adapter')) {
    // recorded, not hidden: this Chromium offers no adapter; the page must fall back with one line
    console.log(`# Chromium ${await b.version()} with --enable-unsafe-webgpu offers no WebGPU adapter here: ${offered}`);
    assert.equal(await gpuPage.page.evaluate(() => (globalThis as unknown as {kerasDemo: Demo}).kerasDemo.keras.backend.backendName()), 'wasm');
    assert.equal(gpuPage.warnings.filter((w) => w.includes('webgpu')).length, 1, gpuPage.warnings.join('\n'));
    return;
  }
  console.log(`# ${offered}`);
  const onGpu = await trainDigits(gpuPage.page);
  assert.equal(onGpu.backend, 'webgpu', `the page computes on WebGPU (${gpuPage.warnings.join(' ')})`);
  assert.equal(await gpuPage.page.$eval('#backend', (e) => e.textContent), 'webgpu');

  const r = await gpuPage.page.evaluate(async () => {
    const k = (globalThis as unknown as {kerasDemo: {keras: typeof import('../src/index.js')}}).kerasDemo.keras;
    const gpu = k.backend.getBackend() as unknown as {stats: {reads: number; dispatches: number}};
    // (no function declared in here: tsx would name it with a helper the page does not have)
    // one epoch of 12 steps on host data with verbose 0: the reads of the epoch are its logs' only
    const m = new k.models.Sequential([new k.layers.Dense(16, {activation: 'relu', inputShape: [8]}), new k.layers.Dense(3, {activation: 'softmax'})]);
    m.compile({loss: 'sparse_categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy']});
    const x = k.tensor(Array.from({length: 96 * 8}, (_, i) => Math.sin(i)), [96, 8]);
    const y = k.tensor(Array.from({length: 96}, (_, i) => i % 3), [96], 'int32');
    await m.fit(x, y, {epochs: 1, batchSize: 8, verbose: 0}); // traced and built
    const before = gpu.stats;
    const h = await m.fit(x, y, {epochs: 1, batchSize: 8, verbose: 0});
    const after = gpu.stats;
    const t = k.ops.multiply(k.ops.add(y, 1), 2);
    let syncError = '';
    try {
      t.dataSync();
    } catch (e) {
      syncError = (e as Error).message;
    }
    return {reads: after.reads - before.reads, dispatches: after.dispatches - before.dispatches, loss: h.history['loss']![0]!, values: Array.from(await t.data()).slice(0, 4), syncError};
  });
  assert.equal(r.reads, 1, `reads in an epoch of 12 steps with verbose 0 (the epoch's logs only): ${r.reads}`);
  assert.ok(r.dispatches > 12 * 10, `the steps ran on the GPU: ${r.dispatches} dispatches`);
  assert.ok(Number.isFinite(r.loss), `loss ${r.loss}`);
  assert.deepEqual(r.values, [2, 4, 6, 2]);
  assert.match(r.syncError, /dataSync\(\): a web page cannot wait for the GPU synchronously\. Read a tensor of the webgpu backend with `await tensor\.data\(\)`/);

  // localStorage outlives the page: the same origin's next page says wasm explicitly
  const wasmPage = await openDemo(b, 'wasm');
  const onWasm = await trainDigits(wasmPage.page);
  assert.equal(onWasm.backend, 'wasm');
  console.log(`# digits MLP, ${EPOCHS} epochs, test accuracy: webgpu ${onGpu.accuracy.toFixed(4)}, wasm ${onWasm.accuracy.toFixed(4)}`);
  assert.ok(onGpu.accuracy >= 0.9, `webgpu test accuracy ${onGpu.accuracy} < 0.90`);
  assert.ok(Math.abs(onGpu.accuracy - onWasm.accuracy) <= 0.01, `webgpu ${onGpu.accuracy} vs wasm ${onWasm.accuracy}`);
  assert.deepEqual([...gpuPage.errors, ...wasmPage.errors], []);
});

test('browser webgpu: without WebGPU (Chromium without --enable-unsafe-webgpu) a page asking for it falls back to wasm with one line', {skip}, async () => {
  const b = await launch(['--disable-gpu']);
  const {page, warnings, errors} = await openDemo(b, 'webgpu');
  const name = await page.evaluate(() => (globalThis as unknown as {kerasDemo: Demo}).kerasDemo.keras.backend.backendName());
  assert.equal(name, 'wasm');
  const lines = warnings.filter((w) => w.includes('webgpu'));
  assert.equal(lines.length, 1, warnings.join('\n'));
  assert.match(lines[0]!, /^keras-ts: backend "webgpu" unavailable \(no WebGPU adapter: .*\); .*using "wasm"\.$/);
  // what Chromium itself said (its own console line), then ours
  console.log(`# ${warnings.join(' | ')}`);
  const e = await page.evaluate(async () => {
    const k = (globalThis as unknown as {kerasDemo: Demo & {keras: {backend: {prepareBackend(n: string): Promise<unknown>}}}}).kerasDemo.keras;
    try {
      await k.backend.prepareBackend('webgpu');
      return 'no error';
    } catch (err) {
      return (err as Error).message;
    }
  });
  assert.match(e, /^Backend "webgpu" is not available: no WebGPU adapter: /);
  assert.deepEqual(errors, []);
});
