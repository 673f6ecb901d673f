import {floatx} from '../../config.js';
import {ValueError} from '../../errors.js';
import type {DType} from '../../tensor/dtype.js';
import {stringTensor, tensor, Tensor, type NestedArray, type NestedStrings} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs, type LayerInput} from '../layer.js';
import {hashToBucket} from './farmhash.js';

export type LookupOutputMode = 'int' | 'one_hot' | 'multi_hot' | 'count';
export type Token = string | number;
/** Nested JS arrays of tokens (strings for StringLookup, integers for IntegerLookup). */
export type NestedTokens<T extends Token> = T | readonly NestedTokens<T>[];

export interface IndexLookupArgs<T extends Token> extends Omit<LayerArgs, 'dtype'> {
  /** Largest vocabulary size, special tokens included (null = unlimited). */
  maxTokens?: number | null;
  /** How many out-of-vocabulary buckets (1 by default). */
  numOovIndices?: number;
  /** The token of index 0 that marks padding (null = none). */
  maskToken?: T | null;
  oovToken?: T;
  /** A known vocabulary instead of `adapt` (may start with the special tokens). */
  vocabulary?: readonly T[] | null;
  /** Map indices back to tokens. */
  invert?: boolean;
  outputMode?: LookupOutputMode | 'binary';
  /** With `multi_hot`/`count`/`one_hot`, output `maxTokens` columns however small the vocabulary. */
  padToMaxTokens?: boolean;
  /** How unknown tokens pick one of several OOV buckets: `floormod` (integers) or `farmhash`. */
  oovMethod?: 'floormod' | 'farmhash';
  /** With several OOV buckets, SipHash with this key instead of FarmHash (as `Hashing`'s salt). */
  salt?: number | readonly [number, number] | null;
  /** Saved by Keras: the vocabulary size when the config was written (shapes before the vocabulary loads). */
  vocabularySize?: number | null;
  /** Keras's config keys we accept and check: only their default values are supported. */
  sparse?: boolean;
  idfWeights?: readonly number[] | null;
  vocabularyDtype?: string;
  encoding?: string;
  hasInputVocabulary?: boolean;
  /** Keras pops it: the output dtype follows `outputMode` (int32 indices, float counts). */
  dtype?: string | null;
}

/** Code-point order, as the UTF-8 byte order NumPy sorts Keras's vocabulary by. */
function compareTokens(a: Token, b: Token): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a), y = String(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; ) {
    const ca = x.codePointAt(i)!, cb = y.codePointAt(i)!;
    if (ca !== cb) return ca - cb;
    i += ca > 0xffff ? 2 : 1;
  }
  return x.length - y.length;
}

/** A salt as SipHash's key: one integer `s` is `[s, s]`, as Keras. */
export function saltKey(salt: number | readonly number[] | null | undefined, who: string): [bigint, bigint] | null {
  if (salt === null || salt === undefined) return null;
  const pair = typeof salt === 'number' ? [salt, salt] : [...salt];
  if (pair.length !== 2 || !pair.every((s) => Number.isSafeInteger(s) && s >= 0)) {
    throw new ValueError(`The \`salt\` argument for \`${who}\` can only be a tuple of size 2 integers, or a single integer. Received: salt=${JSON.stringify(salt)}.`);
  }
  return [BigInt(pair[0]!), BigInt(pair[1]!)];
}

/**
 * The lines of a vocabulary file: `'\n'.join(tokens)`, as Keras writes it. (Keras reads it back with
 * Python's `splitlines()`, which also breaks at `\x85`, `\u2028` and other separators that can sit
 * inside a token — real review text holds `\x85` — and then fails on the repeated pieces; splitting
 * at `\n` only is the exact inverse of what both write.) A file written with `\r\n` is read too.
 */
function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 1 && lines.slice(0, -1).every((l) => l.endsWith('\r'))) return lines.map((l) => l.replace(/\r$/, ''));
  return lines;
}

/**
 * The base of StringLookup and IntegerLookup (Keras's `IndexLookup`): maps tokens to indices
 * `[mask][oov x numOovIndices][tokens by descending frequency]`. Inputs are string tensors (or
 * nested arrays of strings) for StringLookup, integer tensors for IntegerLookup; outputs are int32
 * indices, or float32 encodings for `one_hot`/`multi_hot`/`count`. A vocabulary learnt with `adapt`
 * is saved in the `.keras` file's assets (`vocabulary.txt`), one given to the constructor in the config.
 */
