/**
 * `keras.utils.timeseries_dataset_from_array`: sliding windows over an array as batches of
 * `[sequences, targets]` (or sequences alone), made as `fit` iterates.
 *
 * ```ts
 * // windows of 10 steps, the target of each window the value right after it
 * const ds = keras.utils.timeseriesDatasetFromArray(keras.ops.slice(data, [0], [n - 10]), keras.ops.slice(data, [10], [n - 10]), 10);
 * await model.fit(ds, {epochs: 5});
 * ```
 * Window `i` starts at `startIndex + p_i` and takes `sequenceLength` rows `samplingRate` apart;
 * its target is `targets[startIndex + p_i]`; the starts `p_i` are `0, sequenceStride, ...` (in a
 * random order with `shuffle`, drawn once from `seed`), as Keras.
 */
import {ValueError} from '../errors.js';
import {permutation} from '../tensor/random.js';
import {allocate} from '../tensor/dtype.js';
import {Tensor} from '../tensor/tensor.js';

export interface TimeseriesOptions {
  sequenceStride?: number;
  samplingRate?: number;
  batchSize?: number;
  shuffle?: boolean;
  seed?: number | null;
  startIndex?: number | null;
  endIndex?: number | null;
}

/** Batches of windows; iterate it (once per epoch) or pass it to `fit` / `evaluate` / `predict`. */
export class TimeseriesDataset implements Iterable<Tensor | [Tensor, Tensor]> {
  constructor(
    readonly data: Tensor,
    readonly targets: Tensor | null,
    readonly starts: Int32Array,
    readonly sequenceLength: number,
    readonly samplingRate: number,
    readonly batchSize: number,
  ) {}

  /** Batches per pass (what `fit`'s progress bar shows as the total). */
  get numBatches(): number {
    return Math.ceil(this.starts.length / this.batchSize);
  }

  *[Symbol.iterator](): Generator<Tensor | [Tensor, Tensor]> {
    const d = this.data, rowSize = d.size / d.shape[0]!;
    for (let b = 0; b < this.starts.length; b += this.batchSize) {
      const starts = this.starts.subarray(b, Math.min(b + this.batchSize, this.starts.length));
      const x = allocate(d.dtype, starts.length * this.sequenceLength * rowSize);
      starts.forEach((p, i) => {
        for (let k = 0; k < this.sequenceLength; k++) {
          const row = p + k * this.samplingRate;
          x.set(d.values.subarray(row * rowSize, (row + 1) * rowSize), (i * this.sequenceLength + k) * rowSize);
        }
      });
      const xs = new Tensor([starts.length, this.sequenceLength, ...d.shape.slice(1)], d.dtype, x);
      if (!this.targets) {
        yield xs;
        continue;
      }
      const t = this.targets, tRow = t.size / t.shape[0]!;
      const y = allocate(t.dtype, starts.length * tRow);
      starts.forEach((p, i) => y.set(t.values.subarray(p * tRow, (p + 1) * tRow), i * tRow));
      yield [xs, new Tensor([starts.length, ...t.shape.slice(1)], t.dtype, y)];
    }
  }
}

export function timeseriesDatasetFromArray(data: Tensor, targets: Tensor | null, sequenceLength: number, options: TimeseriesOptions = {}): TimeseriesDataset {
  const {sequenceStride = 1, samplingRate = 1, batchSize = 128, shuffle = false} = options;
  const n = data.shape[0] ?? 0;
  const startIndex = options.startIndex ?? 0;
  const endIndex = options.endIndex ?? n;
  const positive = (v: number, name: string) => {
    if (!Number.isInteger(v) || v <= 0) throw new ValueError(`\`${name}\` must be higher than 0. Received: ${name}=${v}`);
  };
  positive(sequenceLength, 'sequence_length');
  positive(sequenceStride, 'sequence_stride');
  positive(samplingRate, 'sampling_rate');
  positive(batchSize, 'batch_size');
  if (!Number.isInteger(startIndex) || startIndex < 0 || startIndex >= n) {
    throw new ValueError(`\`start_index\` must be 0 or greater and smaller than \`data\` length (${n}). Received: start_index=${startIndex}`);
  }
  if (!Number.isInteger(endIndex) || endIndex <= startIndex || endIndex > n) {
    throw new ValueError(`\`end_index\` must be higher than \`start_index\` (${startIndex}) and at most the \`data\` length (${n}). Received: end_index=${endIndex}`);
  }
  let numSeqs = endIndex - startIndex - (sequenceLength - 1) * samplingRate;
  if (targets) numSeqs = Math.min(numSeqs, (targets.shape[0] ?? 0) - startIndex);
  if (numSeqs <= 0) {
    throw new ValueError(
      `timeseriesDatasetFromArray: no window fits: ${endIndex - startIndex} rows from start_index ${startIndex} cannot hold one sequence of length ${sequenceLength} with sampling_rate ${samplingRate}`,
    );
  }
  let positions = Int32Array.from({length: Math.ceil(numSeqs / sequenceStride)}, (_, i) => i * sequenceStride);
  if (shuffle) {
    const perm = permutation(positions.length, options.seed ?? Math.floor(Math.random() * 1e6));
    positions = Int32Array.from(perm, (i) => positions[i]!);
  }
  const starts = positions.map((p) => p + startIndex);
  return new TimeseriesDataset(data, targets, starts, sequenceLength, samplingRate, batchSize);
}
