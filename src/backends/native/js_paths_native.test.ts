import assert from 'node:assert/strict';
import {test} from 'node:test';
import {KERNELS, type KernelName} from '../../kernels/index.js';
import type {DType} from '../../tensor/dtype.js';
import {Tensor} from '../../tensor/tensor.js';
import {awkwardTensor, nativeForTests, outputsFor, recordNativeKernels, xorshift32} from '../../testing/kernel_test.js';
import {referenceKernels} from '../reference/index.js';
import type {AnyKernelImpl} from '../backend.js';
import {MIN_COMPILED_ELEMENTS} from '../compiled/checks.js';
import {execute} from '../registry.js';

// Comparisons, logical ops, Where, BroadcastTo, and Sum / Mean below the compiled minimum or of
// int32 and bool, stay in JavaScript on the compiled backends (native, and wasm with
// KERAS_BACKEND=wasm): they are the reference's kernels (its one-loop paths, reference/loops.test.ts),
// which the registry runs when the compiled table has no kernel or declines. Checked here through
// the registry: none of these calls crosses into compiled code, and each gives the reference's bits.
const {native, skip} = nativeForTests('compiled backends leave these ops to the reference');
const rand = xorshift32(2024);

const tensor = (shape: number[], dtype: DType) => awkwardTensor(shape, dtype, rand);

/** Runs kernel `name` through the registry on the compiled backend: the reference must run it, with the reference's bits. */
function staysInJs(name: KernelName, inputs: Record<string, Tensor>, attrs: unknown): void {
  const label = `${name} ${Object.entries(inputs).map(([k, t]) => `${k}:${t.dtype}[${t.shape}]`).join(' ')} ${JSON.stringify(attrs)}`;
  let got: Tensor[] = [];
  const {native: ran, fallback} = recordNativeKernels(native!, () => {
    got = execute(KERNELS[name], inputs, attrs);
  });
  assert.deepEqual([...ran.keys()], [], `${label}: ran compiled`);
  assert.deepEqual([...fallback], [[name, 1]], `${label}: the reference ran it`);
  const want = outputsFor(name, inputs, attrs);
  (referenceKernels[name] as AnyKernelImpl)(inputs, attrs, want);
  for (let i = 0; i < want[0]!.size; i++) {
    if (!Object.is(got[0]!.values[i], want[0]!.values[i])) assert.fail(`${label}: element ${i}: ${got[0]!.values[i]} vs reference ${want[0]!.values[i]}`);
  }
}

test('comparisons, logical ops, Where and BroadcastTo have no compiled kernel: any dtype and broadcast runs the reference\'s', {skip}, () => {
  const logic: KernelName[] = ['Equal', 'NotEqual', 'Less', 'LessEqual', 'Greater', 'GreaterEqual', 'LogicalAnd', 'LogicalOr', 'LogicalXor'];
  for (const name of [...logic, 'Where', 'BroadcastTo'] as KernelName[]) assert.equal(native!.kernels[name], undefined, `${name} in the compiled table`);
  for (const op of logic) {
    for (const dtype of ['float32', 'int32', 'bool'] as DType[]) {
      for (const [sa, sb] of [[[128, 10], [128, 10]], [[128, 10], []], [[], [37]], [[300], [300]], [[4, 3], [3]]]) {
        staysInJs(op, {a: tensor(sa!, dtype), b: tensor(sb!, dtype)}, {});
      }
    }
  }
  for (const dtype of ['float32', 'int32'] as DType[]) {
    for (const [sc, sa, sb] of [[[128, 10], [], [128, 10]], [[300], [300], [300]], [[4, 1], [4, 3], [4, 3]]]) {
      staysInJs('Where', {condition: tensor(sc!, 'bool'), a: tensor(sa!, dtype), b: tensor(sb!, dtype)}, {});
    }
  }
  for (const dtype of ['float32', 'int32', 'bool'] as DType[]) {
    for (const [from, to] of [[[1], [128]], [[128, 1], [128, 10]], [[10], [300, 10]], [[2, 1, 3], [2, 4, 3]]]) {
      staysInJs('BroadcastTo', {x: tensor(from!, dtype)}, {shape: to});
    }
  }
});

test(`Sum and Mean below ${MIN_COMPILED_ELEMENTS} elements, of int32 or bool, or over non-adjacent axes run the reference's; float32 above it runs compiled`, {skip}, () => {
  for (const op of ['Sum', 'Mean'] as KernelName[]) {
    for (const dtype of ['float32', 'int32', 'bool'] as DType[]) {
      for (const [shape, axes] of [[[128], [0]], [[6, 5, 4], [1]], [[6, 5, 4], [0, 1]], [[3], []], [[0, 3], [0]]] as [number[], number[]][]) {
        for (const keepdims of [false, true]) staysInJs(op, {x: tensor(shape, dtype)}, {axes, keepdims});
      }
    }
    for (const dtype of ['int32', 'bool'] as DType[]) staysInJs(op, {x: tensor([300, 4], dtype)}, {axes: [0], keepdims: false});
    staysInJs(op, {x: tensor([16, 5, 4], 'float32')}, {axes: [0, 2], keepdims: false});
    // the compiled kernel's own case: it runs (its values are checked in native.test.ts)
    const x = tensor([300, 4], 'float32'), attrs = {axes: [0], keepdims: false};
    assert.notEqual((native!.kernels[op] as AnyKernelImpl)({x}, attrs, outputsFor(op, {x}, attrs)), false, `${op} float32[300,4] declined`);
  }
});
