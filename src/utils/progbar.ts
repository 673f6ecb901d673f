/**
 * Keras 3's `Progbar`: `469/469 ━━━━━━━━━━━━━━━━━━━━ 3s 6ms/step - accuracy: 0.8521 - loss: 0.4160`.
 * On a terminal the line is redrawn in place (with Keras's bold/green escapes) at most every
 * `interval` seconds; elsewhere (a pipe, a log file) only the finished line is written, so a log
 * gets one line per epoch. The bar falls back to `=` where the locale is not UTF-8.
 */
import {environment, stdoutIsTTY, writeStdout} from '../platform/index.js';

export interface ProgbarArgs {
  width?: number;
  verbose?: number;
  interval?: number;
  statefulMetrics?: Iterable<string> | null;
  statelessMetrics?: Iterable<string> | null;
  unitName?: string;
  /** Where the text goes (default: standard output; in a page, the console). */
  write?: (s: string) => void;
  /** A stream to write to instead of stdout (`process.stderr`, a file stream); `write` wins if both are given. */
  stream?: {write(s: string): unknown; isTTY?: boolean};
  /** Redraw in place (default: the stream is a TTY). */
  dynamicDisplay?: boolean;
  /** Bold and green escapes when redrawing (default: unless `NO_COLOR` is set and not empty, as no-color.org asks). */
  color?: boolean;
  /** Draw `━` (default: the locale is UTF-8 or unset), else `=`. */
  unicode?: boolean;
  /** Seconds since some origin (default `performance.now() / 1000`); tests inject a clock. */
  now?: () => number;
}

/** Whether the terminal's locale can show `━`: the first of LC_ALL, LC_CTYPE, LANG that is set says UTF-8. */
export function supportsUnicode(env: Record<string, string | undefined> = environment()): boolean {
  const loc = env['LC_ALL'] || env['LC_CTYPE'] || env['LANG'] || '';
  if (!loc) return true; // unset: Node writes UTF-8, as Python 3 does under the C locale
  return /utf-?8/i.test(loc);
}

/** Whether the environment asks for no colour: `NO_COLOR` present and not empty. */
export function noColor(env: Record<string, string | undefined> = environment()): boolean {
  return (env['NO_COLOR'] ?? '') !== '';
}

/** Python's `f"{x:.0f}"` (round half to even). */
function pyFixed0(x: number): string {
  const r = Math.round(x);
  const even = Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
  return String(Object.is(even, -0) ? 0 : even);
}

/** Python's `f"{x:.4e}"`: `1.2346e-04` (two-digit exponent at least). */
export function pyExp4(x: number): string {
  const [m, e] = x.toExponential(4).split('e') as [string, string];
  const sign = e.startsWith('-') ? '-' : '+';
  const digits = e.replace(/^[+-]/, '');
  return `${m}e${sign}${digits.padStart(2, '0')}`;
}

/** A metric value as Keras shows it: `0.4160`, or `1.2346e-04` when `|x| <= 1e-3`. */
export function formatValue(avg: number, absolute = true): string {
  const big = absolute ? Math.abs(avg) > 1e-3 : avg > 1e-3;
  if (Number.isNaN(avg)) return 'nan';
  if (!Number.isFinite(avg)) return avg > 0 ? 'inf' : '-inf';
  return big ? avg.toFixed(4) : pyExp4(avg);
}

/** ` 6ms/step`, ` 3s/step` or ` 120us/step`. */
export function formatTime(timePerUnit: number, unitName: string): string {
  if (timePerUnit >= 1 || timePerUnit === 0) return ` ${pyFixed0(timePerUnit)}s/${unitName}`;
  if (timePerUnit >= 1e-3) return ` ${pyFixed0(timePerUnit * 1000)}ms/${unitName}`;
  return ` ${pyFixed0(timePerUnit * 1e6)}us/${unitName}`;
}

const pad2 = (n: number) => String(Math.floor(n)).padStart(2, '0');

export class Progbar {
  target: number | null;
  readonly width: number;
  readonly verbose: number;
  readonly interval: number;
  readonly unitName: string;
  private readonly statefulMetrics: Set<string> | null;
  private readonly statelessMetrics: Set<string> | null;
  private readonly write: (s: string) => void;
  private readonly dynamicDisplay: boolean;
  private readonly color: boolean;
  private readonly unicode: boolean;
  private readonly now: () => number;
  private seenSoFar = 0;
  private readonly values = new Map<string, [number, number]>();
  private readonly valuesOrder: string[] = [];
  private readonly start: number;
  private lastUpdate = 0;
  private timeAfterFirstStep: number | null = null;
  private prevTotalWidth = 0;

  constructor(target: number | null, args: ProgbarArgs = {}) {
    if (args.statefulMetrics && args.statelessMetrics) {
      throw new Error(
        'Only one of `stateful_metrics` or `stateless_metrics` can be provided. `stateful_metrics` is used to make metrics ' +
          'stateless by default (with an exclusion list), while `stateless_metrics` is used to make metrics stateful by default (with an exclusion list).',
      );
    }
    this.target = target;
    this.width = args.width ?? 20;
    this.verbose = args.verbose ?? 1;
    this.interval = args.interval ?? 0.05;
    this.unitName = args.unitName ?? 'step';
    if (args.statelessMetrics) {
      this.statelessMetrics = new Set(args.statelessMetrics);
      this.statefulMetrics = null;
    } else {
      this.statefulMetrics = new Set(args.statefulMetrics ?? []);
      this.statelessMetrics = null;
    }
    // standard output by default: in a page (platform/browser) that is the console, one line per call
    const stream = args.stream ?? {write: writeStdout, isTTY: stdoutIsTTY()};
    this.write = args.write ?? ((s) => void stream.write(s));
    this.dynamicDisplay = args.dynamicDisplay ?? Boolean(stream.isTTY);
    this.color = args.color ?? !noColor();
    this.unicode = args.unicode ?? supportsUnicode();
    this.now = args.now ?? (() => performance.now() / 1000);
    this.start = this.now();
  }

