import assert from 'node:assert/strict';
import {test} from 'node:test';
import {GradientTape} from '../gradients/tape.js';
import {backendName, setBackend} from '../backends/registry.js';
import {loadNativeBackend} from '../backends/native/index.js';
import type {FusedActivation} from '../kernels/defs/fused.js';
import {Tensor} from '../tensor/tensor.js';
import {assertClose, checkGradients, randn64} from '../testing/gradcheck.js';
import * as ops from './index.js';

// The fused kernels against their composites: values and finite-difference gradients in float64 on
// the reference backend, then float32 on the backend under test (KERAS_BACKEND) and native against
// reference.
setBackend('reference');

const ACTS: FusedActivation[] = ['linear', 'relu', 'sigmoid', 'tanh'];

function composite(x: Tensor, k: Tensor, b: Tensor | null, act: FusedActivation): Tensor {
  let y = ops.matmul(x, k);
  if (b) y = ops.add(y, b);
  return act === 'relu' ? ops.relu(y) : act === 'sigmoid' ? ops.sigmoid(y) : act === 'tanh' ? ops.tanh(y) : y;
}

const f32 = (t: Tensor) => ops.cast(t, 'float32');

test('dense: equals matmul + bias + activation (float64, rank 2 and 3, without bias)', () => {
  const x = randn64([5, 7], 1), x3 = randn64([2, 3, 7], 2), k = randn64([7, 4], 3), b = randn64([4], 4);
  for (const act of ACTS) {
    assertClose(ops.dense(x, k, b, act), composite(x, k, b, act), {rtol: 1e-12, atol: 1e-12, label: `dense ${act}`});
    const y3 = ops.dense(x3, k, b, act);
    assert.deepEqual(y3.shape, [2, 3, 4]);
    assertClose(y3, composite(x3, k, b, act), {rtol: 1e-12, atol: 1e-12, label: `dense rank 3 ${act}`});
    assertClose(ops.dense(x, k, null, act), composite(x, k, null, act), {rtol: 1e-12, atol: 1e-12, label: `dense no bias ${act}`});
  }
});

test('dense: finite-difference gradients for every activation (float64), rank 2 and 3', () => {
  for (const act of ACTS) {
    checkGradients((x, k, b) => ops.dense(x!, k!, b!, act), [randn64([4, 5], 5), randn64([5, 3], 6), randn64([3], 7)], {label: `dense ${act}`});
    checkGradients((x, k, b) => ops.dense(x!, k!, b!, act), [randn64([2, 3, 5], 8), randn64([5, 3], 9), randn64([3], 10)], {label: `dense rank 3 ${act}`});
  }
});

test('dense: second-order gradients (the rules are written with differentiable ops)', () => {
  for (const act of ACTS) {
    const k = randn64([5, 3], 12), b = randn64([3], 13);
    checkGradients((x) => {
      const tape = new GradientTape();
      tape.watch(x!);
      const l = tape.run(() => ops.sum(ops.square(ops.dense(x!, k, b, act))));
      return tape.gradient(l, [x!])[0]!;
    }, [randn64([4, 5], 11)], {label: `d2 dense ${act}`});
  }
});

test('fusedConv: equals conv + bias + relu/linear (float64) with finite-difference gradients', () => {
  const cases = [
    {x: [2, 5, 6, 3], k: [3, 3, 3, 4], strides: 1, padding: 'valid', dilationRate: 1},
    {x: [1, 6, 7, 2], k: [3, 2, 2, 3], strides: 2, padding: 'same', dilationRate: 1},
    {x: [1, 7, 6, 2], k: [2, 3, 2, 2], strides: 1, padding: 'same', dilationRate: 2},
  ] as const;
  for (const c of cases) {
    for (const activation of ['linear', 'relu'] as const) {
      const o = {strides: c.strides, padding: c.padding, dilationRate: c.dilationRate, dataFormat: 'channels_last'} as const;
      const x = randn64([...c.x], 21), k = randn64([...c.k], 22), b = randn64([c.k[3]], 23);
      let ref = ops.add(ops.conv(x, k, o), b);
      if (activation === 'relu') ref = ops.relu(ref);
      assertClose(ops.fusedConv(x, k, b, {...o, activation}), ref, {rtol: 1e-12, atol: 1e-12, label: `fusedConv ${activation}`});
      checkGradients((xx, kk, bb) => ops.fusedConv(xx!, kk!, bb!, {...o, activation}), [x, k, b], {label: `fusedConv ${activation} ${JSON.stringify(c)}`});
    }
  }
  // channels_first goes through the composite and agrees
  const x = randn64([1, 2, 5, 5], 31), k = randn64([3, 3, 2, 3], 32), b = randn64([3], 33);
  const y = ops.fusedConv(x, k, b, {dataFormat: 'channels_first', activation: 'relu'});
  assertClose(y, ops.relu(ops.add(ops.conv(x, k, {dataFormat: 'channels_first'}), ops.reshape(b, [1, 3, 1, 1]))), {label: 'channels_first'});
});

