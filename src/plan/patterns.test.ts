/**
 * The plan's pattern rewrites (patterns.ts) give the values of the kernels they replace, bit for bit:
 * a traced step with the subgraph, replayed from a plan that runs the fused kernels, against the same
 * step run eagerly, on every backend of the run, below and above the size where the compiled kernels
 * take over from JavaScript (so both the reference and the compiled fused kernel are compared).
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {backendName, setBackend} from '../backends/registry.js';
import {GradientTape} from '../gradients/tape.js';
import {categoricalCrossentropy} from '../losses/losses.js';
import * as ops from '../ops/index.js';
import {run} from '../ops/core.js';
import {Tensor} from '../tensor/tensor.js';
import {xorshift32} from '../testing/kernel_test.js';
import {Plan} from './plan.js';
import {traceStep} from './trace.js';

const ACTIVE = backendName();
const BACKENDS = ACTIVE === 'native' ? ['reference', 'native'] : [ACTIVE];

/** Logits with a wide spread (some probabilities clipped at epsilon or 1 - epsilon), one-hot or soft targets, weights. */
function data(rows: number, n: number, seed: number): Tensor[] {
  const rand = xorshift32(seed);
  const z = Float32Array.from({length: rows * n}, () => (rand() - 0.5) * (rand() < 0.3 ? 60 : 6));
  const y = new Float32Array(rows * n);
  for (let r = 0; r < rows; r++) {
    if (r % 3 === 2) for (let j = 0; j < n; j++) y[r * n + j] = rand(); // soft labels, not normalized
    else y[r * n + Math.floor(rand() * n)] = 1;
  }
  const dy = Float32Array.from({length: rows}, () => rand() * 2 - 0.5);
  return [new Tensor([rows, n], 'float32', z), new Tensor([rows, n], 'float32', y), new Tensor([rows], 'float32', dy)];
}

/** Keras's crossentropy on a softmax output, per sample, and its gradient in the logits weighted by dy. */
function step(z: Tensor, y: Tensor, dy: Tensor): Tensor[] {
  const tape = new GradientTape();
  tape.watch(z);
  const loss = tape.run(() => categoricalCrossentropy(y, ops.softmax(z)));
  return [loss, tape.gradient(loss, [z], dy)[0]!];
}

for (const backend of BACKENDS) {
  test(`${backend}: the crossentropy fusion (CategoricalCrossentropyProbs, SoftmaxCrossentropyGrad) gives the composite's values bit for bit`, () => {
    const prev = backendName();
    setBackend(backend);
    try {
      for (const [rows, n] of [[4, 10], [64, 10], [3, 300]] as const) {
        const traced = data(rows, n, 1);
        const {trace} = traceStep(traced, () => step(traced[0]!, traced[1]!, traced[2]!), (r) => r);
        assert.notEqual(typeof trace, 'string', String(trace));
        const plan = new Plan(trace as Exclude<typeof trace, string>);
        const names = plan.kernelNames();
        assert.deepEqual(names, ['Softmax', 'CategoricalCrossentropyProbs', 'SoftmaxCrossentropyGrad'], `${rows}x${n}: the plan's kernels`);
        for (const seed of [2, 3]) {
          const inputs = data(rows, n, seed);
          const got = plan.run(inputs).map((t) => Array.from(t!.values));
          const want = step(inputs[0]!, inputs[1]!, inputs[2]!).map((t) => Array.from(t.values));
          assert.deepEqual(got[0], want[0], `${rows}x${n}, seed ${seed}: the loss`);
          assert.deepEqual(got[1], want[1], `${rows}x${n}, seed ${seed}: the logits' gradient`);
        }
      }
    } finally {
      setBackend(prev);
    }
  });
}

test('the crossentropy fusion needs the whole pattern: a second use of the softmax output in the loss keeps the composite', () => {
  const [z, y, dy] = data(4, 5, 4);
  // the softmax output also feeds a second loss term: its gradient is a sum the fused kernel would miss
  const twice = (zz: Tensor, yy: Tensor, d: Tensor) => {
    const tape = new GradientTape();
    tape.watch(zz);
    const loss = tape.run(() => {
      const p = ops.softmax(zz);
      return ops.add(categoricalCrossentropy(yy, p), ops.sum(ops.square(p), -1));
    });
    return [loss, tape.gradient(loss, [zz], d)[0]!];
  };
  const {trace} = traceStep([z!, y!, dy!], () => twice(z!, y!, dy!), (r) => r);
  const plan = new Plan(trace as Exclude<typeof trace, string>);
  assert.ok(!plan.kernelNames().includes('SoftmaxCrossentropyGrad'), plan.kernelNames().join());
  const inputs = data(4, 5, 5);
  assert.deepEqual(plan.run(inputs).map((t) => Array.from(t!.values)), twice(inputs[0]!, inputs[1]!, inputs[2]!).map((t) => Array.from(t.values)));
});

