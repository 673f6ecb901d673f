/**
 * The fused optimizer update kernels (kernels/defs/optimizer.ts) with their one shared signature:
 * a variable, its gradient and its slots in; the new variable and slots out. Typed per kernel, so
 * `optimizers/` passes each kernel's attributes without escaping the type checker.
 */
import {runKernel} from '../autodiff/engine.js';
import {optimizerKernels} from '../kernels/defs/optimizer.js';
import type {AttrsOf} from '../kernels/index.js';
import type {Tensor} from '../tensor/tensor.js';

export type OptimizerKernelName = keyof typeof optimizerKernels;

export type OptimizerUpdateInputs = {variable: Tensor; gradient: Tensor; slots: Tensor[]};

/**
 * Runs update kernel `name`; `out` gives destinations (the variable's and slots' own tensors, when
 * only the optimizer holds them: the kernels declare those in-place pairs).
 */
export function optimizerUpdate<K extends OptimizerKernelName>(
  name: K,
  inputs: OptimizerUpdateInputs,
  attrs: AttrsOf<(typeof optimizerKernels)[K]>,
  out?: readonly (Tensor | null | undefined)[],
): Tensor[] {
  return runKernel(optimizerKernels[name], inputs, attrs, out);
}
