import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';
import * as ops from '../../ops/index.js';
import {assertClose} from '../../testing/gradcheck.js';
import {tensor} from '../../tensor/tensor.js';
import {setBackend} from '../registry.js';
import {erf, erfc} from './elementwise.js';

// Values from Python's math module and PyTorch (float64): scripts/gen_elementwise_fixture.py
const fx = JSON.parse(readFileSync(new URL('../../../test/fixtures/elementwise_forward.json', import.meta.url), 'utf8'));
setBackend('reference');

const f64 = (v: number[]) => tensor(v, undefined, 'float64');

test('erf matches Python math.erf to 1e-15 over [-6, 6] (Cody coefficients)', () => {
  const {x, erf: want} = fx.erf as {x: number[]; erf: number[]};
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(erf(x[i]!) - want[i]!));
  assert.ok(worst <= 1e-15, `worst |erf - math.erf| = ${worst}`);
  assert.ok(x.length > 700);
});

test('erfc matches Python math.erfc to 1e-14 relative, tail included (checks the erfc coefficients)', () => {
  const {x, erfc: want} = fx.erf as {x: number[]; erfc: number[]};
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    if (want[i]! < 1e-300) continue; // subnormal results carry fewer digits
    worst = Math.max(worst, Math.abs(erfc(x[i]!) - want[i]!) / want[i]!);
  }
  assert.ok(worst <= 1e-14, `worst relative error of erfc = ${worst}`);
});

test('erf known values, odd symmetry, limits and NaN', () => {
  // within 2 ulps of Python's math.erf
  for (const [x, want] of [[1, 0.8427007929497149], [0.3, 0.3286267594591274], [2.5, 0.999593047982555]] as const) {
    assert.ok(Math.abs(erf(x) - want) <= 2.3e-16, `erf(${x}) = ${erf(x)}, expected ${want}`);
  }
  assert.equal(erf(-5), -0.9999999999984626);
  assert.equal(erf(0), 0);
  assert.equal(erf(Infinity), 1);
  assert.equal(erf(-Infinity), -1);
  assert.ok(Number.isNaN(erf(NaN)));
  for (const v of [0.1, 0.46875, 0.47, 1.3, 3.9, 4.1, 7]) assert.equal(erf(-v), -erf(v));
  // continuity across Cody's interval boundaries
  for (const b of [0.46875, 4]) assert.ok(Math.abs(erf(b + 1e-12) - erf(b - 1e-12)) < 1e-11);
});

test('unary kernels match PyTorch float64', () => {
  const x = f64(fx.x);
  const u = fx.unary as Record<string, number[]>;
  const cases: [string, ReturnType<typeof ops.tanh>][] = [
    ['tanh', ops.tanh(x)],
    ['sigmoid', ops.sigmoid(x)],
    ['softplus', ops.softplus(x)],
    ['softsign', ops.softsign(x)],
    ['elu', ops.elu(x)],
    ['elu_0.5', ops.elu(x, 0.5)],
    ['selu', ops.selu(x)],
    ['leaky_relu_0.2', ops.leakyRelu(x)],
    ['gelu_tanh', ops.gelu(x)],
    ['gelu_erf', ops.gelu(x, false)],
    ['exp', ops.exp(x)],
    ['expm1', ops.expm1(x)],
    ['sin', ops.sin(x)],
    ['cos', ops.cos(x)],
    ['erf', ops.erf(x)],
  ];
  for (const [name, y] of cases) {
    assert.equal(y.dtype, 'float64', name);
    assertClose(y, u[name]!, {rtol: 1e-13, atol: 1e-15, label: name});
  }
  const p = f64(fx.pos);
  const up = fx.unary_pos as Record<string, number[]>;
  for (const [name, y] of [
    ['log', ops.log(p)],
    ['log1p', ops.log1p(p)],
    ['sqrt', ops.sqrt(p)],
    ['rsqrt', ops.rsqrt(p)],
    ['reciprocal', ops.reciprocal(p)],
  ] as const) {
    assertClose(y, up[name]!, {rtol: 1e-14, atol: 0, label: name});
  }
});

test('sigmoid and softplus do not overflow at large |x|', () => {
  assert.deepEqual([...ops.sigmoid(f64([-1000, 1000])).values], [0, 1]);
  assert.deepEqual([...ops.softplus(f64([-1000, 1000])).values], [0, 1000]);
});

test('relu, abs, sign, square, neg, floor, ceil, clip on simple values', () => {
  const x = f64([-2.5, -0.5, 0, 0.5, 2.5]);
  assert.deepEqual([...ops.relu(x).values], [0, 0, 0, 0.5, 2.5]);
  assert.deepEqual([...ops.abs(x).values], [2.5, 0.5, 0, 0.5, 2.5]);
  assert.deepEqual([...ops.sign(x).values], [-1, -1, 0, 1, 1]);
  assert.ok(Number.isNaN(ops.sign(f64([NaN])).values[0]!));
  assert.deepEqual([...ops.square(x).values], [6.25, 0.25, 0, 0.25, 6.25]);
  assert.deepEqual([...ops.negative(f64([1, -2])).values], [-1, 2]);
  assert.deepEqual([...ops.floor(x).values], [-3, -1, 0, 0, 2]);
  assert.deepEqual([...ops.ceil(x).values], [-2, -0, 0, 1, 3]);
  assert.deepEqual([...ops.clip(x, -1, 1).values], [-1, -0.5, 0, 0.5, 1]);
  assert.deepEqual(ops.isnan(f64([NaN, 1, Infinity])).arraySync(), [true, false, false]);
});

