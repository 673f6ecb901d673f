import type {GradTable} from './grad_types.js';

/** Random draws have no tensor inputs: nothing to differentiate. */
export const randomGrads = {
  BernoulliMask: 'nondifferentiable',
} satisfies Partial<GradTable>;