export abstract class IndexLookup<T extends Token> extends Layer {
  static override readonly className: string = 'IndexLookup';
  readonly maxTokens: number | null;
  readonly numOovIndices: number;
  readonly maskToken: T | null;
  readonly oovToken: T;
  readonly invert: boolean;
  readonly outputMode: LookupOutputMode;
  readonly padToMaxTokens: boolean;
  readonly oovMethod: 'floormod' | 'farmhash';
  readonly salt: [number, number] | null;
  private readonly saltBig: [bigint, bigint] | null;
  /** The vocabulary given to the constructor (kept in the config), or null when learnt by `adapt`. */
  protected inputVocabulary: T[] | null;
  private frozenVocabularySize: number | null;
  /** Set by TextVectorization, which saves and loads this layer's vocabulary itself. */
  assetsOwnedByParent = false;
  private tokens: T[] = [];
  private table = new Map<T, number>();
  private counts: Map<T, number> | null = null;

  constructor(args: IndexLookupArgs<T>, defaults: {oovToken: T; maskToken: T | null; vocabularyDtype: 'string' | 'int64'}) {
    const {
      maxTokens, numOovIndices, maskToken, oovToken, vocabulary, invert, outputMode, padToMaxTokens, oovMethod, salt, vocabularySize,
      sparse, idfWeights, vocabularyDtype, encoding, hasInputVocabulary, dtype, ...base
    } = args;
    void hasInputVocabulary;
    const mode = outputMode === 'binary' ? 'multi_hot' : (outputMode ?? 'int');
    const inv = invert ?? false;
    // Keras ignores the `dtype` argument: indices are integers, encodings floats (a lookup back to strings gives strings)
    void dtype;
    const outDtype: DType = mode === 'int' ? (inv ? (defaults.vocabularyDtype === 'string' ? 'string' : 'int32') : 'int32') : (floatx() as DType);
    super({...base, dtype: outDtype});
    const who = this.className;
    if (!['int', 'one_hot', 'multi_hot', 'count'].includes(mode)) {
      const extra = (mode as string) === 'tf_idf' || (mode as string) === 'tf-idf' ? ` ('tf_idf' is not supported by keras-ts)` : '';
      throw new ValueError(`${who}: invalid \`outputMode\`. Expected one of 'int', 'one_hot', 'multi_hot', 'count'${extra}. Received: outputMode=${String(outputMode)}`);
    }
    if (sparse) throw new ValueError(`${who}: \`sparse=True\` is not supported by keras-ts (sparse tensors need the TensorFlow backend in Keras too)`);
    if (idfWeights !== null && idfWeights !== undefined) throw new ValueError(`${who}: \`idfWeights\` ('tf_idf' output) is not supported by keras-ts`);
    if (encoding !== undefined && encoding !== null && encoding.toLowerCase().replace('-', '') !== 'utf8') {
      throw new ValueError(`${who}: only the 'utf-8' encoding is supported. Received: encoding=${JSON.stringify(encoding)}`);
    }
    if (vocabularyDtype !== undefined && vocabularyDtype !== null && vocabularyDtype !== defaults.vocabularyDtype && !(defaults.vocabularyDtype === 'int64' && vocabularyDtype === 'int32')) {
      throw new ValueError(`${who}: \`vocabularyDtype\` must be '${defaults.vocabularyDtype}'. Received: vocabularyDtype=${JSON.stringify(vocabularyDtype)}`);
    }
    this.maxTokens = maxTokens ?? null;
    if (this.maxTokens !== null && (!Number.isInteger(this.maxTokens) || this.maxTokens <= 1)) {
      throw new ValueError(`If set, \`maxTokens\` must be greater than 1. Received: maxTokens=${maxTokens}`);
    }
    this.numOovIndices = numOovIndices ?? 1;
    if (!Number.isInteger(this.numOovIndices) || this.numOovIndices < 0) {
      throw new ValueError(`\`numOovIndices\` must be greater than or equal to 0. Received: numOovIndices=${numOovIndices}`);
    }
    this.maskToken = maskToken === undefined ? defaults.maskToken : maskToken;
    this.oovToken = oovToken ?? defaults.oovToken;
    this.invert = inv;
    if (this.invert && mode !== 'int') throw new ValueError(`\`outputMode\` must be 'int' when \`invert\` is true. Received: outputMode=${mode}`);
    this.outputMode = mode as LookupOutputMode;
    this.padToMaxTokens = padToMaxTokens ?? false;
    if (this.padToMaxTokens && this.maxTokens === null) throw new ValueError('If padToMaxTokens is true, must set `maxTokens`. Received: maxTokens=null');
    this.oovMethod = oovMethod ?? 'floormod';
    if (this.oovMethod !== 'floormod' && this.oovMethod !== 'farmhash') {
      throw new ValueError(`${who}: \`oovMethod\` must be 'floormod' or 'farmhash'. Received: oovMethod=${JSON.stringify(oovMethod)}`);
    }
    this.saltBig = saltKey(salt, who);
    this.salt = this.saltBig ? [Number(this.saltBig[0]), Number(this.saltBig[1])] : null;
    this.frozenVocabularySize = vocabularySize ?? null;
    this.inputVocabulary = vocabulary ? [...vocabulary] : null;
    if (vocabulary) this.setVocabulary(vocabulary);
    this.built = true;
  }

