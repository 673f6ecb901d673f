import {ValueError} from '../../errors.js';
import type {Tensor} from '../../tensor/tensor.js';
import {KERNEL_ABI, type AttrsOf, type CompiledKernel, type KernelAbiRow, type NativeAddon} from './abi.js';

/**
 * Runs compiled kernel `kernel` (a row of `KERNEL_ABI`) on float32 buffers — tensors' storage, or
 * float32 views — with its attributes by name, then the row's tail. The point where bytes go to
 * compiled code: everything above it is shared by the native and the wasm backends.
 */
export type Call = <K extends CompiledKernel>(
  kernel: K,
  buffers: readonly (Tensor | Float32Array)[],
  attrs: NoInfer<AttrsOf<K>>,
  tail?: readonly number[],
) => void;

/** What the kernel files of this folder are built from. */
export interface Compiled {
  readonly call: Call;
  /** Elementwise ops, reductions and copies below this many elements stay in JavaScript. */
  readonly minElements: number;
}

export function compiledCall(addon: NativeAddon): Call {
  // `run` reads its arguments before it returns and keeps none: one list of buffers per count, and
  // one array of attributes per kernel and length, serve every call (no allocation per call, and no
  // array resized: setting an array's length is a runtime call in V8)
  const lists: Float32Array[][] = [];
  // by kernel, then by length (no key string built per call)
  const packed = new Map<string, Float64Array[]>();
  return (kernel, buffers, attrs, tail) => {
    const row: KernelAbiRow = KERNEL_ABI[kernel], names = row.attrs, k = names.length, n = k + (tail?.length ?? 0);
    let byLength = packed.get(kernel);
    if (!byLength) packed.set(kernel, (byLength = []));
    const out = (byLength[n] ??= new Float64Array(n));
    const named = attrs as Readonly<Record<string, number>>;
    for (let i = 0; i < k; i++) out[i] = named[names[i]!]!;
    for (let i = k; i < n; i++) out[i] = tail![i - k]!;
    const m = buffers.length;
    const bufs = (lists[m] ??= Array.from({length: m}, () => NONE));
    for (let i = 0; i < m; i++) bufs[i] = storage(kernel, buffers[i]!);
    try {
      addon.run(row.id, bufs, out);
    } finally {
      for (let i = 0; i < m; i++) bufs[i] = NONE; // hold no tensor's storage past the call
    }
  };
}

const NONE = new Float32Array(0);

function storage(kernel: string, b: Tensor | Float32Array): Float32Array {
  if (b instanceof Float32Array) return b;
  // every kernel checks its dtypes first (isF32); this keeps a missed check from reaching C++
  if (!(b.values instanceof Float32Array)) throw new ValueError(`${kernel}: compiled kernels take float32 storage. Received: ${b.dtype}`);
  return b.values;
}
