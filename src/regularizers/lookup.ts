/** `keras.regularizers.get`, `serialize`, `deserialize`: regularizers by Keras name or config. */
import {getRegisteredClass, lookupIdentifier, registerKerasSerializable, type SerializedObject} from '../serialization.js';
import {Regularizer, type RegularizerIdentifier, L1, L1L2, L2, OrthogonalRegularizer} from './regularizers.js';

type RegularizerClass = (new (args?: any) => Regularizer) & {className: string; fromConfig(c: Record<string, unknown>): Regularizer};

const BY_NAME = new Map<string, RegularizerClass>();
for (const [names, cls] of [
  [['L1', 'l1'], L1],
  [['L2', 'l2'], L2],
  [['L1L2', 'l1l2', 'l1_l2'], L1L2],
  [['OrthogonalRegularizer', 'orthogonal_regularizer'], OrthogonalRegularizer],
] as const) {
  registerKerasSerializable(cls, {pkg: 'keras'});
  for (const n of names) BY_NAME.set(n, cls as RegularizerClass);
}

/** `keras.regularizers.get`: from a Keras name (`'l2'`), a `{className, config}`, or an instance. */
export function get(identifier: RegularizerIdentifier): Regularizer {
  if (identifier instanceof Regularizer) return identifier;
  return lookupIdentifier(identifier, {
    kind: 'regularizer',
    byName: (name) => {
      const cls = BY_NAME.get(name);
      return cls && new cls();
    },
    byConfig: (className, config) => (BY_NAME.get(className) ?? getRegisteredClass(className))?.fromConfig(config),
    isKind: (x) => x instanceof Regularizer,
    names: () => [...BY_NAME.keys()].sort(),
  });
}

export function serialize(r: Regularizer): SerializedObject {
  return {className: r.className, config: r.getConfig()};
}

export function deserialize(config: SerializedObject): Regularizer {
  return get(config);
}