  /** Checks one token's type (strings for StringLookup, integers for IntegerLookup). */
  protected abstract checkToken(t: unknown): T;

  /** The token a line of a vocabulary file holds. */
  protected abstract parseToken(line: string): T;

  protected oovStartIndex(): number {
    return this.maskToken !== null && this.outputMode === 'int' ? 1 : 0;
  }

  protected tokenStartIndex(): number {
    return this.oovStartIndex() + this.numOovIndices;
  }

  /** Replaces the vocabulary (leading special tokens, when they match, are recognized and dropped). */
  setVocabulary(vocabulary: readonly T[]): void {
    const vocab = [...vocabulary].map((t) => this.checkToken(t));
    if (vocab.length === 0) throw new ValueError('Cannot set an empty vocabulary. Received: vocabulary=[]');
    const start = this.tokenStartIndex();
    const special = [...Array(this.oovStartIndex()).fill(this.maskToken), ...Array(this.numOovIndices).fill(this.oovToken)];
    const tokens = special.length && special.every((s, i) => vocab[i] === s) ? vocab.slice(start) : vocab;
    if (new Set(tokens).size !== tokens.length) throw new ValueError(`The passed vocabulary has at least one repeated term. Please uniquify your dataset.`);
    if (this.maskToken !== null && tokens.includes(this.maskToken)) {
      throw new ValueError(`Found reserved mask token at unexpected location in \`vocabulary\`. Received: maskToken=${JSON.stringify(this.maskToken)} at vocabulary index ${tokens.indexOf(this.maskToken) + start}`);
    }
    if (this.invert && tokens.includes(this.oovToken)) {
      throw new ValueError(`Found reserved OOV token at unexpected location in \`vocabulary\`. Received: oovToken=${JSON.stringify(this.oovToken)}`);
    }
    if (this.maxTokens !== null && tokens.length + start > this.maxTokens) {
      throw new ValueError(`Attempted to set a vocabulary larger than the maximum vocab size. Received vocabulary size is ${tokens.length + start}; \`maxTokens\` is ${this.maxTokens}.`);
    }
    this.tokens = tokens;
    this.table = new Map(tokens.map((t, i) => [t, i + start]));
    this.frozenVocabularySize = null;
  }

  /** Counts tokens (every leaf of `data`); `adapt` calls this, then `finalizeState`. */
  updateState(data: NestedTokens<T> | readonly NestedTokens<T>[] | Tensor): void {
    this.counts ??= new Map();
    const counts = this.counts;
    const add = (x: unknown) => {
      const t = this.checkToken(x);
      counts.set(t, (counts.get(t) ?? 0) + 1);
    };
    const visit = (x: unknown): void => {
      if (Array.isArray(x)) for (const e of x) visit(e);
      else if (x instanceof Tensor) for (const v of x.strings ? x.stringValues() : x.values) add(v);
      else add(x);
    };
    visit(data);
  }

