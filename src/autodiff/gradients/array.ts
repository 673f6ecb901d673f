import type {GradTable} from '../grad_types.js';

export const arrayGrads = {} satisfies Partial<GradTable>;
