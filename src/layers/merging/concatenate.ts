/**
 * Concatenates a list of inputs along `axis` (default -1); all other axes must match.
 *
 * ```ts
 * const y = concatenate([a, b], {axis: 1}); // [null, 8] and [null, 4] -> [null, 12]
 * ```
 */
import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import type {KerasTensor} from '../keras_tensor.js';
import type {LayerArgs, LayerInput} from '../layer.js';
import {isShapeList, Merge, pyShape as fmt} from './base_merge.js';

export interface ConcatenateArgs extends LayerArgs {
  axis?: number;
}


export class Concatenate extends Merge {
  static override readonly className: string = 'Concatenate';
  readonly axis: number;

  constructor(axis: number | ConcatenateArgs = -1, args: ConcatenateArgs = {}) {
    if (typeof axis === 'object') [axis, args] = [axis.axis ?? -1, axis];
    const {axis: _a, ...rest} = args;
    void _a;
    super(rest);
    if (!Number.isInteger(axis)) throw new ValueError(`Concatenate: \`axis\` must be an integer. Received: axis=${axis}`);
    this.axis = axis;
  }

  override build(inputShape: ShapeLike | ShapeLike[]): void {
    if (!isShapeList(inputShape)) {
      throw new ValueError(`A \`Concatenate\` layer should be called on a list of at least 1 input. Received: input_shape=${fmt(inputShape)}`);
    }
    const err = `A \`Concatenate\` layer requires inputs with matching shapes except for the concatenation axis. Received: input_shape=${fmt(inputShape)}`;
    const ranks = new Set(inputShape.map((s) => s.length));
    if (ranks.size !== 1) throw new ValueError(err);
    const rank = inputShape[0]!.length;
    const axis = ((this.axis % rank) + rank) % rank;
    for (let a = 1; a < rank; a++) {
      if (a === axis) continue;
      const dims = new Set(inputShape.map((s) => s[a]).filter((d) => d !== null));
      if (dims.size > 1) throw new ValueError(err);
    }
    this.built = true;
  }

  protected override mergeFunction(inputs: Tensor[]): Tensor {
    return ops.concatenate(inputs, this.axis);
  }

  override call(inputs: LayerInput): Tensor {
    if (!Array.isArray(inputs)) throw new ValueError('A `Concatenate` layer should be called on a list of inputs.');
    return ops.concatenate(inputs, this.axis);
  }

  override computeOutputShape(inputShape: ShapeLike | ShapeLike[]): ShapeLike {
    if (!isShapeList(inputShape)) throw new ValueError(`A \`Concatenate\` layer should be called on a list of inputs. Received: input_shape=${fmt(inputShape)}`);
    const rank = inputShape[0]!.length;
    const axis = ((this.axis % rank) + rank) % rank;
    const out = [...inputShape[0]!];
    for (const s of inputShape.slice(1)) {
      if (out[axis] === null || s[axis] === null) {
        out[axis] = null;
        break;
      }
      out[axis] = out[axis]! + s[axis]!;
    }
    return out;
  }

  /** Concatenated masks (ones for unmasked inputs), reduced with `any` over the last axis. */
  override computeMask(inputs: LayerInput, mask: Tensor | Tensor[] | null): Tensor | null {
    if (!mask) return null;
    if (!Array.isArray(mask) || !Array.isArray(inputs)) throw new ValueError('`mask` and `inputs` should be lists.');
    if (mask.every((m) => !m)) return null;
    const ms = inputs.map((x, i) => {
      const m = mask[i];
      if (!m) return ops.onesLike(x, 'bool');
      if (m.rank < x.rank) return ops.logicalOr(ops.expandDims(m, -1), ops.zerosLike(x, 'bool'));
      return m;
    });
    return ops.any(ops.concatenate(ms, this.axis), -1, false);
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), axis: this.axis};
  }

  static override fromConfig(config: Record<string, unknown>): Concatenate {
    return new Concatenate(config as ConcatenateArgs);
  }
}
registerKerasSerializable(Concatenate, {pkg: 'keras'});

/** `keras.layers.concatenate(inputs, axis=-1)`. */
export function concatenate(inputs: (Tensor | KerasTensor)[], args: ConcatenateArgs = {}): any {
  return new Concatenate(args).apply(inputs);
}
