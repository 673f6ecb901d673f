import * as activations from '../../activations/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';

/**
 * Applies an activation function: `new Activation('relu')`. Output shape = input shape.
 */
export class Activation extends Layer {
  static override readonly className: string = 'Activation';
  readonly activation: activations.Activation;

  constructor(activation: activations.ActivationIdentifier, args: LayerArgs = {}) {
    super(args);
    this.activation = activations.get(activation);
    this.supportsMasking = true;
    this.built = true;
  }

  override call(inputs: Tensor): Tensor {
    return this.activation(inputs);
  }

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), activation: activations.serialize(this.activation)};
  }

  static override fromConfig(config: Record<string, unknown>): Activation {
    const {activation, ...rest} = config;
    return new this(activation as string, rest as LayerArgs);
  }
}
registerKerasSerializable(Activation, {pkg: 'keras'});
