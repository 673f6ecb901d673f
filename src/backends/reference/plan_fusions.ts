import type {Tensor} from '../../tensor/tensor.js';

/**
 * Kernels of a plan's fusions (src/plan): the values of the kernels they stand for, as this backend
 * computes them.
 *
 * The crossentropy after a softmax (src/plan/patterns.ts): the operations of the composite
 * (losses/losses.ts and its gradient rules) in the same order, each rounded as this backend's kernel
 * rounds it: elementwise results to the dtype, sums accumulated in float64 and rounded once, the clip
 * comparing with its bounds unrounded (as Clip) and the clip's gradient with them rounded (as Less
 * and Greater with constants of the dtype).
 */

/** Rounds to the tensor's dtype: float32 per operation, float64 as is. */
const rounder = (t: Tensor): ((v: number) => number) => (t.dtype === 'float32' ? Math.fround : (v) => v);

export const planFusionImpl = {
  CategoricalCrossentropyProbs: ({target, output}: {target: Tensor; output: Tensor}, a: {epsilon: number}, [loss]: Tensor[]) => {
    const f = rounder(output), n = output.shape.at(-1)!, rows = n ? output.size / n : loss!.size;
    const eps = a.epsilon, lo = f(eps), hi = f(1 - eps);
    const p = output.values, y = target.values, out = loss!.values;
    for (let r = 0; r < rows; r++) {
      const o = r * n;
      let s = 0;
      for (let j = 0; j < n; j++) s += p[o + j]!;
      s = f(s);
      let acc = 0;
      for (let j = 0; j < n; j++) {
        const q = f(p[o + j]! / s), c = q < eps ? lo : q > 1 - eps ? hi : q;
        acc += f(y[o + j]! * f(Math.log(c)));
      }
      out[r] = -f(acc);
    }
  },
  SoftmaxCrossentropyGrad: ({target, output, dy}: {target: Tensor; output: Tensor; dy: Tensor}, a: {epsilon: number}, [dx]: Tensor[]) => {
    const f = rounder(output), n = output.shape.at(-1)!, rows = n ? output.size / n : 0;
    const eps = a.epsilon, lo = f(eps), hi = f(1 - eps);
    const p = output.values, y = target.values, g = dy.values, out = dx!.values;
    for (let r = 0; r < rows; r++) {
      const o = r * n;
      let s = 0;
      for (let j = 0; j < n; j++) s += p[o + j]!;
      s = f(s);
      const s2 = f(s * s), dm = -g[r]!;
      // dq (the gradient at output / s, zero where the clip held it), then w = sum(-dq * output / s^2)
      let w = 0;
      for (let j = 0; j < n; j++) {
        const q = f(p[o + j]! / s), c = q < eps ? lo : q > 1 - eps ? hi : q;
        const dq = q < lo || q > hi ? 0 : f(f(dm * y[o + j]!) / c);
        out[o + j] = dq;
        w -= f(f(dq * p[o + j]!) / s2);
      }
      w = f(w);
      // dp = dq / s + w, then through the softmax: output * (dp - sum(dp * output))
      let e = 0;
      for (let j = 0; j < n; j++) {
        const dp = f(f(out[o + j]! / s) + w);
        out[o + j] = dp;
        e += f(dp * p[o + j]!);
      }
      e = f(e);
      for (let j = 0; j < n; j++) out[o + j] = f(p[o + j]! * f(out[o + j]! - e));
    }
  },
  /** Mul(a, b), ActivationGrad relu at y, and its sum over the leading axes (accumulated in float64, rounded once). */
  MulReluGradSum: ({a, b, y}: {a: Tensor; b: Tensor; y: Tensor}, _attrs: unknown, [dz, db]: Tensor[]) => {
    const f = rounder(a), n = db!.size, rows = n ? a.size / n : 0;
    const av = a.values, bv = b.values, yv = y.values, out = dz!.values, acc = new Float64Array(n);
    for (let r = 0; r < rows; r++) {
      for (let j = 0, i = r * n; j < n; j++, i++) {
        // as ActivationGrad relu: dy where y > 0, else +0
        const v = yv[i]! > 0 ? f(av[i]! * bv[i]!) : 0;
        out[i] = v;
        acc[j]! += v;
      }
    }
    db!.values.set(acc);
  },
  /** ArgMax of a and of b over the last axis (as the ArgMax kernel: first maximum, a NaN wins), equal: 1, else 0. */
  ArgMaxMatch: ({a, b}: {a: Tensor; b: Tensor}, _attrs: unknown, [match]: Tensor[]) => {
    const n = a.shape.at(-1)!, out = match!.values;
    for (let r = 0; r < out.length; r++) out[r] = argMax(a.values, r * n, n) === argMax(b.values, r * n, n) ? 1 : 0;
  },
};

function argMax(v: ArrayLike<number>, o: number, n: number): number {
  let best = v[o]!, bi = 0;
  for (let k = 1; k < n; k++) {
    const x = v[o + k]!;
    if (!Number.isNaN(best) && (x > best || Number.isNaN(x))) {
      best = x;
      bi = k;
    }
  }
  return bi;
}
