import assert from 'node:assert/strict';
import {test} from 'node:test';
import {KERNELS, type KernelName} from '../../kernels/index.js';
import {outputsFor, xorshift32} from '../../testing/kernel_test.js';
import {webgpuForTests} from '../../testing/webgpu.js';
import {allocate, type DType} from '../../tensor/dtype.js';
import {Tensor} from '../../tensor/tensor.js';
import type {AnyKernelImpl} from '../backend.js';
import {referenceKernels} from '../reference/index.js';
import {GPU_KERNELS} from './index.js';

const {gpu, skip} = webgpuForTests();

const rand = xorshift32(12345);
function t(shape: number[], dtype: DType = 'float32', lo = -2, hi = 2): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = allocate(dtype, n);
  for (let i = 0; i < n; i++) {
    const u = lo + (hi - lo) * rand();
    v[i] = dtype === 'bool' ? (u > (lo + hi) / 2 ? 1 : 0) : dtype === 'int32' ? Math.floor(u) : u;
  }
  return new Tensor(shape, dtype, v);
}
const copy = (x: Tensor) => new Tensor(x.shape, x.dtype, x.values.slice());

/** Every value within 1e-4 relative of the reference (plus 1e-6 absolute near zero); NaN where it is NaN. */
function close(label: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
  assert.equal(got.length, want.length, `${label}: length`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    if (Number.isNaN(w)) assert.ok(Number.isNaN(g), `${label}[${i}]: expected NaN, got ${g}`);
    else if (!Number.isFinite(w)) assert.equal(g, w, `${label}[${i}]`);
    else assert.ok(Math.abs(g - w) <= 1e-4 * Math.abs(w) + 1e-6, `${label}[${i}]: webgpu ${g}, reference ${w}`);
  }
}

/** Runs `name` on the GPU (asserting it dispatched, not fell back) and on the reference, and compares. */
function parity(name: KernelName, inputs: Record<string, Tensor | Tensor[]>, attrs: unknown, label: string = name): void {
  const refIn = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, Array.isArray(v) ? v.map(copy) : copy(v)]));
  const want = outputsFor(name, refIn, attrs);
  (referenceKernels[name] as AnyKernelImpl)(refIn, attrs, want);
  const got = outputsFor(name, inputs, attrs);
  const before = gpu!.stats.dispatches;
  (gpu!.kernels[name] as AnyKernelImpl)(inputs, attrs, got);
  assert.ok(gpu!.stats.dispatches > before || got.every((o) => o.size === 0), `${label}: ran on the CPU, not the GPU`);
  got.forEach((o, i) => {
    assert.ok(o.device !== null || o.size === 0, `${label}: output ${i} is not on the device`);
    close(`${label} out ${i}`, o.values, want[i]!.values);
  });
}

const UNARY_F = ['Neg', 'Abs', 'Sign', 'Exp', 'Expm1', 'Log', 'Log1p', 'Sqrt', 'Rsqrt', 'Square', 'Reciprocal', 'Tanh', 'Sigmoid', 'Relu', 'Selu', 'Softplus', 'Softsign', 'Floor', 'Ceil', 'Round'] as const;
const POSITIVE = new Set(['Log', 'Sqrt', 'Rsqrt']);

