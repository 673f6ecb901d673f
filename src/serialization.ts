/**
 * The registry of classes that can be rebuilt from a config (`registerKerasSerializable`), shared by
 * layers, optimizers, losses, metrics, initializers, regularizers and constraints; the one lookup
 * behind their `get(identifier)`; Keras's `to_snake_case`. Depends only on `errors.ts`.
 */
import {ValueError} from './errors.js';

/** A serialized object as Keras writes it (camelCase here; `saving/` converts the keys). */
export interface SerializedObject {
  className: string;
  config: Record<string, unknown>;
}

export interface SerializableClass {
  /** Keras's class name, as written in config files (`Dense`, `GlorotUniform`). */
  readonly className: string;
  fromConfig(config: Record<string, unknown>, customObjects?: Record<string, unknown>): unknown;
}

const registry = new Map<string, SerializableClass>();

/**
 * Registers a class under `package>ClassName` (Keras's registered name) and under its plain class
 * name. Built-in classes register with package `keras`.
 */
export function registerKerasSerializable(cls: SerializableClass, {pkg = 'Custom', name}: {pkg?: string; name?: string} = {}): void {
  const n = name ?? cls.className;
  registry.set(n, cls);
  registry.set(`${pkg}>${n}`, cls);
}

export function getRegisteredClass(name: string): SerializableClass | undefined {
  return registry.get(name);
}

export function registeredNames(): string[] {
  return [...registry.keys()].filter((k) => !k.includes('>')).sort();
}

/** `Conv2DTranspose` -> `conv2d_transpose`, as Keras names layers, weight groups and built-in objects. */
export function toSnakeCase(name: string): string {
  // the same three substitutions as Keras's `to_snake_case`
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** How `get(identifier)` of one kind of object (initializers, losses, ...) resolves names and configs. */
export interface IdentifierLookup<T> {
  /** What is looked up, as the error names it: `'initializer'`, `'activation function'`. */
  kind: string;
  /** The object a Keras name (`'glorot_uniform'`, `'mse'`) stands for, or undefined. */
  byName: (name: string) => T | undefined;
  /**
   * The object a `{className, config}` stands for, or undefined for an unknown class. Without it,
   * a config is not an identifier of this kind.
   */
  byConfig?: (className: string, config: Record<string, unknown>) => unknown;
  /** Whether what `byConfig` built is of this kind (a registered class of another kind is not). */
  isKind?: (x: unknown) => x is T;
  /** The names to list in the error (omit for kinds whose names are open-ended). */
  names?: () => string[];
}

/**
 * The one lookup behind `initializers.get`, `losses.get`, `metrics.get` ...: a Keras name or a
 * `{className, config}`; anything else is Keras's "Could not interpret ... identifier" error. Objects a
 * kind takes as they are (an instance, a function) are returned by the caller before asking.
 */
export function lookupIdentifier<T>(identifier: unknown, lookup: IdentifierLookup<T>): T {
  if (typeof identifier === 'string') {
    const found = lookup.byName(identifier);
    if (found !== undefined) return found;
  } else if (lookup.byConfig && isSerializedObject(identifier)) {
    const obj = lookup.byConfig(identifier.className, identifier.config ?? {});
    if (obj !== undefined && (lookup.isKind === undefined || lookup.isKind(obj))) return obj as T;
  }
  const received = typeof identifier === 'string' ? identifier : (JSON.stringify(identifier) ?? String(identifier));
  const expected = lookup.names ? `. Expected one of: ${lookup.names().join(', ')}` : '';
  throw new ValueError(`Could not interpret ${lookup.kind} identifier: ${received}${expected}`);
}

/** Whether `x` is a `{className, config?}` (the config, when present, an object). */
function isSerializedObject(x: unknown): x is {className: string; config?: Record<string, unknown>} {
  if (x === null || typeof x !== 'object') return false;
  const {className, config} = x as {className?: unknown; config?: unknown};
  return typeof className === 'string' && (config === undefined || (typeof config === 'object' && config !== null && !Array.isArray(config)));
}
