import {defineKernel, meta} from '../kernel.js';
import {broadcastOrThrow} from './array.js';

export interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/** `[..., m, k] x [..., k, n] -> [..., m, n]`; batch dims broadcast; inputs of rank >= 2 (ops expands vectors). */
export function matmulShape(a: readonly number[], b: readonly number[], attrs: MatMulAttrs): number[] {
  const m = attrs.transposeA ? a.at(-1)! : a.at(-2)!;
  const n = attrs.transposeB ? b.at(-2)! : b.at(-1)!;
  return [...broadcastOrThrow(a.slice(0, -2), b.slice(0, -2)), m, n];
}

export const linalgKernels = {
  MatMul: defineKernel('MatMul', {
    inputs: {a: 'one', b: 'one'},
    infer: ({a, b}, attrs: MatMulAttrs) => [meta(matmulShape(a.shape, b.shape, attrs), a.dtype)],
  }),
};
