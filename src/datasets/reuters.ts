/**
 * Reuters newswire topics: 11,228 newswires labelled over 46 topics, each a list of word indices
 * ranked by frequency (see imdb for `startChar`, `oovChar`, `indexFrom`).
 *
 * ```ts
 * const [[xTrain, yTrain], [xTest, yTest]] = await keras.datasets.reuters.loadData({numWords: 10000});
 * xTrain.length; // 8982 (testSplit 0.2), shuffled exactly as Keras does with seed 113
 * keras.datasets.reuters.getLabelNames()[yTrain.values[0]];
 * ```
 */
import {readFileSync} from '../platform/index.js';
import {Tensor} from '../tensor/tensor.js';
import type * as Npy from '../utils/npy.js';
import {RandomState} from '../utils/random_state.js';
import {checkTestSplit, fetchDatasetFile, intTensor, ORIGIN_FOLDER, type DownloadOptions, type LoadResult} from './common.js';
import {limitVocabulary, removeLongSeq, shiftSequences, toSequences, type SequenceOptions} from './sequences.js';

export const REUTERS_SHA256 = 'd6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916';
export const REUTERS_WORD_INDEX_MD5 = '4d44cc38712099c9e383dc6e5f11a921';

export interface ReutersOptions extends SequenceOptions, DownloadOptions {
  /** File name in the cache (default `reuters.npz`). */
  path?: string;
  /** Fraction of the data used as test data (default 0.2). */
  testSplit?: number;
}

export async function loadData(options: ReutersOptions = {}): Promise<LoadResult<number[][]>> {
  const {numWords = null, skipTop = 0, maxlen = null, testSplit = 0.2, seed = 113, startChar = 1, oovChar = 2, indexFrom = 3} = options;
  checkTestSplit(testSplit);
  const file = await fetchDatasetFile(options.path ?? 'reuters.npz', `${ORIGIN_FOLDER}reuters.npz`, REUTERS_SHA256, options);
  // the .npz reader (and the unpickler it brings) loads on first use: a browser page that never reads one does not fetch it
  const {loadNpz, npzGet}: typeof Npy = await import('../utils/npy.js');
  const f = loadNpz(file);
  const xs0 = toSequences(npzGet(f, 'x', file).data as unknown[], `${file} x`);
  const y0 = intTensor(npzGet(f, 'y', file), 'reuters').values;

  const idx = new RandomState(seed).permutation(xs0.length);
  let xs = shiftSequences(Array.from(idx, (i) => xs0[i]!), startChar, indexFrom);
  let labels = Array.from(idx, (i) => y0[i]!);
  if (maxlen) [xs, labels] = removeLongSeq(maxlen, xs, labels);
  xs = limitVocabulary(xs, numWords, skipTop, oovChar);

  const cut = Math.trunc(xs.length * (1 - testSplit));
  const y = (a: number[]): Tensor => new Tensor([a.length], 'int32', Int32Array.from(a));
  return [
    [xs.slice(0, cut), y(labels.slice(0, cut))],
    [xs.slice(cut), y(labels.slice(cut))],
  ];
}

/** The word → index map (index 1 is the most frequent word; add `indexFrom` to match the sequences). */
export async function getWordIndex(options: DownloadOptions & {path?: string} = {}): Promise<Record<string, number>> {
  const file = await fetchDatasetFile(
    options.path ?? 'reuters_word_index.json',
    `${ORIGIN_FOLDER}reuters_word_index.json`,
    REUTERS_WORD_INDEX_MD5,
    options,
  );
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
}

const LABEL_NAMES = Object.freeze([
  'cocoa', 'grain', 'veg-oil', 'earn', 'acq', 'wheat', 'copper', 'housing', 'money-supply', 'coffee',
  'sugar', 'trade', 'reserves', 'ship', 'cotton', 'carcass', 'crude', 'nat-gas', 'cpi', 'money-fx',
  'interest', 'gnp', 'meal-feed', 'alum', 'oilseed', 'gold', 'tin', 'strategic-metal', 'livestock', 'retail',
  'ipi', 'iron-steel', 'rubber', 'heat', 'jobs', 'lei', 'bop', 'zinc', 'orange', 'pet-chem',
  'dlr', 'gas', 'silver', 'wpi', 'hog', 'lead',
] as const);

/** The 46 topic names, indexed like the labels. */
export function getLabelNames(): readonly string[] {
  return LABEL_NAMES;
}
