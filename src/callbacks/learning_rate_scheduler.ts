import {ValueError} from '../errors.js';
import {Callback, printMsg, type Logs} from './callback.js';

/** Sets the learning rate at the start of each epoch from `schedule(epoch, lr)`. */
export class LearningRateScheduler extends Callback {
  constructor(readonly schedule: (epoch: number, lr: number) => number, readonly verbose = 0) {
    super();
  }
  override onEpochBegin(epoch: number): void {
    const opt = this.model!.optimizer;
    if (!opt) throw new ValueError('Optimizer must have a "learning_rate" attribute.');
    const lr = this.schedule(epoch, opt.learningRate);
    if (typeof lr !== 'number' || Number.isNaN(lr)) throw new ValueError(`The output of the \`schedule\` function should be a float. Got: ${lr}`);
    opt.learningRate = lr;
    if (this.verbose > 0) printMsg(`\nEpoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${lr}.`);
  }
  override onEpochEnd(_epoch: number, logs: Logs = {}): void {
    logs['learning_rate'] = this.model!.optimizer!.learningRate;
  }
}