test('round is half to even, as NumPy and PyTorch', () => {
  const {x, y} = fx.round as {x: number[]; y: number[]};
  assert.deepEqual([...ops.round(f64(x)).values].map((v) => v + 0), y.map((v) => v + 0));
  assert.deepEqual([...ops.round(tensor([0.5, 1.5, 2.5, -0.5, -1.5])).values].map((v) => v + 0), [0, 2, 2, 0, -2]);
});

test('mod and floorDivide follow Python signs (result takes the sign of the divisor)', () => {
  const {a, b, mod, floor_div: fd} = fx.mod as Record<string, number[]>;
  assertClose(ops.mod(f64(a!), f64(b!)), mod!, {rtol: 1e-15, atol: 0, label: 'mod'});
  assertClose(ops.floorDivide(f64(a!), f64(b!)), fd!, {rtol: 0, atol: 0, label: 'floorDivide'});
  const ia = tensor([7, -7, 7, -7], undefined, 'int32'), ib = tensor([3, 3, -3, -3], undefined, 'int32');
  const m = ops.mod(ia, ib);
  assert.equal(m.dtype, 'int32');
  assert.deepEqual([...m.values], [1, 2, -2, -1]);
  assert.deepEqual([...ops.floorDivide(ia, ib).values], [2, -3, -3, 2]);
});

test('maximum, minimum propagate NaN from either side', () => {
  const a = f64([1, NaN, 3]), b = f64([NaN, 2, 1]);
  const mx = [...ops.maximum(a, b).values], mn = [...ops.minimum(a, b).values];
  assert.ok(Number.isNaN(mx[0]!) && Number.isNaN(mx[1]!) && mx[2] === 3);
  assert.ok(Number.isNaN(mn[0]!) && Number.isNaN(mn[1]!) && mn[2] === 1);
});

test('comparisons and logical ops return bool tensors', () => {
  const a = tensor([1, 2, 3]), b = tensor([3, 2, 1]);
  const cases = [
    [ops.equal(a, b), [false, true, false]],
    [ops.notEqual(a, b), [true, false, true]],
    [ops.less(a, b), [true, false, false]],
    [ops.lessEqual(a, b), [true, true, false]],
    [ops.greater(a, b), [false, false, true]],
    [ops.greaterEqual(a, b), [false, true, true]],
    [ops.logicalAnd([true, true, false], [true, false, false]), [true, false, false]],
    [ops.logicalOr([true, true, false], [true, false, false]), [true, true, false]],
    [ops.logicalXor([true, true, false], [true, false, false]), [false, true, false]],
    [ops.logicalNot([true, false]), [false, true]],
    [ops.equal(tensor([1, 2], undefined, 'int32'), 2), [false, true]],
    [ops.equal(f64([NaN]), f64([NaN])), [false]],
  ] as const;
  for (const [t, want] of cases) {
    assert.equal(t.dtype, 'bool');
    assert.deepEqual(t.arraySync(), want);
  }
});

test('where broadcasts three ways', () => {
  const y = ops.where(tensor([[true], [false]]), tensor([1, 2, 3]), -1);
  assert.deepEqual(y.shape, [2, 3]);
  assert.deepEqual(y.arraySync(), [[1, 2, 3], [-1, -1, -1]]);
});

test('cast: float to int32 truncates toward zero, to bool is nonzero, bool to float is 0/1', () => {
  const x = tensor([-2.7, -0.5, 0, 0.5, 2.7]);
  assert.deepEqual([...ops.cast(x, 'int32').values], [-2, 0, 0, 0, 2]);
  assert.deepEqual(ops.cast(x, 'bool').arraySync(), [true, true, false, true, true]);
  assert.deepEqual([...ops.cast(tensor([true, false]), 'float32').values], [1, 0]);
  const d = ops.cast(f64([0.1]), 'float32');
  assert.equal(d.values[0], Math.fround(0.1));
});

test('binary ops broadcast shapes like NumPy', () => {
  const a = tensor([[1], [2]]), b = tensor([10, 20, 30]);
  assert.deepEqual(ops.add(a, b).arraySync(), [[11, 21, 31], [12, 22, 32]]);
  assert.deepEqual(ops.subtract(b, a).arraySync(), [[9, 19, 29], [8, 18, 28]]);
  assert.deepEqual(ops.multiply(a, b).arraySync(), [[10, 20, 30], [20, 40, 60]]);
  assert.deepEqual(ops.divide(b, a).arraySync(), [[10, 20, 30], [5, 10, 15]]);
  assert.deepEqual(ops.power(a, tensor([1, 2, 3])).arraySync(), [[1, 1, 1], [2, 4, 8]]);
  const c = ops.add(tensor([[[1, 2]]]), tensor([[10], [20], [30]]));
  assert.deepEqual(c.shape, [1, 3, 2]);
  assert.deepEqual(ops.add(tensor([]), 1).shape, [0]);
});
