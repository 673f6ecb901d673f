/**
 * The plan and its cache on their own and under `fit`: what falls back to eager (with its one debug
 * line), what a replay reruns (host checks, random draws), what it must never do (change a tensor a
 * caller holds), the arena's reuse, the bounded cache, `runEagerly` and `jitCompile: false`.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {Variable} from '../autodiff/variable.js';
import * as L from '../layers/index.js';
import {Layer} from '../layers/layer.js';
import type {Model} from '../models/model.js';
import {Sequential} from '../models/sequential.js';
import * as ops from '../ops/index.js';
import {LambdaCallback} from '../callbacks/index.js';
import {MaxNorm} from '../constraints/constraints.js';
import {Adam, RMSprop, SGD} from '../optimizers/index.js';
import type {Optimizer} from '../optimizers/optimizer.js';
import {ExponentialDecay} from '../optimizers/schedules.js';
import {randomUniform, SeedGenerator, setRandomSeed} from '../tensor/random.js';
import {Tensor} from '../tensor/tensor.js';
import '../models/index.js';
import {PlanCache, setPlanDebugSink} from './index.js';
import {Plan} from './plan.js';
import {traceStep} from './trace.js';

const f32 = (shape: number[], f: (i: number) => number) => new Tensor(shape, 'float32', Float32Array.from({length: shape.reduce((a, b) => a * b, 1)}, (_, i) => f(i)));

function withDebug<T>(fn: (lines: string[]) => Promise<T> | T): Promise<T> {
  const lines: string[] = [];
  setPlanDebugSink((l) => lines.push(l));
  return Promise.resolve(fn(lines)).finally(() => setPlanDebugSink(null));
}

const plansOf = (m: Model) => m.trainerState!.plans!;

test('a traced function replays on new inputs: same values as eager, variables bound to their current values', () => {
  const w = new Variable(f32([3, 2], (i) => i / 10), {name: 'w'});
  const step = (x: Tensor) => [ops.relu(ops.add(ops.matmul(x, w), 1)), ops.sum(ops.reshape(x, [6]))];
  const x1 = f32([2, 3], (i) => i - 2);
  const {trace} = traceStep([x1], () => step(x1), (r) => r);
  assert.notEqual(typeof trace, 'string');
  const plan = new Plan(trace as Exclude<typeof trace, string>);
  const x2 = f32([2, 3], (i) => 5 - i * i);
  w.assign(f32([3, 2], (i) => -i));
  const got = plan.run([x2]).map((t) => Array.from(t!.values));
  assert.deepEqual(got, step(x2).map((t) => Array.from(t.values)));
  assert.equal(plan.kernelCount, 4); // matmul, add, relu, sum (the reshape is a view)
});

test('the arena reuses a buffer once its last reader ran, and never for a kernel that reads it', () => {
  const x = f32([64], (i) => i);
  const chain = (t: Tensor) => {
    let y = t;
    for (let i = 0; i < 6; i++) y = ops.exp(ops.negative(y));
    return [y];
  };
  const {trace} = traceStep([x], () => chain(x), (r) => r);
  const plan = new Plan(trace as Exclude<typeof trace, string>);
  // 12 intermediates of one size, each dead after the next kernel: two buffers alternate (and the live output)
  assert.ok(plan.arena.buffers <= 3, `buffers: ${plan.arena.buffers}`);
  assert.equal(plan.arena.unsharedBytes, 12 * 64 * 4);
  const x2 = f32([64], (i) => -i / 7);
  assert.deepEqual(Array.from(plan.run([x2])[0]!.values), Array.from(chain(x2)[0]!.values));
});

test('a random kernel draws a fresh key from its generator at each replay, as eager draws do', () => {
  const gen = new SeedGenerator(5);
  const x = f32([4, 50], () => 1);
  const step = () => [ops.multiply(x, ops.bernoulliMask([4, 50], 0.5, 'float32', gen))];
  const {result, trace} = traceStep([x], step, (r) => r);
  const plan = new Plan(trace as Exclude<typeof trace, string>);
  const a = Array.from(plan.run([x])[0]!.values);
  const eager = new SeedGenerator(5);
  eager.next(); // the traced run's draw
  const expected = Array.from(ops.multiply(x, ops.bernoulliMask([4, 50], 0.5, 'float32', eager)).values);
  assert.deepEqual(a, expected);
  assert.notDeepEqual(a, Array.from(result[0]!.values));
});

test('a draw on the host (not a random kernel) cannot be traced: the reason names it', () => {
  const x = f32([3], () => 1);
  const {trace} = traceStep([x], () => [ops.add(x, randomUniform([3], {seed: new SeedGenerator(1)}))], (r) => r);
  assert.match(String(trace), /random numbers were drawn on the host/);
});

/** A layer that reads its input on the host and branches on it: the two traced runs differ. */
class HostBranch extends Layer {
  static override readonly className = 'HostBranch';
  override call(x: Tensor): Tensor {
    return x.values[0]! > 0.5 ? ops.multiply(x, 2) : ops.add(x, 1);
  }
  override computeOutputShape(s: (number | null)[]): (number | null)[] {
    return s;
  }
}

