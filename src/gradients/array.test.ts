import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';
import type {Backend} from '../backends/backend.js';
import {backendName, registerBackend, setBackend} from '../backends/registry.js';
import * as ops from '../ops/index.js';
import {Tensor, tensor} from '../tensor/tensor.js';
import {assertClose, checkGradients, randn64} from '../testing/gradcheck.js';
import {GradientTape} from './tape.js';

const r = randn64;
const f64 = (v: number[], shape?: number[]) => tensor(v, shape, 'float64');

test('Reshape, Transpose and BroadcastTo gradients', () => {
  checkGradients((x) => ops.reshape(x!, [4, -1]), [r([2, 3, 2], 1)], {label: 'reshape'});
  checkGradients((x) => ops.transpose(x!, [2, 0, 1]), [r([2, 3, 4], 2)], {label: 'transpose'});
  checkGradients((x) => ops.transpose(x!), [r([2, 3], 3)], {label: 'transpose reversed'});
  checkGradients((x) => ops.broadcastTo(x!, [2, 3, 4]), [r([3, 1], 4)], {label: 'broadcastTo'});
  checkGradients((x) => ops.expandDims(ops.squeeze(x!, 1), 0), [r([2, 1, 3], 5)], {label: 'squeeze/expandDims'});
});

test('Slice and StridedSlice gradients (unit, negative and large strides)', () => {
  checkGradients((x) => ops.slice(x!, [1, 0, 1], [1, -1, 2]), [r([2, 3, 4], 6)], {label: 'slice'});
  checkGradients((x) => ops.stridedSlice(x!, [0, 1], [null, 3]), [r([3, 4], 7)], {label: 'stridedSlice unit'});
  checkGradients((x) => ops.stridedSlice(x!, [null, -1, 1], [null, null, null], [1, -2, 2]), [r([2, 5, 4], 8)], {label: 'stridedSlice strided'});
  checkGradients((x) => ops.flip(x!, [0, 1]), [r([3, 2], 9)], {label: 'flip'});
  checkGradients((x) => ops.concatenate([ops.stridedSlice(x!, [3], [1], [1]), x!]), [r([4], 10)], {label: 'empty slice'});
});

test('Concat and Split gradients, including unused split outputs', () => {
  checkGradients((a, b, c) => ops.concatenate([a!, b!, c!], 1), [r([2, 1, 3], 11), r([2, 3, 3], 12), r([2, 2, 3], 13)], {label: 'concatenate'});
  checkGradients((a, b) => ops.stack([a!, b!], 1), [r([2, 3], 14), r([2, 3], 15)], {label: 'stack'});
  checkGradients((x) => ops.multiply(ops.split(x!, [1, 3], 1)[2]!, 2), [r([2, 5], 16)], {label: 'split, one piece used'});
  checkGradients((x) => {
    const [a, b, c] = ops.split(x!, 3, -1);
    return ops.add(ops.multiply(a!, c!), ops.square(b!));
  }, [r([2, 6], 17)], {label: 'split, pieces combined'});
});

test('Tile and Pad gradients, every pad mode', () => {
  checkGradients((x) => ops.tile(x!, [2, 1, 3]), [r([2, 3], 18)], {label: 'tile'});
  checkGradients((x) => ops.pad(x!, [[1, 2], [0, 1]], {constantValues: 3}), [r([2, 3], 19)], {label: 'pad constant'});
  for (const mode of ['reflect', 'symmetric', 'edge', 'wrap'] as const) {
    checkGradients((x) => ops.pad(x!, [[1, 1], [2, 1]], {mode}), [r([3, 3], 20)], {label: `pad ${mode}`});
  }
});

test('Gather and ScatterAdd gradients, and the composites built on them', () => {
  const idx = tensor([[2, 0], [0, -1]], undefined, 'int32');
  checkGradients((x) => ops.take(x!, idx, 1), [r([2, 3, 2], 21)], {label: 'take axis 1'});
  checkGradients((x) => ops.take(x!, [5, 5, 0]), [r([2, 3], 22)], {label: 'take flattened'});
  checkGradients((u) => ops.scatterAdd([1, 1, 3], u!, [2, 4], 1), [r([2, 3], 23)], {label: 'scatterAdd updates'});
  checkGradients((x) => ops.takeAlongAxis(x!, [[[1, 0]], [[2, 2]]], 1), [r([2, 3, 2], 24)], {label: 'takeAlongAxis'});
  checkGradients((x) => ops.repeat(x!, [0, 2, 1], 0), [r([3, 2], 25)], {label: 'repeat'});
  checkGradients((v) => ops.scatter([[0, 1], [1, 1], [0, 1]], v!, [2, 2]), [r([3], 26)], {label: 'scatter'});
  checkGradients((d) => ops.segmentSum(d!, [1, 0, 1, 1]), [r([4, 2], 27)], {label: 'segmentSum'});
});

