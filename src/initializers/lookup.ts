/** `keras.initializers.get`, `serialize`, `deserialize`: initializers by Keras name or config. */
import {getRegisteredClass, lookupIdentifier, registerKerasSerializable, toSnakeCase, type SerializedObject} from '../serialization.js';
import {Constant, Identity, Ones, Zeros} from './constant_initializers.js';
import {Initializer, type InitializerIdentifier} from './initializer.js';
import {
  GlorotNormal, GlorotUniform, HeNormal, HeUniform, LecunNormal, LecunUniform, Orthogonal, RandomNormal, RandomUniform,
  TruncatedNormal, VarianceScaling,
} from './random_initializers.js';

type InitializerClass = (new (args?: any) => Initializer) & {className: string; fromConfig(c: Record<string, unknown>): Initializer};

const ALL: InitializerClass[] = [
  Zeros, Ones, Constant, Identity, RandomNormal, TruncatedNormal, RandomUniform, VarianceScaling,
  GlorotUniform, GlorotNormal, LecunUniform, LecunNormal, HeUniform, HeNormal, Orthogonal,
];

const BY_NAME = new Map<string, InitializerClass>();
for (const cls of ALL) {
  registerKerasSerializable(cls, {pkg: 'keras'});
  BY_NAME.set(cls.className, cls);
  BY_NAME.set(toSnakeCase(cls.className), cls);
}
// Keras's aliases
for (const [alias, cls] of [
  ['IdentityInitializer', Identity], ['OrthogonalInitializer', Orthogonal], ['normal', RandomNormal],
  ['uniform', RandomUniform], ['one', Ones], ['zero', Zeros],
] as const) {
  BY_NAME.set(alias, cls);
}

/** The Keras names `get` accepts (`glorot_uniform`, `GlorotUniform`, ...). */
export function names(): string[] {
  return [...BY_NAME.keys()].sort();
}

/**
 * `keras.initializers.get`: an initializer from a Keras name (`'he_normal'`), a serialized
 * `{className, config}`, or an instance (returned as is).
 */
export function get(identifier: InitializerIdentifier): Initializer {
  if (identifier instanceof Initializer) return identifier;
  return lookupIdentifier(identifier, {
    kind: 'initializer',
    byName: (name) => {
      const cls = BY_NAME.get(name);
      return cls && new cls();
    },
    byConfig: (className, config) => (BY_NAME.get(className) ?? getRegisteredClass(className))?.fromConfig(config),
    isKind: (x) => x instanceof Initializer,
    names,
  });
}

/** `keras.initializers.serialize`: `{className, config}`. */
export function serialize(initializer: Initializer): SerializedObject {
  return {className: initializer.className, config: initializer.getConfig()};
}

export function deserialize(config: SerializedObject): Initializer {
  return get(config);
}
