/**
 * `keras.utils.image_dataset_from_directory`: a folder with one sub-folder per class becomes a
 * streaming dataset of `[images, labels]` batches, read from disk as `fit` consumes them (the next
 * batch is read while a step runs).
 *
 * ```
 * main_directory/
 * ...class_a/  a_image_1.jpg  a_image_2.png ...
 * ...class_b/  b_image_1.jpg ...
 * ```
 * ```ts
 * const [trainDs, valDs] = keras.utils.imageDatasetFromDirectory('main_directory', {
 *   validationSplit: 0.2, subset: 'both', seed: 1337, imageSize: [180, 180], batchSize: 128,
 * });
 * await model.fit(trainDs, {epochs: 25, validationData: valDs});
 * ```
 * Images are float32 in `[0, 255]`, `[batch, height, width, channels]`; labels follow `labelMode`:
 * `'int'` (int32 `[batch]`), `'categorical'` (one-hot float32 `[batch, classes]`), `'binary'`
 * (float32 `[batch, 1]`, two classes), or `null` (images only). Files are listed in sorted order,
 * class by class, shuffled once with `seed` before the validation split (so both subsets of one
 * seed never overlap), and again each epoch when `shuffle`.
 */
import {lstatSync, readdirSync, statSync} from '../platform/index.js';
import {extname, join} from '../platform/index.js';
import {ValueError} from '../errors.js';
import {permutation} from '../tensor/random.js';
import {Tensor} from '../tensor/tensor.js';
import {IMAGE_EXTENSIONS, readImage, type ColorMode, type Interpolation} from './image_utils.js';
import {PyDataset} from './py_dataset.js';

export type LabelMode = 'int' | 'categorical' | 'binary' | null;
export type Subset = 'training' | 'validation' | 'both';

export interface ImageDatasetOptions {
  /** `'inferred'` (from the sub-folders), a list with one integer label per file (sorted order), or null (no labels). */
  labels?: 'inferred' | number[] | null;
  labelMode?: LabelMode;
  /** The classes, in label order; only with `labels: 'inferred'` (must match the sub-folders' names). */
  classNames?: string[] | null;
  colorMode?: ColorMode;
  /** Images per batch (default 32); `null`: no batching, each item is one `[image, label]` sample, as Keras. */
  batchSize?: number | null;
  /** `[height, width]` every image is resized to. */
  imageSize?: [number, number];
  shuffle?: boolean;
  seed?: number | null;
  validationSplit?: number | null;
  subset?: Subset | null;
  interpolation?: Interpolation;
  followLinks?: boolean;
  /** Print the counts found (default true). */
  verbose?: boolean;
}

/** Keras's `check_validation_split_arg`. */
function checkValidationSplitArg(validationSplit: number | null, subset: Subset | null, shuffle: boolean, seed: number | null): void {
  if (validationSplit !== null && !(validationSplit > 0 && validationSplit < 1)) {
    throw new ValueError(`\`validation_split\` must be between 0 and 1, received: ${validationSplit}`);
  }
  if ((validationSplit !== null && validationSplit !== 0 && subset === null) || (subset !== null && !validationSplit)) {
    throw new ValueError('If `subset` is set, `validation_split` must be set, and inversely.');
  }
  if (subset !== null && !['training', 'validation', 'both'].includes(subset)) {
    throw new ValueError(`\`subset\` must be either "training", "validation" or "both", received: ${subset}`);
  }
  if (validationSplit && shuffle && seed === null) {
    throw new ValueError(
      'If using `validation_split` and shuffling the data, you must provide a `seed` argument, to make sure that there is no overlap between the training and validation subset.',
    );
  }
}

