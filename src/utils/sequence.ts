/**
 * `keras.utils.pad_sequences`: lists of varying length to one `[samples, maxlen, ...]` tensor.
 *
 * ```ts
 * padSequences([[1], [2, 3], [4, 5, 6]]);                       // [[0, 0, 1], [0, 2, 3], [4, 5, 6]]
 * padSequences([[1], [2, 3], [4, 5, 6]], {maxlen: 2, padding: 'post', truncating: 'post'});
 * ```
 */
import {ValueError} from '../errors.js';
import {allocate, type DType} from '../tensor/dtype.js';
import {fmtShape, sizeOf} from '../tensor/shape.js';
import {Tensor} from '../tensor/tensor.js';

type Element = number | boolean | readonly Element[];

export interface PadSequencesOptions {
  /** Length of every output sequence; the longest input's length when omitted. */
  maxlen?: number | null;
  /** Result dtype (`'int32'` by default, as Keras); float values are truncated toward 0 for int32. */
  dtype?: DType;
  /** Pad before (`'pre'`, the default) or after (`'post'`) each sequence. */
  padding?: 'pre' | 'post';
  /** Drop values from the start (`'pre'`, the default) or the end (`'post'`) of longer sequences. */
  truncating?: 'pre' | 'post';
  /** The padding value (0 by default). */
  value?: number;
}

function shapeOf(e: Element): number[] {
  const s: number[] = [];
  let cur: Element = e;
  while (Array.isArray(cur)) {
    s.push(cur.length);
    cur = cur[0] as Element;
  }
  return s;
}

function flattenInto(e: Element, out: number[]): void {
  if (Array.isArray(e)) for (const x of e) flattenInto(x as Element, out);
  else out.push(Number(e));
}

/**
 * Pads (or truncates) each sequence to the same length, Keras's semantics: `padding` and
 * `truncating` `'pre'` by default, so a sequence keeps its last `maxlen` values, right-aligned.
 * Elements may be numbers or arrays of one shape (`[samples, maxlen, ...sampleShape]`).
 */
export function padSequences(sequences: readonly (readonly Element[] | ArrayLike<number>)[], options: PadSequencesOptions = {}): Tensor {
  const {dtype = 'int32', padding = 'pre', truncating = 'pre', value = 0} = options;
  if (!sequences || typeof (sequences as {length?: unknown}).length !== 'number') {
    throw new ValueError('padSequences: `sequences` must be a list of sequences');
  }
  if (padding !== 'pre' && padding !== 'post') throw new ValueError(`padSequences: padding type "${String(padding)}" not understood; expected 'pre' or 'post'`);
  if (truncating !== 'pre' && truncating !== 'post') throw new ValueError(`padSequences: truncating type "${String(truncating)}" not understood; expected 'pre' or 'post'`);
  const seqs = Array.from(sequences, (s, i) => {
    if (!s || typeof (s as {length?: unknown}).length !== 'number') {
      throw new ValueError(`padSequences: sequences[${i}] must be a list or array. Received: ${String(s)}`);
    }
    return Array.from(s as ArrayLike<Element>);
  });
  const lengths = seqs.map((s) => s.length);
  const maxlen = options.maxlen ?? (lengths.length ? Math.max(...lengths) : 0);
  if (!Number.isInteger(maxlen) || maxlen < 0) throw new ValueError(`padSequences: maxlen must be a non-negative integer. Received: maxlen=${options.maxlen}`);
  const first = seqs.find((s) => s.length > 0);
  const sampleShape = first ? shapeOf(first[0]!) : [];
  const per = sizeOf(sampleShape);
  const out = allocate(dtype, seqs.length * maxlen * per);
  const fill = dtype === 'int32' ? Math.trunc(value) : dtype === 'bool' ? (value ? 1 : 0) : value;
  out.fill(fill);
  seqs.forEach((s, i) => {
    if (s.length === 0 || maxlen === 0) return;
    const kept = truncating === 'pre' ? s.slice(Math.max(0, s.length - maxlen)) : s.slice(0, maxlen);
    const start = padding === 'post' ? 0 : maxlen - kept.length;
    kept.forEach((e, j) => {
      const shape = shapeOf(e);
      if (shape.length !== sampleShape.length || shape.some((d, k) => d !== sampleShape[k])) {
        throw new ValueError(
          `padSequences: shape of sample ${fmtShape(shape)} of sequence at position ${i} is different from expected shape ${fmtShape(sampleShape)}`,
        );
      }
      const flat: number[] = [];
      flattenInto(e, flat);
      const at = (i * maxlen + start + j) * per;
      for (let k = 0; k < per; k++) {
        const v = flat[k]!;
        out[at + k] = dtype === 'int32' ? Math.trunc(v) : dtype === 'bool' ? (v ? 1 : 0) : v;
      }
    });
  });
  return new Tensor([seqs.length, maxlen, ...sampleShape], dtype, out);
}
