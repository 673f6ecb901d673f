// The browser build: dist/browser/keras.js, one self-contained ES module (h5wasm and its
// WebAssembly inside it) for pages without a bundler, and bundlers that pick package.json's
// `browser` condition. platform/node is swapped for platform/browser by package.json's `browser`
// field, so the build holds no node:* import.
// Usage: node scripts/build-browser.mjs [outdir]     (prints the sizes, see BENCHMARKS.md)
import {copyFileSync, existsSync, mkdirSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {gzipSync} from 'node:zlib';
import {build} from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Folders whose .wasm files ship beside keras.js: the WebAssembly backend's kernels
 * (scripts/build-wasm.mjs), which the page fetches relative to keras.js (src/platform/browser/wasm.ts).
 */
export const WASM_DIRS = ['native/wasm'];

/**
 * Libraries loaded on first use by the charting functions (plotHistory, plotModel without `dot`):
 * left as imports for the page's import map or bundler to resolve, not inlined into keras.js.
 */
export const OPTIONAL = ['vega', 'vega-lite', '@hpcc-js/wasm-graphviz'];

const common = {
  entryPoints: [join(ROOT, 'src/index.browser.ts')],
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  logLevel: 'silent',
};

/** Builds `outdir/keras.js` (+ .map, + the .wasm files); returns esbuild's errors and warnings. */
export async function buildBrowser(outdir = join(ROOT, 'dist/browser'), {minify = true} = {}) {
  mkdirSync(outdir, {recursive: true});
  const r = await build({...common, external: OPTIONAL, outfile: join(outdir, 'keras.js'), minify, sourcemap: true, sourcesContent: false, metafile: true});
  for (const dir of WASM_DIRS) {
    const d = join(ROOT, dir);
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d)) if (f.endsWith('.wasm')) copyFileSync(join(d, f), join(outdir, f));
  }
  return r;
}

/**
 * The size that BENCHMARKS.md records: the minified JavaScript of the browser build without h5wasm
 * and jpeg-js (both imported on first use — reading an .h5 file, decoding a JPEG — and external
 * here; keras.js inlines them), without .wasm files and without the OPTIONAL charting libraries (not
 * in keras.js either), raw and gzipped (level 9).
 */
export async function measureCore() {
  const r = await build({...common, write: false, minify: true, external: ['h5wasm', 'jpeg-js', ...OPTIONAL], outfile: 'core.js'});
  const js = r.outputFiles[0].contents;
  return {minifiedBytes: js.length, gzippedBytes: gzipSync(js, {level: 9}).length, errors: r.errors, warnings: r.warnings};
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2] ?? join(ROOT, 'dist/browser');
  const r = await buildBrowser(out);
  const size = await measureCore();
  const full = Object.values(r.metafile.outputs).reduce((a, o) => a + o.bytes, 0);
  console.log(`${join(out, "keras.js")}: ${(full / 1024).toFixed(0)} KB with h5wasm and its source map`);
  console.log(`core (no h5wasm, no .wasm): ${(size.minifiedBytes / 1024).toFixed(1)} KB minified, ${(size.gzippedBytes / 1024).toFixed(1)} KB gzipped`);
  if (r.errors.length || r.warnings.length) process.exitCode = 1;
}