/** Keras's `index_directory`: the files with `formats` extensions, their labels and the class names. */
function indexDirectory(
  directory: string,
  labels: 'inferred' | number[] | null,
  formats: string[],
  classNames: string[] | null,
  followLinks: boolean,
): {filePaths: string[]; labels: number[] | null; classNames: string[]} {
  let st;
  try {
    st = statSync(directory);
  } catch {
    throw new ValueError(`The directory ${directory} does not exist.`);
  }
  if (!st.isDirectory()) throw new ValueError(`Expected a directory. Received: directory=${directory}`);
  // a symbolic link to a folder is followed only with `followLinks`, as Keras's os.walk(followlinks=...)
  const isDir = (p: string) => (followLinks ? statSync(p, {throwIfNoEntry: false}) : lstatSync(p, {throwIfNoEntry: false}))?.isDirectory() ?? false;
  const walk = (dir: string): string[] => {
    const out: string[] = [];
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (isDir(p)) out.push(...walk(p));
      else if (formats.includes(extname(name).toLowerCase())) out.push(p);
    }
    return out;
  };
  if (labels !== 'inferred') {
    const filePaths = walk(directory);
    if (labels !== null && labels.length !== filePaths.length) {
      throw new ValueError(
        `Expected the lengths of \`labels\` to match the number of files in the target directory. len(labels) is ${labels.length} while we found ${filePaths.length} files in directory ${directory}.`,
      );
    }
    const n = labels ? Math.max(-1, ...labels) + 1 : 0;
    return {filePaths, labels, classNames: classNames ?? Array.from({length: n}, (_, i) => String(i))};
  }
  const subdirs = readdirSync(directory).sort().filter((d) => isDir(join(directory, d)));
  if (classNames) {
    if (classNames.length !== subdirs.length || classNames.some((c) => !subdirs.includes(c))) {
      throw new ValueError(
        `The \`class_names\` passed did not match the names of the subdirectories of the target directory. Expected: ${JSON.stringify(subdirs)}, but received: ${JSON.stringify(classNames)}`,
      );
    }
  }
  const names = classNames ?? subdirs;
  const filePaths: string[] = [];
  const out: number[] = [];
  names.forEach((c, i) => {
    for (const p of walk(join(directory, c))) {
      filePaths.push(p);
      out.push(i);
    }
  });
  return {filePaths, labels: out, classNames: names};
}

/** A batch of labels as `labelMode` says: int32 `[n]`, float32 `[n, 1]` (binary) or one-hot float32 `[n, classes]`. */
export function labelBatch(labels: number[], labelMode: 'int' | 'categorical' | 'binary', numClasses: number): Tensor {
  if (labelMode === 'int') return new Tensor([labels.length], 'int32', Int32Array.from(labels));
  if (labelMode === 'binary') return new Tensor([labels.length, 1], 'float32', Float32Array.from(labels));
  const oneHot = new Float32Array(labels.length * numClasses);
  labels.forEach((l, i) => (oneHot[i * numClasses + l] = 1));
  return new Tensor([labels.length, numClasses], 'float32', oneHot);
}

/** Batches of images read from files (a `PyDataset`: `fit` reads the next batch while a step runs). */
/**
 * What the directory datasets share: files in batches of `batchSize`, in sorted order or shuffled
 * anew each epoch with `seed`; a subclass reads one batch's files in `getItem`. With `batchSize: null`
 * each item is one file's sample, without the batch axis (Keras's `batch_size=None`).
 */
export abstract class FileBatchDataset<B> extends PyDataset {
  private order: Int32Array;
  private epoch = 0;

  constructor(
    readonly filePaths: string[],
    readonly labels: number[] | null,
    readonly classNames: string[],
    readonly options: {batchSize: number | null; shuffle: boolean; seed: number},
  ) {
    super({workers: 1});
    this.order = Int32Array.from(filePaths, (_, i) => i);
    this.reshuffle();
  }

  private reshuffle(): void {
    if (this.options.shuffle) this.order = permutation(this.filePaths.length, this.options.seed + 1 + this.epoch);
  }

  get length(): number {
    return Math.ceil(this.filePaths.length / (this.options.batchSize ?? 1));
  }

  /** A batch's tensor as one sample (`batchSize: null`): the leading axis of length 1 dropped. */
  protected unbatch(t: Tensor): Tensor {
    return this.options.batchSize === null ? new Tensor(t.shape.slice(1), t.dtype, t.storage) : t;
  }

