/**
 * The fused update kernels (`SGDUpdate`, `RMSpropUpdate`, `AdamUpdate`, `AdadeltaUpdate`) against the
 * composite ops they replace, on every backend this process can load: several steps on random data,
 * float64 to 1e-12 and float32 to 2 ulps (they agree bit for bit by construction), with and without
 * the base class's clipping, weight decay, EMA, loss scaling and gradient accumulation; the fused
 * kernel must actually run (a spy counts kernel calls), natively where the native backend takes it.
 * Also: updates are pure (a tensor a caller holds never changes), and the native kernel rejects
 * wrong buffer lengths with a clear error.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {Variable} from '../autodiff/variable.js';
import type {AnyKernelImpl, Backend} from '../backends/backend.js';
import {KernelId, OptimizerRule} from '../backends/compiled/abi.js';
import {loadNativeBackend, type NativeBackend} from '../backends/native/index.js';
import {backendName, registerBackend, setBackend} from '../backends/registry.js';
import {KERNELS} from '../kernels/index.js';
import type {DType} from '../tensor/dtype.js';
import {Tensor} from '../tensor/tensor.js';
import {Adadelta, Adam, AdamW, RMSprop, SGD, schedules, type Optimizer} from './index.js';
import {xorshift32} from '../testing/kernel_test.js';

const FUSED = ['SGDUpdate', 'RMSpropUpdate', 'AdamUpdate', 'AdadeltaUpdate'] as const;

const loaded = loadNativeBackend();
const native = typeof loaded === 'string' ? null : (loaded as NativeBackend);
const BACKENDS = native ? ['reference', 'native'] : ['reference'];
if (!native) console.log(`# native backend not built: fused updates tested on the reference backend only (${loaded as string})`);

const rand = xorshift32(2463534242);
function randT(shape: number[], dtype: DType, scale = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  // a few exact zeros: Adadelta's and RMSprop's first steps divide sqrt(0 + eps)
  for (let i = 0; i < n; i++) v[i] = i % 97 === 5 ? 0 : scale * (2 * rand() - 1);
  return new Tensor(shape, dtype, v);
}

/** Runs `body` on backend `name` with every kernel call counted: ran (by that backend) or fell back. */
function spy<T>(name: string, body: () => T): {result: T; ran: Map<string, number>; fell: Map<string, number>} {
  const prev = backendName();
  const inner: Backend = setBackend(name);
  const ran = new Map<string, number>(), fell = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const kernels: Record<string, AnyKernelImpl> = {};
  for (const k of Object.keys(KERNELS)) {
    const impl = (inner.kernels as Record<string, AnyKernelImpl | undefined>)[k];
    kernels[k] = (inputs, attrs, outputs) => {
      const r = impl ? impl(inputs, attrs, outputs) : false;
      bump(r === false ? fell : ran, k);
      return r;
    };
  }
  registerBackend(`${name}-spy`, () => ({name: `${name}-spy`, kernels}));
  setBackend(`${name}-spy`);
  try {
    return {result: body(), ran, fell};
  } finally {
    setBackend(prev);
  }
}

const f32 = new Float32Array(2), i32 = new Int32Array(f32.buffer);
/** Distance in units in the last place between two float32 values (0 when equal, NaN with NaN). */
function ulps32(a: number, b: number): number {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return 0;
  f32[0] = a;
  f32[1] = b;
  const ord = (i: number) => (i < 0 ? -(i & 0x7fffffff) : i);
  return Math.abs(ord(i32[0]!) - ord(i32[1]!));
}

function assertAgree(fused: Tensor, composite: Tensor, dtype: DType, what: string): number {
  assert.deepEqual(fused.shape, composite.shape, `${what}: shape`);
  let worst = 0;
  for (let i = 0; i < fused.size; i++) {
    const a = fused.values[i]!, b = composite.values[i]!;
    if (dtype === 'float32') {
      const u = ulps32(a, b);
      worst = Math.max(worst, u);
      if (u > 2) assert.fail(`${what}[${i}]: fused ${a} vs composite ${b} (${u} ulps)`);
    } else if (!(Math.abs(a - b) <= 1e-12 * (1 + Math.abs(b))) && !(Number.isNaN(a) && Number.isNaN(b))) {
      assert.fail(`${what}[${i}]: fused ${a} vs composite ${b}`);
    }
  }
  return worst;
}

