import assert from 'node:assert/strict';
import {GradientTape} from '../gradients/tape.js';
import * as ops from '../ops/index.js';
import {fmtShape} from '../tensor/shape.js';
import {Tensor} from '../tensor/tensor.js';

/**
 * Checks the tape's gradient of `sum(f(...inputs) * w)` (w a fixed random weighting, so every
 * output element matters differently) against central finite differences, in float64.
 */
export function checkGradients(
  f: (...xs: Tensor[]) => Tensor,
  inputs: Tensor[],
  {eps = 1e-6, rtol = 1e-5, atol = 1e-7, label = 'f'}: {eps?: number; rtol?: number; atol?: number; label?: string} = {},
): void {
  for (const x of inputs) assert.equal(x.dtype, 'float64', `${label}: gradient checks run in float64`);
  const y0 = f(...inputs);
  const w = new Tensor(y0.shape, 'float64', Float64Array.from({length: y0.size}, (_, i) => Math.sin(i * 1.7 + 0.3) + 1.5));
  const objective = (...xs: Tensor[]) => ops.sum(ops.multiply(f(...xs), w));
  const tape = new GradientTape();
  tape.watch(inputs);
  const value = tape.run(() => objective(...inputs));
  const grads = tape.gradient(value, inputs);
  inputs.forEach((x, k) => {
    const g = grads[k];
    assert.ok(g, `${label}: no gradient for input ${k}`);
    assert.deepEqual([...g.shape], [...x.shape], `${label}: gradient ${k} has shape ${fmtShape(g.shape)}, input ${fmtShape(x.shape)}`);
    for (let i = 0; i < x.size; i++) {
      const plus = x.values.slice() as Float64Array;
      const minus = x.values.slice() as Float64Array;
      plus[i]! += eps;
      minus[i]! -= eps;
      const at = (v: Float64Array) => {
        const xs = inputs.slice();
        xs[k] = new Tensor(x.shape, 'float64', v);
        return objective(...xs).item();
      };
      const numeric = (at(plus) - at(minus)) / (2 * eps);
      const analytic = g.values[i]!;
      const tol = atol + rtol * Math.max(Math.abs(numeric), Math.abs(analytic)) + 1e-6 * Math.abs(value.item()) * 0;
      assert.ok(
        Math.abs(numeric - analytic) <= Math.max(tol, 1e-5 * (1 + Math.abs(numeric))),
        `${label}: d/d input${k}[${i}]: analytic ${analytic}, numeric ${numeric}`,
      );
    }
  });
}

/** Asserts two tensors (or arrays) are close: |a - b| <= atol + rtol * |b|. */
export function assertClose(actual: Tensor | ArrayLike<number>, expected: Tensor | ArrayLike<number>, {rtol = 1e-5, atol = 1e-6, label = ''} = {}): void {
  const a = actual instanceof Tensor ? actual.values : actual;
  const b = expected instanceof Tensor ? expected.values : expected;
  if (actual instanceof Tensor && expected instanceof Tensor) {
    assert.deepEqual([...actual.shape], [...expected.shape], `${label} shape`);
  }
  assert.equal(a.length, b.length, `${label}: length ${a.length} vs ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    if (Number.isNaN(y) && Number.isNaN(x)) continue;
    if (x === y) continue;
    assert.ok(Math.abs(x - y) <= atol + rtol * Math.abs(y), `${label}[${i}]: ${x} vs expected ${y}`);
  }
}

/** Deterministic float64 test input. */
export function randn64(shape: number[], seed = 1, scale = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float64Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u1 = (s + 0.5) / 4294967296;
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u2 = (s + 0.5) / 4294967296;
    v[i] = scale * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
  return new Tensor(shape, 'float64', v);
}