  /** The file indices of batch `index`, in the current order; `what` names the dataset in the error. */
  protected batchIndices(index: number, what: string): number[] {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new ValueError(`${what}.getItem: index ${index} is out of range [0, ${this.length})`);
    }
    const batchSize = this.options.batchSize ?? 1;
    return Array.from(this.order.subarray(index * batchSize, Math.min((index + 1) * batchSize, this.filePaths.length)));
  }

  abstract override getItem(index: number): Promise<B>;

  override onEpochEnd(): void {
    this.epoch++;
    this.reshuffle();
  }

  /** `for await (const batch of ds)`: one pass over the batches, in the current order. */
  async *[Symbol.asyncIterator](): AsyncGenerator<B> {
    for (let i = 0; i < this.length; i++) yield await this.getItem(i);
  }

  /**
   * A dataset whose batch `i` is `fn(batch i of this one)`, computed as it is read (`tf.data`'s
   * `map`): `ds.map(([x, y]) => [vectorize.apply(x), y])` feeds a model text,
   * `ds.map(([x, y]) => [augment(x), y])` augments images.
   */
  map<T>(fn: (batch: B) => T): PyDataset {
    return new MappedDataset(this, fn);
  }
}

class MappedDataset<B, T> extends PyDataset {
  constructor(
    private readonly base: FileBatchDataset<B>,
    private readonly fn: (batch: B) => T,
  ) {
    super({workers: base.workers, maxQueueSize: base.maxQueueSize});
  }
  get length(): number {
    return this.base.length;
  }
  async getItem(index: number): Promise<T> {
    return this.fn(await this.base.getItem(index));
  }
  override onEpochBegin(): void {
    this.base.onEpochBegin();
  }
  override onEpochEnd(): void {
    this.base.onEpochEnd();
  }
}

export class ImageDataset extends FileBatchDataset<Tensor | [Tensor, Tensor]> {
  constructor(
    filePaths: string[],
    labels: number[] | null,
    classNames: string[],
    override readonly options: {labelMode: LabelMode; colorMode: ColorMode; batchSize: number | null; imageSize: [number, number]; shuffle: boolean; seed: number; interpolation: Interpolation},
  ) {
    super(filePaths, labels, classNames, options);
  }

  /** Batch `index`: `[images, labels]`, or the images alone when `labelMode` is null. */
  async getItem(index: number): Promise<Tensor | [Tensor, Tensor]> {
    const {imageSize, colorMode, interpolation, labelMode} = this.options;
    const idx = this.batchIndices(index, 'ImageDataset');
    const images = await Promise.all(idx.map((i) => readImage(this.filePaths[i]!, colorMode, imageSize, interpolation)));
    const per = images[0]!.size;
    const data = new Float32Array(per * images.length);
    images.forEach((t, i) => data.set(t.values as Float32Array, i * per));
    const x = this.unbatch(new Tensor([images.length, ...images[0]!.shape], 'float32', data));
    if (labelMode === null || !this.labels) return x;
    return [x, this.unbatch(labelBatch(idx.map((i) => this.labels![i]!), labelMode, this.classNames.length))];
  }
}

/** `keras.utils.image_dataset_from_directory`; `subset: 'both'` returns `[training, validation]`. */
export function imageDatasetFromDirectory(directory: string, options: ImageDatasetOptions & {subset: 'both'}): [ImageDataset, ImageDataset];
export function imageDatasetFromDirectory(directory: string, options?: ImageDatasetOptions): ImageDataset;
export function imageDatasetFromDirectory(directory: string, options: ImageDatasetOptions = {}): ImageDataset | [ImageDataset, ImageDataset] {
  const {
    labels = 'inferred', labelMode = 'int', classNames = null, colorMode = 'rgb', batchSize = 32, imageSize = [256, 256],
    shuffle = true, validationSplit = null, subset = null, interpolation = 'bilinear', followLinks = false, verbose = true,
  } = options;
  if (!['grayscale', 'rgb', 'rgba'].includes(colorMode)) {
    throw new ValueError(`\`color_mode\` must be one of {"rgb", "rgba", "grayscale"}. Received: color_mode=${colorMode}`);
  }
  if (!Array.isArray(imageSize) || imageSize.length !== 2 || !imageSize.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ValueError(`\`image_size\` must be [height, width] with positive integers. Received: image_size=${JSON.stringify(imageSize)}`);
  }
  const {files, labelList, names, seed, split, subsets} = filesFromDirectory(directory, {
    labels, labelMode, classNames, batchSize, shuffle, seed: options.seed ?? null, validationSplit, subset, followLinks, verbose,
  }, IMAGE_EXTENSIONS, 'image');
  const make = (lo: number, hi: number) =>
    new ImageDataset(files.slice(lo, hi), labelList ? labelList.slice(lo, hi) : null, names, {
      labelMode: labelList ? labelMode : null, colorMode, batchSize, imageSize, shuffle, seed, interpolation,
    });
  if (subsets === 'both') return [make(0, split), make(split, files.length)];
  if (subsets === 'training') return make(0, split);
  if (subsets === 'validation') return make(split, files.length);
  return make(0, files.length);
}

