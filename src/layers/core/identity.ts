import {registerKerasSerializable} from '../../serialization.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';

/** Returns its inputs unchanged (Keras's `Identity`): a placeholder in a model's structure. */
export class Identity extends Layer {
  static override readonly className: string = 'Identity';

  constructor(args: LayerArgs = {}) {
    super(args);
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[]): Tensor | Tensor[] {
    return inputs;
  }

  override computeOutputShape(inputShape: ShapeLike | ShapeLike[]): ShapeLike | ShapeLike[] {
    return inputShape;
  }
}
registerKerasSerializable(Identity, {pkg: 'keras'});
