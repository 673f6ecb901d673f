/**
 * What the visualization pieces cost, for the choices recorded in docs/visualization.md:
 * - event encoding: the hand encoder of src/callbacks/tfevents.ts against protobufjs from the .proto
 *   texts (first-use time in a fresh process, time per 1,000 scalar events, installed size);
 * - the history chart: Vega + Vega-Lite (import and first render in a fresh process, installed size);
 * - Graphviz: the `dot` program against the WebAssembly build (the MLP's diagram as SVG).
 *
 *   node --import tsx bench/visualization.ts
 */
import {execFileSync, spawnSync} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {loadavg} from './timing.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REPS = 3;

/** Runs `code` (an ES module) in a fresh node `REPS` times; returns the fastest of what it prints (ms). */
function fresh(code: string, useTsx = false): number {
  let best = Infinity;
  for (let i = 0; i < REPS; i++) {
    const args = [...(useTsx ? ['--import', 'tsx'] : []), '--input-type=module', '-e', code];
    const out = execFileSync(process.execPath, args, {cwd: ROOT, encoding: 'utf8'});
    best = Math.min(best, Number(out.trim().split('\n').pop()));
  }
  return best;
}

/** The folders of `names` and everything they depend on (npm's layout: nested first, then hoisted). */
function closure(names: string[]): string[] {
  const seen = new Set<string>();
  const visit = (name: string, from: string) => {
    for (let dir = from; ; dir = dirname(dir)) {
      const p = join(dir, 'node_modules', name);
      if (existsSync(join(p, 'package.json'))) {
        if (seen.has(p)) return;
        seen.add(p);
        const pkg = JSON.parse(readFileSync(join(p, 'package.json'), 'utf8')) as {dependencies?: Record<string, string>};
        for (const d of Object.keys(pkg.dependencies ?? {})) visit(d, p);
        return;
      }
      if (dir === ROOT || dir === dirname(dir)) return;
    }
  };
  for (const n of names) visit(n, ROOT);
  return [...seen];
}

/** Installed size of packages with their dependencies: `12.3 MB in 45 packages`. */
function du(names: string[]): string {
  const dirs = closure(names);
  const r = spawnSync('du', ['-sck', ...dirs], {encoding: 'utf8'});
  const kb = Number(r.stdout.trim().split('\n').pop()!.split('\t')[0]);
  return `${(kb / 1024).toFixed(1)} MB in ${dirs.length} package${dirs.length > 1 ? 's' : ''}`;
}

const events = `
const N = 1000;`;

const hand = fresh(`
const t0 = performance.now();
const {tfRecord, encodeEvent, scalarValue} = await import('./src/callbacks/tfevents.ts');
${events}
let bytes = 0;
for (let i = 0; i < N; i++) bytes += tfRecord(encodeEvent({wallTime: 1.5e9 + i, step: i, summary: [scalarValue('epoch_loss', i / N)]})).length;
console.log(performance.now() - t0);`, true);

const pbjs = fresh(`
const t0 = performance.now();
const {default: protobuf} = await import('protobufjs');
const {join} = await import('node:path');
const root = new protobuf.Root();
root.resolvePath = (_o, t) => join('src/callbacks/proto', t.split('/').pop());
root.loadSync(['event.proto'], {keepCase: true});
const Event = root.lookupType('tensorboard.Event');
${events}
let bytes = 0;
for (let i = 0; i < N; i++) {
  const content = new Uint8Array(4); new DataView(content.buffer).setFloat32(0, i / N, true);
  const e = Event.create({wall_time: 1.5e9 + i, step: i, summary: {value: [{tag: 'epoch_loss', metadata: {plugin_data: {plugin_name: 'scalars'}}, tensor: {dtype: 1, tensor_shape: {}, tensor_content: content}}]}});
  bytes += Event.encode(e).finish().length;
}
console.log(performance.now() - t0);`);

const vega = fresh(`
const t0 = performance.now();
const {historyChartSvg} = await import('./src/utils/history_plot.ts');
await historyChartSvg({loss: [0.9, 0.6, 0.5], val_loss: [0.7, 0.6, 0.55], accuracy: [0.6, 0.7, 0.8], val_accuracy: [0.65, 0.7, 0.75]});
console.log(performance.now() - t0);`, true);

const plot = (engine: string) =>
  fresh(`
const {Sequential} = await import('./src/models/index.ts');
const L = await import('./src/layers/index.ts');
const {modelToDot} = await import('./src/utils/model_visualization.ts');
const {renderDot} = await import('./src/utils/graphviz.ts');
const m = new Sequential([new L.Dense(512, {inputShape: [784], activation: 'relu'}), new L.Dropout(0.2), new L.Dense(512, {activation: 'relu'}), new L.Dropout(0.2), new L.Dense(10, {activation: 'softmax'})]);
const dot = modelToDot(m, {showShapes: true});
const t0 = performance.now();
await renderDot(dot, 'svg', '${engine}');
console.log(performance.now() - t0);`, true);
const viaDot = plot('dot');
const viaWasm = plot('wasm');

const rows = [
  ['event encoding: hand encoder (src/callbacks/tfevents.ts), first use + 1,000 scalar events', `${hand.toFixed(0)} ms`, 'no dependency'],
  ['event encoding: protobufjs 8 parsing the 7 .proto files, first use + 1,000 scalar events', `${pbjs.toFixed(0)} ms`, du(['protobufjs'])],
  ['history chart: import Vega 6 + Vega-Lite 6 and render one chart to SVG', `${vega.toFixed(0)} ms`, du(['vega', 'vega-lite'])],
  ['model diagram (mnist_mlp, SVG): Graphviz `dot` 2.43 (Debian), spawned', `${viaDot.toFixed(0)} ms`, 'apt-get install graphviz'],
  ['model diagram (mnist_mlp, SVG): @hpcc-js/wasm-graphviz (Graphviz 16), load + layout', `${viaWasm.toFixed(0)} ms`, du(['@hpcc-js/wasm-graphviz'])],
];
console.log(`load average: ${loadavg()} (best of ${REPS} fresh processes each)`);
console.log('| what | time | installed size |\n|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
