import {configuredBackend} from '../config.js';
import {DEFAULT_BACKEND} from '../platform/index.js';
import {ValueError} from '../errors.js';
import type {KernelDef} from '../kernels/index.js';
import type {TensorMeta} from '../kernels/kernel.js';
import {allocate, checkNotString} from '../tensor/dtype.js';
import {fmtShape, shapesEqual} from '../tensor/shape.js';
import {Tensor} from '../tensor/tensor.js';
import type {AnyKernelImpl, Backend, KernelTable} from './backend.js';
import {kernelListener} from './kernel_trace.js';
import {loadNativeBackend} from './native/index.js';
import {referenceBackend, referenceKernels} from './reference/index.js';
import {loadWasmBackend} from './wasm/index.js';
import {loadWebGPUBackend, prepareWebGPU} from './webgpu/index.js';

type Loader = () => Backend | string;

const loaders = new Map<string, Loader>([
  ['reference', () => referenceBackend],
  ['native', loadNativeBackend],
  ['wasm', loadWasmBackend],
  // never a default nor a fallback: used only when asked for by name
  ['webgpu', loadWebGPUBackend],
]);

/** Where a backend that cannot load falls back to: native, then wasm, then reference. */
const fallbackOrder = ['native', 'wasm', 'reference'];
const aliases: Record<string, string> = {js: 'reference'};

let active: Backend | null = null;
let warnedFallback = false;

/** Makes another backend available by name (a later `webgpu`, or a test double). */
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
  if (typeof b !== 'string') {
    active = b;
    return b;
  }
  if (!fallback) throw new ValueError(`Backend "${n}" is not available: ${b}`);
  // the next backend of the order that loads; reference always does
  const reasons = [`backend "${n}" unavailable (${b})`];
  let chosen: Backend = referenceBackend;
  // after a backend outside the order (webgpu): the order from this platform's default (wasm in a page)
  const from = fallbackOrder.includes(n) ? fallbackOrder.indexOf(n) + 1 : Math.max(0, fallbackOrder.indexOf(DEFAULT_BACKEND));
  for (const next of fallbackOrder.slice(from)) {
    const c = loaders.get(next)?.();
    if (c === undefined) continue;
    if (typeof c !== 'string') {
      chosen = c;
      break;
    }
    if (next !== 'reference') reasons.push(`"${next}" unavailable (${c})`);
  }
  if (!warnedFallback) {
    warnedFallback = true;
    // one line per process, naming the backend chosen and why the ones before it were passed over
    console.warn(`keras-ts: ${reasons.join('; ')}; using "${chosen.name}".`);
  }
  active = chosen;
  return chosen;
}

/**
 * `setBackend` for a backend whose loading must wait: `webgpu` in a page, whose device comes from
 * the promise of `navigator.gpu.requestAdapter()` (`setBackend('webgpu')` works there afterwards).
 * Elsewhere the same as `setBackend`.
 */
