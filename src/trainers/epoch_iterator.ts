/**
 * The batches `fit` / `evaluate` / `predict` run over, whatever the data: arrays (batched here), a
 * synchronous or asynchronous iterable or generator of batches, or a `PyDataset`. Each batch is
 * checked when it arrives — its shape against the earlier batches', its arrays against each other —
 * so an error names the step where the data went wrong. A streaming source prepares the next batch
 * while the current step runs (a pending `next()` or `getItem`), as Keras's prefetch.
 *
 * As Keras's `EpochIterator`: with `steps` given, a stream's iterator carries over from one epoch
 * to the next; without, each epoch iterates the source again (a generator object, once exhausted,
 * yields nothing more: `fit` then stops with Keras's "ran out of data" warning).
 */
import {ValueError} from '../errors.js';
import {permutation} from '../tensor/random.js';
import {fmtShape} from '../tensor/shape.js';
import {Tensor} from '../tensor/tensor.js';
import {PyDataset} from '../utils/py_dataset.js';
import {EpochIterator, isArrayData, toTensorList, type Batch, type Data, type StepData} from './data_adapter.js';

/** What streams yield: `x`, `[x]`, `[x, y]` or `[x, y, sampleWeight]`. */
export type StreamElement = unknown;

/** A stream of batches: a (sync or async) iterable or generator, or a `PyDataset`. */
export type Stream = Iterable<StreamElement> | AsyncIterable<StreamElement> | PyDataset;

export function isStream(x: unknown): x is Stream {
  if (x instanceof PyDataset) return true;
  if (x === null || typeof x !== 'object' || isArrayData(x)) return false;
  return Symbol.iterator in x || Symbol.asyncIterator in x;
}

export interface BatchSource {
  /** Batches per epoch, when known. */
  readonly numBatches: number | null;
  /** The batches of the next epoch; `stepBase` numbers them in errors. */
  epoch(): AsyncGenerator<Batch, void, undefined>;
  /** The first batch, without consuming it (to build the model before the first step). */
  peek(): Promise<Batch | null>;
  /** True when the last epoch ended because the data ran out before `steps`. */
  ranOut: boolean;
}

/** Arrays batched in memory (`EpochIterator`). */
export class ArraySource implements BatchSource {
  ranOut = false;
  constructor(readonly iterator: EpochIterator) {}
  get numBatches(): number {
    return this.iterator.numBatches;
  }
  async *epoch(): AsyncGenerator<Batch, void, undefined> {
    for (const [, , batch] of this.iterator) yield batch;
  }
  async peek(): Promise<Batch | null> {
    for (const [, , batch] of new EpochIterator(this.iterator.x, this.iterator.y, this.iterator.sampleWeight, {batchSize: this.iterator.batchSize})) {
      return batch;
    }
    return null;
  }
}

type Signature = {x: (readonly number[])[]; y: (readonly number[])[] | null; sw: (readonly number[])[] | null};

const shapeOf = (ts: Tensor[] | null) => (ts ? ts.map((t) => t.shape.slice(1)) : null);
const showShape = (rest: readonly number[]) => `[${['None', ...rest].join(', ')}]`;

/**
 * Converts one element a stream yielded into a batch, checking it: the tuple's length, the arrays'
 * row counts, and (once `signature` holds the first batch's) the shapes.
 */
