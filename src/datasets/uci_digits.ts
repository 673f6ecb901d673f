/**
 * The UCI handwritten digits (8x8 images, 1,797 samples, 10 classes), shipped inside the package so
 * a first program needs no download. CC BY 4.0, E. Alpaydin and C. Kaynak (1998); see
 * `data/uci_digits/ATTRIBUTION.md`. Not a Keras dataset: a keras-ts extra.
 *
 * ```ts
 * const [[xTrain, yTrain], [xTest, yTest]] = await keras.datasets.uciDigits.loadData();
 * // xTrain: float32 [1438, 64] pixel values 0..16; yTrain: int32 [1437] labels 0..9
 * ```
 */
import {fileURLToPath, gunzipSync, hasFileSystem} from '../platform/index.js';
import {ValueError} from '../errors.js';
import {Tensor} from '../tensor/tensor.js';
import {readBytes, type BytesSource} from '../utils/bytes_source.js';
import {RandomState} from '../utils/random_state.js';
import type {LoadResult} from './common.js';

/** The CSV shipped with the package (64 pixel values then the label, one sample per line), gzipped. */
const DATA_URL = new URL('../../data/uci_digits/digits.csv.gz', import.meta.url);

export interface UciDigitsOptions {
  /** Fraction of samples held out for the test split (default 0.2). */
  testSplit?: number;
  /** Seed of the shuffle before splitting (NumPy's `RandomState(seed).permutation`). */
  seed?: number;
  /**
   * Where the gzipped CSV comes from instead of the copy shipped with the package: a path, a URL, a
   * File/Blob or its bytes. In a page the default is fetched beside the package
   * (`<package>/data/uci_digits/digits.csv.gz`) and kept in the Cache API.
   */
  source?: BytesSource;
}

export async function loadData({testSplit = 0.2, seed = 113, source}: UciDigitsOptions = {}): Promise<LoadResult<Tensor, Tensor>> {
  if (!(testSplit > 0 && testSplit < 1)) {
    throw new ValueError(`uciDigits.loadData: testSplit must be in (0, 1). Received: testSplit=${testSplit}`);
  }
  const src = source ?? (hasFileSystem ? fileURLToPath(DATA_URL) : DATA_URL);
  const {bytes, name} = await readBytes(src, {what: 'uciDigits.loadData', cacheName: 'keras-ts-datasets'});
  let text: string;
  try {
    text = new TextDecoder().decode(gunzipSync(bytes));
  } catch (e) {
    throw new ValueError(`uciDigits.loadData: ${name} is not a gzip file (${(e as Error).message})`);
  }
  const rows = text.trim().split('\n');
  const n = rows.length;
  const x = new Float32Array(n * 64);
  const y = new Int32Array(n);
  rows.forEach((line, i) => {
    const v = line.split(',').map(Number);
    if (v.length !== 65) throw new ValueError(`${name}: line ${i + 1} has ${v.length} values, expected 65`);
    x.set(v.slice(0, 64), i * 64);
    y[i] = v[64]!;
  });
  const order = new RandomState(seed).permutation(n);
  const nTest = Math.round(n * testSplit);
  const take = (idx: Int32Array): [Tensor, Tensor] => {
    const xs = new Float32Array(idx.length * 64);
    const ys = new Int32Array(idx.length);
    idx.forEach((r, j) => {
      xs.set(x.subarray(r * 64, r * 64 + 64), j * 64);
      ys[j] = y[r]!;
    });
    return [new Tensor([idx.length, 64], 'float32', xs), new Tensor([idx.length], 'int32', ys)];
  };
  return [take(order.subarray(nTest)), take(order.subarray(0, nTest))];
}
