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
  /**
   * The vector-Jacobian product of a composite: the gradients in `xs` of `sum_i sum(f()[i] * dys[i])`,
   * `null` where it does not depend on one. For a rule whose kernel is the same function as a
   * composite of other kernels (a second-order rule): the tape hands it its own gradient table, so
   * rules need not import the tape.
   */
  vjp: (xs: Tensor[], dys: Tensor[], f: () => Tensor[]) => (Tensor | null)[];
}

/**
 * A gradient rule, written with ops: returns the gradient for each differentiable input. Returned
 * gradients may have the broadcast (output) shape: the tape sums them back to the input's shape.
 *
 * Laziness, one convention: a gradient is a plain value, or a getter (`get kernel() {...}`) where it
 * costs work of its own (a matmul, a convolution) that is often not needed. The tape reads a rule's
 * result only for inputs that need a gradient, so a getter nobody reads never runs (the input
 * gradient of a model's first layer, say). A value shared by several gradients is computed before
 * the returned object.
 */
type GradFn<D> = (ctx: GradContext<D>) => Partial<InputsFor<SlotsOf<D>, Tensor | null>>;

export type GradTable = {[K in KernelName]: GradFn<Kernels[K]> | 'nondifferentiable'};
