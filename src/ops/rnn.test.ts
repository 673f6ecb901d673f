import assert from 'node:assert/strict';
import {test} from 'node:test';
import {assertClose, checkGradients, randn64} from '../testing/gradcheck.js';
import {Tensor, tensor} from '../tensor/tensor.js';
import * as ops from './index.js';

/** The LSTM step written with plain ops: the oracle for the fused kernel. */
function lstmComposite(z: Tensor, h: Tensor, c: Tensor, rk: Tensor): [Tensor, Tensor] {
  const a = ops.add(z, ops.matmul(h, rk));
  const [i, f, g, o] = ops.split(a, 4, 1) as [Tensor, Tensor, Tensor, Tensor];
  const cn = ops.add(ops.multiply(ops.sigmoid(f), c), ops.multiply(ops.sigmoid(i), ops.tanh(g)));
  return [ops.multiply(ops.sigmoid(o), ops.tanh(cn)), cn];
}

function gruComposite(z: Tensor, h: Tensor, rk: Tensor, rb: Tensor): Tensor {
  const m = ops.add(ops.matmul(h, rk), rb);
  const [xz, xr, xh] = ops.split(z, 3, 1) as [Tensor, Tensor, Tensor];
  const [mz, mr, mh] = ops.split(m, 3, 1) as [Tensor, Tensor, Tensor];
  const zg = ops.sigmoid(ops.add(xz, mz));
  const r = ops.sigmoid(ops.add(xr, mr));
  const hh = ops.tanh(ops.add(xh, ops.multiply(r, mh)));
  return ops.add(ops.multiply(zg, h), ops.multiply(ops.subtract(1, zg), hh));
}

const B = 3, U = 4;

test('lstmStep matches the composite formula (float64 and float32)', () => {
  const z = randn64([B, 4 * U], 1), h = randn64([B, U], 2), c = randn64([B, U], 3), rk = randn64([U, 4 * U], 4, 0.5);
  const [h1, c1] = ops.lstmStep(z, h, c, rk);
  const [h2, c2] = lstmComposite(z, h, c, rk);
  assertClose(h1, h2, {rtol: 1e-12, atol: 1e-14, label: 'h'});
  assertClose(c1, c2, {rtol: 1e-12, atol: 1e-14, label: 'c'});
  const f32 = (t: Tensor) => ops.cast(t, 'float32');
  const [h3] = ops.lstmStep(f32(z), f32(h), f32(c), f32(rk));
  assert.equal(h3.dtype, 'float32');
  assertClose(h3, h2, {rtol: 1e-5, atol: 1e-6, label: 'h float32'});
});

test('lstmStep gradients match finite differences, states and kernel included', () => {
  const z = randn64([B, 4 * U], 5), h = randn64([B, U], 6), c = randn64([B, U], 7), rk = randn64([U, 4 * U], 8, 0.5);
  // both outputs reach the objective, so both gradient paths are exercised
  checkGradients((z_, h_, c_, rk_) => {
    const [hn, cn] = ops.lstmStep(z_!, h_!, c_!, rk_!);
    return ops.concatenate([hn, ops.multiply(cn, 0.7)], 1);
  }, [z, h, c, rk], {label: 'lstmStep'});
});

test('gruStep matches the composite formula and finite differences', () => {
  const z = randn64([B, 3 * U], 9), h = randn64([B, U], 10), rk = randn64([U, 3 * U], 11, 0.5), rb = randn64([3 * U], 12);
  assertClose(ops.gruStep(z, h, rk, rb), gruComposite(z, h, rk, rb), {rtol: 1e-12, atol: 1e-14});
  checkGradients((z_, h_, rk_, rb_) => ops.gruStep(z_!, h_!, rk_!, rb_!), [z, h, rk, rb], {label: 'gruStep'});
});

test('two chained steps differentiate through the carried state', () => {
  const z1 = randn64([B, 4 * U], 13), z2 = randn64([B, 4 * U], 14), h = randn64([B, U], 15), c = randn64([B, U], 16);
  const rk = randn64([U, 4 * U], 17, 0.5);
  checkGradients((a, b, h_, c_, rk_) => {
    const [h1, c1] = ops.lstmStep(a!, h_!, c_!, rk_!);
    return ops.lstmStep(b!, h1, c1, rk_!)[0];
  }, [z1, z2, h, c, rk], {label: 'lstm x2'});
});

test('step ops name the argument on a bad shape or dtype', () => {
  const h = randn64([B, U], 1), c = randn64([B, U], 2), rk = randn64([U, 4 * U], 3);
  assert.throws(() => ops.lstmStep(randn64([B, 3 * U], 1), h, c, rk), /lstmStep: expected 'z' of shape \[3, 16\]. Received: z.shape=\[3, 12\]/);
  assert.throws(() => ops.lstmStep(randn64([B, 4 * U], 1), h, ops.cast(c, 'float32'), rk), /lstmStep: all inputs must share one float dtype/);
  assert.throws(() => ops.gruStep(randn64([B, 3 * U], 1), h, randn64([U, 3 * U], 1), randn64([2, 3 * U], 1)), /gruStep: expected 'recurrentBias' of shape \[12\]/);
});

