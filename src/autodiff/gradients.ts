import {arrayGrads} from './gradients/array.js';
import {elementwiseGrads} from './gradients/elementwise.js';
import {linalgGrads} from './gradients/linalg.js';
import {nnGrads} from './gradients/nn.js';
import {reductionGrads} from './gradients/reduction.js';
import {recurrentGrads} from './gradients/recurrent.js';
import {fusedGrads} from './gradients/fused.js';
import {randomGrads} from './gradients/random.js';
import {optimizerGrads} from './gradients/optimizer.js';
import type {GradTable} from './grad_types.js';

/** One gradient rule per kernel, in one table: the type checker lists any kernel without one. */
export const GRADIENTS: GradTable = {
  ...elementwiseGrads,
  ...reductionGrads,
  ...arrayGrads,
  ...linalgGrads,
  ...nnGrads,
  ...recurrentGrads,
  ...fusedGrads,
  ...randomGrads,
  ...optimizerGrads,
} satisfies GradTable;
