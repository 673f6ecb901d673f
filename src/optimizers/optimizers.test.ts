import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {test} from 'node:test';
import {Variable} from '../autodiff/variable.js';
import {GradientTape} from '../gradients/tape.js';
import * as ops from '../ops/index.js';
import type {AnyKernelImpl, Backend} from '../backends/backend.js';
import {backendName, getBackend, registerBackend, setBackend} from '../backends/registry.js';
import {KERNELS} from '../kernels/index.js';
import {tensor, type Tensor} from '../tensor/tensor.js';
import * as optimizers from './index.js';
import {Optimizer, RMSprop, SGD, Adam, schedules} from './index.js';

const FIX = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'optimizers');

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!, e = expected[i]!;
    assert.ok(Math.abs(a - e) <= tol * (1 + Math.abs(e)), `${what}[${i}]: ${a} vs ${e}`);
  }
}

const f64 = (values: number[], shape: number[]): Tensor => tensor(Float64Array.from(values), shape, 'float64');

/** Runs `body` with the calls of every kernel counted (whether the active backend or its fallback ran it). */
function countKernels(body: () => void): Map<string, number> {
  const prev = backendName(), inner: Backend = getBackend();
  const calls = new Map<string, number>();
  const kernels: Record<string, AnyKernelImpl> = {};
  for (const k of Object.keys(KERNELS)) {
    const impl = (inner.kernels as Record<string, AnyKernelImpl | undefined>)[k];
    kernels[k] = (inputs, attrs, outputs) => {
      calls.set(k, (calls.get(k) ?? 0) + 1);
      return impl ? impl(inputs, attrs, outputs) : false;
    };
  }
  registerBackend('count-kernels', () => ({name: 'count-kernels', kernels}));
  setBackend('count-kernels');
  try {
    body();
  } finally {
    setBackend(prev);
  }
  return calls;
}

// The fused update kernel each fixture's configuration runs (the others stay on the composite ops).
const FUSED_KERNEL: Record<string, string> = {
  'adadelta.json': 'AdadeltaUpdate', 'adam.json': 'AdamUpdate', 'adamw.json': 'AdamUpdate', 'rmsprop.json': 'RMSpropUpdate',
  'sgd.json': 'SGDUpdate', 'sgd_momentum.json': 'SGDUpdate', 'sgd_nesterov.json': 'SGDUpdate',
};
const UPDATE_KERNELS = ['SGDUpdate', 'RMSpropUpdate', 'AdamUpdate', 'AdadeltaUpdate'];

// Each fixture: the weights after each of 4 steps, from PyTorch (or a float64 transcription of the
// published algorithm where PyTorch has none), for the same initial weights and gradients. The
// tolerance covers the learning rate, which Keras (and we) keep in a float32 variable.
for (const file of readdirSync(FIX).filter((f) => f.endsWith('.json')).sort()) {
  test(`optimizer fixture ${file}`, () => {
    const fx = JSON.parse(readFileSync(join(FIX, file), 'utf8'));
    const Cls = (optimizers as unknown as Record<string, new (a: unknown) => Optimizer>)[fx.optimizer]!;
    const opt = new Cls(fx.args);
    const vars = fx.shapes.map((s: number[], i: number) => new Variable(f64(fx.w0[i], s), {name: `w${i}`}));
    fx.grads.forEach((gs: number[][], step: number) => {
      const calls = countKernels(() => opt.apply(gs.map((g, i) => f64(g, fx.shapes[i])), vars));
      // the fixtures check the fused kernels where they apply, the composite ops elsewhere
      for (const k of UPDATE_KERNELS) assert.equal(calls.get(k) ?? 0, k === FUSED_KERNEL[file] ? vars.length : 0, `${file}: ${k} calls`);
      vars.forEach((v: Variable, i: number) => close(v.value.values, fx.expected[step][i], 1e-7, `${file} step ${step + 1} var ${i}`));
    });
    assert.equal(opt.iterations, fx.grads.length);
  });
}

