import {defineKernel, meta, type TensorMeta} from '../kernel.js';

/**
 * Fused optimizer updates: one pass over a variable, its gradient and its slots instead of 8-12
 * elementwise ops. The outputs are the new variable value, then the new slots in the order of
 * `slots`; by default they are new tensors and no input is written. Each output may instead be its
 * own input's tensor (`inPlace`: the variable is output 0, slot `k` output `k + 1`): every
 * implementation reads element `i` of the variable and slots before writing element `i` of their
 * outputs and reads no other index, so `optimizers/` updates slots that only it holds in place. Scalars are attributes, computed in TypeScript at this
 * step, and are rounded to the tensor's dtype exactly where the composite ops in `optimizers/` round
 * them (a number beside a float32 tensor becomes a float32 scalar), so both paths give the same
 * float32 results.
 *
 * Every input has the variable's shape and dtype (float32 or float64); `optimizers/` only calls
 * these for such inputs.
 */

/** `SGDUpdate`: `slots = []` when `momentum == 0`, else `[momentum]`. */
export interface SGDUpdateAttrs {
  learningRate: number;
  momentum: number;
  nesterov: boolean;
}

/** `RMSpropUpdate` (not centered): `slots = [velocity]`, plus `momentum` when `momentum > 0`. */
export interface RMSpropUpdateAttrs {
  learningRate: number;
  rho: number;
  momentum: number;
  epsilon: number;
}

/**
 * `AdamUpdate` (no amsgrad): `slots = [m, v]`. `alpha` is the step's learning rate with both bias
 * corrections folded in, `lr * sqrt(1 - beta2^t) / (1 - beta1^t)`, as `optimizers/adam.ts` computes it.
 */
export interface AdamUpdateAttrs {
  alpha: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** `AdadeltaUpdate`: `slots = [accumulatedGrad, accumulatedDeltaVar]`. */
export interface AdadeltaUpdateAttrs {
  learningRate: number;
  rho: number;
  epsilon: number;
}

type UpdateInputs = {variable: TensorMeta; gradient: TensorMeta; slots: TensorMeta[]};

/** One output per input tensor except the gradient: the new variable, then the new slots. */
const updated = ({variable, slots}: UpdateInputs): TensorMeta[] =>
  [variable, ...slots].map(() => meta(variable.shape, variable.dtype));

const inputs = {variable: 'one', gradient: 'one', slots: 'many'} as const;
/** The variable may be written as output 0 and slot `k` as output `k + 1`; never the gradient. */
const inPlace = [{input: 'variable', output: 0}, {input: 'slots', output: 1}] as const;

export const optimizerKernels = {
  /** `m' = m * momentum - g * lr`; `w' = w + m'` (Nesterov: `w + (m' * momentum - g * lr)`); no momentum: `w - g * lr`. */
  SGDUpdate: defineKernel<typeof inputs, SGDUpdateAttrs>('SGDUpdate', {inputs, inPlace, infer: updated}),
  /**
   * `v' = v * rho + g^2 * (1 - rho)`; `inc = g * lr / sqrt(v' + epsilon)`;
   * `m' = m * momentum + inc`, `w' = w - m'` (no momentum: `w - inc`).
   */
  RMSpropUpdate: defineKernel<typeof inputs, RMSpropUpdateAttrs>('RMSpropUpdate', {inputs, inPlace, infer: updated}),
  /**
   * `m' = m + (g - m) * (1 - beta1)`; `v' = v + (g^2 - v) * (1 - beta2)`;
   * `w' = w - m' * alpha / (sqrt(v') + epsilon)`.
   */
  AdamUpdate: defineKernel<typeof inputs, AdamUpdateAttrs>('AdamUpdate', {inputs, inPlace, infer: updated}),
  /**
   * `Eg' = Eg * rho + g^2 * (1 - rho)`; `d = -(sqrt(Ed + eps) * g / sqrt(Eg' + eps))`;
   * `Ed' = Ed * rho + d^2 * (1 - rho)`; `w' = w + d * lr`.
   */
  AdadeltaUpdate: defineKernel<typeof inputs, AdadeltaUpdateAttrs>('AdadeltaUpdate', {inputs, inPlace, infer: updated}),
};

/** How many slots each update kernel takes for its attributes. */
export function optimizerSlotCount(name: keyof typeof optimizerKernels, attrs: {momentum?: number}): number {
  switch (name) {
    case 'SGDUpdate':
      return attrs.momentum !== 0 ? 1 : 0;
    case 'RMSpropUpdate':
      return attrs.momentum! > 0 ? 2 : 1;
    default:
      return 2;
  }
}
