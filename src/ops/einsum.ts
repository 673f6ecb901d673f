/**
 * `ops.einsum`, as `np.einsum` / `keras.ops.einsum`, written from other ops (a composite: autodiff
 * differentiates the transposes, reshapes, sums and matmuls it is made of).
 *
 * ```ts
 * einsum('ij,jk->ik', a, b);            // matmul
 * einsum('...x,xy->...y', x, kernel);   // a dense layer over any leading axes
 * einsum('bqhd,bkhd->bhqk', q, k);      // attention scores
 * einsum('ii->i', m);                   // a diagonal
 * ```
 *
 * The operands are contracted left to right, two at a time, each pair as one batched matmul:
 * subscripts in both operands that are still needed (by the output or a later operand) are batch
 * axes, the others in both are summed by the matmul, and a subscript found in one operand only and
 * needed nowhere else is summed before. Memory is that of the operands and the pairwise results,
 * never the product of all the subscript sizes. Size-1 axes broadcast against their subscript's
 * size, as NumPy.
 */
import {ValueError} from '../errors.js';
import {fmtShape} from '../tensor/shape.js';
import {eye, type Tensor} from '../tensor/tensor.js';
import {broadcastTo, reshape, transpose} from './array.js';
import {toTensor, type TensorLike} from './core.js';
import {matmul, multiply, sum} from './math.js';

/** Characters that stand for the axes an ellipsis covers (never letters, so never a user's). */
const ELLIPSIS_CHARS = '0123456789!#$%&*+:;<=>?@^_~';

interface Term {
  t: Tensor;
  /** One character per axis of `t`. */
  subs: string;
}

function parse(subscripts: string, ts: Tensor[]): {terms: Term[]; out: string} {
  const spec = subscripts.replace(/\s+/g, '');
  const arrow = spec.split('->');
  if (arrow.length > 2) throw new ValueError(`einsum: the subscripts may contain '->' once. Received: subscripts=${subscripts}`);
  const inputs = arrow[0]!.split(',');
  if (inputs.length !== ts.length) {
    throw new ValueError(`einsum: the subscripts name ${inputs.length} operands but ${ts.length} were given. Received: subscripts=${subscripts}`);
  }
  let ellRank = 0;
  const terms = inputs.map((sub, i): Term => {
    const t = ts[i]!;
    const parts = sub.split('...');
    if (parts.length > 2) throw new ValueError(`einsum: operand ${i} has more than one ellipsis ("${sub}")`);
    for (const p of parts) {
      if (!/^[a-zA-Z]*$/.test(p)) throw new ValueError(`einsum: subscripts must be letters (and at most one '...' per operand). Received: "${sub}"`);
    }
    const letters = parts.join('').length;
    if (parts.length === 1) {
      if (letters !== t.rank) throw new ValueError(`einsum: operand ${i} has rank ${t.rank} but its subscripts "${sub}" name ${letters} axes (shape ${fmtShape(t.shape)})`);
      return {t, subs: sub};
    }
    const e = t.rank - letters;
    if (e < 0) throw new ValueError(`einsum: operand ${i} has rank ${t.rank}, fewer than the ${letters} axes its subscripts "${sub}" name (shape ${fmtShape(t.shape)})`);
    if (e > ELLIPSIS_CHARS.length) throw new ValueError(`einsum: an ellipsis may cover at most ${ELLIPSIS_CHARS.length} axes. Received ${e} for operand ${i}`);
    ellRank = Math.max(ellRank, e);
    return {t, subs: `${parts[0]}\u0000${e}\u0000${parts[1]}`};
  });
  // the ellipsis axes are aligned from the right, as NumPy broadcasting
  const ell = (e: number) => ELLIPSIS_CHARS.slice(ellRank - e, ellRank);
  for (const term of terms) term.subs = term.subs.replace(/\u0000(\d+)\u0000/, (_, e: string) => ell(Number(e)));
  let out: string;
  if (arrow.length === 2) {
    const rhs = arrow[1]!;
    const parts = rhs.split('...');
    if (parts.length > 2 || !parts.every((p) => /^[a-zA-Z]*$/.test(p))) {
      throw new ValueError(`einsum: the output subscripts must be letters and at most one '...'. Received: "${rhs}"`);
    }
    out = parts.join(ell(ellRank));
    if (new Set(out).size !== out.length) throw new ValueError(`einsum: output subscripts must be distinct. Received: "${rhs}"`);
  } else {
    // implicit output: the ellipsis axes, then the letters that appear once, sorted (NumPy's rule)
    const counts = new Map<string, number>();
    for (const term of terms) for (const c of term.subs) counts.set(c, (counts.get(c) ?? 0) + 1);
    const letters = [...counts.keys()].filter((c) => /[a-zA-Z]/.test(c) && counts.get(c) === 1).sort();
    out = ell(ellRank) + letters.join('');
  }
  return {terms, out};
}

