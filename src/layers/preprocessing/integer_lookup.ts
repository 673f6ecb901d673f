import {ValueError} from '../../errors.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {Layer} from '../layer.js';
import {IndexLookup, type IndexLookupArgs} from './index_lookup.js';

export type IntegerLookupArgs = IndexLookupArgs<number>;

/**
 * Maps integer values (not necessarily contiguous) to contiguous indices, as StringLookup does for
 * strings: `[mask][oov (-1)][values by descending frequency]`. Several OOV indices bucket unknown
 * values by `value mod numOovIndices` (or FarmHash64 of the decimal string with
 * `oovMethod: 'farmhash'`), as Keras.
 *
 * ```ts
 * const lookup = new IntegerLookup({vocabulary: [12, 36, 1138, 42]});
 * lookup.apply([[12, 1138, 42], [42, 1000, 36]]);    // [[1, 3, 4], [4, 0, 2]]
 * ```
 */
export class IntegerLookup extends IndexLookup<number> {
  static override readonly className: string = 'IntegerLookup';

  constructor(args: IntegerLookupArgs = {}) {
    super(args, {oovToken: -1, maskToken: null, vocabularyDtype: 'int64'});
  }

  protected checkToken(t: unknown): number {
    if (typeof t !== 'number' || !Number.isInteger(t)) {
      throw new ValueError(`IntegerLookup "${this.name}": expected integer values. Received: ${JSON.stringify(t)}`);
    }
    return t;
  }

  protected parseToken(line: string): number {
    const v = Number(line.trim());
    if (!Number.isInteger(v)) throw new ValueError(`IntegerLookup "${this.name}": vocabulary.txt holds a line that is not an integer: ${JSON.stringify(line)}`);
    return v;
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), vocabularyDtype: 'int64'};
  }

  static override fromConfig(config: Record<string, unknown>): Layer {
    return new IntegerLookup(config as IntegerLookupArgs);
  }
}

registerKerasSerializable(IntegerLookup, {pkg: 'keras'});