  /**
   * The vocabulary from the counts: by descending count, ties by descending token (Keras's
   * `np.lexsort((tokens, counts))[::-1]`), at most `maxTokens` entries with the special tokens.
   */
  finalizeState(): void {
    const counts = this.counts ?? new Map<T, number>();
    if (this.maskToken !== null) counts.delete(this.maskToken);
    counts.delete(this.oovToken);
    const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1] || compareTokens(b[0], a[0])).map(([t]) => t);
    const start = this.tokenStartIndex();
    const kept = this.maxTokens !== null ? sorted.slice(0, Math.max(0, this.maxTokens - start)) : sorted;
    this.counts = null;
    this.tokens = [];
    this.table = new Map();
    // a learnt vocabulary replaces a given one: it is saved in the assets, not the config
    this.inputVocabulary = null;
    if (kept.length) this.setVocabulary(kept);
  }

  /** Computes the vocabulary of `data` (replacing any previous one), as Keras's `adapt`. */
  adapt(data: NestedTokens<T> | readonly NestedTokens<T>[] | Tensor): void {
    this.counts = null;
    this.updateState(data);
    this.finalizeState();
  }

  /** The vocabulary, index order: mask token, OOV token(s), then the tokens. */
  getVocabulary(includeSpecialTokens = true): T[] {
    const special = [...Array(this.oovStartIndex()).fill(this.maskToken as T), ...Array(this.numOovIndices).fill(this.oovToken)];
    return includeSpecialTokens ? [...special, ...this.tokens] : [...this.tokens];
  }

  vocabularySize(): number {
    return this.tokenStartIndex() + this.tokens.length;
  }

  /** The index of one token (mask -> 0, unknown -> an OOV bucket). */
  lookup(token: T): number {
    if (this.maskToken !== null && token === this.maskToken) return 0;
    const i = this.table.get(token);
    if (i !== undefined) return i;
    if (this.numOovIndices === 0) {
      throw new ValueError(`${this.className} "${this.name}": when \`numOovIndices=0\` all inputs should be in vocabulary, found OOV value ${JSON.stringify(token)}; consider setting \`numOovIndices=1\``);
    }
    if (this.numOovIndices === 1) return this.oovStartIndex();
    let h: number;
    if (typeof token === 'number' && this.oovMethod !== 'farmhash') h = ((token % this.numOovIndices) + this.numOovIndices) % this.numOovIndices;
    else h = hashToBucket(String(token), this.numOovIndices, this.saltBig);
    return this.oovStartIndex() + h;
  }

  protected override convertInputs(inputs: unknown): LayerInput {
    return textOrExactNumbers(inputs) ?? super.convertInputs(inputs);
  }

  /** Tokens (a tensor, or nested arrays) to indices; with `invert`, indices back to tokens. */
  override call(inputs: Tensor): Tensor {
    const x = inputs;
    if (this.invert) return this.invertLookup(x);
    let ids: Int32Array;
    if (x.strings) {
      if (typeof this.oovToken !== 'string') throw new ValueError(`${this.className} "${this.name}": expected integer inputs, received a string tensor`);
      // one lookup per distinct entry of the tensor's table
      const idOf = x.strings.map((s) => this.lookup(this.checkToken(s)));
      ids = Int32Array.from(x.values, (i) => idOf[i]!);
    } else {
      if (typeof this.oovToken === 'string') {
        throw new ValueError(`${this.className} "${this.name}": expected string inputs (a string tensor or nested arrays of strings). Received a ${x.dtype} tensor`);
      }
      ids = Int32Array.from(x.values, (v) => this.lookup(this.checkToken(v)));
    }
    if (this.outputMode === 'int') return new Tensor(x.shape, 'int32', ids);
    return this.encode(ids, [...x.shape]);
  }

  /** Columns of a one_hot / multi_hot / count output. */
  outputDepth(): number {
    if (this.padToMaxTokens) return this.maxTokens!;
    return this.tokens.length === 0 && this.frozenVocabularySize !== null ? this.frozenVocabularySize : this.vocabularySize();
  }

  private encode(ids: Int32Array, shape: number[]): Tensor {
    const depth = this.outputDepth();
    const {rows, per, outShape} = encodeLayout(this.outputMode, shape, depth, `${this.className} "${this.name}"`);
    return encodeIds(ids, rows, per, depth, this.outputMode, outShape, this.dtype);
  }

  override computeOutputShape(inputShape: ShapeLike | ShapeLike[]): ShapeLike {
    const s = inputShape as ShapeLike;
    if (this.outputMode === 'int') return [...s];
    const depth = this.outputDepth();
    if (this.outputMode === 'one_hot') return s.length && s.at(-1) === 1 ? [...s.slice(0, -1), depth] : [...s, depth];
    return s.length ? [...s.slice(0, -1), depth] : [depth];
  }

  private invertLookup(x: Tensor): Tensor {
    if (x.strings) throw new ValueError(`${this.className} "${this.name}" (invert=true): expected integer indices, received a string tensor`);
    const vocab = this.getVocabulary();
    const out = Array.from(x.values, (v) => {
      const i = Number(v);
      if (this.maskToken !== null && i === 0) return this.maskToken;
      return i >= 0 && i < vocab.length ? vocab[i]! : this.oovToken;
    });
    if (typeof this.oovToken === 'string') return new Tensor(x.shape, 'string', Int32Array.from(out, (_, i) => i), out as string[]);
    return new Tensor(x.shape, 'int32', Int32Array.from(out as number[]));
  }

  /** The text of `vocabulary.txt` (Keras's `save_assets`): null when the vocabulary was given to the constructor (it is in the config). */
  vocabularyFile(): string | null {
    if (this.inputVocabulary !== null) return null;
    const vocab = this.getVocabulary(true).map(String);
    const bad = vocab.find((t) => t.includes('\n'));
    if (bad !== undefined) {
      throw new ValueError(`${this.className} "${this.name}": the token ${JSON.stringify(bad)} holds a line break, so the vocabulary cannot be saved as the lines of vocabulary.txt (Keras's format)`);
    }
    return vocab.join('\n');
  }

  /** Sets the vocabulary from `vocabularyFile`'s text, as Keras's `load_assets` (Python's `splitlines`, trailing blank lines dropped). */
  readVocabularyFile(text: string): void {
    if (this.inputVocabulary !== null) return;
    const lines = splitLines(text);
    while (lines.length && lines.at(-1) === '') lines.pop();
    if (lines.length) this.setVocabulary(lines.map((l) => this.parseToken(l)));
  }

  /** The `.keras` assets of this layer: `vocabulary.txt` when the vocabulary was learnt by `adapt`. */
  saveAssets(): Record<string, string> | null {
    const text = this.assetsOwnedByParent ? null : this.vocabularyFile();
    return text === null ? null : {'vocabulary.txt': text};
  }

  /** Reads back `saveAssets`'s files (nothing to do for a vocabulary from the config). */
  loadAssets(files: ReadonlyMap<string, string>): void {
    if (this.assetsOwnedByParent || this.inputVocabulary !== null) return;
    const text = files.get('vocabulary.txt');
    if (text === undefined) {
      throw new ValueError(`${this.className} "${this.name}": the file has no assets/.../vocabulary.txt for this layer (a vocabulary learnt by adapt is saved there)`);
    }
    this.readVocabularyFile(text);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      invert: this.invert,
      maxTokens: this.maxTokens,
      numOovIndices: this.numOovIndices,
      oovToken: this.oovToken,
      maskToken: this.maskToken,
      outputMode: this.outputMode,
      sparse: false,
      padToMaxTokens: this.padToMaxTokens,
      idfWeights: null,
      vocabulary: this.inputVocabulary ? [...this.inputVocabulary] : null,
      vocabularySize: this.vocabularySize(),
      oovMethod: this.oovMethod,
      salt: this.salt,
    };
  }
}

