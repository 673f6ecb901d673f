import assert from 'node:assert/strict';
import {test} from 'node:test';
import type {KernelName} from '../../kernels/index.js';
import type {DType} from '../../tensor/dtype.js';
import {Tensor} from '../../tensor/tensor.js';
import {nativeForTests, outputsFor, xorshift32} from '../../testing/kernel_test.js';
import {referenceKernels} from '../reference/index.js';
import type {AnyKernelImpl} from '../backend.js';

// The compiled backends' JavaScript paths for small, bool and int32 ops (comparisons, logical ops,
// Where, BroadcastTo, small Sum / Mean): the reference's values bit for bit, and the broadcasts they
// do not cover declined (so the reference runs them).
const {native, skip} = nativeForTests('compiled JavaScript paths');
const rand = xorshift32(2024);

function tensor(shape: number[], dtype: DType): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const t = new Tensor(shape, dtype, dtype === 'float32' ? new Float32Array(n) : dtype === 'int32' ? new Int32Array(n) : new Uint8Array(n));
  for (let i = 0; i < n; i++) {
    const r = rand();
    // repeated values (ties for Equal), zeros, negatives and NaN among the floats
    t.values[i] = dtype === 'bool' ? +(r < 0.5) : dtype === 'int32' ? Math.floor(r * 7) - 3 : r < 0.05 ? Number.NaN : r < 0.15 ? 0 : Math.fround(Math.floor(r * 9) / 4 - 1);
  }
  return t;
}

/** Runs kernel `name` on native (which must not decline unless `declines`) and the reference; compares bits. */
function same(name: KernelName, inputs: Record<string, Tensor>, attrs: unknown, declines = false): void {
  const label = `${name} ${Object.entries(inputs).map(([k, t]) => `${k}:${t.dtype}[${t.shape}]`).join(' ')} ${JSON.stringify(attrs)}`;
  const got = outputsFor(name, inputs, attrs), want = outputsFor(name, inputs, attrs);
  const ran = (native!.kernels[name] as AnyKernelImpl)(inputs, attrs, got) !== false;
  assert.equal(ran, !declines, `${label}: ${ran ? 'ran' : 'declined'}`);
  if (!ran) return;
  (referenceKernels[name] as AnyKernelImpl)(inputs, attrs, want);
  for (let i = 0; i < want[0]!.size; i++) {
    if (!Object.is(got[0]!.values[i], want[0]!.values[i])) assert.fail(`${label}: element ${i}: ${got[0]!.values[i]} vs reference ${want[0]!.values[i]}`);
  }
}

test('comparisons and logical ops on float32, int32 and bool, whole or scalar operands, equal the reference; other broadcasts decline', {skip}, () => {
  const ops: KernelName[] = ['Equal', 'NotEqual', 'Less', 'LessEqual', 'Greater', 'GreaterEqual', 'LogicalAnd', 'LogicalOr', 'LogicalXor'];
  for (const op of ops) {
    for (const dtype of ['float32', 'int32', 'bool'] as DType[]) {
      for (const [sa, sb] of [[[128, 10], [128, 10]], [[128, 10], []], [[], [37]], [[1], [5, 3]], [[300], [300]], [[0, 4], [0, 4]]]) {
        same(op, {a: tensor(sa!, dtype), b: tensor(sb!, dtype)}, {});
      }
      same(op, {a: tensor([4, 3], dtype), b: tensor([3], dtype)}, {}, true);
    }
  }
});

test('Where with a bool condition, whole or scalar operands, equals the reference; other broadcasts decline', {skip}, () => {
  for (const dtype of ['float32', 'int32'] as DType[]) {
    for (const [sc, sa, sb] of [[[128, 10], [], [128, 10]], [[128, 10], [128, 10], [128, 10]], [[], [6, 2], [1]], [[7], [7], []]]) {
      same('Where', {condition: tensor(sc!, 'bool'), a: tensor(sa!, dtype), b: tensor(sb!, dtype)}, {});
    }
    same('Where', {condition: tensor([4, 1], 'bool'), a: tensor([4, 3], dtype), b: tensor([4, 3], dtype)}, {}, true);
  }
});

test('BroadcastTo of up to 2 collapsed dimensions equals the reference; more decline', {skip}, () => {
  for (const dtype of ['float32', 'int32', 'bool'] as DType[]) {
    for (const [from, to] of [[[1], [128]], [[128, 1], [128, 10]], [[10], [128, 10]], [[1, 1], [3, 4]], [[], [5]], [[4, 1, 1], [4, 3, 2]], [[3], [0, 3]]]) {
      same('BroadcastTo', {x: tensor(from!, dtype)}, {shape: to});
    }
    same('BroadcastTo', {x: tensor([2, 1, 3], dtype)}, {shape: [2, 4, 3]}, true);
  }
});

test('Sum and Mean below the compiled minimum, or of int32 and bool, equal the reference (its order of additions)', {skip}, () => {
  for (const op of ['Sum', 'Mean'] as KernelName[]) {
    for (const dtype of ['float32', 'int32', 'bool'] as DType[]) {
      for (const [shape, axes] of [[[128], [0]], [[128, 1], [0]], [[6, 5, 4], [1]], [[6, 5, 4], [0, 1]], [[6, 5, 4], [1, 2]], [[6, 5, 4], [2]], [[3], []], [[], []], [[0, 3], [0]]] as [number[], number[]][]) {
        for (const keepdims of [false, true]) same(op, {x: tensor(shape, dtype)}, {axes, keepdims});
      }
    }
    // non-adjacent axes: the reference
    same(op, {x: tensor([6, 5, 4], 'int32')}, {axes: [0, 2], keepdims: false}, true);
  }
});