/** What `imageDatasetFromDirectory` and `textDatasetFromDirectory` share in their options. */
export interface DirectoryDatasetArgs {
  labels: 'inferred' | number[] | null;
  labelMode: LabelMode;
  classNames: string[] | null;
  batchSize: number | null;
  shuffle: boolean;
  seed: number | null;
  validationSplit: number | null;
  subset: Subset | null;
  followLinks: boolean;
  verbose: boolean;
}

/**
 * The part of Keras's `*_dataset_from_directory` that does not depend on the kind of file: checks
 * the arguments, lists the files with `formats` extensions (labels from the sub-folders), shuffles
 * them once with `seed` and says where the validation subset starts (`split`: the training files
 * are `files[0:split]`, the validation files `files[split:]`).
 */
export function filesFromDirectory(
  directory: string,
  args: DirectoryDatasetArgs,
  formats: string[],
  kind: 'image' | 'text',
): {files: string[]; labelList: number[] | null; names: string[]; seed: number; split: number; subsets: Subset | null} {
  const {labels, labelMode, classNames, batchSize, shuffle, validationSplit, subset, followLinks, verbose} = args;
  let seed = args.seed;
  const what = kind === 'image' ? 'images' : 'text files';
  if (labels !== 'inferred' && labels !== null && !(Array.isArray(labels) && labels.every(Number.isInteger))) {
    throw new ValueError(
      `\`labels\` argument should be a list/tuple of integer labels, of the same length as the number of ${kind} files in the target directory. ` +
        'If you wish to infer the labels from the subdirectory names in the target directory, pass `labels="inferred"`. ' +
        `If you wish to get a dataset that only contains ${kind === 'image' ? 'images' : 'text'} (no labels), pass \`labels=None\`.`,
    );
  }
  if (classNames && labels !== 'inferred') {
    throw new ValueError(`You can only pass \`class_names\` if \`labels="inferred"\`. Received: labels=${JSON.stringify(labels)}, and class_names=${JSON.stringify(classNames)}`);
  }
  if (labelMode !== null && !['int', 'categorical', 'binary'].includes(labelMode)) {
    throw new ValueError(`\`label_mode\` argument must be one of "int", "categorical", "binary", or None. Received: label_mode=${String(labelMode)}`);
  }
  if (batchSize !== null && (!Number.isInteger(batchSize) || batchSize < 1)) {
    throw new ValueError(`batch_size must be a positive integer or null (no batching). Received: batch_size=${batchSize}`);
  }
  checkValidationSplitArg(validationSplit, subset, shuffle, seed);
  seed ??= Math.floor(Math.random() * 1e6);
  const index = indexDirectory(directory, labels === null ? null : labels, formats, classNames, followLinks);
  let files = index.filePaths;
  let labelList = labels === null ? null : index.labels;
  const names = index.classNames;
  if (verbose) console.log(labelList ? `Found ${files.length} files belonging to ${names.length} classes.` : `Found ${files.length} files.`);
  if (files.length === 0) throw new ValueError(`No ${what} found in directory ${directory}. Allowed formats: ${formats.join(', ')}`);
  if (labelMode === 'binary' && names.length !== 2) {
    throw new ValueError(`When passing \`label_mode="binary"\`, there must be exactly 2 class_names. Received: class_names=${JSON.stringify(names)}`);
  }
  if (shuffle) {
    const perm = permutation(files.length, seed);
    files = Array.from(perm, (i) => files[i]!);
    if (labelList) labelList = Array.from(perm, (i) => labelList![i]!);
  }
  const numVal = validationSplit ? Math.floor(validationSplit * files.length) : 0;
  const split = files.length - numVal;
  if (subset === 'training' || subset === 'both') {
    if (verbose) console.log(`Using ${split} files for training.`);
  }
  if (subset === 'validation' || subset === 'both') {
    if (verbose) console.log(`Using ${numVal} files for validation.`);
  }
  return {files, labelList, names, seed, split, subsets: subset};
}
