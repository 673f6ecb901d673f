import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import test from 'node:test';
import {KERNEL_ABI, firstOutputBuffer, packAttrs, type KernelAbiRow} from './abi.js';
import {abiDifferences, abiHeader, cName} from './abi_header.js';

const root = new URL('../../../', import.meta.url);
const header = readFileSync(new URL('native/include/keras_abi.h', root), 'utf8');
const dispatch = readFileSync(new URL('native/src/dispatch.cpp', root), 'utf8');

test('native/include/keras_abi.h is what the table gives (npm run gen:abi rewrites it)', () => {
  assert.deepEqual(abiDifferences(header), []);
  assert.equal(abiHeader(), header);
});

test('a table row that disagrees with the C++ header is reported, naming the line', () => {
  // attributes of one row swapped: the positions the C++ reads no longer match
  const swapped: Record<string, KernelAbiRow> = {
    ...KERNEL_ABI,
    FusedDense: {...KERNEL_ABI.FusedDense, attrs: ['k', 'm', 'n', 'activation']},
  };
  const d1 = abiDifferences(header, swapped);
  assert.ok(d1.length > 0);
  assert.match(d1[0]!, /KT_FUSED_DENSE_ATTR_K = 0/);
  // an id changed
  const moved: Record<string, KernelAbiRow> = {...KERNEL_ABI, Gather: {...KERNEL_ABI.Gather, id: 31}};
  assert.match(abiDifferences(header, moved)[0]!, /KT_GATHER = 23/);
  // a buffer added
  const extra: Record<string, KernelAbiRow> = {...KERNEL_ABI, Unary: {...KERNEL_ABI.Unary, inputs: ['x', 'alpha']}};
  assert.ok(abiDifferences(header, extra).some((l) => /KT_UNARY_BUF_ALPHA = 1/.test(l)));
});

test('every kernel of the table has a case in kt_run, and kt_run has no case outside the table', () => {
  const body = dispatch.slice(dispatch.indexOf('extern "C" int kt_run('));
  const cases = new Set([...body.matchAll(/case (KT_[A-Z0-9_]+):/g)].map((m) => m[1]!));
  const rows = new Set(Object.keys(KERNEL_ABI).map((k) => `KT_${cName(k)}`));
  assert.deepEqual([...rows].filter((r) => !cases.has(r)), [], 'table rows without a C++ case');
  assert.deepEqual([...cases].filter((c) => !rows.has(c)), [], 'C++ cases without a table row');
});

test('ids are unique, and every attribute and buffer name is unique within its row', () => {
  const ids = Object.values(KERNEL_ABI).map((r: KernelAbiRow) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const [k, r] of Object.entries(KERNEL_ABI) as [string, KernelAbiRow][]) {
    assert.equal(new Set(r.attrs).size, r.attrs.length, `${k}: attributes`);
    const bufs = [...r.inputs, ...r.outputs].map((b) => b.replace(/(\[\]|\?)$/, ''));
    assert.equal(new Set(bufs).size, bufs.length, `${k}: buffers`);
  }
});

test('packAttrs orders attributes by the row; firstOutputBuffer finds the outputs of every shape of call', () => {
  assert.deepEqual([...packAttrs('FusedDense', {activation: 1, n: 3, k: 5, m: 4})], [4, 5, 3, 1]);
  assert.deepEqual([...packAttrs('Transpose', {rank: 2}, [3, 4, 1, 0])], [2, 3, 4, 1, 0]);
  assert.equal(firstOutputBuffer(KERNEL_ABI.MatMul.id, 3), 2);
  assert.equal(firstOutputBuffer(KERNEL_ABI.BernoulliMask.id, 1), 0);
  assert.equal(firstOutputBuffer(KERNEL_ABI.Concat.id, 5), 4);
  assert.equal(firstOutputBuffer(KERNEL_ABI.Split.id, 5), 1);
  assert.equal(firstOutputBuffer(KERNEL_ABI.OptimizerUpdate.id, 3), 2);  // SGD without momentum
  assert.equal(firstOutputBuffer(KERNEL_ABI.OptimizerUpdate.id, 7), 4);  // Adam: two slots
  assert.equal(firstOutputBuffer(KERNEL_ABI.LSTMSequence.id, 12), 6);  // with a mask and a recurrent mask
  assert.equal(firstOutputBuffer(KERNEL_ABI.GRUSequenceGrad.id, 12), 8);  // without a mask
});
