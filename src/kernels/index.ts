import {arrayKernels} from './defs/array.js';
import {elementwiseKernels} from './defs/elementwise.js';
import {linalgKernels} from './defs/linalg.js';
import {nnKernels} from './defs/nn.js';
import {nn3dKernels} from './defs/nn3d.js';
import {reductionKernels} from './defs/reduction.js';
import {recurrentKernels} from './defs/recurrent.js';
import {fusedKernels} from './defs/fused.js';
import {randomKernels} from './defs/random.js';
import {optimizerKernels} from './defs/optimizer.js';
import {attentionKernels} from './defs/attention.js';

/**
 * Every kernel of the contract, by name. Adding one here makes the type checker list what is
 * missing: its reference implementation (`backends/reference`) and its gradient rule
 * (`gradients/`).
 */
export const KERNELS = {
  ...elementwiseKernels,
  ...reductionKernels,
  ...arrayKernels,
  ...linalgKernels,
  ...nnKernels,
  ...nn3dKernels,
  ...recurrentKernels,
  ...fusedKernels,
  ...randomKernels,
  ...optimizerKernels,
  ...attentionKernels,
};

export type Kernels = typeof KERNELS;
export type KernelName = keyof Kernels;
export * from './kernel.js';
export * from './conv_util.js';
