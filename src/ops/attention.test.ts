/**
 * The DotProductAttention kernel on the reference backend: against the composite it replaced (the
 * same math from matmuls and a softmax) on random shapes with masks, causal rows, grouped heads and
 * fully masked rows, and its gradient rule (first and second order) against central finite
 * differences in float64. The compiled kernels are compared with this reference in
 * backends/native/attention_native.test.ts; PyTorch's values in layers/attention/attention.test.ts.
 */
import {after, before, test} from 'node:test';
import {backendName, setBackend} from '../backends/registry.js';
import {GradientTape} from '../gradients/tape.js';
import {assertClose, checkGradients, randn64} from '../testing/gradcheck.js';
import {Tensor} from '../tensor/tensor.js';
import {dotProductAttentionComposite} from './attention_composite.js';
import {runAll} from './core.js';
import * as ops from './index.js';

let previous = 'reference';
before(() => {
  previous = backendName();
  setBackend('reference');
});
after(() => void setBackend(previous));

/** A 0/1 mask of `shape` with about a third masked, and (where it has a batch axis) batch 1 wholly masked. */
function maskOf(shape: number[], dtype: 'float64' | 'float32' | 'bool', seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1), per = n / shape[0]!;
  const v = Array.from({length: n}, (_, i) => ((i * 7 + seed) % 3 === 0 || (shape[0]! > 1 && Math.floor(i / per) === 1) ? 0 : 1));
  const t = new Tensor(shape, 'float64', Float64Array.from(v));
  return dtype === 'float64' ? t : ops.cast(t, dtype);
}

const CASES: {name: string; dims: [number, number, number, number, number, number, number]; causal?: boolean; mask?: number[]}[] = [
  {name: 'plain', dims: [2, 3, 4, 2, 2, 3, 2]},
  {name: 'causal, T < S', dims: [1, 3, 5, 2, 1, 2, 3], causal: true},
  {name: 'padding mask [B, 1, 1, S], batch 1 wholly masked', dims: [2, 4, 5, 2, 2, 2, 2], mask: [2, 1, 1, 5]},
  {name: 'mask [B, N, T, S] and causal', dims: [2, 4, 4, 2, 1, 3, 2], causal: true, mask: [2, 2, 4, 4]},
  {name: 'mask [T, S] (rank 2), grouped heads', dims: [1, 3, 4, 4, 2, 2, 3], mask: [3, 4]},
];

test('DotProductAttention (reference kernel) equals the composite it replaced: values and gradients', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    for (const [c, {name, dims: [B, T, S, N, K, H, Hv], causal = false, mask}] of CASES.entries()) {
      const cast = (t: Tensor) => (dtype === 'float64' ? t : ops.cast(t, 'float32'));
      const q = cast(randn64([B, T, N, H], 10 + c)), k = cast(randn64([B, S, K, H], 20 + c)), v = cast(randn64([B, S, K, Hv], 30 + c));
      const m = mask ? maskOf(mask, 'bool', c) : null;
      const w = cast(randn64([B, T, N, Hv], 40 + c));
      const run = (f: () => Tensor) => {
        const tape = new GradientTape();
        tape.watch([q, k, v]);
        let y!: Tensor;
        const loss = tape.run(() => ops.sum(ops.multiply((y = f()), w)));
        return [y, ...tape.gradient(loss, [q, k, v]).map((g) => g!)];
      };
      const opts = {mask: m, isCausal: causal, scale: 0.7};
      const got = run(() => ops.dotProductAttention(q, k, v, opts));
      const want = run(() => dotProductAttentionComposite(q, k, v, opts));
      const tol = dtype === 'float64' ? {rtol: 1e-10, atol: 1e-12} : {rtol: 1e-5, atol: 1e-6};
      got.forEach((g, i) => assertClose(g, want[i]!, {...tol, label: `${dtype} ${name} ${['y', 'dq', 'dk', 'dv'][i]}`}));
    }
  }
});

