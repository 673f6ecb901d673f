import type {AttrsOf, InputsFor, KernelName, Kernels, SlotsOf} from '../kernels/index.js';
import type {Tensor} from '../tensor/tensor.js';

export interface GradContext<D> {
  /** Gradient of the first output (most kernels have one). */
  dy: Tensor;
  /** Gradients of every output (zeros where an output did not reach the target). */
  dys: Tensor[];
  inputs: InputsFor<SlotsOf<D>, Tensor>;
  attrs: AttrsOf<D>;
  /** The first output, as computed in the forward pass. */
  y: Tensor;
  outputs: Tensor[];
}

/**
 * A gradient rule, written with ops: returns the gradient for each differentiable input. Returned
 * gradients may have the broadcast (output) shape: the tape sums them back to the input's shape.
 */
export type GradFn<D> = (ctx: GradContext<D>) => Partial<InputsFor<SlotsOf<D>, Tensor | null>>;

export type GradTable = {[K in KernelName]: GradFn<Kernels[K]> | 'nondifferentiable'};
