import type {GradTable} from '../grad_types.js';

export const nnGrads = {} satisfies Partial<GradTable>;
