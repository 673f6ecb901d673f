/**
 * The package in a bundler for a page: esbuild `--bundle --platform=browser` of the package entry
 * resolves with no error and no warning (platform/node is swapped for platform/browser by
 * package.json's `browser` field, so no node:* import is left), and the JavaScript a page fetches to
 * import the browser build (keras.js and its static chunks; the webgpu backend, h5wasm and jpeg-js
 * are chunks loaded on first use) stays <= 200 KB minified+gzipped (BENCHMARKS.md).
 */
import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {build} from 'esbuild';
import * as nodePlatform from '../src/platform/node/index.js';
import * as browserPlatform from '../src/platform/browser/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

// the type checker holds the two platforms to the same names and types
const sameShape: typeof nodePlatform = browserPlatform;

test('platform: the browser side exports exactly the names of the Node side', () => {
  assert.deepEqual(Object.keys(browserPlatform).sort(), Object.keys(nodePlatform).sort());
  assert.equal(sameShape.platformName, 'browser');
});

test('platform/browser: POSIX paths as node:path gives them', () => {
  const b = browserPlatform, n = nodePlatform;
  for (const p of ['/a/b/../c/', 'a/./b', '../x/y', '/', 'file.keras', '/a//b///c.h5', '.hidden', 'plot.svg', 'a.b/c']) {
    assert.equal(b.normalize(p), n.normalize(p), `normalize(${p})`);
    assert.equal(b.dirname(p), n.dirname(p), `dirname(${p})`);
    assert.equal(b.basename(p), n.basename(p), `basename(${p})`);
    assert.equal(b.extname(p), n.extname(p), `extname(${p})`);
  }
  assert.equal(b.join('a', '../b', 'c.keras'), n.join('a', '../b', 'c.keras'));
  assert.equal(b.relative('/a/b/c', '/a/d'), n.relative('/a/b/c', '/a/d'));
  assert.equal(b.resolve('/a', 'b', '../c'), n.resolve('/a', 'b', '../c'));
});

test('platform/browser: CRC-32, inflate/deflate and gunzip agree with node:zlib', () => {
  const data = new TextEncoder().encode('keras-ts '.repeat(1000));
  assert.equal(browserPlatform.crc32(data), nodePlatform.crc32(data));
  assert.deepEqual(new Uint8Array(browserPlatform.inflateRawSync(nodePlatform.deflateRawSync(data))), data);
  assert.deepEqual(new Uint8Array(nodePlatform.inflateRawSync(browserPlatform.deflateRawSync(data))), data);
  const gz = readFileSync(`${ROOT}data/uci_digits/digits.csv.gz`);
  assert.deepEqual(new Uint8Array(browserPlatform.gunzipSync(gz)), new Uint8Array(nodePlatform.gunzipSync(gz)));
  assert.throws(() => browserPlatform.readFileSync('model.keras'), /fs\.readFileSync needs Node\.js: a web page has no file system/);
  assert.equal(browserPlatform.existsSync('/etc/passwd'), false);
});

test('esbuild --bundle --platform=browser of the package entry: zero errors, zero warnings, no node:* import left', async () => {
  const r = await build({
    entryPoints: [`${ROOT}src/index.ts`], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent',
    outfile: 'keras.js', metafile: true,
  });
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.warnings, []);
  const inputs = Object.keys(r.metafile!.inputs);
  assert.deepEqual(inputs.filter((f) => f.startsWith('node:') || f.includes('platform/node/')), []);
  assert.ok(inputs.some((f) => f.includes('platform/browser/')), 'the browser platform is in the bundle');
});

test('the browser build: keras.js and its static chunks (the core a page fetches to import it) are <= 200 KB minified+gzipped; the webgpu backend, h5wasm and jpeg-js are chunks loaded on first use', async () => {
  interface Out {file: string; inputs: string[]; gzippedBytes: number}
  const {measureCore} = (await import(`${ROOT}scripts/build-browser.mjs`)) as {measureCore(): Promise<{gzippedBytes: number; errors: unknown[]; coreFiles: Out[]; chunks: Out[]}>};
  const size = await measureCore();
  assert.deepEqual(size.errors, []);
  assert.ok(size.gzippedBytes <= 200 * 1024, `${size.gzippedBytes} bytes gzipped`);
  const inCore = size.coreFiles.flatMap((f) => f.inputs);
  const onDemand = size.chunks.flatMap((f) => f.inputs);
  for (const lazy of ['src/backends/webgpu/backend.ts', 'src/backends/webgpu/conv.ts', 'src/platform/gpu/executor.ts', 'node_modules/h5wasm/', 'node_modules/jpeg-js/']) {
    assert.ok(!inCore.some((f) => f.startsWith(lazy)), `${lazy} is not in the core`);
    assert.ok(onDemand.some((f) => f.startsWith(lazy)), `${lazy} is in a chunk loaded on first use`);
  }
  // what stays in the core for webgpu: the loader that says the device is not opened yet
  assert.ok(inCore.includes('src/backends/webgpu/browser.ts'));
});