export function toBatch(element: StreamElement, what: string, step: number, signature: Signature | null, forPredict: boolean): Batch {
  let parts: unknown[];
  if (Array.isArray(element) && element.length >= 1 && element.length <= 3 && !element.every((e) => typeof e === 'number')) parts = element;
  else if (element instanceof Tensor || ArrayBuffer.isView(element)) parts = [element];
  else {
    throw new ValueError(
      `${what}: data is expected to be in format \`x\`, \`[x]\`, \`[x, y]\`, or \`[x, y, sampleWeight]\`; the element at step ${step} was: ${describe(element)}`,
    );
  }
  const [rawX, rawY, rawSw] = parts;
  const x = toTensorList(rawX as Data, 'x');
  if (!x) throw new ValueError(`${what}: the element at step ${step} has no \`x\` (received ${describe(element)})`);
  const y = forPredict ? null : toTensorList((rawY ?? null) as Data | null, 'y');
  const sw = forPredict ? null : toTensorList((rawSw ?? null) as Data | null, 'sample_weight');
  const all = [...x, ...(y ?? []), ...(sw ?? [])];
  const rows = all.map((t) => (t.rank === 0 ? -1 : t.shape[0]!));
  if (rows.some((r) => r !== rows[0])) {
    const fmt = (label: string, ts: Tensor[] | null) => (ts ? `${label} shape ${ts.map((t) => fmtShape(t.shape)).join(', ')}` : null);
    throw new ValueError(
      `${what}: the batch at step ${step} has arrays with different numbers of samples: ` +
        [fmt('x', x), fmt('y', y), fmt('sample_weight', sw)].filter(Boolean).join(', ') + '. Each batch needs as many rows in x, y and sample_weight.',
    );
  }
  if (rows[0] === -1) throw new ValueError(`${what}: the batch at step ${step} holds a scalar; a batch needs a leading batch axis (received x shape ${fmtShape(x[0]!.shape)})`);
  if (signature) {
    const check = (label: string, got: Tensor[] | null, want: (readonly number[])[] | null) => {
      const g = shapeOf(got);
      const same = g === null ? want === null : want !== null && g.length === want.length && g.every((s, i) => s.length === want[i]!.length && s.every((d, j) => d === want[i]![j]));
      if (!same) {
        throw new ValueError(
          `${what}: the batch at step ${step} has ${label} shape ${got ? got.map((t) => fmtShape(t.shape)).join(', ') : 'None'}, ` +
            `but the earlier batches had ${label} shape ${want ? want.map(showShape).join(', ') : 'None'}. ` +
            'Every batch must have the same shape except for the batch size.',
        );
      }
    };
    check('x', x, signature.x);
    check('y', y, signature.y);
    check('sample_weight', sw, signature.sw);
  }
  const xIsList = Array.isArray(rawX) && x.length > 1;
  const pack = (ts: Tensor[]) => (ts.length === 1 && !xIsList ? ts[0]! : ts);
  const data: StepData = y ? (sw ? [pack(x), pack(y), pack(sw)] : [pack(x), pack(y)]) : [pack(x)];
  return {x, y, sampleWeight: sw, size: rows[0]!, data};
}

function describe(x: unknown): string {
  if (x instanceof Tensor) return `Tensor of shape ${fmtShape(x.shape)}`;
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  return x === null ? 'null' : x === undefined ? 'undefined' : typeof x;
}

type Pull = () => Promise<IteratorResult<StreamElement>>;

/** A stream: iterables, async iterables and `PyDataset`s, with the next batch fetched ahead. */
export class StreamSource implements BatchSource {
  ranOut = false;
  private pull: Pull | null = null;
  private signature: Signature | null = null;
  private stashed: Batch | null = null;
  private step = 0;
  /** Batches already requested (fetched ahead), oldest first. */
  private queue: Promise<IteratorResult<StreamElement>>[] = [];

  private epochCount = 0;

  constructor(
    readonly stream: Stream,
    readonly what: string,
    readonly steps: number | null,
    readonly forPredict = false,
    /** A PyDataset's batches in a new random order each epoch (`fit`'s `shuffle`, as Keras). */
    readonly shuffle = false,
  ) {
    if (steps !== null && (!Number.isInteger(steps) || steps < 1)) throw new ValueError(`${what}: steps must be a positive integer or null. Received: ${steps}`);
  }

  get numBatches(): number | null {
    if (this.steps !== null) return this.steps;
    if (this.stream instanceof PyDataset) return this.stream.numBatches;
    // a dataset object that knows its length per pass (keras.utils' datasets) says so as `numBatches`
    const n: unknown = (this.stream as {numBatches?: unknown}).numBatches;
    return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : null;
  }

