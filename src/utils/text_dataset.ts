/**
 * `keras.utils.text_dataset_from_directory`: a folder with one sub-folder per class of `.txt` files
 * becomes a streaming dataset of `[texts, labels]` batches, read from disk as they are consumed.
 *
 * ```
 * main_directory/
 * ...class_a/  a_text_1.txt  a_text_2.txt ...
 * ...class_b/  b_text_1.txt ...
 * ```
 * ```ts
 * const [trainDs, valDs] = keras.utils.textDatasetFromDirectory('main_directory', {
 *   validationSplit: 0.2, subset: 'both', seed: 1337, batchSize: 32,
 * });
 * vectorize.adapt(await trainDs.texts());
 * await model.fit(trainDs.map(([x, y]) => [vectorize.apply(x), y]), {epochs: 3, validationData: valDs.map(...)});
 * ```
 * Texts are JavaScript strings (a batch is a `string[]`, the files decoded as UTF-8): a model is fed
 * through `map` with a `TextVectorization` layer, as a Keras user writes
 * `train_ds.map(lambda x, y: (vectorize_layer(x), y))`, or takes the batches as they are when its
 * input is `keras.Input({shape: [], dtype: 'string'})` with the layer inside it. Labels follow `labelMode` as in
 * `imageDatasetFromDirectory` (same listing, shuffling and validation split: both share
 * `filesFromDirectory`). `maxLength` truncates each file to its first `maxLength` bytes, as Keras's
 * `tf.strings.substr`.
 */
import {readFile} from '../platform/index.js';
import {ValueError} from '../errors.js';
import type {Tensor} from '../tensor/tensor.js';
import {FileBatchDataset, filesFromDirectory, labelBatch, type LabelMode, type Subset} from './image_dataset.js';

export interface TextDatasetOptions {
  /** `'inferred'` (from the sub-folders), a list with one integer label per file (sorted order), or null (no labels). */
  labels?: 'inferred' | number[] | null;
  labelMode?: LabelMode;
  /** The classes, in label order; only with `labels: 'inferred'` (must match the sub-folders' names). */
  classNames?: string[] | null;
  /** Texts per batch (default 32); `null`: no batching, each item is one text (with its label), as Keras. */
  batchSize?: number | null;
  /** Texts longer than this many bytes are cut to it. */
  maxLength?: number | null;
  shuffle?: boolean;
  seed?: number | null;
  validationSplit?: number | null;
  subset?: Subset | null;
  followLinks?: boolean;
  /** Print the counts found (default true). */
  verbose?: boolean;
}

/** A batch of texts (with their labels); with `batchSize: null`, one text (with its label). */
export type TextBatch = string[] | [string[], Tensor] | string | [string, Tensor];

/** Batches of texts read from files (a `PyDataset`: `fit` reads the next batch while a step runs). */
export class TextDataset extends FileBatchDataset<TextBatch> {
  constructor(
    filePaths: string[],
    labels: number[] | null,
    classNames: string[],
    override readonly options: {labelMode: LabelMode; batchSize: number | null; maxLength: number | null; shuffle: boolean; seed: number},
  ) {
    super(filePaths, labels, classNames, options);
  }

  private async read(path: string): Promise<string> {
    const bytes = await readFile(path);
    const {maxLength} = this.options;
    return new TextDecoder().decode(maxLength !== null && bytes.length > maxLength ? bytes.subarray(0, maxLength) : bytes);
  }

  /** Batch `index`: `[texts, labels]`, or the texts alone when `labelMode` is null; one text with `batchSize: null`. */
  async getItem(index: number): Promise<TextBatch> {
    const {labelMode} = this.options;
    const idx = this.batchIndices(index, 'TextDataset');
    const texts = await Promise.all(idx.map((i) => this.read(this.filePaths[i]!)));
    const one = this.options.batchSize === null;
    if (labelMode === null || !this.labels) return one ? texts[0]! : texts;
    const y = this.unbatch(labelBatch(idx.map((i) => this.labels![i]!), labelMode, this.classNames.length));
    return one ? [texts[0]!, y] : [texts, y];
  }

  /** Every text of the dataset, in file order (e.g. for `TextVectorization.adapt`). */
  async texts(): Promise<string[]> {
    return Promise.all(this.filePaths.map((p) => this.read(p)));
  }
}

/** `keras.utils.text_dataset_from_directory`; `subset: 'both'` returns `[training, validation]`. */
export function textDatasetFromDirectory(directory: string, options: TextDatasetOptions & {subset: 'both'}): [TextDataset, TextDataset];
export function textDatasetFromDirectory(directory: string, options?: TextDatasetOptions): TextDataset;
export function textDatasetFromDirectory(directory: string, options: TextDatasetOptions = {}): TextDataset | [TextDataset, TextDataset] {
  const {
    labels = 'inferred', labelMode = 'int', classNames = null, batchSize = 32, maxLength = null,
    shuffle = true, validationSplit = null, subset = null, followLinks = false, verbose = true,
  } = options;
  if (maxLength !== null && !(Number.isInteger(maxLength) && maxLength > 0)) {
    throw new ValueError(`\`max_length\` must be a positive integer or null. Received: max_length=${String(maxLength)}`);
  }
  const {files, labelList, names, seed, split, subsets} = filesFromDirectory(directory, {
    labels, labelMode, classNames, batchSize, shuffle, seed: options.seed ?? null, validationSplit, subset, followLinks, verbose,
  }, ['.txt'], 'text');
  const make = (lo: number, hi: number) =>
    new TextDataset(files.slice(lo, hi), labelList ? labelList.slice(lo, hi) : null, names, {
      labelMode: labelList ? labelMode : null, batchSize, maxLength, shuffle, seed,
    });
  if (subsets === 'both') return [make(0, split), make(split, files.length)];
  if (subsets === 'training') return make(0, split);
  if (subsets === 'validation') return make(split, files.length);
  return make(0, files.length);
}
