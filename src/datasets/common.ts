/**
 * What the `keras.datasets` loaders share: Keras's download folder, the options every loader takes
 * to point at a mirror or a local copy, and the conversions from NumPy arrays to Tensors.
 *
 * Arrays that Keras returns as `uint8` (image bytes, labels) come back as `int32` Tensors with the
 * same values (keras-ts has no uint8 dtype); float arrays come back in `floatx()` (`float32` by
 * default) rather than NumPy's float64. Ragged sequences (imdb, reuters) are `number[][]`.
 */
import {floatx} from '../config.js';
import {ValueError} from '../errors.js';
import {Tensor} from '../tensor/tensor.js';
import {getFile, type GetFileOptions} from '../utils/get_file.js';
import type {NdArray} from '../utils/ndarray.js';

export const ORIGIN_FOLDER = 'https://storage.googleapis.com/tensorflow/tf-keras-datasets/';

/** `[[xTrain, yTrain], [xTest, yTest]]`, as Keras's `(x_train, y_train), (x_test, y_test)`. */
export type LoadResult<X, Y = Tensor> = [[X, Y], [X, Y]];

/** Options every downloading loader accepts besides Keras's own arguments. */
export interface DownloadOptions {
  /** Cache folder instead of `$KERAS_HOME` / `~/.keras`. */
  cacheDir?: string;
  /** Download from this URL instead of Keras's (a mirror). */
  origin?: string;
  /** Expected hash instead of Keras's; `null` skips the check (for a mirror with other bytes). */
  fileHash?: string | null;
  /** Where download progress goes (default stderr); `false` for none. */
  progress?: GetFileOptions['progress'];
}

/** `getFile` with Keras's name, origin and hash unless the options override them. */
export function fetchDatasetFile(
  fname: string,
  origin: string,
  fileHash: string | undefined,
  options: DownloadOptions,
  extra: GetFileOptions = {},
): Promise<string> {
  const hash = options.fileHash === null ? undefined : (options.fileHash ?? fileHash);
  const opts: GetFileOptions = {...extra, cacheDir: options.cacheDir, progress: options.progress};
  if (hash !== undefined) opts.fileHash = hash;
  return getFile(fname, options.origin ?? origin, opts);
}

/** An integer array (uint8 images or labels, int64 labels) as an int32 Tensor, optionally reshaped. */
export function intTensor(a: NdArray, where: string, shape: readonly number[] = a.shape): Tensor {
  const d = a.data;
  if (Array.isArray(d) || a.kind[0] === 'f') throw new ValueError(`${where}: expected an integer array, found dtype ${a.kind}`);
  const values = d instanceof Int32Array ? d : Int32Array.from(d as ArrayLike<number>);
  return new Tensor(shape, 'int32', values);
}

/** A float array as a Tensor of `floatx()`. */
export function floatTensor(a: NdArray, where: string): Tensor {
  const d = a.data;
  if (Array.isArray(d)) throw new ValueError(`${where}: expected a numeric array, found dtype object`);
  const fx = floatx();
  return new Tensor(a.shape, fx, fx === 'float64' ? Float64Array.from(d) : Float32Array.from(d));
}

/** Rows `idx` of a Tensor (along axis 0), as `x[indices]` in NumPy. */
export function takeRows(t: Tensor, idx: ArrayLike<number>, start = 0, end = idx.length): Tensor {
  const row = t.shape.slice(1).reduce((a, b) => a * b, 1);
  const n = end - start;
  const out = new (t.values.constructor as new (n: number) => Tensor['values'])(n * row);
  for (let i = 0; i < n; i++) {
    const r = idx[start + i]!;
    out.set(t.values.subarray(r * row, (r + 1) * row), i * row);
  }
  return new Tensor([n, ...t.shape.slice(1)], t.dtype, out);
}

export function checkTestSplit(testSplit: number): void {
  if (!(testSplit >= 0 && testSplit < 1)) {
    throw new ValueError(`Invalid \`test_split\` argument: ${testSplit}. It must be between 0 and 1 (exclusive of 1).`);
  }
}