interface Case {
  label: string;
  make: () => Optimizer;
  /** The fused kernel this configuration uses, or null where it stays on the composite ops. */
  kernel: (typeof FUSED)[number] | null;
}

const CASES: Case[] = [
  {label: 'SGD', make: () => new SGD({learningRate: 0.1}), kernel: 'SGDUpdate'},
  {label: 'SGD momentum', make: () => new SGD({learningRate: 0.05, momentum: 0.9}), kernel: 'SGDUpdate'},
  {label: 'SGD nesterov', make: () => new SGD({learningRate: 0.05, momentum: 0.7, nesterov: true}), kernel: 'SGDUpdate'},
  {label: 'RMSprop', make: () => new RMSprop({learningRate: 0.01}), kernel: 'RMSpropUpdate'},
  {label: 'RMSprop momentum', make: () => new RMSprop({learningRate: 0.01, rho: 0.8, momentum: 0.5, epsilon: 1e-3}), kernel: 'RMSpropUpdate'},
  {label: 'RMSprop centered (composite)', make: () => new RMSprop({centered: true, momentum: 0.5}), kernel: null},
  {label: 'Adam', make: () => new Adam({learningRate: 0.01}), kernel: 'AdamUpdate'},
  {label: 'Adam beta/epsilon', make: () => new Adam({learningRate: 0.02, beta1: 0.5, beta2: 0.75, epsilon: 0.1}), kernel: 'AdamUpdate'},
  {label: 'Adam amsgrad (composite)', make: () => new Adam({amsgrad: true}), kernel: null},
  {label: 'AdamW', make: () => new AdamW({learningRate: 0.01, weightDecay: 0.1}), kernel: 'AdamUpdate'},
  {label: 'Adadelta', make: () => new Adadelta({learningRate: 1}), kernel: 'AdadeltaUpdate'},
  // the base class's features around updateStep
  {label: 'SGD momentum + clipnorm', make: () => new SGD({learningRate: 0.1, momentum: 0.9, clipnorm: 0.5}), kernel: 'SGDUpdate'},
  {label: 'Adam + globalClipnorm + EMA', make: () => new Adam({globalClipnorm: 1, useEma: true, emaOverwriteFrequency: 3}), kernel: 'AdamUpdate'},
  {label: 'RMSprop + accumulation + clipvalue', make: () => new RMSprop({gradientAccumulationSteps: 2, clipvalue: 0.1}), kernel: 'RMSpropUpdate'},
  {label: 'Adadelta + weightDecay + lossScale', make: () => new Adadelta({weightDecay: 0.01, lossScaleFactor: 4}), kernel: 'AdadeltaUpdate'},
  {
    label: 'Adam + schedule',
    make: () => new Adam({learningRate: new schedules.ExponentialDecay(0.01, 2, 0.5)}),
    kernel: 'AdamUpdate',
  },
];

// 7: a bias-sized variable (natively too: a call costs less than a loop run once a step); 33 x 17:
// one native call; 300 x 250: above the native threshold for threading
const SHAPES = [[7], [33, 17], [300, 250]];
const STEPS = 5;

