import {ValueError} from '../../errors.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {Layer} from '../layer.js';
import {IndexLookup, type IndexLookupArgs} from './index_lookup.js';

export type StringLookupArgs = IndexLookupArgs<string>;

/**
 * Maps strings to integer indices from a vocabulary, learnt with `adapt` (most frequent first) or
 * given: index 0 is the mask token when there is one, then the OOV token `'[UNK]'`, then the
 * vocabulary. Inputs are string tensors (`Input({dtype: 'string'})` in a model) or nested arrays of
 * strings; the output is an int32 tensor of the same shape (or float32 encodings). Several OOV
 * buckets pick one by FarmHash64, as Keras. With `invert`, indices go back to a string tensor.
 *
 * ```ts
 * const lookup = new StringLookup({vocabulary: ['a', 'b', 'c']});
 * lookup.apply([['a', 'c', 'd'], ['d', 'z', 'b']]);   // [[1, 3, 0], [0, 0, 2]]
 * ```
 */
export class StringLookup extends IndexLookup<string> {
  static override readonly className: string = 'StringLookup';

  constructor(args: StringLookupArgs = {}) {
    super(args, {oovToken: '[UNK]', maskToken: null, vocabularyDtype: 'string'});
  }

  protected checkToken(t: unknown): string {
    if (typeof t !== 'string') throw new ValueError(`StringLookup "${this.name}": expected string tokens. Received: ${JSON.stringify(t)} (${typeof t})`);
    return t;
  }

  protected parseToken(line: string): string {
    return line;
  }

  override getConfig(): Record<string, unknown> {
    // as Keras: strings have one vocabulary dtype, so the key is not written (StringLookup's constructor refuses it)
    return {...super.getConfig(), encoding: 'utf-8'};
  }

  static override fromConfig(config: Record<string, unknown>): Layer {
    return new StringLookup(config as StringLookupArgs);
  }
}

registerKerasSerializable(StringLookup, {pkg: 'keras'});
