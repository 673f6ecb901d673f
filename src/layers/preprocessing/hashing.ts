import {floatx} from '../../config.js';
import {ValueError} from '../../errors.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {DType} from '../../tensor/dtype.js';
import {Tensor} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs, type LayerInput} from '../layer.js';
import {hashToBucket} from './farmhash.js';
import {encodeIds, encodeLayout, saltKey, textOrExactNumbers, type LookupOutputMode} from './index_lookup.js';

export interface HashingArgs extends Omit<LayerArgs, 'dtype'> {
  /** The value (string or integer) that goes to bin 0, the other values to bins 1..numBins-1. */
  maskValue?: string | number | null;
  /** SipHash64 keyed by this (one integer `s` is `[s, s]`) instead of FarmHash64. */
  salt?: number | readonly [number, number] | null;
  outputMode?: LookupOutputMode;
  /** Only `false` (sparse outputs need TensorFlow in Keras too). */
  sparse?: boolean;
  /** 'int32' (or Keras's 'int64', read as int32) in `int` mode; a float type for the encodings. */
  dtype?: string | null;
}

/**
 * Hashes strings and integers into `numBins` bins, as Keras's `Hashing`: FarmHash64 (TensorFlow's
 * `Fingerprint64`) of the string — integers as their decimal digits, floats truncated first — modulo
 * the bins, or SipHash-2-4 keyed by `salt`. The same bins as Python Keras for the same values. With
 * `maskValue`, that value goes to bin 0 and the others to `1 + hash % (numBins - 1)`.
 *
 * Input: a string tensor (`Input({dtype: 'string'})` in a model), nested arrays of strings, or an
 * integer tensor. Output: int32 bins of the input's shape, or float encodings for `one_hot`,
 * `multi_hot` and `count`.
 *
 * ```ts
 * new Hashing(3).apply([['A'], ['B'], ['C'], ['D'], ['E']]);   // [[1], [0], [1], [1], [2]]
 * ```
 */
export class Hashing extends Layer {
  static override readonly className: string = 'Hashing';
  readonly numBins: number;
  readonly maskValue: string | number | null;
  readonly salt: [number, number] | null;
  readonly outputMode: LookupOutputMode;
  private readonly key: [bigint, bigint] | null;

  constructor(numBins: number, args: HashingArgs = {}) {
    const {maskValue, salt, outputMode, sparse, dtype, ...base} = args;
    const mode = outputMode ?? 'int';
    let d = dtype ?? (mode === 'int' ? 'int32' : floatx());
    if (d === 'int64') d = 'int32'; // keras-ts has no int64: bins below 2**31 fit int32
    super({...base, dtype: d as DType});
    if (typeof numBins !== 'number' || !Number.isInteger(numBins) || numBins <= 0 || numBins > 2 ** 31 - 1) {
      throw new ValueError(`The \`num_bins\` for \`Hashing\` cannot be \`None\` or non-positive values. Received: num_bins=${String(numBins)}.`);
    }
    if (!['int', 'one_hot', 'multi_hot', 'count'].includes(mode)) {
      throw new ValueError(`Invalid value for argument \`output_mode\`. Expected one of ('int', 'one_hot', 'multi_hot', 'count'). Received: output_mode=${String(outputMode)}`);
    }
    if (mode === 'int' && this.dtype !== 'int32') {
      throw new ValueError(`When \`output_mode="int"\`, \`dtype\` should be an integer type, 'int32' or 'in64'. Received: dtype=${String(dtype)}`);
    }
    if (mode !== 'int' && this.dtype !== 'float32' && this.dtype !== 'float64') {
      throw new ValueError(`Hashing: with outputMode '${mode}' the dtype must be a float type. Received: dtype=${String(dtype)}`);
    }
    if (sparse) throw new ValueError('Hashing: `sparse=True` is not supported by keras-ts (Keras supports it on the TensorFlow backend only)');
    this.numBins = numBins;
    this.maskValue = maskValue ?? null;
    this.key = saltKey(salt, 'Hashing');
    this.salt = this.key ? [Number(this.key[0]), Number(this.key[1])] : null;
    this.outputMode = mode;
    this.built = true;
  }

  /** The bin of one value (a string, or the decimal string of an integer). */
  hashValue(text: string): number {
    let bins = this.numBins;
    const masked = this.maskValue !== null && bins > 1;
    if (masked) {
      bins -= 1;
      if (text === String(this.maskValue)) return 0;
    }
    const b = hashToBucket(text, bins, this.key);
    return masked ? b + 1 : b;
  }

  protected override convertInputs(inputs: unknown): LayerInput {
    return textOrExactNumbers(inputs) ?? super.convertInputs(inputs);
  }

  override call(inputs: Tensor): Tensor {
    const x = inputs;
    let bins: Int32Array;
    if (x.strings) {
      // one hash per distinct entry of the tensor's table
      const binOf = x.strings.map((s) => this.hashValue(s));
      bins = Int32Array.from(x.values, (i) => binOf[i]!);
    } else {
      // integers hash as their decimal digits, as tf.as_string; floats are truncated first (cast to int64)
      const cache = new Map<number, number>();
      bins = Int32Array.from(x.values, (v) => {
        const n = x.dtype === 'bool' ? v : Math.trunc(v);
        let b = cache.get(n);
        if (b === undefined) {
          if (!Number.isFinite(n)) throw new ValueError(`Hashing "${this.name}": cannot hash the non-finite value ${v}`);
          b = this.hashValue(String(n));
          cache.set(n, b);
        }
        return b;
      });
    }
    if (this.outputMode === 'int') return new Tensor(x.shape, 'int32', bins);
    const {rows, per, outShape} = encodeLayout(this.outputMode, x.shape, this.numBins, `Hashing "${this.name}"`);
    return encodeIds(bins, rows, per, this.numBins, this.outputMode, outShape, this.dtype);
  }

  override computeOutputShape(inputShape: ShapeLike | ShapeLike[]): ShapeLike {
    const s = inputShape as ShapeLike;
    if (this.outputMode === 'int') return [...s];
    if (this.outputMode === 'one_hot') return s.length && s.at(-1) === 1 ? [...s.slice(0, -1), this.numBins] : [...s, this.numBins];
    return s.length ? [...s.slice(0, -1), this.numBins] : [this.numBins];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      numBins: this.numBins,
      salt: this.salt,
      maskValue: this.maskValue,
      outputMode: this.outputMode,
      sparse: false,
    };
  }

  static override fromConfig(config: Record<string, unknown>): Layer {
    const {numBins, ...rest} = config;
    return new Hashing(numBins as number, rest as HashingArgs);
  }
}

registerKerasSerializable(Hashing, {pkg: 'keras'});
