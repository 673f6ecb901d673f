/**
 * Array data for `fit` / `evaluate` / `predict`: tensors, typed arrays or nested arrays, batched by
 * rows. A batch in order is a view on the rows (no copy); a shuffled batch gathers its rows only,
 * from a permutation drawn per epoch with a seed derived from the epoch number (as Keras's
 * `np.random.default_rng(epoch)`), so the whole dataset is never copied per epoch.
 */
import {floatx} from '../config.js';
import {ValueError} from '../errors.js';
import {permutation} from '../tensor/random.js';
import {allocate, type DType, type TypedArray} from '../tensor/dtype.js';
import {tensor, Tensor, type NestedArray} from '../tensor/tensor.js';
import {Variable} from '../autodiff/variable.js';

export type ArrayData = Tensor | TypedArray | NestedArray;
/** One input or several (a list, for models with several inputs/outputs). */
export type Data = ArrayData | ArrayData[];

/** One input's or target's batch, or a list of them (several inputs or outputs). */
export type StepTensors = Tensor | Tensor[];
/** What `trainStep` / `testStep` / `predictStep` receive: `[x]`, `[x, y]` or `[x, y, sampleWeight]`. */
export type StepData = [x: StepTensors, y?: StepTensors | null, sampleWeight?: StepTensors | null];

function isTypedArray(x: unknown): x is TypedArray {
  return ArrayBuffer.isView(x) && !(x instanceof DataView);
}

/** Whether `x` is array data (a tensor, a typed array or an array), as opposed to a stream of batches. */
export function isArrayData(x: unknown): boolean {
  return x instanceof Tensor || isTypedArray(x) || Array.isArray(x) || typeof x === 'number' || typeof x === 'boolean' || x instanceof Variable;
}

/** Keras's `unpack_x_y_sample_weight`: `[x, y, sampleWeight]` from a step's data (missing ones null). */
export function unpackXYSampleWeight(data: StepData | StepTensors): [StepTensors, StepTensors | null, StepTensors | null] {
  if (data instanceof Tensor) return [data, null, null];
  if (!Array.isArray(data) || data.length < 1 || data.length > 3) {
    throw new ValueError(`Data is expected to be in format \`x\`, \`[x]\`, \`[x, y]\`, or \`[x, y, sampleWeight]\`, found: ${Array.isArray(data) ? `an array of length ${data.length}` : typeof data}`);
  }
  const [x, y, sw] = data as StepData;
  return [x, y ?? null, sw ?? null];
}

/** Converts one array-like to a tensor (typed arrays are 1-D; nested arrays keep their shape). */
export function toTensorData(x: ArrayData, what: string): Tensor {
  if (x instanceof Tensor) return x;
  const v: unknown = x;
  if (v instanceof Variable) return v.value;
  if (isTypedArray(x)) return tensor(x);
  if (Array.isArray(x) || typeof x === 'number' || typeof x === 'boolean') {
    return tensor(x as NestedArray, undefined, typeof x === 'boolean' ? 'bool' : undefined);
  }
  throw new ValueError(`Expected all elements of \`${what}\` to be array-like (a Tensor, a typed array or nested arrays). Received: ${typeof x}`);
}

/** A list of tensors for `x` (one per model input), or null. */
export function toTensorList(x: Data | null | undefined, what: string): Tensor[] | null {
  if (x === null || x === undefined) return null;
  if (Array.isArray(x) && x.length > 0 && (x[0] instanceof Tensor || isTypedArray(x[0]) || (x[0] as unknown) instanceof Variable)) {
    return (x as ArrayData[]).map((t, i) => toTensorData(t, `${what}[${i}]`));
  }
  return [toTensorData(x as ArrayData, what)];
}

/** Keras's `check_data_cardinality`: every array has the same number of samples. */
export function checkDataCardinality(x: Tensor[], y: Tensor[] | null, sw: Tensor[] | null): number {
  const all = [...x, ...(y ?? []), ...(sw ?? [])];
  const sizes = new Set(all.map((t) => (t.rank === 0 ? 1 : t.shape[0]!)));
  if (sizes.size > 1) {
    let msg = 'Data cardinality is ambiguous. Make sure all arrays contain the same number of samples.';
    const labels: [string, Tensor[] | null][] = [['x', x], ['y', y], ['sample_weight', sw]];
    for (const [label, ts] of labels) if (ts) msg += `'${label}' sizes: ${ts.map((t) => t.shape[0]).join(', ')}\n`;
    throw new ValueError(msg);
  }
  for (const t of all) {
    if (t.rank < 1) throw new ValueError(`When passing arrays to a Keras model, the arrays must be at least rank 1. Received an array of rank 0.`);
  }
  return all.length ? all[0]!.shape[0]! : 0;
}

/** Rows `[start, end)` of `t` as a view on its storage (no copy). */
export function sliceRows(t: Tensor, start: number, end: number): Tensor {
  const row = t.size / Math.max(t.shape[0]!, 1);
  return t.withValues([end - start, ...t.shape.slice(1)], t.values.subarray(start * row, end * row) as TypedArray);
}

/** The rows at `indices`, copied into a new tensor. */
export function gatherRows(t: Tensor, indices: ArrayLike<number>): Tensor {
  const row = t.size / Math.max(t.shape[0]!, 1);
  const out = allocate(t.dtype, indices.length * row);
  const src = t.values;
  for (let i = 0; i < indices.length; i++) {
    const s = indices[i]! * row;
    out.set(src.subarray(s, s + row), i * row);
  }
  return t.withValues([indices.length, ...t.shape.slice(1)], out);
}

