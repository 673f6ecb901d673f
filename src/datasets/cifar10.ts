/**
 * CIFAR-10: 50,000 32x32 colour training images and 10,000 test images over 10 classes (0 airplane,
 * 1 automobile, 2 bird, 3 cat, 4 deer, 5 dog, 6 frog, 7 horse, 8 ship, 9 truck).
 *
 * ```ts
 * const [[xTrain, yTrain], [xTest, yTest]] = await keras.datasets.cifar10.loadData();
 * xTrain.shape; // [50000, 32, 32, 3] with image_data_format channels_last; int32 values 0..255
 * yTrain.shape; // [50000, 1]
 * ```
 */
import {join} from '../platform/index.js';
import type {Tensor} from '../tensor/tensor.js';
import type * as Cifar from './cifar.js';
import {fetchDatasetFile, type DownloadOptions, type LoadResult} from './common.js';

export const CIFAR10_ORIGIN = 'https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz';
export const CIFAR10_SHA256 = '6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce';

export async function loadData(options: DownloadOptions = {}): Promise<LoadResult<Tensor>> {
  const dir = await fetchDatasetFile('cifar-10-batches-py-target', CIFAR10_ORIGIN, CIFAR10_SHA256, options, {extract: true});
  // the unpickler loads on first use: a browser page that never reads CIFAR does not fetch it
  const {assemble, loadBatch}: typeof Cifar = await import('./cifar.js');
  const path = join(dir, 'cifar-10-batches-py');
  const train = [1, 2, 3, 4, 5].map((i) => loadBatch(join(path, `data_batch_${i}`)));
  const test = loadBatch(join(path, 'test_batch'));
  return [assemble(train), assemble([test])];
}
