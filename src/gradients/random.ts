import * as ops from '../ops/index.js';
import type {GradTable} from './grad_types.js';

/** Random draws have no tensor inputs: nothing to differentiate. */
export const randomGrads = {
  BernoulliMask: 'nondifferentiable',
  // x * mask, the mask a function of the attributes alone: Mul's rule in x
  BernoulliMaskMul: ({dy, outputs: [, mask]}) => ({x: ops.multiply(dy, mask!)}),
} satisfies Partial<GradTable>;
