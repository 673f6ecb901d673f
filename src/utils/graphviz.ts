/**
 * Graphviz for `plotModel`: the `dot` program when it is on the PATH (Debian's `graphviz`), else
 * Graphviz compiled to WebAssembly (`@hpcc-js/wasm-graphviz`, no install step, also in browsers).
 * PNG comes from `dot -Tpng`, or from the SVG rasterized by resvg (`@resvg/resvg-js`).
 */
import {spawnSync} from '../platform/index.js';
import {loadResvg} from '../platform/index.js';
import {ValueError} from '../errors.js';

export type GraphvizEngine = 'auto' | 'dot' | 'wasm';

/** Whether `dot` runs here (looked up on the PATH each time: tests change it). */
export function dotAvailable(): boolean {
  const r = spawnSync('dot', ['-V'], {stdio: 'ignore'});
  return !r.error && r.status === 0;
}

/** Which engine `'auto'` picks now. */
function resolveEngine(engine: GraphvizEngine): 'dot' | 'wasm' {
  if (engine === 'auto') return dotAvailable() ? 'dot' : 'wasm';
  if (engine !== 'dot' && engine !== 'wasm') throw new ValueError(`graphviz must be 'auto', 'dot' or 'wasm'. Received: ${JSON.stringify(engine)}`);
  return engine;
}

let wasm: Promise<{dot(text: string, format: 'svg'): string}> | null = null;

/** Lays out `dot` text and renders it as `format` (`svg`, `png`, or any `-T` format of `dot`). */
export async function renderDot(dot: string, format: string, engine: GraphvizEngine = 'auto'): Promise<Uint8Array> {
  const which = resolveEngine(engine);
  if (which === 'dot') {
    const r = spawnSync('dot', [`-T${format}`], {input: dot, maxBuffer: 1 << 28});
    if (r.error) throw new ValueError(`plotModel: could not run Graphviz's \`dot\` (${r.error.message}). Install graphviz, or pass graphviz: 'wasm'.`);
    if (r.status !== 0) throw new ValueError(`plotModel: \`dot -T${format}\` failed: ${r.stderr.toString().trim()}`);
    return new Uint8Array(r.stdout);
  }
  if (format !== 'svg' && format !== 'png') {
    throw new ValueError(`plotModel: without \`dot\` on the PATH only .svg, .png and .dot files can be written. Received: .${format}`);
  }
  wasm ??= import('@hpcc-js/wasm-graphviz').then(({Graphviz}) => Graphviz.load());
  const svg = (await wasm).dot(dot, 'svg');
  if (format === 'svg') return new TextEncoder().encode(svg);
  return svgToPng(svg);
}

/**
 * Rasterizes an SVG with resvg (`@resvg/resvg-js`, loaded on first use), at its own size times
 * `scale`, on white, with the system's fonts (Liberation Sans, metric-compatible with the Helvetica Graphviz measured text in, where installed).
 */
export async function svgToPng(svg: string, scale = 1): Promise<Uint8Array> {
  const {Resvg} = await loadResvg();
  const r = new Resvg(svg, {background: 'white', fitTo: scale === 1 ? {mode: 'original'} : {mode: 'zoom', value: scale}, font: {loadSystemFonts: true, defaultFontFamily: 'Liberation Sans', sansSerifFamily: 'Liberation Sans'}});
  return new Uint8Array(r.render().asPng());
}