test('webgpu: unary kernels match the reference (float32; int32 where the GPU takes it)', {skip}, () => {
  for (const name of UNARY_F) {
    const x = POSITIVE.has(name) ? t([3, 7], 'float32', 0.01, 4) : t([3, 7]);
    // values near 0, where expm1/log1p/tanh lose digits in the direct formula
    x.values[0] = 1e-3;
    x.values[1] = -2e-4;
    if (name === 'Round') x.values.set([0.5, 1.5, 2.5, -0.5, -1.5], 2);
    parity(name, {x}, {});
  }
  parity('Elu', {x: t([5, 4])}, {alpha: 0.7});
  parity('LeakyRelu', {x: t([5, 4])}, {alpha: 0.2});
  parity('Clip', {x: t([5, 4])}, {min: -0.5, max: 0.75});
  parity('Gelu', {x: t([5, 4])}, {approximate: true});
  for (const name of ['Neg', 'Abs', 'Sign', 'Square'] as const) parity(name, {x: t([9], 'int32', -5, 5)}, {}, `${name} int32`);
  const nan = t([4]);
  nan.values[1] = NaN;
  parity('IsNan', {x: nan}, {});
  parity('Cast', {x: nan}, {dtype: 'bool'}, 'Cast NaN->bool');
  parity('LogicalNot', {x: t([6], 'bool')}, {});
  for (const [from, to] of [['float32', 'int32'], ['float32', 'bool'], ['int32', 'float32'], ['bool', 'float32'], ['int32', 'bool']] as const) {
    parity('Cast', {x: t([2, 5], from, -3, 3)}, {dtype: to}, `Cast ${from}->${to}`);
  }
});

test('webgpu: binary kernels with broadcasting match the reference', {skip}, () => {
  const shapes: [number[], number[]][] = [[[2, 3], [2, 3]], [[2, 3], [3]], [[4, 1, 3], [2, 1]], [[], [2, 2]], [[3, 1], [1, 4]]];
  for (const name of ['Add', 'Sub', 'Mul', 'Div', 'Maximum', 'Minimum', 'FloorDiv', 'Equal', 'NotEqual', 'Less', 'LessEqual', 'Greater', 'GreaterEqual'] as const) {
    for (const [sa, sb] of shapes) {
      const b = t(sb);
      if (name === 'Div' || name === 'FloorDiv') for (let i = 0; i < b.size; i++) if (Math.abs(b.values[i]!) < 0.1) b.values[i] = 0.5;
      parity(name, {a: t(sa), b}, {}, `${name} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`);
    }
  }
  parity('Mod', {a: t([3, 4], 'float32', -5, 5), b: new Tensor([4], 'float32', new Float32Array([1.5, -2, 3, -0.75]))}, {});
  parity('Mod', {a: t([3, 4], 'int32', -9, 9), b: new Tensor([4], 'int32', new Int32Array([2, -3, 4, 0]))}, {}, 'Mod int32');
  for (const name of ['Add', 'Sub', 'Mul', 'Maximum', 'Minimum', 'Equal', 'Less'] as const) parity(name, {a: t([3, 4], 'int32', -9, 9), b: t([4], 'int32', -9, 9)}, {}, `${name} int32`);
  for (const name of ['LogicalAnd', 'LogicalOr', 'LogicalXor', 'Equal'] as const) parity(name, {a: t([3, 4], 'bool'), b: t([1, 4], 'bool')}, {}, `${name} bool`);
  // Pow: positive bases, negative bases with integer exponents, zero
  const base = new Tensor([6], 'float32', new Float32Array([2, 0.5, -2, -3, 0, 1.5]));
  const exp = new Tensor([6], 'float32', new Float32Array([3, -1.5, 2, 3, 2, 0]));
  parity('Pow', {a: base, b: exp}, {});
  parity('Where', {condition: t([2, 1, 3], 'bool'), a: t([4, 3]), b: t([1])}, {});
  parity('ActivationGrad', {dy: t([3, 5]), y: t([3, 5], 'float32', 0, 1)}, {activation: 'relu'}, 'ActivationGrad relu');
  for (const activation of ['linear', 'sigmoid', 'tanh'] as const) parity('ActivationGrad', {dy: t([3, 5]), y: t([3, 5], 'float32', 0, 1)}, {activation}, `ActivationGrad ${activation}`);
  parity('BroadcastTo', {x: t([3, 1])}, {shape: [2, 3, 4]});
  parity('Transpose', {x: t([2, 3, 4])}, {perm: [2, 0, 1]});
});