test('RMSprop puts epsilon inside the square root (Keras), unlike PyTorch', () => {
  // one step by hand: v = (1 - rho) g^2; w -= lr g / sqrt(v + eps)
  const w = new Variable(f64([1, 1], [2]));
  const opt = new RMSprop({learningRate: 0.1, epsilon: 0.01});
  opt.apply([f64([0.1, -0.2], [2])], [w]);
  const expected = [1 - (0.1 * 0.1) / Math.sqrt(0.1 * 0.01 + 0.01), 1 + (0.1 * 0.2) / Math.sqrt(0.1 * 0.04 + 0.01)];
  close(w.value.values, expected, 1e-7, 'rmsprop eps'); // lr is a float32 variable
});

test('Adam adds epsilon to the uncorrected sqrt(v) (Keras), unlike PyTorch', () => {
  const w = new Variable(f64([0], [1]));
  const opt = new Adam({learningRate: 0.1, epsilon: 0.5});
  opt.apply([f64([2], [1])], [w]);
  // m = 0.2, v = 0.004, alpha = 0.1 * sqrt(0.001) / 0.1
  const alpha = (0.1 * Math.sqrt(1 - 0.999)) / (1 - 0.9);
  close(w.value.values, [-(0.2 * alpha) / (Math.sqrt(0.004) + 0.5)], 1e-7, 'adam eps');
});

test('defaults and names follow Keras 3', () => {
  const r = new RMSprop();
  assert.equal(r.learningRate.toFixed(6), '0.001000');
  assert.equal(r.rho, 0.9);
  assert.equal(r.epsilon, 1e-7);
  assert.match(r.name, /^rm_sprop(_\d+)?$/); // Keras's to_snake_case('RMSprop')
  const d = new optimizers.Adadelta();
  assert.equal(d.learningRate.toFixed(6), '0.001000');
  assert.equal(d.rho, 0.95);
  assert.equal(new SGD().learningRate.toFixed(6), '0.010000');
  assert.equal(new optimizers.AdamW().weightDecay, 0.004);
  assert.equal(new optimizers.Lion().beta2, 0.99);
  assert.equal(new optimizers.Adagrad().initialAccumulatorValue, 0.1);
});

test('optimizers.get resolves names case-insensitively and lists the valid ones otherwise', () => {
  assert.ok(optimizers.get('rmsprop') instanceof RMSprop);
  assert.ok(optimizers.get('RMSprop') instanceof RMSprop);
  assert.ok(optimizers.get('adamw') instanceof optimizers.AdamW);
  const o = new SGD();
  assert.equal(optimizers.get(o), o);
  assert.throws(() => optimizers.get('rmsprob'), /Could not interpret optimizer identifier: "rmsprob".*adadelta, adagrad, adam, adamax, adamw, ftrl, lion, nadam, rmsprop, sgd/);
  assert.throws(() => new SGD({momentum: 0.9, foo: 1} as never), /not recognized.*foo/);
});

test('optimizer variables: iteration, learning_rate, then slots named after the weights', () => {
  const k = new Variable(f64([1, 2, 3, 4], [2, 2]), {name: 'kernel'});
  k.path = 'dense/kernel';
  const b = new Variable(f64([0, 0], [2]), {name: 'bias'});
  b.path = 'dense/bias';
  const opt = new Adam({name: 'adam'});
  opt.build([k, b]);
  assert.deepEqual(
    opt.variables.map((v) => v.name),
    ['iteration', 'learning_rate', 'dense_kernel_momentum', 'dense_kernel_velocity', 'dense_bias_momentum', 'dense_bias_velocity'],
  );
  assert.equal(opt.variables[2]!.path, 'adam/dense_kernel_momentum');
});

