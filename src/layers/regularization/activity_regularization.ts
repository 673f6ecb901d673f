import {registerKerasSerializable} from '../../serialization.js';
import {L1L2} from '../../regularizers/index.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';

export interface ActivityRegularizationArgs extends Omit<LayerArgs, 'activityRegularizer'> {
  l1?: number;
  l2?: number;
}

/**
 * Identity that adds `l1 * sum(|x|) + l2 * sum(x^2)` (divided by the batch size) of its input to
 * the layer's losses.
 */
export class ActivityRegularization extends Layer {
  static override readonly className: string = 'ActivityRegularization';
  readonly l1: number;
  readonly l2: number;

  constructor(args: ActivityRegularizationArgs = {}) {
    const {l1 = 0.0, l2 = 0.0, ...rest} = args;
    super({...rest, activityRegularizer: new L1L2({l1, l2})});
    this.l1 = l1;
    this.l2 = l2;
    this.supportsMasking = true;
    this.built = true;
  }

  override call(inputs: Tensor): Tensor {
    return inputs;
  }

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), l1: this.l1, l2: this.l2};
  }
}
registerKerasSerializable(ActivityRegularization, {pkg: 'keras'});
