import type {AttrsOf, InputsFor, KernelName, Kernels, SlotsOf} from '../kernels/index.js';
import type {Tensor} from '../tensor/tensor.js';

/**
 * A forward kernel: reads `inputs`, writes every element of the preallocated `outputs`.
 * Returning `false` declines the call (an unsupported dtype, say): the reference kernel runs instead.
 */
type KernelImpl<D> = (inputs: InputsFor<SlotsOf<D>, Tensor>, attrs: AttrsOf<D>, outputs: Tensor[]) => void | boolean;

/** A complete implementation of the contract (the reference backend must satisfy this). */
export type KernelTable = {[K in KernelName]: KernelImpl<Kernels[K]>};

export interface Backend {
  readonly name: string;
  /** A fast backend may be partial: missing kernels fall back to the reference backend. */
  readonly kernels: Partial<KernelTable>;
  /** Threads the backend uses, where it has a pool. */
  setNumThreads?(n: number): void;
}

/** The loose form helpers return before a table checks them against the contract. */
export type AnyKernelImpl = (inputs: any, attrs: any, outputs: Tensor[]) => void | boolean;
