/**
 * The word-index sequence processing imdb and reuters share, as Keras does it: prepend `startChar`,
 * shift indices by `indexFrom`, drop sequences of `maxlen` words or more, and replace words outside
 * `[skipTop, numWords)` by `oovChar` (or drop them when `oovChar` is null).
 */
import {ValueError} from '../errors.js';

export interface SequenceOptions {
  /** Keep the `numWords` most frequent words (default: all). */
  numWords?: number | null;
  /** Treat the `skipTop` most frequent words as out-of-vocabulary (default 0). */
  skipTop?: number;
  /** Drop sequences of `maxlen` words or more (default: keep all). */
  maxlen?: number | null;
  /** Shuffle seed, for NumPy's `RandomState` (default 113). */
  seed?: number;
  /** Marks the start of each sequence (default 1); null for none. */
  startChar?: number | null;
  /** Replaces words cut by `numWords` / `skipTop` (default 2); null drops them. */
  oovChar?: number | null;
  /** Actual words start at this index (default 3). */
  indexFrom?: number;
}

export function toSequences(items: unknown[], where: string): number[][] {
  return items.map((x, i) => {
    if (!Array.isArray(x) || !x.every((w) => typeof w === 'number')) {
      throw new ValueError(`${where}: element ${i} is not a list of integers`);
    }
    return x as number[];
  });
}

export function shiftSequences(xs: number[][], startChar: number | null, indexFrom: number): number[][] {
  if (startChar !== null) return xs.map((x) => [startChar, ...x.map((w) => w + indexFrom)]);
  if (indexFrom) return xs.map((x) => x.map((w) => w + indexFrom));
  return xs.map((x) => x.slice());
}

/** `remove_long_seq`: keeps the pairs whose sequence is shorter than `maxlen`. */
export function removeLongSeq<L>(maxlen: number, xs: number[][], labels: L[]): [number[][], L[]] {
  const nx: number[][] = [];
  const nl: L[] = [];
  for (let i = 0; i < xs.length; i++) {
    if (xs[i]!.length < maxlen) {
      nx.push(xs[i]!);
      nl.push(labels[i]!);
    }
  }
  return [nx, nl];
}

export function limitVocabulary(xs: number[][], numWords: number | null | undefined, skipTop: number, oovChar: number | null): number[][] {
  let nw = numWords;
  if (!nw) {
    // Keras: num_words = max(max(x) for x in xs); the `w < num_words` below then maps the single most
    // rare word to oovChar, as in Keras
    let m = -Infinity;
    for (const x of xs) for (const w of x) if (w > m) m = w;
    if (m === -Infinity) throw new ValueError('No word left in any sequence: cannot infer num_words');
    nw = m;
  }
  const limit = nw;
  if (oovChar !== null) return xs.map((x) => x.map((w) => (skipTop <= w && w < limit ? w : oovChar)));
  return xs.map((x) => x.filter((w) => skipTop <= w && w < limit));
}
