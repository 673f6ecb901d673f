// Bundle size of the browser build against TensorFlow.js, measured the same way in the same run:
// esbuild --bundle --platform=browser --format=esm --minify of the package entry, then gzip -9.
// keras-ts without h5wasm and .wasm files (the figure BENCHMARKS.md records), keras-ts as keras.js
// holds it (h5wasm inlined; the charting libraries vega, vega-lite and Graphviz-wasm left out), and
// @tensorflow/tfjs (its default entry: layers + core + CPU and WebGL backends).
// Usage: node bench/browser_size.mjs
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {gzipSync} from 'node:zlib';
import {build} from 'esbuild';
import {measureCore, OPTIONAL} from '../scripts/build-browser.mjs';

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
console.log(`| keras-ts, no h5wasm, no .wasm, no charting libraries | ${kb(core.minifiedBytes)} | ${kb(core.gzippedBytes)} |`);
console.log(`| keras-ts with h5wasm (its WebAssembly inlined): dist/browser/keras.js | ${kb(whole.min)} | ${kb(whole.gz)} |`);
console.log(`| @tensorflow/tfjs ${tfv} | ${kb(tfjs.min)} | ${kb(tfjs.gz)} |`);