/** Keras's `train_validation_split`: the last `validationSplit` of the rows become validation data. */
export function trainValidationSplit(arrays: (Tensor[] | null)[], validationSplit: number): [(Tensor[] | null)[], (Tensor[] | null)[]] {
  const first = arrays.find((a) => a && a.length)?.[0];
  if (!first) return [arrays, arrays];
  const n = first.shape[0]!;
  const splitAt = Math.floor(n * (1 - validationSplit));
  if (splitAt === 0 || splitAt === n) {
    throw new ValueError(
      `Training data contains ${n} samples, which is not sufficient to split it into a validation and training set as specified by ` +
        `\`validation_split=${validationSplit}\`. Either provide more data, or a different value for the \`validation_split\` argument.`,
    );
  }
  const part = (a: Tensor[] | null, s: number, e: number) => (a ? a.map((t) => sliceRows(t, s, e)) : null);
  return [arrays.map((a) => part(a, 0, splitAt)), arrays.map((a) => part(a, splitAt, n))];
}

/** Keras's `class_weight_to_sample_weights`: one weight per sample from its (argmax or rounded) class. */
export function classWeightToSampleWeights(y: Tensor, classWeight: Record<number | string, number>): Tensor {
  const cw = new Map<number, number>();
  for (const [k, v] of Object.entries(classWeight)) {
    const key = Number(k);
    if (!Number.isInteger(key)) {
      throw new ValueError(`\`class_weight\` must be a dictionary with integer keys representing class indices. Received an invalid key: '${k}' of type <class 'str'>.`);
    }
    cw.set(key, v);
  }
  const n = y.shape[0]!;
  const out = new Float32Array(n);
  const per = y.size / Math.max(n, 1);
  for (let i = 0; i < n; i++) {
    let cls: number;
    if (y.rank > 1 && y.shape[y.rank - 1] !== 1) {
      let best = 0;
      for (let j = 1; j < per; j++) if (y.values[i * per + j]! > y.values[i * per + best]!) best = j;
      cls = best;
    } else cls = Math.round(y.values[i * per]!);
    out[i] = cw.get(cls) ?? 1.0;
  }
  return new Tensor([n], floatx() as DType, floatx() === 'float64' ? Float64Array.from(out) : out);
}

export interface Batch {
  x: Tensor[];
  y: Tensor[] | null;
  sampleWeight: Tensor[] | null;
  size: number;
  /** The batch as the steps receive it (one tensor per part unless the model takes lists). */
  data: StepData;
}

/** Iterates over `(begin, end, batch)` for one epoch; call `onEpochEnd` between epochs. */
export class EpochIterator {
  readonly numSamples: number;
  readonly batchSize: number;
  readonly numBatches: number;
  private epoch = 0;

  constructor(
    readonly x: Tensor[],
    readonly y: Tensor[] | null,
    readonly sampleWeight: Tensor[] | null,
    {batchSize = 32, stepsPerEpoch = null, shuffle = false}: {batchSize?: number | null; stepsPerEpoch?: number | null; shuffle?: boolean | 'batch'} = {},
  ) {
    this.numSamples = checkDataCardinality(x, y, sampleWeight);
    const bs = batchSize ?? 32;
    if (!Number.isInteger(bs) || bs < 1) throw new ValueError(`batch_size must be a positive integer. Received: batch_size=${batchSize}`);
    this.batchSize = bs;
    const full = Math.ceil(this.numSamples / bs);
    this.numBatches = stepsPerEpoch ?? full;
    this.shuffle = shuffle;
  }
  private readonly shuffle: boolean | 'batch';

  *[Symbol.iterator](): Generator<[number, number, Batch]> {
    const n = this.numSamples;
    const full = Math.ceil(n / this.batchSize);
    const perm = this.shuffle === true ? permutation(n, 0x6b65 + this.epoch) : null;
    for (let step = 0; step < this.numBatches; step++) {
      const i = step % Math.max(full, 1); // stepsPerEpoch beyond the data wraps around, as a repeated dataset
      const start = i * this.batchSize;
      const stop = Math.min(start + this.batchSize, n);
      let take: (t: Tensor) => Tensor;
      if (perm) {
        const idx = perm.subarray(start, stop);
        take = (t) => gatherRows(t, idx);
      } else if (this.shuffle === 'batch') {
        const local = permutation(stop - start, 0x6b65 + this.epoch + i);
        const idx = Int32Array.from(local, (k) => k + start);
        take = (t) => gatherRows(t, idx);
      } else {
        take = (t) => sliceRows(t, start, stop);
      }
      const x = this.x.map(take), y = this.y ? this.y.map(take) : null, sw = this.sampleWeight ? this.sampleWeight.map(take) : null;
      const pack = (ts: Tensor[]) => (ts.length === 1 ? ts[0]! : ts);
      const data: StepData = y ? (sw ? [pack(x), pack(y), pack(sw)] : [pack(x), pack(y)]) : [pack(x)];
      const batch: Batch = {x, y, sampleWeight: sw, size: stop - start, data};
      yield [step, step, batch];
    }
    this.epoch++;
  }
}
