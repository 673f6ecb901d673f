/**
 * `model.summary()`: Keras 3's table, as `rich` draws it (heavy head box, a rule between rows), the
 * parameter totals with their byte sizes, and `Optimizer params` once the optimizer is built.
 *
 * ```
 * Model: "sequential"
 * ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┓
 * ┃ Layer (type)                         ┃ Output Shape                ┃         Param # ┃
 * ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━┩
 * │ dense (Dense)                        │ (None, 512)                 │         401,920 │
 * ...
 *  Total params: 669,706 (2.55 MB)
 * ```
 */
import type {Variable} from '../autodiff/variable.js';
import {ValueError} from '../errors.js';
import {getEnv, stdoutColumns, writeStdout} from '../platform/index.js';

/** Bytes per element of each dtype, as Keras's `dtype_utils.dtype_size` (in bits) / 8. */
const DTYPE_BYTES: Record<string, number> = {float32: 4, float64: 8, int32: 4, bool: 1};

export function countParams(weights: readonly Variable[]): number {
  return weights.reduce((n, w) => n + w.size, 0);
}

/** Memory of the (unique) weights in bytes. */
export function weightMemorySize(weights: readonly Variable[]): number {
  let total = 0;
  for (const w of new Set(weights)) total += w.size * (DTYPE_BYTES[w.dtype] ?? 4);
  return total;
}

/** `2.55 MB`: divides by 1024 while the value is at least 1024, two decimals. */
export function readableMemorySize(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes;
  for (const u of units) {
    if (v / 1024 < 1) return `${v.toFixed(2)} ${u}`;
    v /= 1024;
  }
  return `${v.toFixed(2)} PB`;
}

