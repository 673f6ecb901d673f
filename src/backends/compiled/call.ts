import {ValueError} from '../../errors.js';
import type {Tensor} from '../../tensor/tensor.js';
import {KERNEL_ABI, packAttrs, type AttrsOf, type CompiledKernel, type NativeAddon} from './abi.js';

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
  return (kernel, buffers, attrs, tail) =>
    addon.run(KERNEL_ABI[kernel].id, buffers.map((b) => storage(kernel, b)), packAttrs(kernel, attrs, tail));
}

function storage(kernel: string, b: Tensor | Float32Array): Float32Array {
  if (b instanceof Float32Array) return b;
  // every kernel checks its dtypes first (isF32); this keeps a missed check from reaching C++
  if (!(b.values instanceof Float32Array)) throw new ValueError(`${kernel}: compiled kernels take float32 storage. Received: ${b.dtype}`);
  return b.values;
}