test('fit: JS control flow on values falls back to eager with one debug line, and trains as eager does', async () => {
  await withDebug(async (lines) => {
    const run = async (jitCompile: boolean | 'auto') => {
      setRandomSeed(3);
      const m = new Sequential([new HostBranch({inputShape: [3]}), new L.Dense(1)]);
      m.compile({optimizer: new SGD({learningRate: 0.01}), loss: 'mse', jitCompile});
      // batches of 4 rows alternate between the branches
      const x = f32([32, 3], (i) => (Math.floor(i / 12) % 2 ? 0.9 : 0.1));
      await m.fit(x, f32([32, 1], (i) => i % 2), {batchSize: 4, epochs: 2, verbose: 0, shuffle: false});
      return m;
    };
    const eager = await run(false);
    const compiled = await run('auto');
    assert.deepEqual(compiled.getWeights().map((w) => Array.from(w.values)), eager.getWeights().map((w) => Array.from(w.values)));
    assert.equal(plansOf(compiled).plans().length, 0);
    // the step with its update in the plan is traced first, then the step alone: both differ
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0]!, /running the optimizer update and metrics eagerly: .*(constant|kernel)/);
    assert.match(lines[1]!, /running the step eagerly: .*(constant|kernel)/);
  });
});

test('fit: a model that overrides trainStep runs it eagerly, saying so once', async () => {
  await withDebug(async (lines) => {
    class Custom extends Sequential {
      override trainStep(data: Parameters<Sequential['trainStep']>[0]) {
        return super.trainStep(data);
      }
    }
    const m = new Custom([new L.Dense(1, {inputShape: [2]})]);
    m.compile({optimizer: 'sgd', loss: 'mse'});
    await m.fit(f32([16, 2], (i) => i), f32([16, 1], (i) => i), {batchSize: 4, epochs: 2, verbose: 0});
    assert.deepEqual(lines, [`keras-ts: model "${m.name}": running the step eagerly: the model overrides trainStep`]);
    assert.equal(plansOf(m).counts.planned, 0);
  });
});

test('runEagerly: true and jitCompile: false keep every step eager', () => {
  for (const args of [{runEagerly: true}, {jitCompile: false}] as const) {
    const m = new Sequential([new L.Dense(1, {inputShape: [2]})]);
    m.compile({optimizer: 'sgd', loss: 'mse', ...args});
    assert.equal(m.trainerState!.plans, null);
  }
});

test('a replay reruns host checks: an out-of-range token id still fails with the Embedding message', async () => {
  const m = new Sequential([new L.Embedding(10, 4, {inputShape: [3]}), new L.Flatten(), new L.Dense(1)]);
  m.compile({optimizer: 'sgd', loss: 'mse'});
  const y = f32([2, 1], () => 0);
  for (let i = 0; i < 4; i++) m.trainOnBatch(new Tensor([2, 3], 'int32', Int32Array.from([1, 2, 3, 4, 5, i])), y);
  assert.ok(plansOf(m).counts.planned >= 2);
  assert.throws(() => m.trainOnBatch(new Tensor([2, 3], 'int32', Int32Array.from([1, 2, 3, 4, 5, 12])), y), /token id 12 at position \[1, 2\] is out of range/);
});

test('tensors a caller holds never change: predictions, weight values read before a replayed step', async () => {
  const m = new Sequential([new L.Dense(3, {inputShape: [2], activation: 'relu'}), new L.Dense(2)]);
  m.compile({optimizer: 'adam', loss: 'mse'});
  const x = f32([4, 2], (i) => i / 3), y = f32([4, 2], (i) => i % 2);
  for (let i = 0; i < 3; i++) m.trainOnBatch(x, y);
  const held = m.weights[0]!.value;
  const heldCopy = Array.from(held.values);
  const p1 = m.predictOnBatch(x) as Tensor;
  const p1Copy = Array.from(p1.values);
  for (let i = 0; i < 3; i++) m.predictOnBatch(f32([4, 2], (j) => j * i));
  m.trainOnBatch(x, y);
  m.trainOnBatch(x, y);
  assert.deepEqual(Array.from(held.values), heldCopy);
  assert.deepEqual(Array.from(p1.values), p1Copy);
  assert.notDeepEqual(Array.from(m.weights[0]!.value.values), heldCopy);
  assert.ok(plansOf(m).counts.planned >= 4);
});

