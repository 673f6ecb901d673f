import {matmul} from '../ops/index.js';
import type {GradTable} from './grad_types.js';

export const linalgGrads = {
  MatMul: ({dy, inputs: {a, b}, attrs: {transposeA: tA, transposeB: tB}}) => {
    if (!tA && !tB) return {a: matmul(dy, b, {transposeB: true}), b: matmul(a, dy, {transposeA: true})};
    if (!tA && tB) return {a: matmul(dy, b), b: matmul(dy, a, {transposeA: true})};
    if (tA && !tB) return {a: matmul(b, dy, {transposeB: true}), b: matmul(a, dy)};
    return {a: matmul(b, dy, {transposeA: true, transposeB: true}), b: matmul(dy, a, {transposeA: true, transposeB: true})};
  },
} satisfies Partial<GradTable>;