test('clipnorm, clipvalue and globalClipnorm clip the gradient before the update', () => {
  const run = (args: Record<string, number>, g: number[]) => {
    const w = new Variable(f64([0, 0], [2]));
    new SGD({learningRate: 1, ...args}).apply([f64(g, [2])], [w]);
    return [...w.value.values];
  };
  close(run({clipnorm: 1}, [3, 4]), [-0.6, -0.8], 1e-12, 'clipnorm');
  close(run({clipnorm: 10}, [3, 4]), [-3, -4], 1e-12, 'clipnorm no-op');
  close(run({clipvalue: 1}, [3, -0.5]), [-1, 0.5], 1e-12, 'clipvalue');
  const w1 = new Variable(f64([0], [1]));
  const w2 = new Variable(f64([0], [1]));
  new SGD({learningRate: 1, globalClipnorm: 1}).apply([f64([3], [1]), f64([4], [1])], [w1, w2]);
  close([w1.value.values[0]!, w2.value.values[0]!], [-0.6, -0.8], 1e-12, 'global');
  assert.throws(() => new SGD({clipnorm: 1, clipvalue: 1}), /Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set/);
});

test('weightDecay is decoupled: w -= w * wd * lr before the step', () => {
  const w = new Variable(f64([2], [1]));
  new SGD({learningRate: 0.1, weightDecay: 0.5}).apply([f64([1], [1])], [w]);
  close(w.value.values, [2 - 2 * 0.5 * 0.1 - 0.1 * 1], 1e-7, 'wd');
});

test('constraints are applied after the update; null gradients are skipped', () => {
  const w = new Variable(f64([0.5, 0.5], [2]), {constraint: (t) => tensor(Float64Array.from(t.values, (x) => Math.max(0, x)), t.shape, 'float64')});
  const other = new Variable(f64([1], [1]));
  const opt = new SGD({learningRate: 1});
  const warn = console.warn;
  let warned = '';
  console.warn = (m: string) => (warned = m);
  try {
    opt.apply([f64([1, -1], [2]), null], [w, other]);
  } finally {
    console.warn = warn;
  }
  close(w.value.values, [0, 1.5], 1e-12, 'nonneg');
  close(other.value.values, [1], 0, 'skipped');
  assert.match(warned, /Gradients do not exist for variables/);
});

test('a schedule sets the learning rate from the iteration count', () => {
  const w = new Variable(f64([0], [1]));
  const opt = new SGD({learningRate: new schedules.ExponentialDecay(1, 1, 0.5)});
  for (let i = 0; i < 3; i++) opt.apply([f64([1], [1])], [w]);
  close(w.value.values, [-(1 + 0.5 + 0.25)], 1e-12, 'schedule');
  assert.equal(opt.learningRate, 0.125);
  assert.ok(!opt.variables.some((v) => v.name === 'learning_rate'));
  assert.throws(() => (opt.learningRate = 0.1), /not settable/);
  const plain = new SGD();
  plain.learningRate = 0.5;
  assert.equal(plain.learningRate, 0.5);
});

