import assert from 'node:assert/strict';
import {test} from 'node:test';
import {setBackend} from '../backends/registry.js';
import * as ops from '../ops/index.js';
import {checkGradients, randn64} from '../testing/gradcheck.js';
import {tensor} from '../tensor/tensor.js';
import {GradientTape} from './tape.js';
import {reductionGrads} from './reduction.js';

// one suite, run per backend: `KERAS_BACKEND=native npm test` (float64 cases run on reference)
setBackend(process.env['KERAS_BACKEND'] ?? 'reference');

const covered = new Set<string>();
const AXES = [null, 0, 1, -1, [0, 2], [1, 2], [0, 1, 2]] as const;

test('sum and mean gradients over every axis choice, with and without keepdims', () => {
  const x = randn64([2, 3, 4], 1);
  for (const axis of AXES) {
    for (const keepdims of [false, true]) {
      checkGradients((a) => ops.sum(a!, axis, keepdims), [x], {label: `Sum axis=${axis} keepdims=${keepdims}`});
      checkGradients((a) => ops.mean(a!, axis, keepdims), [x], {label: `Mean axis=${axis} keepdims=${keepdims}`});
    }
  }
  covered.add('Sum').add('Mean');
});

test('max and min gradients (distinct values)', () => {
  const x = randn64([2, 3, 4], 2);
  assert.equal(new Set(x.values).size, x.size);
  for (const axis of AXES) {
    for (const keepdims of [false, true]) {
      checkGradients((a) => ops.max(a!, axis, keepdims), [x], {label: `Max axis=${axis} keepdims=${keepdims}`});
      checkGradients((a) => ops.min(a!, axis, keepdims), [x], {label: `Min axis=${axis} keepdims=${keepdims}`});
    }
  }
  covered.add('Max').add('Min');
});

test('max gradient is shared equally between tied maxima', () => {
  const x = tensor([[1, 3, 3], [2, 0, -1]], undefined, 'float64');
  const tape = new GradientTape();
  tape.watch(x);
  const y = tape.run(() => ops.sum(ops.max(x, 1)));
  assert.deepEqual(tape.gradient(y, [x])[0]!.arraySync(), [[0, 0.5, 0.5], [1, 0, 0]]);
});

test('prod gradient, including groups with one and with two zeros', () => {
  const x = randn64([3, 4], 3);
  for (const axis of [null, 0, 1, [0, 1]] as const) {
    checkGradients((a) => ops.prod(a!, axis), [x], {label: `Prod axis=${axis}`});
  }
  const z = tensor([[0, 2, 3, -1.5], [0.5, 0, 0, 2], [1.5, -2, 0.5, 3]], undefined, 'float64');
  checkGradients((a) => ops.prod(a!, 1, true), [z], {label: 'Prod with zeros'});
  checkGradients((a) => ops.prod(a!, 0), [z], {label: 'Prod with zeros axis 0'});
  // the exact values: product of the others
  const tape = new GradientTape();
  tape.watch(z);
  const y = tape.run(() => ops.sum(ops.prod(z, 1)));
  // (+ 0 turns -0 into 0 for the comparison)
  assert.deepEqual([...tape.gradient(y, [z])[0]!.values].map((v) => v + 0), [-9, 0, 0, 0, 0, 0, 0, 0, -3, 2.25, -9, -1.5]);
  covered.add('Prod');
});

test('logsumexp gradient is the softmax, over any axes', () => {
  const x = randn64([2, 3, 4], 4, 3);
  for (const axis of AXES) {
    checkGradients((a) => ops.logsumexp(a!, axis), [x], {label: `LogSumExp axis=${axis}`});
  }
  checkGradients((a) => ops.logsumexp(a!, -1, true), [ops.add(x, 500)], {label: 'LogSumExp large inputs'});
  covered.add('LogSumExp');
});

test('cumsum gradient for every axis, exclusive and reverse', () => {
  const x = randn64([3, 4], 5);
  for (const axis of [0, 1, -1]) {
    for (const exclusive of [false, true]) {
      for (const reverse of [false, true]) {
        checkGradients((a) => ops.cumsum(a!, axis, {exclusive, reverse}), [x], {label: `Cumsum axis=${axis} exclusive=${exclusive} reverse=${reverse}`});
      }
    }
  }
  covered.add('Cumsum');
});

test('topK values gradient goes back to the chosen positions', () => {
  const x = randn64([3, 6], 6);
  for (const k of [1, 3, 6]) {
    checkGradients((a) => ops.topK(a!, k)[0], [x], {label: `TopK k=${k}`});
  }
  checkGradients((a) => ops.topK(a!, 2)[0], [randn64([2, 2, 5], 7)], {label: 'TopK rank 3'});
  covered.add('TopK');
});

test('every differentiable reduction kernel is gradient-checked; the others stay nondifferentiable', () => {
  const differentiable = Object.entries(reductionGrads).filter(([, r]) => r !== 'nondifferentiable').map(([k]) => k);
  assert.deepEqual(differentiable.filter((k) => !covered.has(k)), [], 'kernels without a gradient check');
  for (const k of ['Any', 'All', 'ArgMax', 'ArgMin'] as const) assert.equal(reductionGrads[k], 'nondifferentiable', k);
});
