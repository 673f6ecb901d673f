/**
 * California housing prices: 20,640 census block groups of 1990 with 8 features (MedInc, HouseAge,
 * AveRooms, AveBedrms, Population, AveOccup, Latitude, Longitude); the target is the median house
 * value in dollars. `version: 'small'` keeps the first 600 samples.
 *
 * ```ts
 * const [[xTrain, yTrain], [xTest, yTest]] = await keras.datasets.californiaHousing.loadData();
 * xTrain.shape; // [16512, 8] in floatx(); shuffled as Keras with seed 113
 * ```
 */
import {ValueError} from '../errors.js';
import type {Tensor} from '../tensor/tensor.js';
import {checkTestSplit, fetchDatasetFile, ORIGIN_FOLDER, type DownloadOptions, type LoadResult} from './common.js';
import {shuffleSplit} from './housing.js';

export const CALIFORNIA_SHA256 = '1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f';

export interface CaliforniaHousingOptions extends DownloadOptions {
  /** `'large'` (20,640 samples, the default) or `'small'` (the first 600). */
  version?: 'large' | 'small';
  /** File name in the cache (default `california_housing.npz`). */
  path?: string;
  /** Fraction of the data kept for the test set (default 0.2). */
  testSplit?: number;
  /** Shuffle seed, for NumPy's `RandomState` (default 113). */
  seed?: number;
}

export async function loadData(options: CaliforniaHousingOptions = {}): Promise<LoadResult<Tensor>> {
  const testSplit = options.testSplit ?? 0.2;
  checkTestSplit(testSplit);
  const version = options.version ?? 'large';
  if (version !== 'large' && version !== 'small') {
    throw new ValueError(`Argument \`version\` must be one of 'small', 'large'. Received: version=${version}`);
  }
  const file = await fetchDatasetFile(
    options.path ?? 'california_housing.npz',
    `${ORIGIN_FOLDER}california_housing.npz`,
    CALIFORNIA_SHA256,
    options,
  );
  return shuffleSplit(file, testSplit, options.seed ?? 113, version === 'small' ? 600 : undefined);
}