test('webgpu: reductions, arg-reductions, softmax and log-softmax match the reference', {skip}, () => {
  const x = t([3, 4, 70]); // 70 > one workgroup's 64 threads on the reduced axis
  for (const name of ['Sum', 'Mean', 'Max', 'Min', 'LogSumExp'] as const) {
    for (const axes of [[2], [0], [0, 2], [0, 1, 2], [1]]) {
      for (const keepdims of [false, true]) parity(name, {x}, {axes, keepdims}, `${name} axes=${axes} keepdims=${keepdims}`);
    }
  }
  parity('Prod', {x: t([4, 6], 'float32', 0.5, 1.5)}, {axes: [1], keepdims: false});
  parity('Sum', {x: t([5, 6], 'int32', -9, 9)}, {axes: [0], keepdims: false}, 'Sum int32');
  parity('Max', {x: t([5, 6], 'int32', -9, 9)}, {axes: [1], keepdims: true}, 'Max int32');
  parity('Any', {x: t([5, 6], 'bool')}, {axes: [1], keepdims: false});
  parity('All', {x: t([5, 6], 'bool', -2, 1.9)}, {axes: [0], keepdims: false});
  for (const name of ['ArgMax', 'ArgMin'] as const) {
    for (const axis of [0, 1, 2]) parity(name, {x}, {axis, keepdims: false}, `${name} axis=${axis}`);
    // ties: the first index wins, as the reference
    parity(name, {x: new Tensor([2, 4], 'float32', new Float32Array([1, 3, 3, 0, 2, 2, 2, 2]))}, {axis: 1, keepdims: false}, `${name} ties`);
    parity(name, {x: t([4, 5], 'int32', -3, 3)}, {axis: 1, keepdims: true}, `${name} int32`);
  }
  for (const [exclusive, reverse] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    parity('Cumsum', {x}, {axis: 1, exclusive, reverse}, `Cumsum exclusive=${exclusive} reverse=${reverse}`);
  }
  parity('Cumsum', {x: t([4, 6], 'int32', -9, 9)}, {axis: 0, exclusive: false, reverse: false}, 'Cumsum int32');
  for (const name of ['Softmax', 'LogSoftmax'] as const) {
    for (const axis of [0, 1, 2]) parity(name, {x}, {axis}, `${name} axis=${axis}`);
  }
});