/** How one_hot / multi_hot / count lay out `ids` of `shape`: rows of `per` ids each, and the output shape. */
export function encodeLayout(mode: LookupOutputMode, shape: readonly number[], depth: number, who: string): {rows: number; per: number; outShape: number[]} {
  const size = shape.reduce((a, b) => a * b, 1);
  if (mode === 'one_hot') {
    // each element is encoded; a last axis of 1 is replaced by the encoding
    const lead = shape.length && shape.at(-1) === 1 ? shape.slice(0, -1) : [...shape];
    return {rows: size, per: 1, outShape: [...lead, depth]};
  }
  // multi_hot / count encode each sample: the last axis
  if (shape.length > 2) throw new ValueError(`${who}: with outputMode '${mode}' the input must be of rank 2 at most. Received shape [${shape.join(', ')}]`);
  const per = shape.length === 0 ? 1 : shape.at(-1)!;
  const rows = shape.length <= 1 ? 1 : shape[0]!;
  return {rows, per, outShape: shape.length <= 1 ? [depth] : [rows, depth]};
}

/** The one_hot / multi_hot / count encoding of `ids` (ids outside `[0, depth)` are dropped). */
export function encodeIds(ids: ArrayLike<number>, rows: number, per: number, depth: number, mode: LookupOutputMode, outShape: number[], dtype: DType): Tensor {
  const out = dtype === 'float64' ? new Float64Array(rows * depth) : new Float32Array(rows * depth);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < per; k++) {
      const id = ids[r * per + k]!;
      if (id < 0 || id >= depth) continue;
      if (mode === 'count') out[r * depth + id]! += 1;
      else out[r * depth + id] = 1;
    }
  }
  return new Tensor(outShape, dtype === 'float64' ? 'float64' : 'float32', out);
}

/**
 * The inputs of a layer that reads text or exact integers, when given as plain JS values: a string
 * or nested arrays of strings become a string tensor; nested numbers a float64 tensor (not float32:
 * integers up to 2**53 keep every digit). Null for anything else (tensors: the usual conversion).
 */
export function textOrExactNumbers(inputs: unknown): Tensor | null {
  let leaf = inputs;
  while (Array.isArray(leaf) && leaf.length) leaf = leaf[0];
  if (typeof leaf === 'string') return stringTensor(inputs as NestedStrings);
  if ((Array.isArray(inputs) && !(leaf instanceof Tensor)) || typeof inputs === 'number') return tensor(inputs as NestedArray, undefined, 'float64');
  return null;
}