  /** Updates the bar to step `current` with `[name, value]` pairs for the last step. */
  update(current: number, values: [string, number][] = [], finalize?: boolean): void {
    const fin = finalize ?? (this.target === null ? false : current >= this.target);
    for (const [k, v] of values) {
      if (!this.valuesOrder.includes(k)) this.valuesOrder.push(k);
      const stateless = this.statefulMetrics !== null ? !this.statefulMetrics.has(k) : this.statelessMetrics!.has(k);
      if (stateless) {
        if (fin) this.values.set(k, [v, 1]);
        else {
          const base = Math.max(current - this.seenSoFar, 1);
          const prev = this.values.get(k);
          if (!prev) this.values.set(k, [v * base, base]);
          else this.values.set(k, [prev[0] + v * base, prev[1] + base]);
        }
      } else {
        this.values.set(k, [v, 1]);
      }
    }
    this.seenSoFar = current;
    const now = this.now();
    const timePerUnit = this.estimateStepDuration(current, now);
    const escapes = this.dynamicDisplay && this.color;
    const bold = (s: string) => (escapes ? `\x1b[1m${s}\x1b[0m` : s);
    const color = (code: string, s: string) => (escapes ? `\x1b[${code}m${s}\x1b[0m` : s);
    const ch = this.unicode ? '━' : '=';

    if (this.verbose === 1) {
      if (now - this.lastUpdate < this.interval && !fin) return;
      // without a terminal nothing is redrawn: only the finished line is written
      if (!this.dynamicDisplay && !fin) {
        this.lastUpdate = now;
        return;
      }
      let message = this.dynamicDisplay ? '\b'.repeat(this.prevTotalWidth) + '\r' : '';
      let bar: string;
      let visible: number;
      if (this.target !== null && this.target > 0) {
        const numdigits = Math.floor(Math.log10(this.target)) + 1;
        const count = `${String(current).padStart(numdigits)}/${this.target}`;
        const progWidth = Math.floor(this.width * (current / this.target));
        bar = bold(count) + ' ';
        if (progWidth > 0) bar += color('32', ch.repeat(progWidth));
        bar += color('37', ch.repeat(Math.max(0, this.width - progWidth)));
        visible = count.length + 1 + Math.max(progWidth, 0) + Math.max(0, this.width - progWidth);
      } else {
        bar = `${String(current).padStart(7)}/Unknown`;
        visible = bar.length;
      }
      message += bar;
      let info: string;
      let infoPlain: string;
      if (this.target !== null && this.target > 0 && !fin) {
        const eta = timePerUnit * (this.target - current);
        let f: string;
        if (eta > 3600) f = `${Math.floor(eta / 3600)}:${pad2((eta % 3600) / 60)}:${pad2(eta % 60)}`;
        else if (eta > 60) f = `${Math.floor(eta / 60)}:${pad2(eta % 60)}`;
        else f = `${Math.floor(eta)}s`;
        info = ' ' + bold(f);
        infoPlain = ' ' + f;
      } else {
        const f = `${pyFixed0(now - this.start)}s`;
        info = ' ' + bold(f);
        infoPlain = ' ' + f;
      }
      let rest = formatTime(timePerUnit, this.unitName);
      for (const k of this.valuesOrder) {
        const [v, c] = this.values.get(k)!;
        rest += ` - ${k}: ${formatValue(v / Math.max(1, c))}`;
      }
      info += rest;
      infoPlain += rest;
      message += info;
      const totalWidth = visible + infoPlain.length;
      if (this.dynamicDisplay && this.prevTotalWidth > totalWidth) message += ' '.repeat(this.prevTotalWidth - totalWidth);
      if (fin) message += '\n';
      this.write(message);
      this.prevTotalWidth = totalWidth;
    } else if (this.verbose === 2) {
      if (fin && this.target !== null && this.target > 0) {
        const numdigits = Math.floor(Math.log10(this.target)) + 1;
        let info = `${String(current).padStart(numdigits)}/${this.target} - ${pyFixed0(now - this.start)}s -${formatTime(timePerUnit, this.unitName)}`;
        for (const k of this.valuesOrder) {
          const [v, c] = this.values.get(k)!;
          info += ` - ${k}: ${formatValue(v / Math.max(1, c), false)}`;
        }
        this.write(info + '\n');
      }
    }
    this.lastUpdate = now;
  }

  add(n: number, values?: [string, number][]): void {
    this.update(this.seenSoFar + n, values);
  }

  private estimateStepDuration(current: number, now: number): number {
    if (!current) return 0;
    let t: number;
    if (this.timeAfterFirstStep !== null && current > 1) t = (now - this.timeAfterFirstStep) / (current - 1);
    else t = (now - this.start) / current;
    if (current === 1) this.timeAfterFirstStep = now;
    return t;
  }
}
