import {ValueError} from '../../errors.js';
import {Tensor} from '../../tensor/tensor.js';
import {Layer, type LayerArgs} from '../layer.js';

export type LookupOutputMode = 'int' | 'one_hot' | 'multi_hot' | 'count';
export type Token = string | number;
/** Nested JS arrays of tokens (strings for StringLookup, integers for IntegerLookup). */
export type NestedTokens<T extends Token> = T | readonly NestedTokens<T>[];

export interface IndexLookupArgs<T extends Token> extends LayerArgs {
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

/** FNV-1a: the bucket of a string among several OOV indices (Keras uses farmhash; buckets differ). */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * The base of StringLookup and IntegerLookup (Keras's `IndexLookup`): maps tokens to indices
 * `[mask][oov x numOovIndices][tokens by descending frequency]`. Tokens are plain JS values in
 * nested arrays; outputs are int32 (or float32 for the multi-hot modes) tensors.
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
  private tokens: T[] = [];
  private table = new Map<T, number>();
  private counts: Map<T, number> | null = null;

  constructor(args: IndexLookupArgs<T>, defaults: {oovToken: T; maskToken: T | null}) {
    const {maxTokens, numOovIndices, maskToken, oovToken, vocabulary, invert, outputMode, padToMaxTokens, ...base} = args;
    super(base);
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
    this.invert = invert ?? false;
    const mode = outputMode === 'binary' ? 'multi_hot' : (outputMode ?? 'int');
    if (!['int', 'one_hot', 'multi_hot', 'count'].includes(mode)) {
      throw new ValueError(`${this.className}: invalid \`outputMode\`. Expected one of 'int', 'one_hot', 'multi_hot', 'count'. Received: outputMode=${String(outputMode)}`);
    }
    if (this.invert && mode !== 'int') throw new ValueError(`\`outputMode\` must be 'int' when \`invert\` is true. Received: outputMode=${mode}`);
    this.outputMode = mode as LookupOutputMode;
    this.padToMaxTokens = padToMaxTokens ?? false;
    if (this.padToMaxTokens && this.maxTokens === null) throw new ValueError('If padToMaxTokens is true, must set `maxTokens`. Received: maxTokens=null');
    if (vocabulary) this.setVocabulary(vocabulary);
    this.built = true;
  }

  /** Checks one token's type (strings for StringLookup, integers for IntegerLookup). */
  protected abstract checkToken(t: unknown): T;

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
  }

  /** Counts tokens (every leaf of `data`); `adapt` calls this, then `finalizeState`. */
  updateState(data: NestedTokens<T> | readonly NestedTokens<T>[]): void {
    this.counts ??= new Map();
    const visit = (x: unknown): void => {
      if (Array.isArray(x)) for (const e of x) visit(e);
      else if (x instanceof Tensor) visit(x.arraySync());
      else {
        const t = this.checkToken(x);
        this.counts!.set(t, (this.counts!.get(t) ?? 0) + 1);
      }
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
    if (kept.length) this.setVocabulary(kept);
  }

  /** Computes the vocabulary of `data` (replacing any previous one), as Keras's `adapt`. */
  adapt(data: NestedTokens<T> | readonly NestedTokens<T>[]): void {
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
    const h = typeof token === 'number' ? ((token % this.numOovIndices) + this.numOovIndices) % this.numOovIndices : hashString(token) % this.numOovIndices;
    return this.oovStartIndex() + h;
  }

  /** Looks up every token of a rectangular nested array: int indices, or the multi-hot encodings. */
  override apply(inputs: unknown): any {
    if (this.invert) return this.invertLookup(inputs);
    return this.call(inputs);
  }

  /** Tokens in nested JS arrays to indices (`apply` is the entry point; it also handles `invert`). */
  override call(inputs: unknown): Tensor {
    const data = inputs;
    const {shape, leaves} = flattenTokens(data, (t) => this.checkToken(t), this.name);
    const ids = Int32Array.from(leaves, (t) => this.lookup(t));
    if (this.outputMode === 'int') return new Tensor(shape, 'int32', ids);
    return this.encode(ids, shape);
  }

  private depth(): number {
    return this.padToMaxTokens ? this.maxTokens! : this.vocabularySize();
  }

  private encode(ids: Int32Array, shape: number[]): Tensor {
    const depth = this.depth();
    // one_hot encodes each element; the others encode each sample (the last axis)
    let rows: number, per: number;
    if (this.outputMode === 'one_hot') {
      if (shape.length > 1 && shape.at(-1) !== 1) {
        throw new ValueError(`${this.className} "${this.name}": with outputMode 'one_hot' the input must be rank 1 or have a last axis of 1. Received shape [${shape.join(', ')}]`);
      }
      rows = ids.length;
      per = 1;
    } else {
      per = shape.length <= 1 ? 1 : shape.at(-1)!;
      rows = shape.length === 0 ? 1 : ids.length / per;
    }
    const out = new Float32Array(rows * depth);
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < per; k++) {
        const id = ids[r * per + k]!;
        if (id >= depth) continue;
        if (this.outputMode === 'count') out[r * depth + id]! += 1;
        else out[r * depth + id] = 1;
      }
    }
    const lead = this.outputMode === 'one_hot' ? (shape.length > 1 ? shape.slice(0, -1) : shape) : shape.length <= 1 ? [rows] : shape.slice(0, -1);
    return new Tensor([...lead, depth], 'float32', out);
  }

  private invertLookup(data: unknown): NestedTokens<T> {
    const vocab = this.getVocabulary();
    const map = (x: unknown): NestedTokens<T> => {
      if (Array.isArray(x)) return x.map(map);
      if (x instanceof Tensor) return map(x.arraySync());
      const i = Number(x);
      if (this.maskToken !== null && i === 0) return this.maskToken;
      return i >= 0 && i < vocab.length ? vocab[i]! : this.oovToken;
    };
    return map(data);
  }

  protected lookupConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      maxTokens: this.maxTokens,
      numOovIndices: this.numOovIndices,
      oovToken: this.oovToken,
      maskToken: this.maskToken,
      outputMode: this.outputMode,
      padToMaxTokens: this.padToMaxTokens,
      invert: this.invert,
      vocabulary: this.tokens.length ? this.getVocabulary() : null,
    };
  }

  override getConfig(): Record<string, unknown> {
    return this.lookupConfig();
  }
}

/** The shape and the leaves of a rectangular nested array (or one token), or an error naming `who`. */
function flattenTokens<T>(data: unknown, check: (t: unknown) => T, who: string): {shape: number[]; leaves: T[]} {
  if (data instanceof Tensor) data = data.arraySync();
  const shape: number[] = [];
  let cur = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
  }
  const leaves: T[] = [];
  const walk = (x: unknown, d: number): void => {
    if (d === shape.length) {
      if (Array.isArray(x)) throw new ValueError(`${who}: ragged input: expected tokens at depth ${d}`);
      leaves.push(check(x));
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[d]) {
      throw new ValueError(`${who}: ragged input: expected ${shape[d]} elements at depth ${d}, received ${Array.isArray(x) ? x.length : 'a token'}`);
    }
    for (const e of x) walk(e, d + 1);
  };
  walk(data, 0);
  return {shape, leaves};
}
