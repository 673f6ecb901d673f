// The browser build: dist/browser/keras.js, an ES module for pages without a bundler (and bundlers
// that pick package.json's `browser` condition), plus chunks under dist/browser/chunks/ that it
// imports on first use (esbuild code splitting): the webgpu backend's WGSL kernels, h5wasm (with its
// WebAssembly), jpeg-js. platform/node is swapped for platform/browser by package.json's `browser`
// field, so the build holds no node:* import.
// Usage: node scripts/build-browser.mjs [outdir]     (prints the sizes, see BENCHMARKS.md)
import {copyFileSync, existsSync, mkdirSync, readdirSync, rmSync} from 'node:fs';
import {basename, join} from 'node:path';
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
  entryPoints: {keras: join(ROOT, 'src/index.browser.ts')},
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  logLevel: 'silent',
  external: OPTIONAL,
  metafile: true,
};

/** Builds `outdir/keras.js` and `outdir/chunks/` (+ .map, + the .wasm files); returns esbuild's result. */
export async function buildBrowser(outdir = join(ROOT, 'dist/browser'), {minify = true} = {}) {
  mkdirSync(outdir, {recursive: true});
  // chunk names carry a hash: those of an earlier build would pile up
  rmSync(join(outdir, 'chunks'), {recursive: true, force: true});
  const r = await build({...common, outdir, minify, sourcemap: true, sourcesContent: false});
  for (const dir of WASM_DIRS) {
    const d = join(ROOT, dir);
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d)) if (f.endsWith('.wasm')) copyFileSync(join(d, f), join(outdir, f));
  }
  return r;
}

/**
 * The files of a split build, from esbuild's metafile: `core`, what a page fetches to import keras.js
 * (the entry and the chunks it imports statically), and `onDemand`, the chunks fetched by a dynamic
 * import() on first use; each with the source files it holds.
 */
export function splitOutputs(metafile) {
  const outputs = Object.entries(metafile.outputs).filter(([f]) => f.endsWith('.js'));
  const byName = new Map(outputs);
  // chunks loaded by import() are entry points too: the page's entry is the one built from index.browser.ts
  const entry = outputs.find(([, o]) => o.entryPoint?.endsWith('src/index.browser.ts'))?.[0];
  const core = new Set();
  const visit = (f) => {
    if (core.has(f) || !byName.has(f)) return;
    core.add(f);
    for (const i of byName.get(f).imports) if (i.kind === 'import-statement') visit(i.path);
  };
  visit(entry);
  const describe = (f) => ({file: f, bytes: byName.get(f).bytes, inputs: Object.keys(byName.get(f).inputs)});
  return {core: [...core].map(describe), onDemand: outputs.map(([f]) => f).filter((f) => !core.has(f)).map(describe)};
}

/**
 * The size that BENCHMARKS.md records: the minified JavaScript a page fetches to import keras.js
 * (the entry and its static chunks; not the chunks loaded on first use, not the .wasm files, not the
 * OPTIONAL charting libraries), raw and gzipped (level 9, file by file as a server sends them); and
 * each chunk loaded on first use, with the sources that decide its name.
 */
export async function measureCore() {
  const r = await build({...common, write: false, minify: true, outdir: 'core'});
  const text = new Map(r.outputFiles.map((f) => [f.path, f.contents]));
  const size = (file) => {
    const js = [...text].find(([p]) => p.endsWith(`/${file}`))[1];
    return {minifiedBytes: js.length, gzippedBytes: gzipSync(js, {level: 9}).length};
  };
  const {core, onDemand} = splitOutputs(r.metafile);
  const sum = (fs) => fs.map((f) => size(f.file)).reduce((a, s) => ({minifiedBytes: a.minifiedBytes + s.minifiedBytes, gzippedBytes: a.gzippedBytes + s.gzippedBytes}), {minifiedBytes: 0, gzippedBytes: 0});
  return {
    ...sum(core),
    coreFiles: core.map((f) => ({...f, ...size(f.file)})),
    chunks: onDemand.map((f) => ({...f, ...size(f.file)})),
    errors: r.errors,
    warnings: r.warnings,
  };
}

/** What a chunk loaded on first use holds, in a few words (its largest source folder, or package). */
export function chunkLabel(inputs) {
  const pkg = inputs.map((i) => i.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1]).find(Boolean);
  if (pkg) return pkg;
  const dirs = new Map();
  for (const i of inputs) {
    const d = i.replace(/^src\//, '').split('/').slice(0, -1).join('/') || basename(i);
    dirs.set(d, (dirs.get(d) ?? 0) + 1);
  }
  return [...dirs].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '?';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2] ?? join(ROOT, 'dist/browser');
  const r = await buildBrowser(out);
  const size = await measureCore();
  const full = Object.values(r.metafile.outputs).reduce((a, o) => a + o.bytes, 0);
  const kb = (n) => (n / 1024).toFixed(1);
  console.log(`${join(out, 'keras.js')} and ${join(out, 'chunks/')}: ${kb(full)} KB with source maps`);
  console.log(`core (keras.js and its static chunks): ${kb(size.minifiedBytes)} KB minified, ${kb(size.gzippedBytes)} KB gzipped`);
  for (const c of size.chunks) console.log(`  on first use: ${basename(c.file)} (${chunkLabel(c.inputs)}): ${kb(c.minifiedBytes)} KB minified, ${kb(c.gzippedBytes)} KB gzipped`);
  if (r.errors.length || r.warnings.length) process.exitCode = 1;
}
