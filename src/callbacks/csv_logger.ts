import {appendFileSync, existsSync, readFileSync, writeFileSync} from '../platform/index.js';
import {isChiefProcess} from '../distribution/state.js';
import {Callback, type Logs} from './callback.js';

/** Python's `str(float)`: shortest repr, `1.0` for integers, `nan`/`inf`. */
function pyStr(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return v.toFixed(1);
  const s = String(v);
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

/** CSVLogger's options: the field separator (default `,`), and whether to append to an existing file. */
export interface CSVLoggerOptions {
  separator?: string;
  append?: boolean;
}

/** Streams the epoch logs to a CSV file: `epoch` then the keys sorted (and their `val_` twins). */
export class CSVLogger extends Callback {
  keys: string[] | null = null;
  private appendHeader = true;
  private wroteHeader = false;

  constructor(readonly filename: string, {separator = ',', append = false}: CSVLoggerOptions = {}) {
    super();
    this.sep = separator;
    this.append = append;
  }
  readonly sep: string;
  readonly append: boolean;

  override onTrainBegin(): void {
    if (!isChiefProcess()) return; // distribution: rank 0 writes the file
    if (this.append) {
      this.appendHeader = !(existsSync(this.filename) && readFileSync(this.filename, 'utf8').split('\n')[0]!.length > 0);
    } else {
      writeFileSync(this.filename, '');
      this.appendHeader = true;
    }
    this.keys = null;
    this.wroteHeader = false;
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    if (!isChiefProcess()) return; // distribution: rank 0 writes the file
    if (this.keys === null) {
      this.keys = Object.keys(logs).sort();
      if (!this.keys.some((k) => k.startsWith('val_')) && this.keys.length) this.keys.push(...this.keys.map((k) => `val_${k}`));
    }
    let text = '';
    if (!this.wroteHeader) {
      if (this.appendHeader) text += ['epoch', ...this.keys].join(this.sep) + '\r\n';
      this.wroteHeader = true;
    }
    const cell = (k: string) => (logs[k] === undefined ? 'NA' : pyStr(logs[k]!));
    text += [String(epoch), ...this.keys.map(cell)].join(this.sep) + '\r\n';
    appendFileSync(this.filename, text);
  }
}