test('second-order: the gradient of a gather gradient (ScatterAdd inside Gather inside ScatterAdd)', () => {
  const idx = [0, 2, 0];
  const inner = (x: Tensor) => {
    const tape = new GradientTape();
    tape.watch(x);
    const y = tape.run(() => ops.sum(ops.power(ops.take(x, idx), 3)));
    return tape.gradient(y, [x])[0]!;
  };
  checkGradients((x) => inner(x!), [r([4], 28)], {label: 'd/dx of scatter-added gradient'});
});

test('Gather gradient accumulates repeated indices (an Embedding lookup)', () => {
  const table = f64([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]);
  const tape = new GradientTape();
  tape.watch(table);
  const ids = tensor([[0, 2], [0, 0]], undefined, 'int32');
  const w = f64([1, 10, 100, 1000, 2, 20, 3, 30], [2, 2, 2]);
  const loss = tape.run(() => ops.sum(ops.multiply(ops.take(table, ids, 0), w)));
  const [g] = tape.gradient(loss, [table]);
  // row 0 is looked up three times: (1, 10) + (2, 20) + (3, 30)
  assert.deepEqual(g!.arraySync(), [[6, 60], [0, 0], [100, 1000], [0, 0]]);
});

test('Gather gradient runs ScatterAdd, never OneHot or MatMul', () => {
  const calls: string[] = [];
  const spy = (name: string) => () => {
    calls.push(name);
    return false; // decline: the reference kernel computes the result
  };
  registerBackend('array-grad-spy', (): Backend => ({
    name: 'array-grad-spy',
    kernels: {Gather: spy('Gather'), ScatterAdd: spy('ScatterAdd'), OneHot: spy('OneHot'), MatMul: spy('MatMul')},
  }));
  const previous = backendName();
  setBackend('array-grad-spy');
  try {
    const table = r([1000, 4], 29);
    const tape = new GradientTape();
    tape.watch(table);
    const loss = tape.run(() => ops.sum(ops.take(table, [3, 3, 999], 0)));
    calls.length = 0;
    const [g] = tape.gradient(loss, [table]);
    assert.deepEqual(calls, ['ScatterAdd']);
    assert.deepEqual([...g!.values.slice(12, 16)], [2, 2, 2, 2]);
    assert.deepEqual([...g!.values.slice(3996)], [1, 1, 1, 1]);
    assert.equal(ops.sum(g!).item(), 12);
  } finally {
    setBackend(previous);
  }
});

test('gradients agree with PyTorch: index_select with repeated indices, reflect padding', () => {
  interface T {
    shape: number[];
    values: number[];
  }
  const fixture = JSON.parse(readFileSync(new URL('../../test/fixtures/array_ops.json', import.meta.url), 'utf8')) as {cases: Record<string, unknown>[]};
  const t64 = (t: T) => new Tensor(t.shape, 'float64', Float64Array.from(t.values));
  const grad = (x: Tensor, f: (x: Tensor) => Tensor, w: Tensor) => {
    const tape = new GradientTape();
    tape.watch(x);
    const y = tape.run(() => ops.sum(ops.multiply(f(x), w)));
    return tape.gradient(y, [x])[0]!;
  };
  const take = fixture.cases.find((c) => c.op === 'takeGrad')!;
  const g1 = grad(t64(take.x as T), (x) => ops.take(x, take.indices as number[], take.axis as number), t64(take.w as T));
  assertClose(g1, (take.expected as T).values, {rtol: 1e-12, atol: 1e-12, label: 'take grad vs torch'});
  const pad = fixture.cases.find((c) => c.op === 'padReflectGrad')!;
  const g2 = grad(t64(pad.x as T), (x) => ops.pad(x, pad.padWidth as number[][], {mode: 'reflect'}), t64(pad.w as T));
  assertClose(g2, (pad.expected as T).values, {rtol: 1e-12, atol: 1e-12, label: 'reflect pad grad vs torch'});
});

test('OneHot is nondifferentiable; integer indices get no gradient', () => {
  const x = r([3, 4], 30);
  const tape = new GradientTape();
  tape.watch(x);
  const idx = tensor([1, 3, 0], undefined, 'int32');
  tape.watch(idx);
  const y = tape.run(() => ops.sum(ops.multiply(ops.oneHot(idx, 4, {dtype: 'float64'}), x)));
  const [gx, gi] = tape.gradient(y, [x, idx]);
  assert.deepEqual(gx!.arraySync(), [[0, 1, 0, 0], [0, 0, 0, 1], [1, 0, 0, 0]]);
  assert.equal(gi, null);
});
