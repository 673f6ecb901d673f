/** `keras.constraints.get`, `serialize`, `deserialize`: constraints by Keras name or config. */
import {getRegisteredClass, lookupIdentifier, registerKerasSerializable, type SerializedObject} from '../serialization.js';
import {Constraint, type ConstraintIdentifier, MaxNorm, MinMaxNorm, NonNeg, UnitNorm} from './constraints.js';

type ConstraintClass = (new (args?: any) => Constraint) & {className: string; fromConfig(c: Record<string, unknown>): Constraint};

const BY_NAME = new Map<string, ConstraintClass>();
for (const [names, cls] of [
  [['MaxNorm', 'max_norm'], MaxNorm],
  [['NonNeg', 'non_neg'], NonNeg],
  [['UnitNorm', 'unit_norm'], UnitNorm],
  [['MinMaxNorm', 'min_max_norm'], MinMaxNorm],
] as const) {
  registerKerasSerializable(cls, {pkg: 'keras'});
  for (const n of names) BY_NAME.set(n, cls as ConstraintClass);
}

/** `keras.constraints.get`: from a Keras name (`'max_norm'`), a `{className, config}`, or an instance. */
export function get(identifier: ConstraintIdentifier): Constraint {
  if (identifier instanceof Constraint) return identifier;
  return lookupIdentifier(identifier, {
    kind: 'constraint',
    byName: (name) => {
      const cls = BY_NAME.get(name);
      return cls && new cls();
    },
    byConfig: (className, config) => (BY_NAME.get(className) ?? getRegisteredClass(className))?.fromConfig(config),
    isKind: (x) => x instanceof Constraint,
    names: () => [...BY_NAME.keys()].sort(),
  });
}

export function serialize(c: Constraint): SerializedObject {
  return {className: c.className, config: c.getConfig()};
}

export function deserialize(config: SerializedObject): Constraint {
  return get(config);
}