test('webgpu: matmul (transposes, broadcast batches) and the fused dense kernel match the reference', {skip}, () => {
  for (const [transposeA, transposeB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    const a = transposeA ? t([19, 17]) : t([17, 19]);
    const b = transposeB ? t([23, 19]) : t([19, 23]);
    parity('MatMul', {a, b}, {transposeA, transposeB}, `MatMul tA=${transposeA} tB=${transposeB}`);
  }
  parity('MatMul', {a: t([2, 1, 5, 6]), b: t([3, 6, 4])}, {transposeA: false, transposeB: false}, 'MatMul batched broadcast');
  for (const activation of ['linear', 'relu', 'sigmoid', 'tanh'] as const) {
    parity('FusedDense', {x: t([2, 5, 33]), kernel: t([33, 18]), bias: t([18])}, {activation}, `FusedDense ${activation}`);
  }
});

test('webgpu: indexing kernels (slices, concat, split, tile, pad, gather, scatter-add, one-hot) match the reference', {skip}, () => {
  const x = t([3, 4, 5]);
  parity('Slice', {x}, {begin: [1, 0, 2], size: [2, 3, 3]});
  parity('StridedSlice', {x}, {begin: [2, 0, 4], end: [-1, 4, 0], strides: [-1, 2, -2]});
  parity('Concat', {xs: [t([2, 3, 2]), t([2, 1, 2]), t([2, 4, 2])]}, {axis: 1});
  parity('Concat', {xs: [t([2, 3], 'int32', -5, 5), t([1, 3], 'int32', -5, 5)]}, {axis: 0}, 'Concat int32');
  parity('Split', {x}, {sizes: [1, 3, 1], axis: 2});
  parity('Tile', {x: t([2, 3])}, {reps: [2, 3]});
  parity('Pad', {x: t([2, 3])}, {paddings: [[1, 0], [2, 1]], constantValue: 0.5});
  const idx = new Tensor([2, 3], 'int32', new Int32Array([3, 0, 3, 1, 2, 3]));
  parity('Gather', {x: t([4, 5]), indices: idx}, {axis: 0});
  parity('Gather', {x: t([2, 4, 3]), indices: idx}, {axis: 1}, 'Gather axis 1');
  // repeated indices: their updates add up (the Embedding gradient)
  parity('ScatterAdd', {indices: idx, updates: t([2, 3, 5])}, {shape: [4, 5], axis: 0});
  parity('ScatterAdd', {indices: idx, updates: t([2, 2, 3, 3])}, {shape: [2, 4, 3], axis: 1}, 'ScatterAdd axis 1');
  parity('OneHot', {indices: new Tensor([5], 'int32', new Int32Array([0, 3, -1, 4, 2]))}, {depth: 4, onValue: 1, offValue: 0, dtype: 'float32'});
  parity('OneHot', {indices: new Tensor([3], 'int32', new Int32Array([1, 0, 2]))}, {depth: 3, onValue: 5, offValue: -1, dtype: 'int32'}, 'OneHot int32');
});

test('webgpu: convolutions, their gradients and pooling match the reference (valid/same, strides, dilations)', {skip}, () => {
  const geometries = [
    {strides: [1, 1], padding: 'valid', dilations: [1, 1]},
    {strides: [2, 2], padding: 'same', dilations: [1, 1]},
    {strides: [1, 2], padding: 'same', dilations: [2, 1]},
  ] as const;
  for (const g of geometries) {
    const a = {strides: [...g.strides], padding: g.padding, dilations: [...g.dilations]};
    const x = t([2, 7, 6, 3]), filter = t([3, 2, 3, 4]);
    const label = JSON.stringify(a);
    parity('Conv2D', {x, filter}, a, `Conv2D ${label}`);
    parity('FusedConv2D', {x, filter, bias: t([4])}, {...a, activation: 'relu'}, `FusedConv2D ${label}`);
    const y = outputsFor('Conv2D', {x, filter}, a)[0]!;
    parity('Conv2DBackpropInput', {dy: t([...y.shape]), filter}, {...a, inputShape: [2, 7, 6, 3]}, `Conv2DBackpropInput ${label}`);
    parity('Conv2DBackpropFilter', {x, dy: t([...y.shape])}, {...a, filterShape: [3, 2, 3, 4]}, `Conv2DBackpropFilter ${label}`);
    // depthwise, channel multiplier 2
    const dfilter = t([3, 2, 3, 2]);
    parity('DepthwiseConv2D', {x, filter: dfilter}, a, `DepthwiseConv2D ${label}`);
    const dyShape = [...outputsFor('DepthwiseConv2D', {x, filter: dfilter}, a)[0]!.shape];
    parity('DepthwiseConv2DBackpropInput', {dy: t(dyShape), filter: dfilter}, {...a, inputShape: [2, 7, 6, 3]}, `DepthwiseConv2DBackpropInput ${label}`);
    parity('DepthwiseConv2DBackpropFilter', {x, dy: t(dyShape)}, {...a, filterShape: [3, 2, 3, 2]}, `DepthwiseConv2DBackpropFilter ${label}`);
  }
  for (const p of [
    {poolSize: [2, 2], strides: [2, 2], padding: 'valid'},
    {poolSize: [3, 3], strides: [2, 2], padding: 'same'},
    {poolSize: [3, 2], strides: [1, 1], padding: 'valid'},
  ] as const) {
    const a = {poolSize: [...p.poolSize], strides: [...p.strides], padding: p.padding};
    const x = t([2, 7, 6, 3]);
    const label = JSON.stringify(a);
    parity('MaxPool', {x}, a, `MaxPool ${label}`);
    parity('AvgPool', {x}, a, `AvgPool ${label}`);
    const y = outputsFor('MaxPool', {x}, a)[0]!;
    parity('MaxPoolGrad', {x, dy: t([...y.shape])}, a, `MaxPoolGrad ${label}`);
    parity('AvgPoolGrad', {dy: t([...y.shape])}, {...a, inputShape: [2, 7, 6, 3]}, `AvgPoolGrad ${label}`);
  }
});

test('webgpu: the LSTM step and its gradient match the reference', {skip}, () => {
  const [b, u] = [3, 5];
  parity('LSTMStep', {z: t([b, 4 * u]), h: t([b, u]), c: t([b, u]), recurrentKernel: t([u, 4 * u], 'float32', -0.5, 0.5)}, {});
  const gates = t([b, 4 * u], 'float32', 0.05, 0.95);
  parity('LSTMStepGrad', {dh: t([b, u]), dc: t([b, u]), dGates: t([b, 4 * u]), gates, cNew: t([b, u]), c: t([b, u])}, {});
});

test('webgpu: the whole-sequence LSTM and its backpropagation through time match the reference (masks, goBackwards, recurrent dropout)', {skip}, () => {
  const [b, T, u] = [3, 4, 5];
  // row 1 starts masked and is masked again in the middle, row 2 ends masked
  const maskValues = [1, 1, 1, 1, 0, 1, 0, 1, 1, 1, 0, 0];
  const cases: [string, {goBackwards: boolean; zeroOutputForMask: boolean}, boolean, 'none' | 'float32' | 'bool'][] = [
    ['plain', {goBackwards: false, zeroOutputForMask: false}, false, 'none'],
    ['mask', {goBackwards: false, zeroOutputForMask: false}, false, 'float32'],
    ['bool mask, zeroOutputForMask, goBackwards', {goBackwards: true, zeroOutputForMask: true}, false, 'bool'],
    ['mask, recurrent dropout, goBackwards', {goBackwards: true, zeroOutputForMask: false}, true, 'float32'],
  ];
  for (const [label, attrs, dropout, maskKind] of cases) {
    const mask = maskKind === 'none' ? [] : [new Tensor([b, T], maskKind, maskKind === 'bool' ? Uint8Array.from(maskValues) : Float32Array.from(maskValues))];
    const recurrentMask = dropout ? [new Tensor([b, 4 * u], 'float32', Float32Array.from({length: b * 4 * u}, (_, i) => (i % 3 === 0 ? 0 : 1.25)))] : [];
    const inputs = {z: t([b, T, 4 * u]), h0: t([b, u], 'float32', -0.5, 0.5), c0: t([b, u], 'float32', -0.5, 0.5), recurrentKernel: t([u, 4 * u], 'float32', -0.5, 0.5), mask, recurrentMask};
    parity('LSTMSequence', inputs, attrs, `LSTMSequence ${label}`);
    parity('LSTMSequence', inputs, {...attrs, keepReserve: false}, `LSTMSequence ${label}, no reserve`);
    parity('LSTMSequence', inputs, {...attrs, keepReserve: false, returnSequences: false}, `LSTMSequence ${label}, last states only`);
    // the reserve as the forward pass leaves it, then gradients for all six outputs
    const fwd = outputsFor('LSTMSequence', inputs, attrs);
    referenceKernels.LSTMSequence(inputs as never, attrs, fwd);
    const [, , , gates, cs, hs] = fwd as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
    const grad = {
      dy: t([b, T, u]), dh: t([b, u]), dc: t([b, u]), dGates: t([T, b, 4 * u], 'float32', -0.1, 0.1), dCs: t([T, b, u], 'float32', -0.1, 0.1), dHs: t([T, b, u], 'float32', -0.1, 0.1),
      gates, cs, hs, h0: inputs.h0, c0: inputs.c0, recurrentKernel: inputs.recurrentKernel, mask, recurrentMask,
    };
    parity('LSTMSequenceGrad', grad, attrs, `LSTMSequenceGrad ${label}`);
  }
});

test('webgpu: the whole-sequence GRU and its backpropagation through time match the reference (masks, goBackwards)', {skip}, () => {
  const [b, T, u] = [3, 4, 5];
  const maskValues = [1, 1, 1, 1, 0, 1, 0, 1, 1, 1, 0, 0];
  const cases: [string, {goBackwards: boolean; zeroOutputForMask: boolean}, 'none' | 'float32' | 'bool'][] = [
    ['plain', {goBackwards: false, zeroOutputForMask: false}, 'none'],
    ['mask', {goBackwards: false, zeroOutputForMask: false}, 'float32'],
    ['bool mask, zeroOutputForMask, goBackwards', {goBackwards: true, zeroOutputForMask: true}, 'bool'],
  ];
  for (const [label, attrs, maskKind] of cases) {
    const mask = maskKind === 'none' ? [] : [new Tensor([b, T], maskKind, maskKind === 'bool' ? Uint8Array.from(maskValues) : Float32Array.from(maskValues))];
    const inputs = {z: t([b, T, 3 * u]), h0: t([b, u], 'float32', -0.5, 0.5), recurrentKernel: t([u, 3 * u], 'float32', -0.5, 0.5), recurrentBias: t([3 * u], 'float32', -0.3, 0.3), mask};
    parity('GRUSequence', inputs, attrs, `GRUSequence ${label}`);
    parity('GRUSequence', inputs, {...attrs, keepReserve: false}, `GRUSequence ${label}, no reserve`);
    parity('GRUSequence', inputs, {...attrs, keepReserve: false, returnSequences: false}, `GRUSequence ${label}, last states only`);
    const fwd = outputsFor('GRUSequence', inputs, attrs);
    referenceKernels.GRUSequence(inputs, attrs, fwd);
    const [, , reserve, hs] = fwd as [Tensor, Tensor, Tensor, Tensor];
    const grad = {
      dy: t([b, T, u]), dh: t([b, u]), dReserve: t([T, b, 4 * u], 'float32', -0.1, 0.1), dHs: t([T, b, u], 'float32', -0.1, 0.1),
      reserve, hs, h0: inputs.h0, recurrentKernel: inputs.recurrentKernel, mask,
    };
    parity('GRUSequenceGrad', grad, attrs, `GRUSequenceGrad ${label}`);
  }
});

test('webgpu: the dropout mask is the reference generator bit for bit', {skip}, () => {
  for (const [keepProb, dtype] of [[0.8, 'float32'], [0.5, 'int32'], [0.1, 'bool'], [1, 'float32'], [0, 'float32']] as const) {
    const attrs = {shape: [7, 33], keepProb, dtype, k0: 0x9e3779b9, k1: 12};
    const want = outputsFor('BernoulliMask', {}, attrs);
    referenceKernels.BernoulliMask({}, attrs, want);
    const got = outputsFor('BernoulliMask', {}, attrs);
    (gpu!.kernels.BernoulliMask as AnyKernelImpl)({}, attrs, got);
    assert.deepEqual(Array.from(got[0]!.values), Array.from(want[0]!.values), `keepProb ${keepProb} ${dtype}`);
  }
});

test('webgpu: fused optimizer updates match the reference, into new tensors and in place', {skip}, () => {
  const cases: [KernelName, unknown, number][] = [
    ['SGDUpdate', {learningRate: 0.1, momentum: 0, nesterov: false}, 0],
    ['SGDUpdate', {learningRate: 0.1, momentum: 0.9, nesterov: true}, 1],
    ['SGDUpdate', {learningRate: 0.1, momentum: 0.9, nesterov: false}, 1],
    ['RMSpropUpdate', {learningRate: 0.01, rho: 0.9, momentum: 0, epsilon: 1e-7}, 1],
    ['RMSpropUpdate', {learningRate: 0.01, rho: 0.9, momentum: 0.5, epsilon: 1e-7}, 2],
    ['AdamUpdate', {alpha: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7}, 2],
    ['AdadeltaUpdate', {learningRate: 1, rho: 0.95, epsilon: 1e-7}, 2],
  ];
  for (const [name, attrs, nSlots] of cases) {
    const slots = Array.from({length: nSlots}, () => t([5, 13], 'float32', 0.01, 1));
    parity(name, {variable: t([5, 13]), gradient: t([5, 13]), slots}, attrs, `${name} ${JSON.stringify(attrs)}`);
    // in place: the outputs are the variable and slot tensors themselves
    const variable = t([5, 13]), gradient = t([5, 13]);
    const slots2 = Array.from({length: nSlots}, () => t([5, 13], 'float32', 0.01, 1));
    const want = [variable, ...slots2].map(copy);
    (referenceKernels[name] as AnyKernelImpl)({variable: want[0], gradient: copy(gradient), slots: want.slice(1)}, attrs, want);
    const outs = [variable, ...slots2];
    (gpu!.kernels[name] as AnyKernelImpl)({variable, gradient, slots: slots2}, attrs, outs);
    outs.forEach((o, i) => close(`${name} in place out ${i}`, o.values, want[i]!.values));
  }
});

test('webgpu: a kernel without WGSL runs on the CPU with device inputs, and a device output it writes in place reaches the GPU', {skip}, () => {
  const x = t([4, 6]);
  const onDevice = outputsFor('Exp', {x}, {});
  (gpu!.kernels.Exp as AnyKernelImpl)({x}, {}, onDevice);
  const e = onDevice[0]!;
  assert.ok(e.device && e.device.hostCopy === null, 'Exp output lives on the device only');
  // Sin has no WGSL version (KNOWN_GAPS.md): it reads e back and writes a host tensor
  const reads = gpu!.stats.reads;
  const cs = outputsFor('Sin', {x: e}, {});
  (gpu!.kernels.Sin as AnyKernelImpl)({x: e}, {}, cs);
  assert.equal(gpu!.stats.reads, reads + 1, 'the CPU kernel read its device input once');
  const want = outputsFor('Sin', {x: e}, {});
  referenceKernels.Sin({x: new Tensor(e.shape, e.dtype, e.values.slice())}, {}, want);
  close('Sin', cs[0]!.values, want[0]!.values);
  // a CPU kernel writing a device tensor as its destination: the GPU must see the new values afterwards
  const v = t([4, 6]);
  (gpu!.kernels.Neg as AnyKernelImpl)({x: copy(v)}, {}, [v]); // v now on the device
  (gpu!.kernels.Sin as AnyKernelImpl)({x: copy(x)}, {}, [v]);
  const hostAfter = v.values.slice();
  const doubled = outputsFor('Add', {a: v, b: v}, {});
  (gpu!.kernels.Add as AnyKernelImpl)({a: v, b: v}, {}, doubled);
  close('Add after a CPU write', doubled[0]!.values, hostAfter.map((z) => 2 * z));
});

test('webgpu: every kernel of the contract either has WGSL or is listed in KNOWN_GAPS.md', async () => {
  const {readFileSync} = await import('node:fs');
  const text = readFileSync(new URL('./KNOWN_GAPS.md', import.meta.url), 'utf8');
  const listed = new Set([...text.matchAll(/^- `(\w+)`/gm)].map((m) => m[1]!));
  // an alias kernel (Reshape) never reaches a backend: the tensor shares its input's storage
  const missing = Object.entries(KERNELS).filter(([k, d]) => !(k in GPU_KERNELS) && !('alias' in d && d.alias)).map(([k]) => k);
  assert.deepEqual([...listed].sort(), missing.sort(), 'KNOWN_GAPS.md must list exactly the kernels without a WGSL implementation');
  for (const k of Object.keys(GPU_KERNELS)) assert.ok(k in KERNELS, `GPU kernel ${k} is not a kernel of the contract`);
});