/** `669,706`. */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Python's `round` (half to even), which rich uses to share out widths. */
function pyRound(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** rich's `ratio_reduce`: takes `total` off `values` in proportion to `ratios`, capped by `maximums`. */
function ratioReduce(total: number, ratios: number[], maximums: number[], values: number[]): number[] {
  const rs = ratios.map((r, i) => (maximums[i] ? r : 0));
  let totalRatio = rs.reduce((a, b) => a + b, 0);
  if (!totalRatio) return [...values];
  let remaining = total;
  return values.map((v, i) => {
    const r = rs[i]!;
    if (r && totalRatio > 0) {
      const d = Math.min(maximums[i]!, pyRound((r * remaining) / totalRatio));
      remaining -= d;
      totalRatio -= r;
      return v - d;
    }
    return v;
  });
}

/**
 * Word-wraps `text` to `width` columns as rich does for Keras's columns (`overflow="ellipsis"`): a
 * word longer than the line is not folded but cut with `…` (`max_pooling2d_2[…`).
 */
function wrap(text: string, width: number): string[] {
  if (width <= 0) return [''];
  const out: string[] = [];
  for (const para of text.split('\n')) {
    const words = para.split(/(?<= )/); // keep the trailing space with each word, as rich divides lines
    let line = '';
    for (const word of words) {
      if ([...(line + word).trimEnd()].length <= width) {
        line += word;
        continue;
      }
      if (line.trimEnd().length) out.push(line.trimEnd());
      line = word;
    }
    out.push(line.trimEnd());
  }
  return out.map((l) => ([...l].length > width ? [...l].slice(0, width - 1).join('') + '…' : l));
}

function pad(text: string, width: number, justify: 'left' | 'right' | 'center'): string {
  const n = [...text].length;
  const space = Math.max(0, width - n);
  if (justify === 'right') return ' '.repeat(space) + text;
  if (justify === 'center') return ' '.repeat(Math.floor(space / 2)) + text + ' '.repeat(space - Math.floor(space / 2));
  return text + ' '.repeat(space);
}

interface TableColumn {
  header: string;
  justify: 'left' | 'right' | 'center';
  width: number;
}

/**
 * Renders a table as rich does for `Table(*columns, width=lineLength, show_lines=True)` with fixed
 * column widths: widths (plus one space of padding each side) are reduced evenly to fit, headers
 * are bottom-aligned, cells top-aligned and word-wrapped.
 */
function renderTable(columns: TableColumn[], rows: string[][], lineLength: number): string[] {
  const n = columns.length;
  const maxWidth = lineLength - (n + 1);
  let widths = columns.map((c) => Math.min(c.width + 2, maxWidth));
  const total = widths.reduce((a, b) => a + b, 0);
  if (total > maxWidth) widths = ratioReduce(total - maxWidth, widths.map(() => 1), widths, widths);
  const inner = widths.map((w) => Math.max(0, w - 2));
  const hline = (l: string, fill: string, mid: string, r: string) => l + widths.map((w) => fill.repeat(w)).join(mid) + r;
  const renderRow = (cells: string[], bar: string, bottom: boolean): string[] => {
    const wrapped = cells.map((c, i) => wrap(c, inner[i]!));
    const h = Math.max(...wrapped.map((w) => w.length));
    const lines: string[] = [];
    for (let k = 0; k < h; k++) {
      const parts = wrapped.map((w, i) => {
        const offset = bottom ? h - w.length : 0;
        const text = w[k - offset] ?? '';
        return ' ' + pad(k - offset >= 0 ? text : '', inner[i]!, columns[i]!.justify) + ' ';
      });
      lines.push(bar + parts.join(bar) + bar);
    }
    return lines;
  };
  const out: string[] = [hline('┏', '━', '┳', '┓')];
  out.push(...renderRow(columns.map((c) => c.header), '┃', true));
  out.push(hline('┡', '━', '╇', '┩'));
  rows.forEach((r, i) => {
    if (i > 0) out.push(hline('├', '─', '┼', '┤'));
    out.push(...renderRow(r, '│', false));
  });
  out.push(hline('└', '─', '┴', '┘'));
  return out;
}

/** One row of the table. */
export interface SummaryRow {
  name: string;
  className: string;
  outputShape: string;
  params: string;
  connectedTo?: string;
  trainable?: string;
}

/** What `printSummary` needs from a model (models/ implements it). */
export interface SummaryModel {
  name: string;
  /** The rows: one per layer, in order. */
  summaryRows(args?: {expandNested?: boolean}): SummaryRow[];
  /** Whether the layers form a chain (3 columns) or a graph (a 4th column, `Connected to`). */
  summarySequentialLike(): boolean;
  readonly trainableWeights: Variable[];
  readonly nonTrainableWeights: Variable[];
  /** The optimizer's variables once it is built, else null. */
  summaryOptimizerVariables(): Variable[] | null;
}

export interface SummaryArgs {
  lineLength?: number;
  positions?: number[];
  printFn?: (line: string) => void;
  showTrainable?: boolean;
  layerRange?: [string, string];
  /** Also list the layers of nested models, indented (`expand_nested`). */
  expandNested?: boolean;
}

/** The terminal width Keras would see (`shutil.get_terminal_size`: the TTY, `$COLUMNS`, else 80). */
function terminalColumns(): number {
  const tty = stdoutColumns();
  if (tty) return tty;
  const env = Number(getEnv('COLUMNS'));
  return Number.isInteger(env) && env > 0 ? env : 80;
}

/** Formats a shape as Keras prints tuples in the summary: `(None, 512)`. */
export function formatShape(shape: readonly (number | null)[]): string {
  return `(${shape.map((d) => (d === null ? 'None' : String(d))).join(', ')})`;
}

/** Returns the summary's lines (also what `printFn` receives, joined). */
export function summaryLines(model: SummaryModel, args: SummaryArgs = {}): string[] {
  const sequentialLike = model.summarySequentialLike();
  let lineLength0 = sequentialLike ? 88 : 108;
  let positions = args.positions ?? (sequentialLike ? [0.45, 0.8, 1.0] : [0.3, 0.56, 0.74, 1.0]);
  const header = sequentialLike ? ['Layer (type)', 'Output Shape', 'Param #'] : ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'];
  const align: TableColumn['justify'][] = sequentialLike ? ['left', 'left', 'right'] : ['left', 'left', 'right', 'left'];
  if (args.showTrainable) {
    lineLength0 += 12;
    positions = [...positions.map((p) => p * 0.9), 1.0];
    header.push('Trainable');
    align.push('center');
  }
  const lineLength = args.lineLength ?? Math.min(lineLength0, terminalColumns() - 4);
  // positions may be fractions of the line or absolute columns, as Keras's `positions`
  const absolute = positions[positions.length - 1]! > 1 ? positions.map((p) => p / lineLength) : positions;
  const widths: number[] = [];
  let current = 0;
  for (const p of absolute) {
    const w = Math.floor(p * lineLength) - current;
    if (w < 4) throw new ValueError('Insufficient console width to print summary.');
    widths.push(w);
    current += w;
  }
  let rows = model.summaryRows({expandNested: args.expandNested});
  if (args.layerRange) rows = sliceRange(rows, args.layerRange);
  const cells = rows.map((r) => {
    const c = [`${r.name} (${r.className})`, r.outputShape, r.params];
    if (!sequentialLike) c.push(r.connectedTo ?? '-');
    if (args.showTrainable) c.push(r.trainable ?? '-');
    return c;
  });
  const table = renderTable(header.map((h, i) => ({header: h, justify: align[i]!, width: widths[i]!})), cells, lineLength);
  const trainable = model.trainableWeights;
  const nonTrainable = model.nonTrainableWeights;
  const opt = model.summaryOptimizerVariables();
  const tCount = countParams(trainable), tSize = weightMemorySize(trainable);
  const nCount = countParams(nonTrainable), nSize = weightMemorySize(nonTrainable);
  const oCount = opt ? countParams(opt) : 0, oSize = opt ? weightMemorySize(opt) : 0;
  const lines = [
    `Model: "${model.name}"`,
    ...table,
    ` Total params: ${formatCount(tCount + nCount + oCount)} (${readableMemorySize(tSize + nSize + oSize)})`,
    ` Trainable params: ${formatCount(tCount)} (${readableMemorySize(tSize)})`,
    ` Non-trainable params: ${formatCount(nCount)} (${readableMemorySize(nSize)})`,
  ];
  if (opt) lines.push(` Optimizer params: ${formatCount(oCount)} (${readableMemorySize(oSize)})`);
  return lines;
}

function sliceRange<T extends {name: string}>(rows: T[], range: [string, string]): T[] {
  const lower = rows.flatMap((r, i) => (new RegExp(`^(?:${range[0]})`).test(r.name) ? [i] : []));
  const upper = rows.flatMap((r, i) => (new RegExp(`^(?:${range[1]})`).test(r.name) ? [i] : []));
  if (!lower.length || !upper.length) {
    throw new ValueError(`Passed layer_names do not match the layer names in the model. Received: ${JSON.stringify(range)}`);
  }
  const lo = Math.min(...lower), hi = Math.max(...upper);
  return lo > hi ? rows.slice(Math.min(...upper), Math.max(...lower) + 1) : rows.slice(lo, hi + 1);
}

/** Prints the summary with `printFn` (one call with the whole text, as Keras) or to stdout. */
export function printSummary(model: SummaryModel, args: SummaryArgs = {}): void {
  const text = summaryLines(model, args).join('\n');
  if (args.printFn) args.printFn(text + '\n');
  else writeStdout(text + '\n');
}
