/**
 * `keras.utils.split_dataset` for in-memory data: a Tensor, or an array of Tensors with the same
 * number of rows (e.g. `[x, y]`), split along the first axis into a left and a right part.
 *
 * ```ts
 * const [[xTrain, yTrain], [xVal, yVal]] = splitDataset([x, y], {leftSize: 0.8, shuffle: true, seed: 1});
 * ```
 *
 * Sizes follow Keras: a number in (0, 1) is a fraction (rounded), an integer >= 1 a count; a missing
 * side is the complement; the right part is the *last* `rightSize` rows. With `shuffle`, rows are
 * shuffled as Keras does (Python's `random.seed(seed)` then `random.shuffle`), so a seed selects the
 * same rows as in Keras.
 */
import {ValueError} from '../errors.js';
import {Tensor} from '../tensor/tensor.js';
import {PythonRandom} from './random_state.js';

export interface SplitDatasetOptions {
  leftSize?: number | null;
  rightSize?: number | null;
  shuffle?: boolean;
  seed?: number | null;
}

export function splitDataset(dataset: Tensor, options?: SplitDatasetOptions): [Tensor, Tensor];
export function splitDataset(dataset: readonly Tensor[], options?: SplitDatasetOptions): [Tensor[], Tensor[]];
export function splitDataset(
  dataset: Tensor | readonly Tensor[],
  options: SplitDatasetOptions = {},
): [Tensor, Tensor] | [Tensor[], Tensor[]] {
  const parts = dataset instanceof Tensor ? [dataset] : [...dataset];
  if (parts.length === 0 || !parts.every((p) => p instanceof Tensor && p.rank >= 1)) {
    throw new ValueError('split_dataset: `dataset` must be a Tensor or an array of Tensors of rank >= 1');
  }
  const total = parts[0]!.shape[0]!;
  for (const p of parts) {
    if (p.shape[0] !== total) {
      throw new ValueError(`split_dataset: all arrays must have the same length. Received lengths: ${parts.map((q) => q.shape[0]).join(', ')}`);
    }
  }
  const {leftSize = null, rightSize = null} = options;
  if (leftSize === null && rightSize === null) {
    throw new ValueError('At least one of the `left_size` or `right_size` must be specified. Received: left_size=None and right_size=None');
  }
  const [left, right] = rescale(leftSize, rightSize, total);
  const order = Array.from({length: total}, (_, i) => i);
  if (options.shuffle) {
    const seed = options.seed ?? Math.floor(Math.random() * 1e6);
    new PythonRandom(seed).shuffle(order);
  }
  const l = order.slice(0, left);
  const r = order.slice(total - right);
  const take = (t: Tensor, rows: number[]): Tensor => {
    const w = t.shape.slice(1).reduce((a, b) => a * b, 1);
    const out = new (t.values.constructor as new (n: number) => Tensor['values'])(rows.length * w);
    rows.forEach((row, i) => out.set(t.values.subarray(row * w, (row + 1) * w), i * w));
    return t.withValues([rows.length, ...t.shape.slice(1)], out);
  };
  const ls = parts.map((p) => take(p, l));
  const rs = parts.map((p) => take(p, r));
  return dataset instanceof Tensor ? [ls[0]!, rs[0]!] : [ls, rs];
}

function rescale(leftSize: number | null, rightSize: number | null, total: number): [number, number] {
  const isFrac = (v: number): boolean => v > 0 && v < 1;
  const check = (v: number | null, side: string): void => {
    if (v === null) return;
    if (!(isFrac(v) || (Number.isInteger(v) && v > 0 && v < total))) {
      throw new ValueError(
        `\`${side}_size\` should be either a positive integer smaller than ${total}, or a float within the range \`[0, 1]\`. Received: ${side}_size=${v}`,
      );
    }
  };
  if (leftSize === 0 && rightSize === 0) {
    throw new ValueError('Both `left_size` and `right_size` are zero. At least one of the split sizes must be non-zero.');
  }
  check(leftSize, 'left');
  check(rightSize, 'right');
  if (leftSize !== null && rightSize !== null && isFrac(leftSize) && isFrac(rightSize) && leftSize + rightSize > 1) {
    throw new ValueError('The sum of `left_size` and `right_size` is greater than 1. It must be less than or equal to 1.');
  }
  // Python's round() is round-half-to-even
  const round = (v: number): number => {
    const f = Math.floor(v);
    const d = v - f;
    return d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f;
  };
  let l = leftSize === null ? null : isFrac(leftSize) ? round(leftSize * total) : leftSize;
  let r = rightSize === null ? null : isFrac(rightSize) ? round(rightSize * total) : rightSize;
  if (l === null) l = total - r!;
  else if (r === null) r = total - l;
  if (l + r! > total) {
    throw new ValueError(`The sum of \`left_size\` and \`right_size\` should be smaller than the ${total}. Received: left_size + right_size = ${l + r!} and total_length = ${total}`);
  }
  for (const [v, side] of [[l, 'left'], [r!, 'right']] as const) {
    if (v === 0) {
      throw new ValueError(`With \`dataset\` of length=${total}, \`left_size\`=${l} and \`right_size\`=${r}. Resulting ${side} side dataset split will be empty. Adjust any of the aforementioned parameters`);
    }
  }
  return [l, r!];
}
