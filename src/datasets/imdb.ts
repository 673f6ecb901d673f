/**
 * IMDB movie-review sentiment: 25,000 training and 25,000 test reviews labelled positive (1) or
 * negative (0), each a list of word indices ranked by frequency (index `i + indexFrom` is the i-th
 * most frequent word; 0 pads, `startChar` starts, `oovChar` replaces cut words).
 *
 * ```ts
 * const [[xTrain, yTrain], [xTest, yTest]] = await keras.datasets.imdb.loadData({numWords: 10000});
 * xTrain.length; // 25000 sequences (number[][]), shuffled exactly as Keras does with seed 113
 * yTrain.shape;  // [25000], int32
 * ```
 */
import {readFileSync} from '../platform/index.js';
import {ValueError} from '../errors.js';
import {Tensor} from '../tensor/tensor.js';
import type * as Npy from '../utils/npy.js';
import {RandomState} from '../utils/random_state.js';
import {fetchDatasetFile, intTensor, ORIGIN_FOLDER, type DownloadOptions, type LoadResult} from './common.js';
import {limitVocabulary, removeLongSeq, shiftSequences, toSequences, type SequenceOptions} from './sequences.js';

export const IMDB_SHA256 = '69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f';
export const IMDB_WORD_INDEX_MD5 = 'bfafd718b763782e994055a2d397834f';

export interface ImdbOptions extends SequenceOptions, DownloadOptions {
  /** File name in the cache (default `imdb.npz`). */
  path?: string;
}

export async function loadData(options: ImdbOptions = {}): Promise<LoadResult<number[][]>> {
  const {numWords = null, skipTop = 0, maxlen = null, seed = 113, startChar = 1, oovChar = 2, indexFrom = 3} = options;
  const file = await fetchDatasetFile(options.path ?? 'imdb.npz', `${ORIGIN_FOLDER}imdb.npz`, IMDB_SHA256, options);
  // the .npz reader (and the unpickler it brings) loads on first use: a browser page that never reads one does not fetch it
  const {loadNpz, npzGet}: typeof Npy = await import('../utils/npy.js');
  const f = loadNpz(file);
  const xTrain0 = toSequences(npzGet(f, 'x_train', file).data as unknown[], `${file} x_train`);
  const xTest0 = toSequences(npzGet(f, 'x_test', file).data as unknown[], `${file} x_test`);
  const yTrain0 = intTensor(npzGet(f, 'y_train', file), 'imdb').values;
  const yTest0 = intTensor(npzGet(f, 'y_test', file), 'imdb').values;

  // one RandomState for both shuffles, train first, as Keras
  const rng = new RandomState(seed);
  const idxTrain = rng.permutation(xTrain0.length);
  const idxTest = rng.permutation(xTest0.length);
  let xTrain = Array.from(idxTrain, (i) => xTrain0[i]!);
  let labelsTrain = Array.from(idxTrain, (i) => yTrain0[i]!);
  let xTest = Array.from(idxTest, (i) => xTest0[i]!);
  let labelsTest = Array.from(idxTest, (i) => yTest0[i]!);

  xTrain = shiftSequences(xTrain, startChar, indexFrom);
  xTest = shiftSequences(xTest, startChar, indexFrom);
  if (maxlen) {
    [xTrain, labelsTrain] = removeLongSeq(maxlen, xTrain, labelsTrain);
    [xTest, labelsTest] = removeLongSeq(maxlen, xTest, labelsTest);
    if (!xTrain.length || !xTest.length) {
      throw new ValueError(`After filtering for sequences shorter than maxlen=${maxlen}, no sequence was kept. Increase maxlen.`);
    }
  }
  const xs = limitVocabulary([...xTrain, ...xTest], numWords, skipTop, oovChar);
  const n = xTrain.length;
  return [
    [xs.slice(0, n), new Tensor([labelsTrain.length], 'int32', Int32Array.from(labelsTrain))],
    [xs.slice(n), new Tensor([labelsTest.length], 'int32', Int32Array.from(labelsTest))],
  ];
}

/** The word → index map (index 1 is the most frequent word; add `indexFrom` to match the sequences). */
export async function getWordIndex(options: DownloadOptions & {path?: string} = {}): Promise<Record<string, number>> {
  const file = await fetchDatasetFile(
    options.path ?? 'imdb_word_index.json',
    `${ORIGIN_FOLDER}imdb_word_index.json`,
    IMDB_WORD_INDEX_MD5,
    options,
  );
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
}
