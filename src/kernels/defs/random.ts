import type {DType} from '../../tensor/dtype.js';
import type {Shape} from '../../tensor/shape.js';
import {defineKernel, meta} from '../kernel.js';

/**
 * Attributes of `BernoulliMask`: the output shape and dtype, the keep probability, and the Philox key
 * `(k0, k1)` (unsigned 32-bit words) already resolved from the seed by `tensor/random.ts`'s `maskKey`.
 */
export interface BernoulliMaskAttrs {
  shape: Shape;
  keepProb: number;
  dtype: DType;
  k0: number;
  k1: number;
  /** The value of a kept element (default 1): dropout's `1 / keepProb`, already rounded to `dtype`. */
  scale?: number;
}

/** Random kernels: no tensor inputs, the output a pure function of the attributes (counter-based). */
export const randomKernels = {
  /**
   * A dropout mask of 0/`scale`: element `i` is kept when the uniform number `i` of stream 7 under
   * key `(k0, k1)` is below `keepProb` (tensor/random.ts's `bernoulliMask`, bit for bit).
   */
  BernoulliMask: defineKernel<{}, BernoulliMaskAttrs>('BernoulliMask', {
    inputs: {},
    infer: (_i, {shape, dtype}) => [meta(shape, dtype)],
  }),
  /**
   * Dropout's draw and product in one pass, a plan's fusion (src/plan): `[x * mask, mask]`, the mask
   * BernoulliMask's of the same attributes (its shape and dtype x's), the product Mul's.
   */
  BernoulliMaskMul: defineKernel<{x: 'one'}, BernoulliMaskAttrs>('BernoulliMaskMul', {
    inputs: {x: 'one'},
    infer: ({x}, {shape, dtype}) => [meta(x.shape, x.dtype), meta(shape, dtype)],
  }),
};