export async function prepareBackend(name: string, {fallback = false} = {}): Promise<Backend> {
  const n = resolve(name);
  if (n === 'webgpu') await prepareWebGPU();
  return setBackend(n, {fallback});
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

/**
 * Allocates the outputs of `def` and runs it on the active backend (reference when it lacks it).
 *
 * `out` passes destinations: `out[i]`, where given, becomes output `i` instead of a new tensor (the
 * kernel writes every element of it). It must have the output's shape and dtype and storage of that
 * dtype and size, and the caller must own it: nobody else may hold it, since its values change. It
 * may share storage with an input only exactly, and only as a pair the kernel declares (`inPlace`);
 * any other overlap with an input or another destination is refused.
 */
export function execute(
  def: KernelDef<any, any>,
  inputs: Record<string, Tensor | Tensor[]>,
  attrs: unknown,
  out?: readonly (Tensor | null | undefined)[],
): Tensor[] {
  // text never enters a kernel: one check here covers every op and backend
  for (const slot in inputs) {
    const v = inputs[slot]!;
    if (Array.isArray(v)) for (const t of v) checkNotString(t.dtype, `${def.name} (input '${slot}')`);
    else checkNotString(v.dtype, `${def.name} (input '${slot}')`);
  }
  // `def` is any kernel, so its slots are unknown here: infer reads them by the names it declares
  const infer: (inputs: Record<string, Tensor | Tensor[]>, attrs: unknown) => TensorMeta[] = def.infer;
  const metas = infer(inputs, attrs);
  for (const m of metas) checkNotString(m.dtype, def.name, 'output');
  if (def.alias !== undefined) {
    if (out && out.some((o) => o)) throw new ValueError(`${def.name}: its output is a view of input '${String(def.alias)}' and takes no destination (out)`);
    const src = inputs[def.alias as string] as Tensor;
    return [new Tensor(metas[0]!.shape, metas[0]!.dtype, src.storage)];
  }
  if (out) checkDestinations(def, inputs, metas, out);
  const outputs = metas.map((m, i) => {
    const given = out?.[i];
    if (given) return given;
    let n = 1;
    for (const d of m.shape) n *= d;
    return new Tensor(m.shape, m.dtype, allocate(m.dtype, n));
  });
  const backend = getBackend();
  const name = def.name as keyof KernelTable;
  // an implementation of `def`: it takes the inputs and attributes `def` was called with
  const fast: AnyKernelImpl | undefined = backend.kernels[name];
  const listener = kernelListener, start = listener ? performance.now() : 0;
  const ran = fast !== undefined && fast(inputs, attrs, outputs) !== false;
  if (!ran) {
    const ref: AnyKernelImpl = referenceKernels[name];
    ref(inputs, attrs, outputs);
  }
  if (listener) listener(name, start, performance.now(), !ran && backend !== referenceBackend);
  return outputs;
}

/** Whether two tensors' storages share any byte; `exact` when they are the very same range. */
export function storageOverlap(a: Tensor, b: Tensor): 'none' | 'exact' | 'partial' {
  // device storage (a GPU buffer) is shared whole or not at all; the device is never read here, but
  // host copies are compared (an uploaded tensor keeps its typed array, which views may share)
  const da = a.device, db = b.device;
  if (da && da === db) return 'exact';
  const x = a.hostValues, y = b.hostValues;
  if (x === null || y === null || x.buffer !== y.buffer) return 'none';
  const x0 = x.byteOffset, x1 = x0 + x.byteLength, y0 = y.byteOffset, y1 = y0 + y.byteLength;
  if (x1 <= y0 || y1 <= x0 || x.byteLength === 0 || y.byteLength === 0) return 'none';
  return x0 === y0 && x1 === y1 && x.constructor === y.constructor ? 'exact' : 'partial';
}

function checkDestinations(
  def: KernelDef<any, any>,
  inputs: Record<string, Tensor | Tensor[]>,
  metas: readonly {shape: readonly number[]; dtype: string}[],
  out: readonly (Tensor | null | undefined)[],
): void {
  const op = def.name;
  if (out.length !== metas.length) {
    throw new ValueError(`${op}: out must list one destination (or undefined) per output: expected ${metas.length}. Received: ${out.length}`);
  }
  out.forEach((o, i) => {
    if (o === null || o === undefined) return;
    if (!(o instanceof Tensor)) throw new ValueError(`${op}: out[${i}] must be a Tensor or undefined. Received: ${typeof o}`);
    const m = metas[i]!;
    if (!shapesEqual(o.shape, m.shape) || o.dtype !== m.dtype) {
      throw new ValueError(
        `${op}: out[${i}] must have the output's shape ${fmtShape(m.shape)} and dtype ${m.dtype}. ` +
          `Received: shape ${fmtShape(o.shape)}, dtype ${o.dtype}`,
      );
    }
    const want = allocate(o.dtype, 0).constructor;
    // device storage is made by its backend for the tensor's dtype and size
    if (!o.device && (o.values.constructor !== want || o.values.length !== o.size)) {
      throw new ValueError(
        `${op}: out[${i}] must be stored in a ${want.name} of ${o.size} elements. ` +
          `Received: a ${o.values.constructor.name} of ${o.values.length} elements`,
      );
    }
    for (let j = 0; j < i; j++) {
      const p = out[j];
      if (p && storageOverlap(o, p) !== 'none') throw new ValueError(`${op}: out[${i}] shares storage with out[${j}]; destinations must be distinct`);
    }
    for (const [slot, v] of Object.entries(inputs)) {
      const list = Array.isArray(v) ? v : [v];
      list.forEach((t, k) => {
        const overlap = storageOverlap(o, t);
        if (overlap === 'none') return;
        const where = Array.isArray(v) ? `${slot}[${k}]` : slot;
        const declared = def.inPlace?.some((p) => p.input === slot && p.output + (Array.isArray(v) ? k : 0) === i) ?? false;
        if (overlap === 'exact' && declared) return;
        throw new ValueError(
          `${op}: out[${i}] shares storage with input '${where}', ` +
            (declared
              ? 'but not exactly (an in-place destination must be the very same storage as its input)'
              : `which ${op} does not declare safe to update in place` +
                (def.inPlace?.length ? ` (declared: ${def.inPlace.map((p) => `${p.input} -> out[${p.output}]`).join(', ')})` : '')),
        );
      });
    }
  });
}
