/** The shuffle-and-split that boston_housing and california_housing share. */
import {ValueError} from '../errors.js';
import type {Tensor} from '../tensor/tensor.js';
import type * as Npy from '../utils/npy.js';
import {RandomState} from '../utils/random_state.js';
import {checkTestSplit, floatTensor, takeRows, type LoadResult} from './common.js';

export async function shuffleSplit(file: string, testSplit: number, seed: number, limit?: number): Promise<LoadResult<Tensor>> {
  checkTestSplit(testSplit);
  // the .npz reader (and the unpickler it brings) loads on first use: a browser page that never reads one does not fetch it
  const {loadNpz, npzGet}: typeof Npy = await import('../utils/npy.js');
  const f = loadNpz(file);
  let x = floatTensor(npzGet(f, 'x', file), file);
  let y = floatTensor(npzGet(f, 'y', file), file);
  if (x.shape[0] !== y.shape[0]) throw new ValueError(`${file}: x has ${x.shape[0]} rows but y has ${y.shape[0]}`);
  let n = x.shape[0]!;
  if (limit !== undefined && limit < n) {
    const head = Int32Array.from({length: limit}, (_, i) => i);
    x = takeRows(x, head);
    y = takeRows(y, head);
    n = limit;
  }
  const idx = new RandomState(seed).permutation(n);
  const cut = Math.trunc(n * (1 - testSplit));
  return [
    [takeRows(x, idx, 0, cut), takeRows(y, idx, 0, cut)],
    [takeRows(x, idx, cut, n), takeRows(y, idx, cut, n)],
  ];
}
