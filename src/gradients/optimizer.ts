import type {GradTable} from './grad_types.js';

/** Optimizer updates run outside any tape (under `noGrad`): nothing to differentiate. */
export const optimizerGrads = {
  SGDUpdate: 'nondifferentiable',
  RMSpropUpdate: 'nondifferentiable',
  AdamUpdate: 'nondifferentiable',
  AdadeltaUpdate: 'nondifferentiable',
} satisfies Partial<GradTable>;