/** Checks each subscript's sizes agree across operands (or are 1); returns the broadcast size of each. */
function subscriptSizes(terms: Term[], out: string, subscripts: string): Map<string, number> {
  const sizes = new Map<string, number>();
  terms.forEach(({t, subs}, i) => {
    [...subs].forEach((c, k) => {
      const d = t.shape[k]!;
      const prev = sizes.get(c);
      if (prev !== undefined && prev !== d && prev !== 1 && d !== 1) {
        const what = /[a-zA-Z]/.test(c) ? `subscript "${c}"` : 'an axis under the ellipsis';
        throw new ValueError(`einsum: ${what} has size ${prev} in one operand and ${d} in operand ${i} (shape ${fmtShape(t.shape)})`);
      }
      sizes.set(c, prev === undefined || prev === 1 ? d : prev);
    });
  });
  for (const c of out) if (!sizes.has(c)) throw new ValueError(`einsum: output subscript "${c}" does not appear in the inputs. Received: subscripts=${subscripts}`);
  return sizes;
}

/** `term` with its axes put in the order of `subs` (a permutation of its subscripts). */
function permute(term: Term, subs: string): Tensor {
  return transpose(term.t, [...subs].map((c) => term.subs.indexOf(c)));
}

/** A repeated subscript within one operand takes the diagonal: `ii->i`. */
function takeDiagonals(term: Term): Term {
  let {t, subs} = term;
  for (let k = 0; k < subs.length; k++) {
    const c = subs[k]!;
    const j = subs.indexOf(c, k + 1);
    if (j < 0) continue;
    const n = t.shape[k]!;
    if (t.shape[j] !== n) throw new ValueError(`einsum: the repeated subscript "${c}" of "${term.subs}" covers axes of sizes ${n} and ${t.shape[j]} (shape ${fmtShape(term.t.shape)})`);
    // multiply by the identity laid over axes k and j, then sum axis j away
    const idShape = t.shape.map((_, a) => (a === k || a === j ? n : 1));
    t = sum(multiply(t, reshape(eye(n, n, t.dtype), idShape)), j);
    subs = subs.slice(0, j) + subs.slice(j + 1);
    k--;
  }
  return {t, subs};
}

/** Sums the axes of `term` whose subscripts are not in `keep`. */
function sumAway(term: Term, keep: Set<string>): Term {
  const axes = [...term.subs].map((c, k) => (keep.has(c) ? -1 : k)).filter((k) => k >= 0);
  if (!axes.length) return term;
  return {t: sum(term.t, axes), subs: [...term.subs].filter((c) => keep.has(c)).join('')};
}

/** `a` and `b` contracted over the subscripts they share that `later` does not need. */
function contractPair(a: Term, b: Term, later: Set<string>, sizes: Map<string, number>): Term {
  const batch = [...a.subs].filter((c) => b.subs.includes(c) && later.has(c));
  const inner = [...a.subs].filter((c) => b.subs.includes(c) && !later.has(c));
  const aOnly = [...a.subs].filter((c) => !b.subs.includes(c));
  const bOnly = [...b.subs].filter((c) => !a.subs.includes(c));
  const size = (cs: string[]) => cs.reduce((p, c) => p * sizes.get(c)!, 1);
  const layout = (term: Term, order: string[], dims: number[]): Tensor => {
    let t = permute(term, order.join(''));
    const full = order.map((c) => sizes.get(c)!);
    if (t.shape.some((d, k) => d !== full[k])) t = broadcastTo(t, full); // size-1 axes meet their subscript's size
    return reshape(t, dims);
  };
  const B = size(batch), M = size(aOnly), K = size(inner), N = size(bOnly);
  const am = layout(a, [...batch, ...aOnly, ...inner], [B, M, K]);
  const bm = layout(b, [...batch, ...inner, ...bOnly], [B, K, N]);
  const subs = [...batch, ...aOnly, ...bOnly];
  return {t: reshape(matmul(am, bm), subs.map((c) => sizes.get(c)!)), subs: subs.join('')};
}

/** Einstein summation over the operands, as `np.einsum(subscripts, *operands)`. */
export function einsum(subscripts: string, ...operands: TensorLike[]): Tensor {
  if (typeof subscripts !== 'string') throw new ValueError(`einsum: subscripts must be a string such as 'ij,jk->ik'. Received: ${String(subscripts)}`);
  if (operands.length === 0) throw new ValueError('einsum: at least one operand is required');
  const ts = operands.map((o, i) => toTensor(o, `operands[${i}]`, 'einsum'));
  const {terms: parsed, out} = parse(subscripts, ts);
  const sizes = subscriptSizes(parsed, out, subscripts);
  let terms = parsed.map(takeDiagonals);
  const needed = (skip: number): Set<string> => {
    const s = new Set(out);
    terms.forEach((term, i) => i !== skip && [...term.subs].forEach((c) => s.add(c)));
    return s;
  };
  // subscripts that live in one operand only and not in the output are summed first
  terms = terms.map((term, i) => sumAway(term, needed(i)));
  let acc = terms[0]!;
  for (let i = 1; i < terms.length; i++) {
    const later = new Set(out);
    for (const term of terms.slice(i + 1)) for (const c of term.subs) later.add(c);
    acc = contractPair(acc, terms[i]!, later, sizes);
  }
  acc = sumAway(acc, new Set(out));
  let y = permute(acc, out);
  const full = [...out].map((c) => sizes.get(c)!);
  if (y.shape.some((d, k) => d !== full[k])) y = broadcastTo(y, full);
  return y;
}
