import {ValueError} from '../errors.js';
import {registerKerasSerializable} from '../serialization.js';
import {Adam, type AdamArgs} from './adam.js';

/**
 * Adam with decoupled weight decay (`w -= w * weightDecay * lr` before each Adam step).
 * Defaults: `learningRate = 0.001`, `weightDecay = 0.004`, `beta1 = 0.9`, `beta2 = 0.999`, `epsilon = 1e-7`.
 */
export class AdamW extends Adam {
  static override readonly className: string = 'AdamW';
  constructor(args: AdamArgs = {}) {
    super({...args, weightDecay: args.weightDecay === undefined ? 0.004 : args.weightDecay});
    if (this.weightDecay === null) throw new ValueError('Argument `weight_decay` must be a float. Received: weight_decay=None');
  }
}
registerKerasSerializable(AdamW, {pkg: 'keras.optimizers'});
