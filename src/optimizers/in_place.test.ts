/**
 * The fused updates write slots (and weights nobody read) in place: on every backend this process
 * can load, float32 and float64, several steps of the in-place path equal bit for bit the
 * out-of-place path (every value read between steps, so every update writes a new tensor) and a
 * mixed path (the weights read, as a forward pass reads them; the slots in place); a tensor a caller
 * holds (`slot.value`, `variable.value`) never changes; the in-place path really keeps its tensors.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {Variable} from '../autodiff/variable.js';
import {loadNativeBackend} from '../backends/native/index.js';
import {backendName, setBackend} from '../backends/registry.js';
import type {DType} from '../tensor/dtype.js';
import {Tensor} from '../tensor/tensor.js';
import {Adadelta, Adam, RMSprop, SGD, type Optimizer} from './index.js';
import {xorshift32} from '../testing/kernel_test.js';

const BACKENDS = typeof loadNativeBackend() === 'string' ? ['reference'] : ['reference', 'native'];

const rand = xorshift32(88172645);
/** Random values; a few exact zeros (Adadelta's and RMSprop's first steps divide sqrt(0 + eps)). */
function randValues(n: number, dtype: DType): Float32Array | Float64Array {
  const v = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = i % 89 === 3 ? 0 : 2 * rand() - 1;
  return v;
}

const CONFIGS: {label: string; make: () => Optimizer}[] = [
  {label: 'SGD', make: () => new SGD({learningRate: 0.1})},
  {label: 'SGD momentum', make: () => new SGD({learningRate: 0.1, momentum: 0.9})},
  {label: 'SGD nesterov', make: () => new SGD({learningRate: 0.1, momentum: 0.9, nesterov: true})},
  {label: 'RMSprop', make: () => new RMSprop({learningRate: 0.01})},
  {label: 'RMSprop momentum', make: () => new RMSprop({learningRate: 0.01, momentum: 0.5})},
  {label: 'Adam', make: () => new Adam({learningRate: 0.01})},
  {label: 'Adadelta', make: () => new Adadelta({learningRate: 1})},
];

/** The slot variables: everything but the step counter and the learning rate. */
const slotsOf = (opt: Optimizer) => opt.variables.filter((v) => v.name !== 'iteration' && v.name !== 'learning_rate');
const copy = (t: Tensor) => Array.from(t.values);

// 24 x 30 = 720 elements: above the native backend's threshold, so the native loops run in float32
const SHAPE = [24, 30];
const STEPS = 5;

for (const backend of BACKENDS) {
  for (const dtype of ['float32', 'float64'] as const) {
    test(`${backend} ${dtype}: in place, out of place and mixed agree bit for bit; held tensors never change`, () => {
      const prev = backendName();
      setBackend(backend);
      try {
        for (const {label, make} of CONFIGS) {
          const n = SHAPE[0]! * SHAPE[1]!;
          const init = randValues(n, dtype);
          const grads = Array.from({length: STEPS}, () => new Tensor(SHAPE, dtype, randValues(n, dtype)));
          const paths = ['in place', 'out of place', 'mixed'] as const;
          const vars = paths.map((p) => new Variable(new Tensor(SHAPE, dtype, init.slice()), {name: `w_${p.replace(/ /g, '_')}`}));
          const opts = paths.map(() => make());
          for (let step = 0; step < STEPS; step++) {
            // out of place: every value read before the step, so the update writes new tensors
            const readBefore = [...slotsOf(opts[1]!).map((s) => s.value), vars[1]!.value];
            // mixed: the weight read (as a forward pass reads it), the slots not
            const weightBefore = vars[2]!.read();
            // in place: from step 1 on (the first step copies the initial values in) the tensors are
            // owned and updated in place, except at step 3, where a caller holds them
            const ownedBefore = step >= 1 && step !== 3 ? [...slotsOf(opts[0]!), vars[0]!].map((v) => v.unsharedValue()) : [];
            const held = step === 3 ? [...slotsOf(opts[0]!).map((s) => s.value), vars[0]!.value] : [];
            const heldCopies = held.map(copy);

            paths.forEach((_, i) => opts[i]!.apply([grads[step]!], [vars[i]!]));

            held.forEach((t, k) => assert.deepEqual(copy(t), heldCopies[k], `${label} step ${step}: held tensor ${k} changed`));
            readBefore.forEach((t, k) => assert.notEqual([...slotsOf(opts[1]!), vars[1]!][k]!.unsharedValue(), t, `${label}: out of place wrote a read tensor`));
            assert.notEqual(vars[2]!.unsharedValue(), weightBefore);
            // nobody read the in-place path's tensors since the last step: the same tensors were updated
            ownedBefore.forEach((t, k) => {
              assert.ok(t !== null, `${label} step ${step}: value ${k} owned after an update`);
              assert.equal([...slotsOf(opts[0]!), vars[0]!][k]!.unsharedValue(), t, `${label} step ${step}: value ${k} updated in place`);
            });
          }
          const state = (i: number) => [vars[i]!, ...slotsOf(opts[i]!)].map((v) => copy(v.value));
          const want = state(1);
          assert.ok(want[0]!.some((x, k) => x !== init[k]), `${label}: the weights moved`);
          assert.deepEqual(state(0), want, `${label}: in place vs out of place`);
          assert.deepEqual(state(2), want, `${label}: mixed vs out of place`);
        }
      } finally {
        setBackend(prev);
      }
    });
  }
}

test('a slot the user holds across training never changes; the next update copies once', () => {
  const v = new Variable(new Tensor([300], 'float32', randValues(300, 'float32')), {name: 'w'});
  const opt = new Adam({learningRate: 0.1});
  const g = new Tensor([300], 'float32', randValues(300, 'float32'));
  opt.apply([g], [v]);
  opt.apply([g], [v]);
  const [m] = slotsOf(opt);
  const held = m!.value;
  const snapshot = copy(held);
  for (let i = 0; i < 3; i++) opt.apply([g], [v]);
  assert.deepEqual(copy(held), snapshot);
  assert.notDeepEqual(copy(m!.value), snapshot);
});
