/**
 * Boston housing prices: 506 samples of 13 attributes of houses around Boston in the late 1970s; the
 * target is the median home value in k$. **Warning** (from Keras): the data set has an ethical
 * problem (its "B" variable); prefer `californiaHousing` except to illustrate that problem.
 *
 * ```ts
 * const [[xTrain, yTrain], [xTest, yTest]] = await keras.datasets.bostonHousing.loadData();
 * xTrain.shape; // [404, 13] in floatx(); yTrain.shape [404]; shuffled as Keras with seed 113
 * ```
 */
import type {Tensor} from '../tensor/tensor.js';
import {checkTestSplit, fetchDatasetFile, ORIGIN_FOLDER, type DownloadOptions, type LoadResult} from './common.js';
import {shuffleSplit} from './housing.js';

export const BOSTON_SHA256 = 'f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5';

export interface BostonHousingOptions extends DownloadOptions {
  /** File name in the cache (default `boston_housing.npz`). */
  path?: string;
  /** Fraction of the data kept for the test set (default 0.2). */
  testSplit?: number;
  /** Shuffle seed, for NumPy's `RandomState` (default 113). */
  seed?: number;
}

export async function loadData(options: BostonHousingOptions = {}): Promise<LoadResult<Tensor>> {
  const testSplit = options.testSplit ?? 0.2;
  checkTestSplit(testSplit);
  const file = await fetchDatasetFile(options.path ?? 'boston_housing.npz', `${ORIGIN_FOLDER}boston_housing.npz`, BOSTON_SHA256, options);
  return shuffleSplit(file, testSplit, options.seed ?? 113);
}
