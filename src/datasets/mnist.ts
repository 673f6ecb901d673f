/**
 * MNIST handwritten digits: 60,000 28x28 grayscale training images of the 10 digits and 10,000 test
 * images, from Keras's `mnist.npz`.
 *
 * ```ts
 * const [[xTrain, yTrain], [xTest, yTest]] = await keras.datasets.mnist.loadData();
 * xTrain.shape; // [60000, 28, 28], int32 values 0..255 (uint8 in Keras)
 * yTrain.shape; // [60000], int32 labels 0..9
 * ```
 */
import type {Tensor} from '../tensor/tensor.js';
import type * as Npy from '../utils/npy.js';
import {fetchDatasetFile, intTensor, ORIGIN_FOLDER, type DownloadOptions, type LoadResult} from './common.js';

export const MNIST_SHA256 = '731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1';

export interface MnistOptions extends DownloadOptions {
  /** File name in the cache (`~/.keras/datasets`). Default `mnist.npz`. */
  path?: string;
}

export async function loadData(options: MnistOptions = {}): Promise<LoadResult<Tensor>> {
  const file = await fetchDatasetFile(options.path ?? 'mnist.npz', `${ORIGIN_FOLDER}mnist.npz`, MNIST_SHA256, options);
  // the .npz reader (and the unpickler it brings) loads on first use: a browser page that never reads one does not fetch it
  const {loadNpz, npzGet}: typeof Npy = await import('../utils/npy.js');
  const f = loadNpz(file);
  const get = (k: string): Tensor => intTensor(npzGet(f, k, file), `mnist.loadData (${k})`);
  return [
    [get('x_train'), get('y_train')],
    [get('x_test'), get('y_test')],
  ];
}
