/**
 * Elementwise merge layers and their functional forms, as `keras.layers.Add` / `keras.layers.add`.
 *
 * ```ts
 * const a = Input({shape: [16]}), b = Input({shape: [16]});
 * const s = add([a, b]);                 // same as new Add().apply([a, b])
 * const d = new Subtract().apply([a, b]); // exactly two inputs
 * ```
 */
import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import type {KerasTensor} from '../keras_tensor.js';
import type {LayerArgs} from '../layer.js';
import {isShapeList, Merge} from './base_merge.js';

type MergeInputs = (Tensor | KerasTensor)[];

/** Sum of the inputs. */
export class Add extends Merge {
  static override readonly className: string = 'Add';
  protected override mergeFunction(inputs: Tensor[]): Tensor {
    return inputs.slice(1).reduce((a, x) => ops.add(a, x), inputs[0]!);
  }
}

/** `inputs[0] - inputs[1]`; exactly two inputs. */
export class Subtract extends Merge {
  static override readonly className: string = 'Subtract';
  override build(inputShape: ShapeLike | ShapeLike[]): void {
    super.build(inputShape);
    if (!isShapeList(inputShape) || inputShape.length !== 2) {
      throw new ValueError(`A \`Subtract\` layer should be called on exactly 2 inputs. Received: input_shape=${JSON.stringify(inputShape)}`);
    }
  }
  protected override mergeFunction(inputs: Tensor[]): Tensor {
    if (inputs.length !== 2) throw new ValueError(`A \`Subtract\` layer should be called on exactly 2 inputs. Received: ${inputs.length} inputs`);
    return ops.subtract(inputs[0]!, inputs[1]!);
  }
}

/** Elementwise product of the inputs. */
export class Multiply extends Merge {
  static override readonly className: string = 'Multiply';
  protected override mergeFunction(inputs: Tensor[]): Tensor {
    return inputs.slice(1).reduce((a, x) => ops.multiply(a, x), inputs[0]!);
  }
}

/** Elementwise mean of the inputs. */
export class Average extends Merge {
  static override readonly className: string = 'Average';
  protected override mergeFunction(inputs: Tensor[]): Tensor {
    const s = inputs.slice(1).reduce((a, x) => ops.add(a, x), inputs[0]!);
    return ops.divide(s, inputs.length);
  }
}

/**
 * Merges with `op` where masked-out entries take the other operand's value, as Keras's
 * `_apply_merge_op_and_or_mask` (max and min have no identity element to fill with).
 */
function mergeWithMasks(op: (a: Tensor, b: Tensor) => Tensor, inputs: Tensor[], masks: (Tensor | null)[]): Tensor {
  let out: Tensor | null = null;
  let outMask: Tensor | null = null;
  inputs.forEach((x0, i) => {
    let x = x0;
    let m = masks[i] ?? null;
    if (m) m = ops.broadcastTo(ops.expandDims(m, -1), x.shape);
    if (out === null) {
      out = x;
      outMask = m;
      return;
    }
    if (m) x = ops.where(m, x, out);
    if (outMask) out = ops.where(outMask, out, x);
    outMask = m && outMask ? ops.logicalOr(outMask, m) : null;
    out = op(out, x);
  });
  return out!;
}

/** Elementwise maximum of the inputs. */
export class Maximum extends Merge {
  static override readonly className: string = 'Maximum';
  protected override mergeFunction(inputs: Tensor[], masks: (Tensor | null)[]): Tensor {
    return mergeWithMasks(ops.maximum, inputs, masks);
  }
}

/** Elementwise minimum of the inputs. */
export class Minimum extends Merge {
  static override readonly className: string = 'Minimum';
  protected override mergeFunction(inputs: Tensor[], masks: (Tensor | null)[]): Tensor {
    return mergeWithMasks(ops.minimum, inputs, masks);
  }
}

for (const cls of [Add, Subtract, Multiply, Average, Maximum, Minimum]) registerKerasSerializable(cls, {pkg: 'keras'});

// functional forms: `keras.layers.add(inputs, **kwargs)`
export function add(inputs: MergeInputs, args: LayerArgs = {}): any {
  return new Add(args).apply(inputs);
}
export function subtract(inputs: MergeInputs, args: LayerArgs = {}): any {
  return new Subtract(args).apply(inputs);
}
export function multiply(inputs: MergeInputs, args: LayerArgs = {}): any {
  return new Multiply(args).apply(inputs);
}
export function average(inputs: MergeInputs, args: LayerArgs = {}): any {
  return new Average(args).apply(inputs);
}
export function maximum(inputs: MergeInputs, args: LayerArgs = {}): any {
  return new Maximum(args).apply(inputs);
}
export function minimum(inputs: MergeInputs, args: LayerArgs = {}): any {
  return new Minimum(args).apply(inputs);
}
