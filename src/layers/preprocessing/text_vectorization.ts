import {floatx} from '../../config.js';
import {ValueError} from '../../errors.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {DType} from '../../tensor/dtype.js';
import {Tensor} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs, type LayerInput} from '../layer.js';
import {textOrExactNumbers} from './index_lookup.js';
import {StringLookup} from './string_lookup.js';

export type Standardize = 'lower_and_strip_punctuation' | 'lower' | 'strip_punctuation' | null | ((s: string) => string);
export type Split = 'whitespace' | 'character' | null | ((s: string) => string[]);

export interface TextVectorizationArgs extends Omit<LayerArgs, 'dtype'> {
  /** Vocabulary size, '' and '[UNK]' included (null = unlimited). */
  maxTokens?: number | null;
  standardize?: Standardize;
  split?: Split;
  /** n-grams to add: an integer n (1..n) or a list of widths. */
  ngrams?: number | number[] | null;
  outputMode?: 'int' | 'multi_hot' | 'count' | 'binary';
  /** Pad or cut every output sequence to this length (`int` mode). Otherwise, to the longest in the batch. */
  outputSequenceLength?: number | null;
  padToMaxTokens?: boolean;
  vocabulary?: readonly string[] | null;
  /** Saved by Keras: the vocabulary size when the config was written (shapes before the vocabulary loads). */
  vocabularySize?: number | null;
  /** Keras's config keys we accept and check: only their default values are supported. */
  sparse?: boolean;
  ragged?: boolean;
  idfWeights?: readonly number[] | null;
  encoding?: string;
  hasInputVocabulary?: boolean;
  /** Ignored, as Keras's computation dtype for text: outputs are int32 indices or float counts. */
  dtype?: string | null;
}

