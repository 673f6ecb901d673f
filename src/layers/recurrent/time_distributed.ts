import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {getRegisteredClass, registerKerasSerializable} from '../../serialization.js';
import {fmtShape} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import {Layer, type CallArgs, type LayerArgs, type LayerInput, type LayerOutput, type ShapeLike} from '../layer.js';

/**
 * Applies `layer` to every timestep of `[batch, timesteps, ...]`. The steps are folded into the
 * batch (`[batch * timesteps, ...]`), one call of the inner layer, then unfolded: the same result as
 * Keras's per-step calls for any layer that treats samples independently (all but BatchNormalization
 * in training, whose statistics then span every step). The input mask passes through.
 *
 * ```ts
 * const y = new TimeDistributed(new Dense(8)).apply(x);   // [32, 10, 16] -> [32, 10, 8]
 * ```
 */
export class TimeDistributed extends Layer {
  static override readonly className: string = 'TimeDistributed';
  readonly layer: Layer;

  constructor(layer: Layer, args: LayerArgs = {}) {
    super(args);
    if (!(layer instanceof Layer)) {
      throw new ValueError(`Please initialize \`TimeDistributed\` layer with a \`keras.layers.Layer\` instance. Received: ${String(layer)}`);
    }
    this.layer = layer;
    this.supportsMasking = true;
  }

  private childShape(inputShape: ShapeLike): ShapeLike {
    if (!Array.isArray(inputShape) || inputShape.length < 3) {
      throw new ValueError(`\`TimeDistributed\` Layer "${this.name}" should be passed an \`input_shape\` with at least 3 dimensions, received: ${fmtShape(inputShape ?? [])}`);
    }
    const [b, t] = inputShape;
    return [b === null || t === null ? null : b! * t!, ...inputShape.slice(2)];
  }

  override build(inputShape: ShapeLike | ShapeLike[]): void {
    this.layer.maybeBuild(this.childShape(inputShape as ShapeLike));
    this.built = true;
  }

  override call(inputs: LayerInput, kwargs: CallArgs = {}): LayerOutput {
    const x = inputs as Tensor;
    const [b, t] = x.shape as [number, number];
    this.childShape(x.shape);
    const mask = Array.isArray(kwargs.mask) ? kwargs.mask[0] : kwargs.mask;
    if (mask) {
      if (mask.rank < 2 || mask.shape[0] !== b || mask.shape[1] !== t) {
        throw new ValueError(
          `The \`mask\` passed to the \`TimeDistributed\` layer "${this.name}" has a shape ${fmtShape(mask.shape)} that is incompatible with the input shape ${fmtShape(x.shape)}. The first two dimensions of the mask (batch size and timesteps) must match the input's first two dimensions.`,
        );
      }
    }
    const flat = ops.reshape(x, [b * t, ...x.shape.slice(2)]);
    const innerMask = mask && mask.rank > 2 ? ops.reshape(mask, [b * t, ...mask.shape.slice(2)]) : null;
    const y = this.layer.apply(flat, {training: kwargs.training, mask: innerMask}) as Tensor;
    return ops.reshape(y, [b, t, ...y.shape.slice(1)]);
  }

  override computeOutputShape(inputShape: ShapeLike | ShapeLike[]): ShapeLike | ShapeLike[] {
    const s = inputShape as ShapeLike;
    const child = this.layer.computeOutputShape([s[0] ?? null, ...s.slice(2)]) as ShapeLike;
    return [s[0] ?? null, s[1] ?? null, ...child.slice(1)];
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), layer: {className: this.layer.className, config: this.layer.getConfig()}};
  }

  static override fromConfig(config: Record<string, unknown>): Layer {
    const {layer, ...rest} = config as {layer: {className: string; config: Record<string, unknown>}};
    const cls = getRegisteredClass(layer.className) as typeof Layer | undefined;
    if (!cls) throw new ValueError(`TimeDistributed: unknown layer class ${JSON.stringify(layer.className)}`);
    return new TimeDistributed(cls.fromConfig(layer.config), rest);
  }
}

registerKerasSerializable(TimeDistributed, {pkg: 'keras'});
