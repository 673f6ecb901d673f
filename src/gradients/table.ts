import {arrayGrads} from './array.js';
import {elementwiseGrads} from './elementwise.js';
import {linalgGrads} from './linalg.js';
import {nnGrads} from './nn.js';
import {nn3dGrads} from './nn3d.js';
import {reductionGrads} from './reduction.js';
import {recurrentGrads} from './recurrent.js';
import {fusedGrads} from './fused.js';
import {randomGrads} from './random.js';
import {optimizerGrads} from './optimizer.js';
import {attentionGrads} from './attention.js';
import type {GradTable} from './grad_types.js';

/** One gradient rule per kernel, in one table: the type checker lists any kernel without one. */
export const GRADIENTS: GradTable = {
  ...elementwiseGrads,
  ...reductionGrads,
  ...arrayGrads,
  ...linalgGrads,
  ...nnGrads,
  ...nn3dGrads,
  ...recurrentGrads,
  ...fusedGrads,
  ...randomGrads,
  ...optimizerGrads,
  ...attentionGrads,
} satisfies GradTable;
