import {ValueError} from '../../errors.js';
import {registerKerasSerializable} from '../../serialization.js';
import {Tensor} from '../../tensor/tensor.js';
import {Layer, type LayerArgs} from '../layer.js';
import {StringLookup} from './string_lookup.js';

export type Standardize = 'lower_and_strip_punctuation' | 'lower' | 'strip_punctuation' | null | ((s: string) => string);
export type Split = 'whitespace' | 'character' | null | ((s: string) => string[]);

export interface TextVectorizationArgs extends LayerArgs {
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
 * tokens by descending frequency. Strings are JS arrays; outputs are tensors.
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

  constructor(args: TextVectorizationArgs = {}) {
    const {maxTokens, standardize, split, ngrams, outputMode, outputSequenceLength, padToMaxTokens, vocabulary, ...base} = args;
    super(base);
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
    const mode = outputMode === 'binary' ? 'multi_hot' : (outputMode ?? 'int');
    if (!['int', 'multi_hot', 'count'].includes(mode)) {
      throw new ValueError(`Invalid value for argument \`outputMode\` of TextVectorization: expected one of 'int', 'multi_hot', 'count'. Received: outputMode=${JSON.stringify(outputMode)}`);
    }
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
    });
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

  /** The strings of the input: one string, a list, or a list of one-element lists. */
  private texts(inputs: unknown): {texts: string[]; scalar: boolean} {
    if (typeof inputs === 'string') return {texts: [inputs], scalar: true};
    if (!Array.isArray(inputs)) throw new ValueError(`TextVectorization "${this.name}": expected a string or an array of strings. Received: ${String(inputs)}`);
    const texts = inputs.map((x, i) => {
      if (Array.isArray(x)) {
        if (x.length !== 1) {
          throw new ValueError(`When using \`TextVectorization\` to tokenize strings, the input rank must be 1 or the last shape dimension must be 1. Received: inputs[${i}] of length ${x.length}`);
        }
        return x[0] as string;
      }
      return x as string;
    });
    return {texts, scalar: false};
  }

  /** Learns the vocabulary from strings: tokens by descending frequency (ties by descending token). */
  adapt(data: string | readonly string[] | readonly string[][]): void {
    const {texts} = this.texts(data);
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

  override apply(inputs: unknown): any {
    return this.call(inputs);
  }

  /** Strings to an int32 `[batch, length]` tensor (or `[batch, vocab]` for multi_hot/count). */
  override call(inputs: unknown): Tensor {
    const {texts, scalar} = this.texts(inputs);
    const tokenLists = texts.map((t) => this.tokenize(t));
    if (this.outputMode !== 'int') {
      const depth = this.padToMaxTokens ? this.maxTokens! : this.lookup.vocabularySize();
      const out = new Float32Array(tokenLists.length * depth);
      tokenLists.forEach((toks, i) => {
        // a sample without tokens keeps its zero row
        if (toks.length) out.set(this.lookup.call([toks]).values as Float32Array, i * depth);
      });
      return new Tensor(scalar ? [depth] : [tokenLists.length, depth], 'float32', out);
    }
    const ids = tokenLists.map((toks) => Array.from(toks, (tok) => this.lookup.lookup(tok)));
    const len = this.outputSequenceLength ?? Math.max(0, ...ids.map((r) => r.length));
    const out = new Int32Array(ids.length * len); // padding is 0, the mask index
    ids.forEach((r, i) => out.set(r.slice(0, len), i * len));
    return scalar ? new Tensor([len], 'int32', out) : new Tensor([ids.length, len], 'int32', out);
  }

  override getConfig(): Record<string, unknown> {
    const fnName = (f: unknown) => (typeof f === 'function' ? (f as {name?: string}).name || null : f);
    return {
      ...super.getConfig(),
      maxTokens: this.maxTokens,
      standardize: fnName(this.standardize),
      split: fnName(this.split),
      ngrams: this.ngramsArg,
      outputMode: this.outputMode,
      outputSequenceLength: this.outputSequenceLength,
      padToMaxTokens: this.padToMaxTokens,
      vocabulary: this.lookup.vocabularySize() > 2 ? this.getVocabulary() : null,
    };
  }
}

registerKerasSerializable(TextVectorization, {pkg: 'keras'});