for (const backend of BACKENDS) {
  for (const dtype of ['float32', 'float64'] as const) {
    test(`fused updates equal the composite ops over ${STEPS} steps (${backend}, ${dtype})`, (t) => {
      const threads = native?.getNumThreads();
      if (backend === 'native') native!.setNumThreads(3); // several chunks: results must not depend on the split
      try {
        let worst = 0;
        for (const c of CASES) {
          const w0 = SHAPES.map((s) => randT(s, dtype));
          const fusedVars = w0.map((w, i) => new Variable(w, {name: `w${i}`}));
          const compVars = w0.map((w, i) => new Variable(w, {name: `w${i}`}));
          const fused = c.make(), composite = c.make();
          composite.fusedUpdates = false;
          let updates = 0;
          for (let step = 0; step < STEPS; step++) {
            const grads = SHAPES.map((s) => randT(s, dtype, step === 2 ? 10 : 1));
            const {ran, fell} = spy(backend, () => fused.apply(grads, fusedVars));
            const accumulating = fused.gradientAccumulationSteps !== null && (step + 1) % fused.gradientAccumulationSteps !== 0;
            if (!accumulating) updates++;
            const calls = c.kernel ? (ran.get(c.kernel) ?? 0) + (fell.get(c.kernel) ?? 0) : 0;
            for (const k of FUSED) if (k !== c.kernel) assert.equal((ran.get(k) ?? 0) + (fell.get(k) ?? 0), 0, `${c.label}: ${k} ran`);
            if (c.kernel) {
              assert.equal(calls, accumulating ? 0 : SHAPES.length, `${c.label} step ${step + 1}: ${c.kernel} calls`);
              if (backend === 'native' && dtype === 'float32' && !accumulating) {
                // every variable runs natively, the small one too
                assert.equal(ran.get(c.kernel), 3, `${c.label}: native ${c.kernel} calls`);
              }
            }
            const {ran: cran} = spy(backend, () => composite.apply(grads, compVars));
            for (const k of FUSED) assert.equal(cran.get(k) ?? 0, 0, `${c.label}: composite path ran ${k}`);
            fusedVars.forEach((v, i) => {
              worst = Math.max(worst, assertAgree(v.value, compVars[i]!.value, dtype, `${c.label} step ${step + 1} var ${i}`));
            });
            fused.variables.forEach((v, i) => {
              worst = Math.max(worst, assertAgree(v.value, composite.variables[i]!.value, dtype, `${c.label} step ${step + 1} ${v.name}`));
            });
          }
          assert.ok(updates > 0);
        }
        if (dtype === 'float32') t.diagnostic(`largest difference fused vs composite: ${worst} ulps`);
      } finally {
        if (threads !== undefined) native!.setNumThreads(threads);
      }
    });
  }

  test(`fused updates are pure: tensors a caller holds do not change (${backend})`, () => {
    for (const c of CASES.filter((k) => k.kernel)) {
      const v = new Variable(randT([40, 30], 'float32'), {name: 'w'});
      const opt = c.make();
      const g = randT([40, 30], 'float32');
      spy(backend, () => opt.apply([g], [v])); // builds the slots, runs one step
      const held = [v.value, g, ...opt.variables.map((s) => s.value)];
      const copies = held.map((t) => t.values.slice());
      spy(backend, () => opt.apply([g], [v]));
      held.forEach((t, i) => assert.deepEqual(t.values, copies[i], `${c.label}: held tensor ${i} changed`));
      assert.notEqual(v.value, held[0], `${c.label}: the variable got a new tensor`);
    }
  });
}

test('a fused update for a gradient of another dtype falls back to the composite ops', () => {
  const v = new Variable(randT([4], 'float64'), {name: 'w'});
  const opt = new Adam();
  const {ran, fell} = spy('reference', () => opt.apply([randT([4], 'float32')], [v]));
  assert.equal((ran.get('AdamUpdate') ?? 0) + (fell.get('AdamUpdate') ?? 0), 0);
  assert.equal(v.dtype, 'float64');
});

// ---------------------------------------------------------------------------------------------
// Native: wrong buffer lengths and attributes are clear errors, never out-of-bounds accesses

/** A tensor whose storage does not match its shape (the constructor refuses to build one). */
function forged(shape: number[], values: Float32Array): Tensor {
  return Object.assign(Object.create(Tensor.prototype) as Tensor, {shape, size: shape.reduce((a, b) => a * b, 1), dtype: 'float32', _storage: values, id: -1});
}

const skipNative = native ? false : 'native addon not built';