test('rnn: masked steps carry the state and repeat the last output; goBackwards reverses', () => {
  // a running sum: output = state = state + x
  const step: ops.StepFunction = (x, [s]) => {
    const n = ops.add(s!, x);
    return [n, [n]];
  };
  const x = tensor([[[1], [2], [3], [4]]]);
  const s0 = tensor([[0]]);
  const plain = ops.rnn(step, x, [s0]);
  assert.deepEqual(plain.outputs.arraySync(), [[[1], [3], [6], [10]]]);
  const mask = tensor([[true, false, true, false]]);
  const masked = ops.rnn(step, x, [s0], {mask});
  assert.deepEqual(masked.outputs.arraySync(), [[[1], [1], [4], [4]]]);
  assert.deepEqual(masked.lastOutput.arraySync(), [[4]]);
  assert.deepEqual(masked.states[0]!.arraySync(), [[4]]);
  const back = ops.rnn(step, x, [s0], {goBackwards: true, mask: tensor([[false, true, true, true]])});
  // processing order: 4, 3, 2, then the masked 1
  assert.deepEqual(back.outputs.arraySync(), [[[4], [7], [9], [9]]]);
  const zero = ops.rnn(step, x, [s0], {mask, zeroOutputForMask: true});
  assert.deepEqual(zero.outputs.arraySync(), [[[1], [0], [4], [0]]]);
  assert.throws(() => ops.rnn(step, x, [s0], {mask: tensor([[true, false, true]])}), /rnn: mask must have shape \[batch, timesteps\] = \[1, 4\]. Received: mask.shape=\[1, 3\]/);
});

test('lstmSequence validates its inputs and names the wrong one', () => {
  const z = randn64([2, 3, 8], 1), h0 = randn64([2, 2], 2), c0 = randn64([2, 2], 3), rk = randn64([2, 8], 4);
  assert.doesNotThrow(() => ops.lstmSequence(z, h0, c0, rk, {mask: tensor([[true, false, true], [true, true, true]])}));
  assert.throws(() => ops.lstmSequence(randn64([2, 3, 6], 1), h0, c0, rk), /lstmSequence: expected 'z' of shape \[2, 3, 8\]. Received: z.shape=\[2, 3, 6\]/);
  assert.throws(() => ops.lstmSequence(randn64([2, 8], 1), h0, c0, rk), /lstmSequence: expected 'z' of rank 3/);
  assert.throws(() => ops.lstmSequence(randn64([2, 0, 8], 1), h0, c0, rk), /lstmSequence: the input sequence is empty/);
  assert.throws(() => ops.lstmSequence(z, h0, randn64([2, 3], 1), rk), /lstmSequence: expected 'c0' of shape \[2, 2\]/);
  assert.throws(() => ops.lstmSequence(z, h0, c0, randn64([2, 6], 1)), /lstmSequence: expected 'recurrentKernel' of shape \[2, 8\]/);
  assert.throws(() => ops.lstmSequence(z, h0, c0, rk, {mask: tensor([[true, false]])}), /lstmSequence: expected 'mask' of shape \[2, 3\]. Received: mask.shape=\[1, 2\]/);
  assert.throws(() => ops.lstmSequence(z, ops.cast(h0, 'float32'), c0, rk), /lstmSequence: all inputs must share one float dtype/);
  assert.doesNotThrow(() => ops.lstmSequence(z, h0, c0, rk, {recurrentMask: randn64([2, 8], 2)}));
  assert.throws(() => ops.lstmSequence(z, h0, c0, rk, {recurrentMask: randn64([2, 2], 2)}), /lstmSequence: expected 'recurrentMask' of shape \[2, 8\]. Received: recurrentMask.shape=\[2, 2\]/);
  assert.throws(() => ops.lstmSequence(z, h0, c0, rk, {recurrentMask: ops.cast(randn64([2, 8], 2), 'float32')}), /lstmSequence: all inputs must share one float dtype/);
});

test('gruSequence validates its inputs and names the wrong one', () => {
  const z = randn64([2, 3, 6], 1), h0 = randn64([2, 2], 2), rk = randn64([2, 6], 3), rb = randn64([6], 4);
  assert.doesNotThrow(() => ops.gruSequence(z, h0, rk, rb, {mask: tensor([[true, false, true], [true, true, true]])}));
  assert.throws(() => ops.gruSequence(randn64([2, 3, 8], 1), h0, rk, rb), /gruSequence: expected 'z' of shape \[2, 3, 6\]. Received: z.shape=\[2, 3, 8\]/);
  assert.throws(() => ops.gruSequence(z, h0, rk, randn64([2, 6], 1)), /gruSequence: expected 'recurrentBias' of shape \[6\]/);
  assert.throws(() => ops.gruSequence(z, h0, randn64([6, 2], 1), rb), /gruSequence: expected 'recurrentKernel' of shape \[2, 6\]/);
  assert.throws(() => ops.gruSequence(z, h0, rk, rb, {mask: tensor([[true]])}), /gruSequence: expected 'mask' of shape \[2, 3\]/);
});
