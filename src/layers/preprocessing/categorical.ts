/**
 * Keras's `encode_categorical_inputs` for integer indices already computed (by `CategoryEncoding`,
 * `Discretization`): `'int'` as is, `'one_hot'` per element (a trailing axis of 1 is replaced),
 * `'multi_hot'` / `'count'` per sample (reduced over axis 1 of a batch, as Keras's ops).
 */
import {ValueError} from '../../errors.js';
import {allocate, type DType} from '../../tensor/dtype.js';
import {Tensor} from '../../tensor/tensor.js';

export type EncodingMode = 'int' | 'one_hot' | 'multi_hot' | 'count';

export function encodeCategorical(
  ids: ArrayLike<number>, shape: readonly number[], mode: EncodingMode, depth: number, dtype: DType, layer: string,
  countWeights: ArrayLike<number> | null = null,
): Tensor {
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i]!;
    if (!(v >= 0 && v < depth) || !Number.isInteger(v)) {
      throw new ValueError(`Layer "${layer}": input values must be integers in the range 0 <= values < num_tokens (${depth}). Received: ${v} at flat index ${i}`);
    }
  }
  if (mode === 'int') {
    const out = allocate(dtype, ids.length);
    for (let i = 0; i < ids.length; i++) out[i] = ids[i]!;
    return new Tensor(shape, dtype, out);
  }
  let s = shape.length === 0 ? [1] : [...shape];
  if (mode === 'one_hot') {
    if (s.length > 1 && s.at(-1) === 1) s = s.slice(0, -1);
    const out = allocate(dtype, ids.length * depth);
    for (let i = 0; i < ids.length; i++) out[i * depth + ids[i]!] = 1;
    return new Tensor([...s, depth], dtype, out);
  }
  // multi_hot / count: reduce axis 1 (axis 0 for one sample)
  const [outer, red, inner] = s.length === 1 ? [1, s[0]!, 1] : [s[0]!, s[1]!, s.slice(2).reduce((a, b) => a * b, 1)];
  const outShape = s.length === 1 ? [depth] : [s[0]!, ...s.slice(2), depth];
  const out = allocate(dtype, outer * inner * depth);
  for (let o = 0; o < outer; o++) {
    for (let r = 0; r < red; r++) {
      for (let k = 0; k < inner; k++) {
        const src = (o * red + r) * inner + k;
        const dst = (o * inner + k) * depth + ids[src]!;
        out[dst] = mode === 'multi_hot' ? 1 : out[dst]! + (countWeights ? countWeights[src]! : 1);
      }
    }
  }
  return new Tensor(outShape, dtype, out);
}

/** The output shape of `encodeCategorical` for an input shape (batch may be null). */
export function encodedShape(shape: readonly (number | null)[], mode: EncodingMode, depth: number): (number | null)[] {
  if (mode === 'int') return [...shape];
  const s = shape.length === 0 ? [1] : [...shape];
  if (mode === 'one_hot') return s.length > 1 && s.at(-1) === 1 ? [...s.slice(0, -1), depth] : [...s, depth];
  return s.length === 1 ? [depth] : [s[0]!, ...s.slice(2), depth];
}