test('DotProductAttention: gradients against finite differences in float64 (masks, causal, grouped heads)', () => {
  for (const [c, {name, dims: [B, T, S, N, K, H, Hv], causal = false, mask}] of CASES.entries()) {
    const m = mask ? maskOf(mask, 'float64', c) : null;
    const inputs = [randn64([B, T, N, H], 50 + c), randn64([B, S, K, H], 60 + c), randn64([B, S, K, Hv], 70 + c)];
    checkGradients((q, k, v) => ops.dotProductAttention(q!, k!, v!, {mask: m, isCausal: causal}), inputs, {label: name});
  }
});

test('DotProductAttention: its logsumexp output and the second-order rule (DotProductAttentionGrad) against finite differences', () => {
  const [B, T, S, N, K, H, Hv] = [1, 3, 4, 4, 2, 2, 3];
  const m = maskOf([1, 1, T, S], 'float64', 2);
  const dy = randn64([B, T, N, Hv], 81), dLse = randn64([B, N, T], 82);
  const attrs = {scale: 0.6, isCausal: true};
  const forward = (q: Tensor, k: Tensor, v: Tensor) => runAll('DotProductAttention', {query: q, key: k, value: v, mask: [m]}, attrs);
  const inputs = [randn64([B, T, N, H], 83), randn64([B, S, K, H], 84), randn64([B, S, K, Hv], 85)];
  // lse is an output with its own gradient: d lse / d logits = softmax
  checkGradients((q, k, v) => forward(q!, k!, v!)[1]!, inputs, {label: 'lse'});
  // the gradient kernel as a function of q, k, v (y and lse from the forward): its tape is the second order
  const grads = (q: Tensor, k: Tensor, v: Tensor) => {
    const [y, lse] = forward(q, k, v);
    const [dq, dk, dv] = runAll('DotProductAttentionGrad', {dy, dLse, query: q, key: k, value: v, y: y!, lse: lse!, mask: [m]}, attrs);
    return ops.concatenate([dq!, dk!, dv!].map((g) => ops.reshape(g, [-1])), 0);
  };
  checkGradients((q, k, v) => grads(q!, k!, v!), inputs, {label: 'DotProductAttentionGrad'});
  // and in dy and dLse (the first-order rule is linear in them)
  const [q, k, v] = inputs as [Tensor, Tensor, Tensor];
  const [y, lse] = forward(q, k, v) as [Tensor, Tensor];
  const dq = (g: Tensor, gl: Tensor) => runAll('DotProductAttentionGrad', {dy: g, dLse: gl, query: q, key: k, value: v, y, lse, mask: [m]}, attrs)[0]!;
  checkGradients((g, gl) => dq(g!, gl!), [dy, dLse], {label: 'd/d dy, dLse'});
});

test('dotProductAttention: a row whose keys are all masked attends to all equally, as Keras', () => {
  const q = randn64([1, 2, 1, 2], 1), k = randn64([1, 3, 1, 2], 2), v = randn64([1, 3, 1, 2], 3);
  const mask = new Tensor([1, 1, 2, 3], 'bool', Uint8Array.from([0, 0, 0, 1, 0, 1]));
  const y = ops.dotProductAttention(q, k, v, {mask});
  const mean = [0, 1].map((h) => (v.values[h]! + v.values[2 + h]! + v.values[4 + h]!) / 3);
  assertClose(y.values.slice(0, 2), mean, {rtol: 1e-12, label: 'fully masked row'});
  // the other row sees keys 0 and 2 only
  const logit = (s: number) => (q.values[2]! * k.values[2 * s]! + q.values[3]! * k.values[2 * s + 1]!) / Math.sqrt(2);
  const [e0, e2] = [Math.exp(logit(0)), Math.exp(logit(2))];
  const row1 = [0, 1].map((h) => (e0 * v.values[h]! + e2 * v.values[4 + h]!) / (e0 + e2));
  assertClose(y.values.slice(2, 4), row1, {rtol: 1e-12, label: 'partly masked row'});
});