test('package.json sideEffects lists every module that registers a class when imported (bundlers keep them)', () => {
  const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as {sideEffects: string[]};
  const globs = pkg.sideEffects.filter((g) => g.startsWith('./src/')).map((g) => new RegExp(`^${g.slice(2).replace(/\*\*/g, '.*')}$`));
  const missing: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(`${ROOT}${dir}`, {withFileTypes: true})) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else if (rel.endsWith('.ts') && !rel.endsWith('.test.ts') && /^[\w.]*register\w*\(/m.test(readFileSync(`${ROOT}${rel}`, 'utf8'))) {
        if (!globs.some((g) => g.test(rel))) missing.push(rel);
      }
    }
  };
  walk('src');
  assert.deepEqual(missing, []);
});

test('in the browser build, TensorBoard, BackupAndRestore, CSVLogger, getFile and the directory datasets are stand-ins that say a page has no file system', async () => {
  const r = await build({
    entryPoints: [`${ROOT}src/index.browser.ts`], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent',
    outfile: 'keras.js', metafile: true, external: ['h5wasm', 'jpeg-js', 'vega', 'vega-lite', '@hpcc-js/wasm-graphviz'],
  });
  const inputs = Object.keys(r.metafile!.inputs);
  for (const m of ['callbacks/tensorboard', 'callbacks/backup_and_restore', 'callbacks/csv_logger', 'utils/image_dataset', 'utils/text_dataset', 'utils/get_file', 'distribution/gradient_reducer']) {
    assert.ok(inputs.some((f) => f.endsWith(`src/${m}.browser.ts`)), `${m}.browser.ts is bundled`);
    assert.ok(!inputs.some((f) => f.endsWith(`src/${m}.ts`)), `${m}.ts is not bundled`);
  }
  assert.ok(!inputs.some((f) => f.endsWith('src/callbacks/tfevents.ts')), 'the event-file writer is not bundled');
  const {TensorBoard} = await import('../src/callbacks/tensorboard.browser.js');
  assert.throws(() => new TensorBoard({logDir: 'runs/a'}), /TensorBoard writes event files under logDir \("runs\/a"\) and needs Node\.js: a web page has no file system/);
  const {BackupAndRestore} = await import('../src/callbacks/backup_and_restore.browser.js');
  assert.throws(() => new BackupAndRestore('backup'), /BackupAndRestore writes the training state under backupDir \("backup"\) and needs Node\.js: a web page has no file system/);
  const {CSVLogger} = await import('../src/callbacks/csv_logger.browser.js');
  assert.throws(() => new CSVLogger('log.csv'), /CSVLogger writes the epoch logs to a file \("log\.csv"\) and needs Node\.js: a web page has no file system/);
  const images = await import('../src/utils/image_dataset.browser.js');
  assert.throws(() => images.imageDatasetFromDirectory('photos'), /imageDatasetFromDirectory reads the files of a directory \("photos"\) and needs Node\.js/);
  assert.throws(() => new images.ImageDataset(['a.png']), /ImageDataset reads the files of a directory \("a\.png"\)/);
  const texts = await import('../src/utils/text_dataset.browser.js');
  assert.throws(() => texts.textDatasetFromDirectory('reviews'), /textDatasetFromDirectory reads the files of a directory \("reviews"\) and needs Node\.js/);
  assert.throws(() => new texts.TextDataset([]), /TextDataset reads the files of a directory \(null\)/);
  const reducing = await import('../src/distribution/gradient_reducer.browser.js');
  assert.throws(() => new reducing.GradientReducer(), /GradientReducer sums gradients across processes started by MPI and needs Node\.js: a web page is one process/);
  assert.throws(() => new reducing.BucketBuffers(), /BucketBuffers sums gradients across processes/);
  const files = await import('../src/utils/get_file.browser.js');
  await assert.rejects(files.getFile('mnist.npz', 'https://example.org/mnist.npz'), /getFile works on files of the Keras cache folder \("mnist\.npz"\) and needs Node\.js: a web page has no file system/);
  await assert.rejects(files.hashFile('a.bin'), /hashFile .*needs Node\.js/);
  assert.throws(() => files.extractArchive('a.tar'), /extractArchive .*needs Node\.js/);
});
