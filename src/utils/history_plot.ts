/**
 * A chart of `history.history`: one panel per metric (`loss`, then the others by name), the epoch
 * across, the training values and — when `fit` had validation data — the `val_` values as a second
 * series. A Vega-Lite spec rendered to SVG by Vega in Node (loaded on first use), or to PNG through
 * resvg; the same spec draws the chart live in a browser with `vega-embed`.
 *
 * ```ts
 * const history = await model.fit(x, y, {epochs: 10, validationSplit: 0.1});
 * await keras.utils.plotHistory(history, {toFile: 'history.svg'});
 * ```
 */
import {writeFileSync} from '../platform/index.js';
import {extname} from '../platform/index.js';
import type {TopLevelSpec} from 'vega-lite';
import {ValueError} from '../errors.js';
import {svgToPng} from './graphviz.js';

export interface HistoryChartOptions {
  /** Metrics to draw (default: every key without the `val_` prefix, `loss` first). */
  metrics?: string[];
  /** Size of one panel in pixels (default 260 x 180). */
  width?: number;
  height?: number;
  title?: string;
}

export interface PlotHistoryOptions extends HistoryChartOptions {
  /** `.svg` or `.png` (default `history.png`). */
  toFile?: string;
  /** PNG pixels per SVG pixel (default 2). */
  scale?: number;
}

/** `history.history`, or an object that has it (the `History` callback `fit` returns). */
export type HistoryLike = Record<string, number[]> | {history: Record<string, number[]>};

function historyOf(h: HistoryLike): Record<string, number[]> {
  const rec = 'history' in h && typeof h.history === 'object' && !Array.isArray(h.history) ? (h.history as Record<string, number[]>) : (h as Record<string, number[]>);
  for (const [k, v] of Object.entries(rec)) {
    if (!Array.isArray(v)) throw new ValueError(`plotHistory: expected history.history to map names to arrays of numbers. Received: ${k}=${JSON.stringify(v)}`);
  }
  return rec;
}

/** The metrics a history holds, as `plotHistory` orders them: `loss` first, then by name. */
export function historyMetrics(h: HistoryLike): string[] {
  const keys = Object.keys(historyOf(h));
  const base = [...new Set(keys.map((k) => (k.startsWith('val_') ? k.slice(4) : k)))];
  return base.sort((a, b) => (a === 'loss' ? -1 : b === 'loss' ? 1 : a < b ? -1 : a > b ? 1 : 0));
}

/**
 * A Vega-Lite spec, as JSON. Typed loosely on purpose: Vega-Lite's own `TopLevelSpec` pulls in Vega's
 * DOM types, which a Node program compiled without `lib: ["dom"]` does not have.
 */
export interface VegaLiteSpec {
  $schema: string;
  [key: string]: unknown;
}

/** The Vega-Lite spec of the chart: rows `{metric, split, epoch, value}`, one panel per metric. */
export function historyChartSpec(h: HistoryLike, options: HistoryChartOptions = {}): VegaLiteSpec {
  return vegaLiteSpec(h, options);
}

function vegaLiteSpec(h: HistoryLike, options: HistoryChartOptions) {
  const rec = historyOf(h);
  const metrics = options.metrics ?? historyMetrics(rec);
  if (!metrics.length) throw new ValueError('plotHistory: the history is empty (no epochs were recorded)');
  const values: {metric: string; split: string; epoch: number; value: number | null}[] = [];
  for (const m of metrics) {
    if (!(m in rec) && !(`val_${m}` in rec)) {
      throw new ValueError(`plotHistory: no metric "${m}" in the history. Available: ${JSON.stringify(historyMetrics(rec))}`);
    }
    for (const [key, split] of [[m, 'training'], [`val_${m}`, 'validation']] as const) {
      // Keras counts epochs from 1 in what it prints; a non-finite value leaves a gap
      rec[key]?.forEach((v, i) => values.push({metric: m, split, epoch: i + 1, value: Number.isFinite(v) ? v : null}));
    }
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(options.title ? {title: options.title} : {}),
    data: {values},
    facet: {column: {field: 'metric', type: 'nominal', sort: metrics, title: null, header: {labelFontSize: 14, labelFontWeight: 'bold'}}},
    spec: {
      width: options.width ?? 260,
      height: options.height ?? 180,
      mark: {type: 'line', point: true},
      encoding: {
        x: {field: 'epoch', type: 'quantitative', title: 'epoch', axis: {tickMinStep: 1, format: 'd'}, scale: {zero: false, nice: false}},
        y: {field: 'value', type: 'quantitative', title: null, scale: {zero: false}},
        color: {field: 'split', type: 'nominal', title: null, scale: {domain: ['training', 'validation'], range: ['#1f77b4', '#ff7f0e']}},
        tooltip: [{field: 'metric'}, {field: 'split'}, {field: 'epoch'}, {field: 'value', format: '.4f'}],
      },
    },
    resolve: {scale: {y: 'independent'}},
    config: {font: 'Liberation Sans, Helvetica, Arial, sans-serif', background: 'white'},
  } satisfies TopLevelSpec;
}

/** Renders the chart as SVG text (Vega and Vega-Lite are loaded on first use). */
export async function historyChartSvg(h: HistoryLike, options: HistoryChartOptions = {}): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const spec = vl.compile(vegaLiteSpec(h, options)).spec;
  const view = new vega.View(vega.parse(spec), {renderer: 'none'});
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Writes the chart of `history` to `toFile` (`.svg` or `.png`) and resolves to the path. */
export async function plotHistory(h: HistoryLike, options: PlotHistoryOptions = {}): Promise<string> {
  const {toFile = 'history.png', scale = 2, ...chart} = options;
  const ext = extname(toFile).slice(1).toLowerCase() || 'png';
  if (ext !== 'svg' && ext !== 'png') throw new ValueError(`plotHistory: toFile must end in .svg or .png. Received: ${toFile}`);
  const svg = await historyChartSvg(h, chart);
  writeFileSync(toFile, ext === 'svg' ? svg : await svgToPng(svg, scale));
  return toFile;
}