test('learning rate schedules match their Keras formulas', () => {
  // values worked by hand from the formulas in Keras's docstrings
  assert.equal(new schedules.ExponentialDecay(0.1, 10, 0.5).call(5), 0.1 * Math.pow(0.5, 0.5));
  assert.equal(new schedules.ExponentialDecay(0.1, 10, 0.5, {staircase: true}).call(15), 0.05);
  const pc = new schedules.PiecewiseConstantDecay([100, 200], [1, 0.5, 0.1]);
  assert.deepEqual([0, 100, 101, 200, 201].map((s) => pc.call(s)), [1, 1, 0.5, 0.5, 0.1]);
  assert.throws(() => new schedules.PiecewiseConstantDecay([1], [1]), /should be 1 less than the length of values/);
  const poly = new schedules.PolynomialDecay(0.1, 100, {endLearningRate: 0.01, power: 0.5});
  close([poly.call(50), poly.call(200)], [0.09 * Math.sqrt(0.5) + 0.01, 0.01], 1e-15, 'poly');
  const polyCycle = new schedules.PolynomialDecay(0.1, 100, {endLearningRate: 0.01, cycle: true});
  close([polyCycle.call(150)], [0.09 * (1 - 150 / 200) + 0.01], 1e-15, 'poly cycle');
  close([new schedules.InverseTimeDecay(0.1, 10, 0.5).call(20)], [0.1 / 2], 1e-15, 'inverse time');
  const cos = new schedules.CosineDecay(0.1, 100, {alpha: 0.1});
  close([cos.call(50), cos.call(500)], [0.1 * (0.9 * 0.5 + 0.1), 0.01], 1e-15, 'cosine');
  const warm = new schedules.CosineDecay(0, 100, {warmupTarget: 0.1, warmupSteps: 10});
  close([warm.call(5), warm.call(10)], [0.05, 0.1], 1e-15, 'warmup');
  const sgdr = new schedules.CosineDecayRestarts(1, 10); // periods 10, 20, 40
  close([sgdr.call(0), sgdr.call(5), sgdr.call(10), sgdr.call(20)], [1, 0.5, 1, 0.5], 1e-12, 'sgdr');
  const s = schedules.deserialize(schedules.serialize(cos));
  assert.ok(s instanceof schedules.CosineDecay);
  assert.equal(s.call(50), cos.call(50));
});

test('EMA keeps moving averages and fit-end finalization copies them', () => {
  const w = new Variable(f64([0], [1]));
  const opt = new SGD({learningRate: 1, useEma: true, emaMomentum: 0.5});
  opt.apply([f64([-1], [1])], [w]); // w = 1, avg = 1 (first step copies)
  opt.apply([f64([-1], [1])], [w]); // w = 2, avg = 0.5*1 + 0.5*2
  close(w.value.values, [2], 0, 'w');
  opt.finalizeVariableValues([w]);
  close(w.value.values, [1.5], 1e-12, 'ema');
});

test('gradient accumulation averages gradients over the steps', () => {
  const w = new Variable(f64([0], [1]));
  const opt = new SGD({learningRate: 1, gradientAccumulationSteps: 2});
  opt.apply([f64([1], [1])], [w]);
  close(w.value.values, [0], 0, 'no update yet');
  opt.apply([f64([3], [1])], [w]);
  close(w.value.values, [-2], 1e-12, 'mean of 1 and 3');
  assert.equal(opt.iterations, 1);
});

test('getConfig / fromConfig round-trip', () => {
  const o = new RMSprop({learningRate: 0.01, rho: 0.8, centered: true, name: 'r'});
  const c = o.getConfig();
  assert.equal(c['rho'], 0.8);
  const o2 = RMSprop.fromConfig(c) as RMSprop;
  assert.equal(o2.rho, 0.8);
  assert.equal(o2.centered, true);
  assert.ok(Math.abs(o2.learningRate - 0.01) < 1e-9);
  const s = optimizers.deserialize(optimizers.serialize(new SGD({learningRate: new schedules.ExponentialDecay(0.1, 10, 0.9)})));
  assert.ok(Math.abs(s.learningRate - 0.1) < 1e-12);
});

test('a variable read through .value gets no gradient: the error names it and says to read() it', () => {
  const w = new Variable(tensor([1, 2]), {name: 'kernel'});
  const tape = new GradientTape();
  const unseen = tape.run(() => ops.sum(ops.multiply(w.value, 3)));
  const [g] = tape.gradient(unseen, [w]);
  assert.equal(g, null);
  assert.throws(() => new SGD().applyGradients([[g ?? null, w]]), /No gradients provided for any variable: kernel\. .*`variable\.read\(\)`.*`variable\.value` reads it unseen/);
  // read() (or the Variable itself passed to an op) is seen
  const tape2 = new GradientTape();
  const seen = tape2.run(() => ops.sum(ops.multiply(w.read(), 3)));
  assert.deepEqual(tape2.gradient(seen, [w])[0]!.arraySync(), [3, 3]);
});