test('the optimizer update replays in the plan with the learning rate and step count of each step', async () => {
  await withDebug(async (lines) => {
    // a schedule (read at each step), a learning rate set by a callback between epochs, Adam's bias
    // corrections (from the step count): compiled and eager end bit for bit equal
    const cases: [string, () => Optimizer, boolean][] = [
      ['SGD, ExponentialDecay', () => new SGD({learningRate: new ExponentialDecay({initialLearningRate: 0.1, decaySteps: 3, decayRate: 0.5}), momentum: 0.5}), false],
      ['RMSprop, learning rate set after epoch 1', () => new RMSprop({learningRate: 0.01}), true],
      ['Adam', () => new Adam({learningRate: 0.01}), false],
      // a constraint reads the updated kernel: that update is not written in place, its value is copied after the run
      ['Adam, kernel constraint', () => new Adam({learningRate: 0.05}), false],
    ];
    for (const [name, make, setLr] of cases) {
      const run = async (jitCompile: boolean | 'auto') => {
        setRandomSeed(5);
        const kernelConstraint = name.includes('constraint') ? new MaxNorm({maxValue: 0.5}) : null;
        const m = new Sequential([new L.Dense(8, {inputShape: [3], activation: 'relu', kernelConstraint}), new L.Dense(2)]);
        m.compile({optimizer: make(), loss: 'mse', jitCompile});
        const callbacks = setLr ? [new LambdaCallback({onEpochEnd: (epoch) => void (m.optimizer!.learningRate = 0.001 * (epoch + 2))})] : [];
        await m.fit(f32([24, 3], (i) => Math.sin(i)), f32([24, 2], (i) => Math.cos(i)), {batchSize: 4, epochs: 3, verbose: 0, shuffle: false, callbacks});
        return m;
      };
      const eager = await run(false), compiled = await run('auto');
      const values = (m: Model) => [...m.getWeights(), ...m.optimizer!.variables.map((v) => v.value)].map((t) => Array.from(t.values));
      assert.deepEqual(values(compiled), values(eager), name);
      assert.equal(compiled.optimizer!.iterations, 18, name);
      assert.ok(plansOf(compiled).plans().some((p) => p.kernelNames().some((k) => k.endsWith('Update'))), name);
      assert.equal(plansOf(compiled).counts.planned, 16, name);
    }
    assert.deepEqual(lines, []);
  });
});

test('a replayed update writes the weights and slots in place, unless a caller holds the weight tensor', () => {
  const m = new Sequential([new L.Dense(4, {inputShape: [3]}), new L.Dense(1)]);
  m.compile({optimizer: new RMSprop(), loss: 'mse'});
  const y = f32([4, 1], (i) => i);
  for (let i = 0; i < 4; i++) m.trainOnBatch(f32([4, 3], (j) => j * i), y);
  const kernel = m.weights[0]!;
  const own = kernel.unsharedValue();
  const slots = m.optimizer!.variables.slice(2).map((v) => v.unsharedValue());
  assert.ok(own && slots.every((t) => t !== null), 'after a replay the variables own their tensors');
  m.trainOnBatch(f32([4, 3], (j) => j + 5), y);
  assert.equal(plansOf(m).counts.planned >= 3, true);
  assert.equal(kernel.unsharedValue(), own, 'the kernel was updated in place');
  m.optimizer!.variables.slice(2).forEach((v, i) => assert.equal(v.unsharedValue(), slots[i], `${v.path} in place`));
  // a tensor handed out keeps its values: the next replay writes a new one
  const held = kernel.value;
  const copy = Array.from(held.values);
  m.trainOnBatch(f32([4, 3], (j) => j - 5), y);
  assert.deepEqual(Array.from(held.values), copy);
  assert.notEqual(kernel.unsharedValue(), held);
});

