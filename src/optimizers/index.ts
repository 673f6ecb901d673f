// The public `keras.optimizers` namespace.
import {ValueError} from '../errors.js';
import {Adadelta} from './adadelta.js';
import {Adagrad} from './adagrad.js';
import {Adam} from './adam.js';
import {Adamax} from './adamax.js';
import {AdamW} from './adamw.js';
import {Ftrl} from './ftrl.js';
import {Lion} from './lion.js';
import {Nadam} from './nadam.js';
import {Optimizer} from './optimizer.js';
import {RMSprop} from './rmsprop.js';
import {SGD} from './sgd.js';

export {Optimizer, clipByNorm, clipByGlobalNorm, type OptimizerArgs, type LearningRate} from './optimizer.js';
export {SGD, type SGDArgs} from './sgd.js';
export {RMSprop, type RMSpropArgs} from './rmsprop.js';
export {Adam, type AdamArgs} from './adam.js';
export {AdamW} from './adamw.js';
export {Adadelta, type AdadeltaArgs} from './adadelta.js';
export {Adagrad, type AdagradArgs} from './adagrad.js';
export {Adamax, type AdamaxArgs} from './adamax.js';
export {Nadam, type NadamArgs} from './nadam.js';
export {Ftrl, type FtrlArgs} from './ftrl.js';
export {Lion, type LionArgs} from './lion.js';
export * as schedules from './schedules.js';

type OptimizerClass = (new (args?: Record<string, unknown>) => Optimizer) & {className: string; fromConfig(c: Record<string, unknown>): Optimizer};

const ALL: OptimizerClass[] = [Adam, SGD, RMSprop, Adadelta, AdamW, Adagrad, Adamax, Nadam, Ftrl, Lion];
/** Lower-cased class names, as Keras's `ALL_OBJECTS_DICT` (so `'rmsprop'`, `'RMSprop'`, `'adamw'` all resolve). */
const BY_NAME = new Map(ALL.map((c) => [c.className.toLowerCase(), c]));

export type OptimizerIdentifier = string | Optimizer | {className: string; config?: Record<string, unknown>};

/** `keras.optimizers.serialize`. */
export function serialize(optimizer: Optimizer): {module: string; className: string; config: Record<string, unknown>} {
  return {module: 'keras.optimizers', className: optimizer.className, config: optimizer.getConfig()};
}

/** `keras.optimizers.deserialize`: class names are matched case-insensitively for the built-ins. */
export function deserialize(config: {className: string; config?: Record<string, unknown>}): Optimizer {
  const cls = BY_NAME.get(config.className.toLowerCase());
  if (!cls) {
    throw new ValueError(
      `Could not interpret optimizer identifier: ${JSON.stringify(config.className)}. ` +
        `Expected one of: ${[...BY_NAME.keys()].sort().join(', ')}`,
    );
  }
  return cls.fromConfig(config.config ?? {});
}

/** `keras.optimizers.get('rmsprop')`: a new optimizer from a name or config; an instance is returned as is. */
export function get(identifier: OptimizerIdentifier): Optimizer;
export function get(identifier: null | undefined): null;
export function get(identifier: OptimizerIdentifier | null | undefined): Optimizer | null {
  if (identifier === null || identifier === undefined) return null;
  if (identifier instanceof Optimizer) return identifier;
  if (typeof identifier === 'string') return deserialize({className: identifier});
  if (typeof identifier === 'object' && typeof identifier.className === 'string') return deserialize(identifier);
  throw new ValueError(`Could not interpret optimizer identifier: ${String(identifier)}`);
}