for (const backend of BACKENDS) {
  test(`${backend}: MulReluGradSum (Mul, ActivationGrad relu, Sum over the leading axes) gives the three kernels' values bit for bit`, () => {
    const prev = backendName();
    setBackend(backend);
    try {
      const step = (a: Tensor, b: Tensor, y: Tensor) => {
        const g = run('ActivationGrad', {dy: ops.multiply(a, b), y}, {activation: 'relu'});
        return [g, ops.sum(g, [...Array(g.rank - 1).keys()])];
      };
      // the last one large enough for the thread pool (column ranges per thread)
      for (const shape of [[4, 6], [16, 40], [3, 5, 70], [128, 512]]) {
        const rand = xorshift32(shape.length * 100 + shape[0]!);
        const t = (f: () => number) => new Tensor(shape, 'float32', Float32Array.from({length: shape.reduce((p, d) => p * d, 1)}, f));
        // a mask of 0 and 1.25 (dropout's), relu outputs with zeros, gradients of both signs (so -0 products)
        const inputs = () => [t(() => rand() - 0.5), t(() => (rand() < 0.3 ? 0 : 1.25)), t(() => Math.max(0, rand() - 0.4))];
        const traced = inputs();
        const {trace} = traceStep(traced, () => step(traced[0]!, traced[1]!, traced[2]!), (r) => r);
        const plan = new Plan(trace as Exclude<typeof trace, string>);
        assert.deepEqual(plan.kernelNames(), ['MulReluGradSum'], `${shape}`);
        const next = inputs();
        const got = plan.run(next).map((x) => Array.from(x!.values));
        const want = step(next[0]!, next[1]!, next[2]!).map((x) => Array.from(x.values));
        assert.deepEqual(got, want, `${shape}`);
      }
    } finally {
      setBackend(prev);
    }
  });
}

for (const backend of BACKENDS) {
  test(`${backend}: ArgMaxMatch (an accuracy's ArgMax, ArgMax, Equal, Cast) gives the four kernels' values bit for bit`, () => {
    const prev = backendName();
    setBackend(backend);
    try {
      const step = (a: Tensor, b: Tensor) => [ops.cast(ops.equal(ops.argmax(a, -1), ops.argmax(b, -1)), 'float32')];
      for (const shape of [[7, 4], [300, 10], [2, 3, 5]]) {
        const rand = xorshift32(shape[0]! * 7 + shape.length);
        // few distinct values (ties: the first maximum counts), a NaN now and then (it counts as the maximum)
        const t = () => new Tensor(shape, 'float32', Float32Array.from({length: shape.reduce((p, d) => p * d, 1)}, () => (rand() < 0.03 ? NaN : Math.floor(rand() * 3))));
        const [a, b] = [t(), t()];
        const {trace} = traceStep([a, b], () => step(a, b), (r) => r);
        const plan = new Plan(trace as Exclude<typeof trace, string>);
        assert.deepEqual(plan.kernelNames(), ['ArgMaxMatch'], `${shape}`);
        const [a2, b2] = [t(), t()];
        const got = Array.from(plan.run([a2, b2])[0]!.values), want = Array.from(step(a2, b2)[0]!.values);
        assert.deepEqual(got, want, `${shape}`);
        assert.ok(want.includes(1) && want.includes(0), 'both outcomes occur');
      }
    } finally {
      setBackend(prev);
    }
  });
}

for (const backend of BACKENDS) {
  test(`${backend}: a MatMul and its bias's Add run as one FusedDense where that gives their values bit for bit (the compiled backends)`, () => {
    const prev = backendName();
    setBackend(backend);
    try {
      const step = (x: Tensor, w: Tensor, b: Tensor) => [ops.add(ops.matmul(x, w), b)];
      for (const [m, k, n] of [[128, 512, 10], [8, 512, 10], [33, 70, 9], [64, 300, 200]] as const) {
        const rand = xorshift32(m * k + n);
        const t = (shape: number[]) => new Tensor(shape, 'float32', Float32Array.from({length: shape[0]! * (shape[1] ?? 1)}, () => rand() - 0.5));
        const [x, w, b] = [t([m, k]), t([k, n]), t([n])];
        const {trace} = traceStep([x, w, b], () => step(x, w, b), (r) => r);
        const plan = new Plan(trace as Exclude<typeof trace, string>);
        assert.deepEqual(plan.kernelNames(), backend === 'reference' ? ['MatMul', 'Add'] : ['FusedDense'], `${m}x${k}x${n}`);
        const [x2, w2, b2] = [t([m, k]), t([k, n]), t([n])];
        assert.deepEqual(Array.from(plan.run([x2, w2, b2])[0]!.values), Array.from(step(x2, w2, b2)[0]!.values), `${m}x${k}x${n}`);
      }
    } finally {
      setBackend(prev);
    }
  });
}

test('the crossentropy fusion leaves a target that broadcasts against the probabilities to the composite', () => {
  const [z] = data(4, 5, 6);
  const y = new Tensor([1, 5], 'float32', Float32Array.from([0, 1, 0, 0.5, 0]));
  const step = (zz: Tensor) => {
    const p = ops.softmax(zz);
    return [ops.negative(ops.sum(ops.multiply(y, ops.log(ops.clip(ops.divide(p, ops.sum(p, -1, true)), 1e-7, 1 - 1e-7))), -1))];
  };
  const {trace} = traceStep([z!], () => step(z!), (r) => r);
  const plan = new Plan(trace as Exclude<typeof trace, string>);
  assert.ok(!plan.kernelNames().includes('CategoricalCrossentropyProbs'), plan.kernelNames().join());
  const [z2] = data(4, 5, 7);
  assert.deepEqual(Array.from(plan.run([z2!])[0]!.values), Array.from(step(z2!)[0]!.values));
});