test('an update with composite ops (centered RMSprop) runs after the plan, saying so once, as eager does', async () => {
  await withDebug(async (lines) => {
    const run = async (jitCompile: boolean | 'auto') => {
      setRandomSeed(6);
      const m = new Sequential([new L.Dense(4, {inputShape: [3]}), new L.Dense(1)]);
      m.compile({optimizer: new RMSprop({centered: true}), loss: 'mse', jitCompile});
      await m.fit(f32([16, 3], (i) => i / 16), f32([16, 1], (i) => i % 3), {batchSize: 4, epochs: 2, verbose: 0, shuffle: false});
      return m;
    };
    const eager = await run(false), compiled = await run('auto');
    assert.deepEqual(compiled.getWeights().map((w) => Array.from(w.values)), eager.getWeights().map((w) => Array.from(w.values)));
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /running the optimizer update and metrics eagerly: RMSprop updates some variables with composite ops/);
    // the forward and backward pass still replay: 8 steps, the first traced with the update (which
    // fails there), the next two traced without it
    assert.equal(plansOf(compiled).counts.planned, 5);
  });
});

test('the plan cache is bounded: the least recently used signature goes first', () => {
  const cache = new PlanCache('test', 3);
  const w = new Variable(f32([1], () => 2));
  for (let n = 1; n <= 5; n++) {
    for (let k = 0; k < 3; k++) {
      const x = f32([n], (i) => i + k);
      const out = cache.run(`n=${n}`, [x], () => [ops.multiply(x, w)]);
      assert.deepEqual(Array.from(out[0]!.values), Array.from(x.values, (v) => v * 2));
    }
  }
  assert.equal(cache.size, 3);
  assert.equal(cache.plans().length, 3);
  assert.deepEqual(cache.counts, {planned: 5, eager: 10});
});

test('a step run inside another step’s trace runs eagerly, so the outer plan holds its kernels', () => {
  const inner = new PlanCache('inner'), outer = new PlanCache('outer');
  const w = new Variable(f32([2], () => 3));
  const innerStep = (x: Tensor) => inner.run('k', [x], () => [ops.multiply(x, w)]);
  const z = f32([2], (i) => i);
  for (let k = 0; k < 3; k++) innerStep(z); // the inner step has a plan now
  assert.equal(inner.plans().length, 1);
  for (let k = 0; k < 4; k++) {
    const x = f32([2], (i) => i + k);
    const got = outer.run('k', [x], () => [ops.add(innerStep(x)[0]!, 1)]);
    assert.deepEqual(Array.from(got[0]!.values), Array.from(x.values, (v) => v * 3 + 1));
  }
  assert.equal(outer.plans().length, 1);
});

test('two traced runs on equal inputs give a plan for those inputs only: other values are traced and compared first', async () => {
  await withDebug(async (lines) => {
    const run = (jitCompile: boolean | 'auto') => {
      setRandomSeed(4);
      const m = new Sequential([new HostBranch({inputShape: [3]}), new L.Dense(1)]);
      m.compile({optimizer: new SGD({learningRate: 0.01}), loss: 'mse', jitCompile});
      const a = f32([4, 3], () => 0.1), b = f32([4, 3], () => 0.9), y = f32([4, 1], () => 1);
      // the same batch twice (also as a copy), then the other branch
      for (const x of [a, a, f32([4, 3], () => 0.1), a, b, b, a]) m.trainOnBatch(x, y);
      return m;
    };
    const eager = run(false), compiled = run('auto');
    assert.deepEqual(compiled.getWeights().map((w) => Array.from(w.values)), eager.getWeights().map((w) => Array.from(w.values)));
    // runs 3 and 4 replayed the plan made for the equal inputs; run 5 was traced, differed, and the step went eager
    assert.deepEqual(plansOf(compiled).counts, {planned: 2, eager: 5});
    // the step with its update, then (runs 6 and 7) the step alone
    assert.equal(lines.length, 2, lines.join('\n'));
  });
});

test('inputs that view the same bytes as the provisional trace’s count as equal unread; other bytes are compared', () => {
  const cache = new PlanCache('views');
  const w = new Variable(f32([1], () => 2));
  const data = new Float32Array([1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8]);
  const view = (start: number) => new Tensor([4], 'float32', data.subarray(start, start + 4));
  const step = (x: Tensor) => Array.from(cache.run('k', [x], () => [ops.multiply(x, w)])[0]!.values);
  step(view(0));
  step(view(0)); // two traced runs on equal inputs: a plan for those inputs
  assert.deepEqual(step(view(0)), [2, 4, 6, 8]); // the same bytes again (predict's batches): replayed
  assert.deepEqual(step(view(4)), [2, 4, 6, 8]); // other bytes, equal values: replayed
  assert.deepEqual(cache.counts, {planned: 2, eager: 2});
  assert.deepEqual(step(view(8)), [10, 12, 14, 16]); // other values: traced and compared first
  assert.deepEqual(cache.counts, {planned: 2, eager: 3});
});
