/**
 * `Optimizer.updateSlice` (keras.distribution.DataParallel's sharded update: each process updates
 * its share of every weight's elements): updating the elements of each variable in several slices,
 * cut at uneven places, gives the weights and slots of `apply` on the whole variables bit for bit,
 * step after step, on every backend this process can load (and the default one: KERAS_BACKEND=wasm
 * runs it on wasm), float32 and float64; the step counter advances once per step. An optimizer whose
 * update is not one fused kernel per variable says why it cannot be sliced.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {Variable} from '../autodiff/variable.js';
import {loadNativeBackend} from '../backends/native/index.js';
import {backendName, setBackend} from '../backends/registry.js';
import type {DType} from '../tensor/dtype.js';
import {Tensor} from '../tensor/tensor.js';
import {Adadelta, Adam, Nadam, RMSprop, SGD, type Optimizer} from './index.js';
import {xorshift32} from '../testing/kernel_test.js';

const DEFAULT = backendName();
const BACKENDS = [...new Set(['reference', ...(typeof loadNativeBackend() === 'string' ? [] : ['native']), DEFAULT])];

const rand = xorshift32(2463534242);
function randValues(n: number, dtype: DType): Float32Array | Float64Array {
  const v = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = i % 61 === 5 ? 0 : 2 * rand() - 1;
  return v;
}

const CONFIGS: {label: string; make: () => Optimizer}[] = [
  {label: 'SGD momentum', make: () => new SGD({learningRate: 0.1, momentum: 0.9})},
  {label: 'RMSprop', make: () => new RMSprop({learningRate: 0.01})},
  {label: 'RMSprop momentum', make: () => new RMSprop({learningRate: 0.01, momentum: 0.5})},
  {label: 'Adam', make: () => new Adam({learningRate: 0.01})},
  {label: 'Adadelta', make: () => new Adadelta({learningRate: 1})},
];

const SHAPES = [[37, 5], [130], [1]];
/** Where each variable is cut (its slices updated in this order, the first ones last). */
const CUTS = (n: number) => [...new Set([0, Math.floor(n / 3), Math.floor((2 * n) / 3) + 1, n].map((c) => Math.min(c, n)))].sort((a, b) => a - b);

for (const backend of BACKENDS) {
  for (const dtype of ['float32', 'float64'] as const) {
    test(`updateSlice over uneven slices equals apply on whole variables, bit for bit (${backend}, ${dtype})`, () => {
      const prev = backendName();
      setBackend(backend);
      try {
        for (const {label, make} of CONFIGS) {
          const init = SHAPES.map((s) => randValues(s.reduce((a, b) => a * b, 1), dtype));
          const mk = () => SHAPES.map((s, i) => new Variable(new Tensor(s, dtype, init[i]!.slice())));
          const [whole, sliced] = [mk(), mk()];
          const [a, b] = [make(), make()];
          for (let step = 0; step < 4; step++) {
            const grads = SHAPES.map((s) => new Tensor(s, dtype, randValues(s.reduce((x, y) => x * y, 1), dtype)));
            a.apply(grads, whole);
            // the first step takes the whole path (as a data-parallel step does: it shows that every update is fused)
            if (step === 0) {
              b.apply(grads, sliced);
              assert.equal(b.sliceUpdateBlocker(sliced), null, label);
              continue;
            }
            const lr = b.learningRate;
            sliced.forEach((v, i) => {
              const cuts = CUTS(v.size);
              for (let k = cuts.length - 2; k >= 0; k--) {
                const [lo, hi] = [cuts[k]!, cuts[k + 1]!];
                if (lo === hi) continue;
                b.updateSlice(new Tensor([hi - lo], dtype, grads[i]!.values.slice(lo, hi)), v, lo, hi, lr);
              }
            });
            b.finishSliceUpdates();
          }
          assert.equal(b.iterations, a.iterations, `${label}: iterations`);
          const all = (o: Optimizer, vs: Variable[]) => [...vs, ...o.variables].map((v) => Array.from(v.value.values));
          const [wa, wb] = [all(a, whole), all(b, sliced)];
          wa.forEach((w, k) => assert.ok(w.every((x, i) => Object.is(x, wb[k]![i])), `${label}: variable ${k} differs`));
        }
      } finally {
        setBackend(prev);
      }
    });
  }
}

test('sliceUpdateBlocker names what keeps an optimizer from updating slices', () => {
  const v = [new Variable(new Tensor([3], 'float32', new Float32Array([1, 2, 3])))];
  const g = [new Tensor([3], 'float32', new Float32Array([0.1, 0.2, 0.3]))];
  const fresh = new Adam();
  assert.equal(fresh.sliceUpdateBlocker(v), 'the optimizer is not built');
  const cases: [Optimizer, RegExp][] = [
    [new Adam({amsgrad: true}), /composite ops/],
    [new Nadam(), /composite ops|state of its own/],
    [new SGD({clipnorm: 1}), /clipping/],
    [new SGD({weightDecay: 0.01}), /weight decay/],
    [new SGD({useEma: true}), /moving average/],
  ];
  for (const [opt, why] of cases) {
    opt.apply(g, v);
    assert.match(opt.sliceUpdateBlocker(v) ?? 'null', why, opt.className);
  }
  const plain = new SGD();
  plain.apply(g, v);
  assert.equal(plain.sliceUpdateBlocker(v), null);
  assert.throws(() => new Adam({amsgrad: true}).updateSlice(g[0]!, v[0]!, 0, 3, 0.1), /Unknown variable|not one fused kernel/);
});
