/**
 * CIFAR-100: 50,000 32x32 colour training images and 10,000 test images over 100 fine classes
 * grouped into 20 coarse ones.
 *
 * ```ts
 * const [[xTrain, yTrain], [xTest, yTest]] = await keras.datasets.cifar100.loadData({labelMode: 'coarse'});
 * xTrain.shape; // [50000, 32, 32, 3]; yTrain.shape [50000, 1], labels 0..19
 * ```
 */
import {join} from '../platform/index.js';
import {ValueError} from '../errors.js';
import type {Tensor} from '../tensor/tensor.js';
import type * as Cifar from './cifar.js';
import {fetchDatasetFile, type DownloadOptions, type LoadResult} from './common.js';

export const CIFAR100_ORIGIN = 'https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz';
export const CIFAR100_SHA256 = '85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7';

export interface Cifar100Options extends DownloadOptions {
  /** `'fine'` (100 classes, the default) or `'coarse'` (20 superclasses). */
  labelMode?: 'fine' | 'coarse';
}

export async function loadData(options: Cifar100Options = {}): Promise<LoadResult<Tensor>> {
  const labelMode = options.labelMode ?? 'fine';
  if (labelMode !== 'fine' && labelMode !== 'coarse') {
    throw new ValueError(`\`label_mode\` must be one of "fine", "coarse". Received: label_mode=${labelMode}.`);
  }
  const dir = await fetchDatasetFile('cifar-100-python-target', CIFAR100_ORIGIN, CIFAR100_SHA256, options, {extract: true});
  // the unpickler loads on first use: a browser page that never reads CIFAR does not fetch it
  const {assemble, loadBatch}: typeof Cifar = await import('./cifar.js');
  const path = join(dir, 'cifar-100-python');
  const key = `${labelMode}_labels`;
  return [assemble([loadBatch(join(path, 'train'), key)]), assemble([loadBatch(join(path, 'test'), key)])];
}