test('native AdamUpdate rejects buffers that do not match the variable', {skip: skipNative}, () => {
  const n = 300;
  const t = (len = n, shape = [n]) => (len === n && shape[0] === n ? new Tensor(shape, 'float32', new Float32Array(len)) : forged(shape, new Float32Array(len)));
  const adam = native!.kernels.AdamUpdate!;
  const attrs = {alpha: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7};
  const outs = () => [t(), t(), t()];
  assert.throws(() => adam({variable: t(), gradient: t(n - 1), slots: [t(), t()]}, attrs, outs()), /AdamUpdate: gradient must have the variable's shape \[300\] and 300 values. Received: gradient.shape=\[300\] with 299 values/);
  assert.throws(() => adam({variable: t(), gradient: t(), slots: [t(), t(n + 1, [n + 1])]}, attrs, outs()), /AdamUpdate: slots\[1\] must have the variable's shape \[300\].*Received: slots\[1\]\.shape=\[301\]/);
  assert.throws(() => adam({variable: t(), gradient: t(), slots: [t(), t()]}, attrs, [t(), t(10), t()]), /AdamUpdate: output slots\[0\] must have/);
  assert.throws(() => adam({variable: t(), gradient: t(), slots: [t()]}, attrs, outs()), /AdamUpdate: expected 2 slot tensor\(s\) and 3 outputs for these attributes. Received: 1 slots, 3 outputs/);
  const sgd = native!.kernels.SGDUpdate!;
  assert.throws(() => sgd({variable: t(), gradient: t(), slots: []}, {learningRate: 0.1, momentum: 0.9, nesterov: false}, [t(), t()]), /SGDUpdate: expected 1 slot/);
});

test('the addon checks OptimizerUpdate buffers itself (the second line of defence)', {skip: skipNative}, () => {
  const addon = native!.addon;
  const f = (n: number) => new Float32Array(n);
  const attrs = (rule: number, n: number, p: number[]) => Float64Array.from([rule, n, ...p]);
  const adam = [0.01, 0.9, 0.999, 1e-7];
  assert.throws(() => addon.run(KernelId.OptimizerUpdate, [f(300), f(10), f(300), f(300), f(300), f(300), f(300)], attrs(OptimizerRule.Adam, 300, adam)), /native OptimizerUpdate: buffer 1 \(gradient\) holds 10 elements, the attributes need 300/);
  assert.throws(() => addon.run(KernelId.OptimizerUpdate, [f(300), f(300), f(300), f(300), f(300), f(300), f(299)], attrs(OptimizerRule.Adam, 300, adam)), /buffer 6 \(output slot 1\) holds 299 elements/);
  assert.throws(() => addon.run(KernelId.OptimizerUpdate, [f(300), f(300), f(300), f(300), f(300)], attrs(OptimizerRule.Adam, 300, adam)), /native OptimizerUpdate: expected 7 buffers, received 5/);
  // SGD with momentum 0 has no slot: 3 buffers; with momentum, 5
  assert.throws(() => addon.run(KernelId.OptimizerUpdate, [f(8), f(8), f(8)], attrs(OptimizerRule.SGD, 8, [0.1, 0.9, 0, 0])), /expected 5 buffers, received 3/);
  assert.throws(() => addon.run(KernelId.OptimizerUpdate, [f(8), f(8), f(8)], attrs(9, 8, [0, 0, 0, 0])), /unknown update rule 9/);
  assert.throws(() => addon.run(KernelId.OptimizerUpdate, [f(8), f(8), f(8)], Float64Array.from([0, 8, 0.1])), /expected 6 attributes, received 3/);
  assert.throws(() => addon.run(KernelId.OptimizerUpdate, [f(8), f(8), f(8)], attrs(OptimizerRule.SGD, -1, [0.1, 0, 0, 0])), /attribute 1 must be a non-negative integer/);
  // a correct call works: w' = w - g * lr
  const w = Float32Array.from([1, 2, 3]), g = Float32Array.from([1, 1, 2]), out = f(3);
  addon.run(KernelId.OptimizerUpdate, [w, g, out], attrs(OptimizerRule.SGD, 3, [0.5, 0, 0, 0]));
  assert.deepEqual([...out], [0.5, 1.5, 2]);
  assert.deepEqual([...w], [1, 2, 3]);
});