test('fused ops name bad arguments', () => {
  const x = randn64([2, 3], 1);
  assert.throws(() => ops.dense(x, randn64([3, 2], 2), null, 'gelu' as never), /dense: activation must be one of "linear", "relu", "sigmoid", "tanh". Received: activation="gelu"/);
  assert.throws(() => ops.dense(x, randn64([4, 2], 2), null), /matmul: inner dimensions must match/);
  assert.throws(() => ops.dense(x, randn64([3, 2], 2), randn64([3], 3)), /dense: bias must have shape \[2\]/);
  assert.throws(() => ops.fusedConv(randn64([1, 4, 4, 2], 1), randn64([3, 3, 2, 2], 2), null, {activation: 'tanh' as never}), /fusedConv: activation must be one of "linear", "relu"/);
  assert.throws(() => ops.fusedConv(randn64([1, 4, 4, 2], 1), randn64([3, 3, 3, 2], 2), randn64([2], 3)), /conv: the number of input channels/);
});

// ---------------------------------------------------------------------------------------------
// float32, native against reference (skipped, saying why, without the addon)

const native = loadNativeBackend();
const skip = typeof native === 'string' ? native : false;

function gradsOf(f: () => Tensor, sources: Tensor[]): Tensor[] {
  const tape = new GradientTape();
  tape.watch(sources);
  let y!: Tensor;
  const loss = tape.run(() => {
    y = f();
    const w = new Tensor(y.shape, 'float32', Float32Array.from({length: y.size}, (_, i) => Math.sin(i * 0.37) + 0.2));
    return ops.sum(ops.multiply(y, w));
  });
  return [y, ...(tape.gradient(loss, sources) as Tensor[])];
}

function onBoth(f: () => Tensor[]): [Tensor[], Tensor[]] {
  const before = backendName();
  try {
    setBackend('native');
    const a = f();
    setBackend('reference');
    return [a, f()];
  } finally {
    setBackend(before);
  }
}

test('native FusedDense / FusedConv2D / ActivationGrad match the reference in float32 (values and gradients)', {skip}, () => {
  const x = f32(randn64([130, 70], 41)), k = f32(randn64([70, 45], 42, 0.2)), b = f32(randn64([45], 43));
  for (const act of ACTS) {
    const [n, r] = onBoth(() => gradsOf(() => ops.dense(x, k, b, act), [x, k, b]));
    n.forEach((t, i) => assertClose(t, r[i]!, {rtol: 1e-4, atol: 1e-4, label: `native dense ${act} output ${i}`}));
  }
  const img = f32(randn64([3, 11, 12, 5], 44)), fil = f32(randn64([3, 3, 5, 34], 45, 0.3)), cb = f32(randn64([34], 46));
  for (const activation of ['linear', 'relu'] as const) {
    for (const o of [{padding: 'valid', strides: 1}, {padding: 'same', strides: 2}] as const) {
      const [n, r] = onBoth(() => gradsOf(() => ops.fusedConv(img, fil, cb, {...o, activation, dataFormat: 'channels_last'}), [img, fil, cb]));
      n.forEach((t, i) => assertClose(t, r[i]!, {rtol: 1e-4, atol: 1e-4, label: `native fusedConv ${activation} ${JSON.stringify(o)} output ${i}`}));
    }
  }
});