  /** A fresh pass over the stream (a generator object returns itself: exhausted stays exhausted). */
  private open(): Pull {
    const s = this.stream;
    if (s instanceof PyDataset) {
      const n = s.numBatches;
      const order = this.shuffle && n !== null ? permutation(n, 0x6b65 + this.epochCount) : null;
      let i = 0;
      return () => {
        if (n !== null && i >= n) return Promise.resolve({done: true, value: undefined});
        const index = order ? order[i++]! : i++;
        return s.fetchItem(index).then((value) => ({done: false, value}));
      };
    }
    if (Symbol.asyncIterator in s) {
      const it = (s as AsyncIterable<StreamElement>)[Symbol.asyncIterator]();
      return () => it.next();
    }
    const it = (s as Iterable<StreamElement>)[Symbol.iterator]();
    return () => {
      try {
        return Promise.resolve(it.next());
      } catch (e) {
        return Promise.reject(e);
      }
    };
  }

  /** How many fetches to keep in flight: a PyDataset's `workers` (bounded by its queue), else one. */
  private get ahead(): number {
    return this.stream instanceof PyDataset ? Math.min(this.stream.workers, this.stream.maxQueueSize) : 1;
  }

  private request(): void {
    const p = this.pull!();
    // handled here so a failed fetch ahead is not an unhandled rejection while a step runs; the
    // error surfaces when its batch is awaited, after the step before it completed
    p.catch(() => {});
    this.queue.push(p);
  }

  private async next(): Promise<IteratorResult<StreamElement>> {
    while (this.queue.length < this.ahead) this.request();
    const r = await this.queue.shift()!;
    // sync generators are not fetched ahead: their next() would run now, before the step
    if (!r.done && (this.stream instanceof PyDataset || Symbol.asyncIterator in this.stream)) {
      while (this.queue.length < this.ahead) this.request();
    }
    return r;
  }

  private convert(value: StreamElement): Batch {
    const batch = toBatch(value, this.what, this.step, this.signature, this.forPredict);
    this.signature ??= {x: shapeOf(batch.x)!, y: shapeOf(batch.y), sw: shapeOf(batch.sampleWeight)};
    return batch;
  }

  private reset(): void {
    this.pull = this.open();
    this.queue = [];
  }

  async peek(): Promise<Batch | null> {
    if (this.stashed) return this.stashed;
    if (!this.pull) this.reset();
    const r = await this.next();
    if (r.done) return null;
    this.stashed = this.convert(r.value);
    return this.stashed;
  }

  async *epoch(): AsyncGenerator<Batch, void, undefined> {
    const ds = this.stream instanceof PyDataset ? this.stream : null;
    ds?.onEpochBegin();
    ds?.refreshWorkers();
    // without `steps` every epoch is a new pass; with `steps` the pass carries over (Keras)
    if (!this.pull || (this.steps === null && !this.stashed)) this.reset();
    this.ranOut = false;
    const limit = this.numBatches;
    let seen = 0;
    for (;;) {
      if (limit !== null && seen >= limit) break;
      let batch: Batch;
      this.step = seen;
      if (this.stashed) {
        batch = this.stashed;
        this.stashed = null;
      } else {
        const r = await this.next();
        if (r.done) {
          if (this.steps !== null || seen === 0) this.ranOut = true;
          this.pull = null; // a new pass next time
          break;
        }
        batch = this.convert(r.value);
      }
      seen++;
      yield batch;
    }
    if (this.steps === null) this.pull = null;
    this.epochCount++;
    ds?.onEpochEnd();
  }
}

/** The source for `x` (arrays are batched by `batchSize`). */
export function sourceFor(
  x: Data | Stream,
  arrays: {x: Tensor[]; y: Tensor[] | null; sampleWeight: Tensor[] | null} | null,
  opts: {what: string; batchSize: number | null; steps: number | null; shuffle: boolean | 'batch'; forPredict?: boolean},
): BatchSource {
  if (isStream(x)) return new StreamSource(x, opts.what, opts.steps, opts.forPredict ?? false);
  const a = arrays!;
  return new ArraySource(new EpochIterator(a.x, a.y, a.sampleWeight, {batchSize: opts.batchSize, stepsPerEpoch: opts.steps, shuffle: opts.shuffle}));
}
