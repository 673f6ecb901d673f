import type {Backend, KernelTable} from '../backend.js';
import {arrayImpl} from './array.js';
import {elementwiseImpl} from './elementwise.js';
import {linalgImpl} from './linalg.js';
import {nnImpl} from './nn.js';
import {nn3dImpl} from './nn3d.js';
import {reductionImpl} from './reduction.js';
import {recurrentImpl} from './recurrent.js';
import {fusedImpl} from './fused.js';
import {randomImpl} from './random.js';
import {optimizerImpl} from './optimizer.js';
import {attentionImpl} from './attention.js';
import {planFusionImpl} from './plan_fusions.js';

/** Plain TypeScript, complete: the definition of correct that every other backend is tested against. */
export const referenceKernels = {
  ...elementwiseImpl,
  ...reductionImpl,
  ...arrayImpl,
  ...linalgImpl,
  ...nnImpl,
  ...nn3dImpl,
  ...recurrentImpl,
  ...fusedImpl,
  ...randomImpl,
  ...optimizerImpl,
  ...attentionImpl,
  ...planFusionImpl,
} satisfies KernelTable;

export const referenceBackend: Backend = {name: 'reference', kernels: referenceKernels};
