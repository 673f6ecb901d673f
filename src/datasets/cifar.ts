/**
 * What CIFAR-10 and CIFAR-100 share: reading one pickled batch (a dict with `data`, a uint8 array of
 * shape [n, 3072] holding each image as 3 planes of 32x32, and a list of labels) and assembling the
 * batches into NHWC (or NCHW) int32 Tensors.
 */
import {readFileSync} from '../platform/index.js';
import {imageDataFormat} from '../config.js';
import {ValueError} from '../errors.js';
import {Tensor} from '../tensor/tensor.js';
import {isNdArray, unpickle} from '../utils/pickle.js';

export interface CifarBatch {
  /** Image bytes, [n, 3072] in (channel, row, column) order. */
  data: Uint8Array;
  labels: number[];
}

/** `cifar.load_batch`: one batch file, through the restricted unpickler. */
export function loadBatch(fpath: string, labelKey = 'labels'): CifarBatch {
  const d = unpickle(readFileSync(fpath), {source: fpath});
  if (!(d instanceof Map)) throw new ValueError(`${fpath}: expected a pickled dict, found something else`);
  const data = d.get('data');
  const labels = d.get(labelKey);
  if (!isNdArray(data) || data.kind !== 'u1' || data.shape.length !== 2 || data.shape[1] !== 3072) {
    throw new ValueError(`${fpath}: "data" must be a uint8 array of shape [n, 3072]`);
  }
  if (!Array.isArray(labels) || labels.length !== data.shape[0] || !labels.every((v) => Number.isInteger(v))) {
    throw new ValueError(`${fpath}: ${JSON.stringify(labelKey)} must be a list of ${data.shape[0]} integer labels. Keys: ${[...d.keys()].join(', ')}`);
  }
  return {data: data.data as Uint8Array, labels: labels as number[]};
}

/** Concatenates batches into `[x, y]`: x [n, 32, 32, 3] (channels_last) or [n, 3, 32, 32], y [n, 1]. */
export function assemble(batches: CifarBatch[]): [Tensor, Tensor] {
  const n = batches.reduce((s, b) => s + b.labels.length, 0);
  const x = new Int32Array(n * 3072);
  const y = new Int32Array(n);
  const channelsLast = imageDataFormat() === 'channels_last';
  let row = 0;
  for (const b of batches) {
    const m = b.labels.length;
    for (let i = 0; i < m; i++) {
      const src = i * 3072;
      const dst = (row + i) * 3072;
      if (channelsLast) {
        // (c, h, w) -> (h, w, c)
        for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) x[dst + p * 3 + c] = b.data[src + c * 1024 + p]!;
      } else {
        for (let k = 0; k < 3072; k++) x[dst + k] = b.data[src + k]!;
      }
      y[row + i] = b.labels[i]!;
    }
    row += m;
  }
  const shape = channelsLast ? [n, 32, 32, 3] : [n, 3, 32, 32];
  return [new Tensor(shape, 'int32', x), new Tensor([n, 1], 'int32', y)];
}
