// Bundle size of the browser build against TensorFlow.js, measured the same way in the same run:
// esbuild --bundle --platform=browser --format=esm --minify, then gzip -9.
// keras-ts's core (keras.js and the chunks it imports statically: what a page fetches to import it;
// the figure BENCHMARKS.md records and test/browser_build.test.ts bounds), each chunk it loads on
// first use (the webgpu backend, h5wasm, jpeg-js ...), keras-ts as one file with everything inlined
// (no splitting; the charting libraries vega, vega-lite and Graphviz-wasm left out), and
// @tensorflow/tfjs (its default entry: layers + core + CPU and WebGL backends). No .wasm file counts.
// Usage: node bench/browser_size.mjs
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {gzipSync} from 'node:zlib';
import {build} from 'esbuild';
import {basename} from 'node:path';
import {chunkLabel, measureCore, OPTIONAL} from '../scripts/build-browser.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

async function measure(contents, resolveDir, external = []) {
  const r = await build({
    stdin: {contents, resolveDir, loader: 'js'}, bundle: true, platform: 'browser', format: 'esm', minify: true,
    write: false, logLevel: 'silent', external, outfile: 'out.js', define: {'process.env.NODE_ENV': '"production"'},
  });
  const js = r.outputFiles[0].contents;
  return {min: js.length, gz: gzipSync(js, {level: 9}).length};
}

const kb = (n) => (n / 1024).toFixed(1);
const core = await measureCore();
const whole = await measure(`export * from './src/index.ts';`, ROOT, OPTIONAL);
const tfjs = await measure(`export * from '@tensorflow/tfjs';`, ROOT);
const tfv = JSON.parse(readFileSync(`${ROOT}node_modules/@tensorflow/tfjs/package.json`, 'utf8')).version;
console.log(`load average: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
console.log('| bundle | minified KB | min+gzip KB |');
console.log('|---|---|---|');
console.log(`| keras-ts core: keras.js and its static chunks (${core.coreFiles.length} files) | ${kb(core.minifiedBytes)} | ${kb(core.gzippedBytes)} |`);
for (const c of core.chunks) console.log(`| keras-ts, loaded on first use: ${chunkLabel(c.inputs)} (chunks/${basename(c.file).replace(/-\w+\.js$/, '-*.js')}) | ${kb(c.minifiedBytes)} | ${kb(c.gzippedBytes)} |`);
console.log(`| keras-ts as one file, everything inlined (h5wasm's WebAssembly too) | ${kb(whole.min)} | ${kb(whole.gz)} |`);
console.log(`| @tensorflow/tfjs ${tfv} | ${kb(tfjs.min)} | ${kb(tfjs.gz)} |`);
