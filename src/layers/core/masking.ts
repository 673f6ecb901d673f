import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {Tensor} from '../../tensor/tensor.js';
import {Layer, type CallArgs, type LayerArgs, type LayerInput, type ShapeLike} from '../layer.js';

export interface MaskingArgs extends LayerArgs {
  /** Timesteps whose features all equal this value are masked (skipped). Default 0. */
  maskValue?: number;
}

/**
 * Masks timesteps whose every feature equals `maskValue`: the output is the input with those steps
 * zeroed, and carries a mask `[batch, timesteps]` that downstream layers (LSTM, GRU, ...) honour.
 *
 * ```ts
 * const y = new Masking({maskValue: 0}).apply(x);   // x [b, t, f]; mask = any(x != 0, -1)
 * ```
 */
export class Masking extends Layer {
  static override readonly className: string = 'Masking';
  readonly maskValue: number;

  constructor(args: MaskingArgs = {}) {
    super(args);
    this.maskValue = args.maskValue ?? 0;
    this.supportsMasking = true;
    // built at construction, as Keras's (so, as there, no build config is saved for it)
    this.built = true;
  }

  private keep(x: Tensor, keepdims: boolean): Tensor {
    return ops.any(ops.notEqual(x, this.maskValue), -1, keepdims);
  }

  override call(inputs: LayerInput, kwargs: CallArgs = {}): Tensor {
    void kwargs;
    const x = inputs as Tensor;
    return ops.where(this.keep(x, true), x, 0);
  }

  override computeMask(inputs: LayerInput, mask: Tensor | Tensor[] | null): Tensor {
    void mask;
    return this.keep(inputs as Tensor, false);
  }

  override computeOutputShape(inputShape: ShapeLike | ShapeLike[]): ShapeLike {
    return inputShape as ShapeLike;
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), maskValue: this.maskValue};
  }
}

registerKerasSerializable(Masking, {pkg: 'keras'});
