import {configuredBackend} from '../config.js';
import {ValueError} from '../errors.js';
import type {KernelDef} from '../kernels/index.js';
import {allocate} from '../tensor/dtype.js';
import {Tensor} from '../tensor/tensor.js';
import type {Backend, KernelImpl, KernelTable} from './backend.js';
import {loadNativeBackend} from './native/index.js';
import {referenceBackend} from './reference/index.js';

type Loader = () => Backend | string;

const loaders = new Map<string, Loader>([
  ['reference', () => referenceBackend],
  ['native', loadNativeBackend],
]);
const aliases: Record<string, string> = {js: 'reference'};

let active: Backend | null = null;
let warnedFallback = false;

/** Makes another backend available by name (a later `wasm` or `webgpu`, or a test double). */
export function registerBackend(name: string, loader: Loader): void {
  loaders.set(name, loader);
}

export function availableBackends(): string[] {
  return [...loaders.keys(), ...Object.keys(aliases)];
}

function resolve(name: string): string {
  const n = aliases[name] ?? name;
  if (!loaders.has(n)) {
    throw new ValueError(`Unknown backend ${JSON.stringify(name)}. Available backends: ${availableBackends().join(', ')}`);
  }
  return n;
}

/**
 * Switches the compute backend. Throws for an unknown name; for a known backend that cannot load
 * here (`native` without its addon), throws with the reason unless `fallback` is set.
 */
export function setBackend(name: string, {fallback = false} = {}): Backend {
  const n = resolve(name);
  const b = loaders.get(n)!();
  if (typeof b === 'string') {
    if (!fallback) throw new ValueError(`Backend "${n}" is not available: ${b}`);
    if (!warnedFallback) {
      warnedFallback = true;
      // one clear line, once per process, as the native backend issue asks
      console.warn(`keras-ts: backend "${n}" unavailable (${b}); using "reference".`);
    }
    active = referenceBackend;
    return active;
  }
  active = b;
  return b;
}

/** The active backend; the first call picks it from `KERAS_BACKEND` / keras.json. */
export function getBackend(): Backend {
  if (active) return active;
  const name = configuredBackend();
  // The default "native" falls back quietly when the user did not ask for it explicitly.
  return setBackend(name, {fallback: true});
}

export function backendName(): string {
  return getBackend().name;
}

/** Allocates the outputs of `def` and runs it on the active backend (reference when it lacks it). */
export function execute(def: KernelDef<any, any>, inputs: Record<string, Tensor | Tensor[]>, attrs: unknown): Tensor[] {
  const metas = def.infer(inputs as never, attrs);
  if (def.alias !== undefined) {
    const src = inputs[def.alias as string] as Tensor;
    return [new Tensor(metas[0]!.shape, metas[0]!.dtype, src.values)];
  }
  const outputs = metas.map((m) => {
    let n = 1;
    for (const d of m.shape) n *= d;
    return new Tensor(m.shape, m.dtype, allocate(m.dtype, n));
  });
  const backend = getBackend();
  const name = def.name as keyof KernelTable;
  const fast = backend.kernels[name] as KernelImpl<unknown> | undefined;
  if (fast && fast(inputs as never, attrs as never, outputs) !== false) return outputs;
  const ref = referenceBackend.kernels[name] as KernelImpl<unknown>;
  ref(inputs as never, attrs as never, outputs);
  return outputs;
}