// Keras's DEFAULT_STRIP_REGEX: ASCII punctuation
const STRIP = /[!"#$%&()*+,\-./:;<=>?@[\\\]^_`{|}~']/g;
// tf.strings.split's whitespace (ASCII)
const WHITESPACE = /[ \t\n\v\f\r]+/;

/** ASCII-only lowercasing, as `tf.strings.lower` without an encoding (what Keras calls). */
function lowerAscii(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/**
 * Turns raw strings into int32 token-index sequences: standardize (lowercase and strip ASCII
 * punctuation by default), split on whitespace, optional n-grams, then a StringLookup whose
 * vocabulary (`adapt`) starts with `''` (padding, index 0) and `'[UNK]'` (index 1), then the
 * tokens by descending frequency. Inputs are string tensors — `Input({shape: [1], dtype: 'string'})`
 * in a model, which then predicts on raw text — or arrays of strings. A vocabulary learnt by
 * `adapt` is saved in the `.keras` assets (`vocabulary.txt`), as Keras does.
 *
 * ```ts
 * const vectorize = new TextVectorization({maxTokens: 5000, outputSequenceLength: 40});
 * vectorize.adapt(sentences);                 // string[]
 * const ids = vectorize.apply(sentences);     // int32 [n, 40]
 * ```
 */
export class TextVectorization extends Layer {
  static override readonly className: string = 'TextVectorization';
  readonly maxTokens: number | null;
  readonly standardize: Standardize;
  readonly split: Split;
  readonly ngrams: number[] | null;
  private readonly ngramsArg: number | number[] | null;
  readonly outputMode: 'int' | 'multi_hot' | 'count';
  readonly outputSequenceLength: number | null;
  readonly padToMaxTokens: boolean;
  readonly lookup: StringLookup;
  /** What the layer reads: a Sequential starting with it takes strings. */
  readonly inputDtype = 'string' as const;

  constructor(args: TextVectorizationArgs = {}) {
    const {
      maxTokens, standardize, split, ngrams, outputMode, outputSequenceLength, padToMaxTokens, vocabulary, vocabularySize,
      sparse, ragged, idfWeights, encoding, hasInputVocabulary, dtype, ...base
    } = args;
    void hasInputVocabulary;
    void dtype;
    const mode = outputMode === 'binary' ? 'multi_hot' : (outputMode ?? 'int');
    super({...base, dtype: (mode === 'int' ? 'int32' : floatx()) as DType});
    this.maxTokens = maxTokens ?? null;
    this.standardize = standardize === undefined ? 'lower_and_strip_punctuation' : standardize;
    if (!(this.standardize === null || typeof this.standardize === 'function' || ['lower_and_strip_punctuation', 'lower', 'strip_punctuation'].includes(this.standardize))) {
      throw new ValueError(`Invalid value for argument \`standardize\` of TextVectorization: expected one of 'lower_and_strip_punctuation', 'lower', 'strip_punctuation', null or a function. Received: ${JSON.stringify(standardize)}`);
    }
    this.split = split === undefined ? 'whitespace' : split;
    if (!(this.split === null || typeof this.split === 'function' || ['whitespace', 'character'].includes(this.split))) {
      throw new ValueError(`Invalid value for argument \`split\` of TextVectorization: expected one of 'whitespace', 'character', null or a function. Received: ${JSON.stringify(split)}`);
    }
    this.ngramsArg = ngrams ?? null;
    if (ngrams === null || ngrams === undefined) this.ngrams = null;
    else if (typeof ngrams === 'number' && Number.isInteger(ngrams) && ngrams > 0) this.ngrams = Array.from({length: ngrams}, (_, i) => i + 1);
    else if (Array.isArray(ngrams) && ngrams.every((n) => Number.isInteger(n) && n > 0)) this.ngrams = [...ngrams];
    else throw new ValueError(`\`ngrams\` must be null, an integer, or a list of integers. Received: ngrams=${JSON.stringify(ngrams)}`);
    if (!['int', 'multi_hot', 'count'].includes(mode)) {
      throw new ValueError(`Invalid value for argument \`outputMode\` of TextVectorization: expected one of 'int', 'multi_hot', 'count'. Received: outputMode=${JSON.stringify(outputMode)}`);
    }
    if (sparse) throw new ValueError('TextVectorization: `sparse=True` is not supported by keras-ts (Keras supports it on the TensorFlow backend only)');
    if (ragged) throw new ValueError('TextVectorization: `ragged=True` is not supported by keras-ts (Keras supports it on the TensorFlow backend only)');
    this.outputMode = mode as 'int' | 'multi_hot' | 'count';
    const len = outputSequenceLength ?? null;
    if (len !== null && (mode !== 'int' || !Number.isInteger(len) || len <= 0)) {
      throw new ValueError(
        mode !== 'int'
          ? `\`outputSequenceLength\` must not be set if \`outputMode\` is not 'int'. Received outputSequenceLength=${len}.`
          : `\`outputSequenceLength\` must be either null or a positive integer when \`outputMode\` is 'int'. Received: outputSequenceLength=${len}`,
      );
    }
    this.outputSequenceLength = len;
    this.padToMaxTokens = padToMaxTokens ?? false;
    this.lookup = new StringLookup({
      name: `${this.name}_lookup`,
      maxTokens: this.maxTokens,
      maskToken: '',
      outputMode: this.outputMode,
      padToMaxTokens: this.padToMaxTokens,
      vocabulary: vocabulary ?? null,
      vocabularySize: vocabularySize ?? null,
      idfWeights,
      encoding,
    });
    // this layer writes and reads the vocabulary file for its lookup (see saveAssets)
    this.lookup.assetsOwnedByParent = true;
    this.built = true;
  }

  /** Standardize, split and add n-grams: the tokens of one string. */
  tokenize(text: string): string[] {
    if (typeof text !== 'string') throw new ValueError(`TextVectorization "${this.name}": expected strings. Received: ${JSON.stringify(text)} (${typeof text})`);
    let s = text;
    const st = this.standardize;
    if (st === 'lower' || st === 'lower_and_strip_punctuation') s = lowerAscii(s);
    if (st === 'strip_punctuation' || st === 'lower_and_strip_punctuation') s = s.replace(STRIP, '');
    if (typeof st === 'function') s = st(s);
    let tokens: string[];
    if (this.split === 'whitespace') tokens = s.split(WHITESPACE).filter((t) => t.length > 0);
    else if (this.split === 'character') tokens = [...s];
    else if (typeof this.split === 'function') tokens = this.split(s);
    else tokens = [s];
    if (this.ngrams) {
      const out: string[] = [];
      for (const n of this.ngrams) for (let i = 0; i + n <= tokens.length; i++) out.push(tokens.slice(i, i + n).join(' '));
      tokens = out;
    }
    return tokens;
  }

  /** The strings of a string tensor of rank 0, 1, or 2 with a last axis of 1: one per sample. */
  private texts(x: Tensor): string[] {
    if (!x.strings) {
      throw new ValueError(`TextVectorization "${this.name}": expected strings (a string tensor or arrays of strings). Received a ${x.dtype} tensor`);
    }
    if (this.split !== null && x.rank > 1 && (x.rank > 2 || x.shape[1] !== 1)) {
      throw new ValueError(
        `When using \`TextVectorization\` to tokenize strings, the input rank must be 1 or the last shape dimension must be 1. Received: inputs.shape=[${x.shape.join(', ')}] with rank=${x.rank}`,
      );
    }
    return x.stringValues();
  }

  /** A string or arrays of strings become a string tensor (an empty list: no strings). */
  protected override convertInputs(inputs: unknown): LayerInput {
    if (Array.isArray(inputs) && inputs.length === 0) return new Tensor([0], 'string', new Int32Array(0), []);
    return textOrExactNumbers(inputs) ?? super.convertInputs(inputs);
  }

  /** Learns the vocabulary from strings: tokens by descending frequency (ties by descending token). */
  adapt(data: string | readonly string[] | readonly string[][] | Tensor): void {
    const texts = this.texts(this.convertInputs(data) as Tensor);
    this.lookup.adapt(texts.map((t) => this.tokenize(t)));
  }

  getVocabulary(includeSpecialTokens = true): string[] {
    return this.lookup.getVocabulary(includeSpecialTokens);
  }

  setVocabulary(vocabulary: readonly string[]): void {
    this.lookup.setVocabulary(vocabulary);
  }

  vocabularySize(): number {
    return this.lookup.vocabularySize();
  }

  /** `vocabulary.txt`'s text when the vocabulary was learnt by `adapt`; null when given to the constructor. */
  vocabularyFile(): string | null {
    return this.lookup.vocabularyFile();
  }

  /** Strings to an int32 `[batch, length]` tensor (or `[batch, vocab]` for multi_hot/count). */
  override call(inputs: Tensor): Tensor {
    const x = inputs;
    const texts = this.texts(x);
    const scalar = x.rank === 0;
    const tokenLists = texts.map((t) => this.tokenize(t));
    if (this.outputMode !== 'int') {
      const depth = this.lookup.outputDepth();
      const out = new Float32Array(tokenLists.length * depth);
      tokenLists.forEach((toks, i) => {
        for (const tok of toks) {
          const id = this.lookup.lookup(tok);
          if (id >= depth) continue;
          if (this.outputMode === 'count') out[i * depth + id]! += 1;
          else out[i * depth + id] = 1;
        }
      });
      return new Tensor(scalar ? [depth] : [tokenLists.length, depth], 'float32', out);
    }
    const ids = tokenLists.map((toks) => Array.from(toks, (tok) => this.lookup.lookup(tok)));
    if (this.split === null && x.rank > 0) {
      // no split: one token per string, the input's shape kept (then cut or padded on the last axis)
      return this.padOrCut(Int32Array.from(ids, (r) => r[0] ?? 0), [...x.shape]);
    }
    const len = this.outputSequenceLength ?? Math.max(0, ...ids.map((r) => r.length));
    const out = new Int32Array(ids.length * len); // padding is 0, the mask index
    ids.forEach((r, i) => out.set(r.slice(0, len), i * len));
    return scalar ? new Tensor([len], 'int32', out) : new Tensor([ids.length, len], 'int32', out);
  }

  private padOrCut(ids: Int32Array, shape: number[]): Tensor {
    const len = this.outputSequenceLength;
    const last = shape.at(-1)!;
    if (len === null || len === last) return new Tensor(shape, 'int32', ids);
    const rows = ids.length / Math.max(last, 1);
    const out = new Int32Array(rows * len);
    for (let r = 0; r < rows; r++) out.set(ids.subarray(r * last, r * last + Math.min(last, len)), r * len);
    return new Tensor([...shape.slice(0, -1), len], 'int32', out);
  }

  override computeOutputShape(inputShape: ShapeLike | ShapeLike[]): ShapeLike {
    const s = inputShape as ShapeLike;
    const batch = s.length ? s[0]! : null;
    if (this.outputMode === 'int') {
      if (this.split === null && s.length > 1) return [...s.slice(0, -1), this.outputSequenceLength ?? s.at(-1)!];
      return s.length === 0 ? [this.outputSequenceLength] : [batch, this.outputSequenceLength];
    }
    const depth = this.lookup.outputDepth();
    return s.length === 0 ? [depth] : [batch, depth];
  }

  /**
   * The `.keras` assets: `vocabulary.txt` when the vocabulary was learnt by `adapt`, here and under
   * `_lookup_layer/` where Keras's inner StringLookup reads it (a vocabulary given to the
   * constructor is in the config instead).
   */
  saveAssets(): Record<string, string> | null {
    const text = this.vocabularyFile();
    return text === null ? null : {'vocabulary.txt': text, '_lookup_layer/vocabulary.txt': text};
  }

  loadAssets(files: ReadonlyMap<string, string>): void {
    if (this.vocabularyFile() === null) return; // the vocabulary came with the config
    const text = files.get('vocabulary.txt') ?? files.get('_lookup_layer/vocabulary.txt');
    if (text === undefined) {
      throw new ValueError(`TextVectorization "${this.name}": the file has no assets/.../vocabulary.txt for this layer (a vocabulary learnt by adapt is saved there)`);
    }
    this.lookup.readVocabularyFile(text);
  }

  override getConfig(): Record<string, unknown> {
    const fnName = (f: unknown) => (typeof f === 'function' ? (f as {name?: string}).name || null : f);
    const lookupConfig = this.lookup.getConfig();
    return {
      ...super.getConfig(),
      maxTokens: this.maxTokens,
      standardize: fnName(this.standardize),
      split: fnName(this.split),
      ngrams: this.ngramsArg,
      outputMode: this.outputMode,
      outputSequenceLength: this.outputSequenceLength,
      padToMaxTokens: this.padToMaxTokens,
      sparse: false,
      ragged: false,
      vocabulary: lookupConfig['vocabulary'],
      idfWeights: null,
      encoding: 'utf-8',
      vocabularySize: this.vocabularySize(),
    };
  }
}

registerKerasSerializable(TextVectorization, {pkg: 'keras'});
