/**
 * The registry of classes that can be rebuilt from a config (`registerKerasSerializable`), shared by
 * layers, optimizers, losses, metrics, initializers, regularizers and constraints. Depends on nothing.
 */
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
