import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import {fmtShape} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';

/**
 * Reshapes each sample to `targetShape` (the batch is kept); one entry may be -1 (inferred).
 * `new Reshape([3, 4])`: `[batch, 12]` -> `[batch, 3, 4]`.
 */
export class Reshape extends Layer {
  static override readonly className: string = 'Reshape';
  readonly targetShape: number[];

  constructor(targetShape: readonly number[], args: LayerArgs = {}) {
    super(args);
    if (!Array.isArray(targetShape) || targetShape.some((d) => !Number.isInteger(d) || (d < 0 && d !== -1))) {
      throw new ValueError(`Reshape: target_shape must be a list of positive integers, with at most one -1. Received: target_shape=${JSON.stringify(targetShape)}`);
    }
    if (targetShape.filter((d) => d === -1).length > 1) {
      throw new ValueError(`There must be at most one unknown dimension (-1) in target_shape. Received: target_shape=${JSON.stringify(targetShape)}`);
    }
    this.targetShape = [...targetShape];
    this.built = true;
  }

  override call(inputs: Tensor): Tensor {
    const out = this.computeOutputShape(inputs.shape);
    return ops.reshape(inputs, [inputs.shape[0]!, ...(out.slice(1) as number[])]);
  }

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    const rest = inputShape.slice(1);
    const target: (number | null)[] = [...this.targetShape];
    const unknown = target.indexOf(-1);
    if (rest.some((d) => d === null)) {
      if (unknown >= 0) target[unknown] = null;
      return [inputShape[0] ?? null, ...target];
    }
    const size = rest.reduce<number>((a, b) => a * (b as number), 1);
    const known = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    if (unknown >= 0) {
      if (known === 0 || size % known !== 0) {
        throw new ValueError(`The total size of the tensor must be unchanged. Received: input_shape=${fmtShape(inputShape)}, target_shape=${fmtShape(this.targetShape)}`);
      }
      target[unknown] = size / known;
    } else if (known !== size) {
      throw new ValueError(`The total size of the tensor must be unchanged. Received: input_shape=${fmtShape(inputShape)}, target_shape=${fmtShape(this.targetShape)}`);
    }
    return [inputShape[0] ?? null, ...target];
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), targetShape: [...this.targetShape]};
  }

  static override fromConfig(config: Record<string, unknown>): Reshape {
    const {targetShape, ...rest} = config;
    return new this(targetShape as number[], rest as LayerArgs);
  }
}
registerKerasSerializable(Reshape, {pkg: 'keras'});
