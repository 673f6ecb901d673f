import assert from 'node:assert/strict';
import {test} from 'node:test';
import type {KernelName} from '../../kernels/index.js';
import {Tensor} from '../../tensor/tensor.js';
import type {AnyKernelImpl} from '../backend.js';
import {referenceKernels} from '../reference/index.js';
import {setBackend} from '../registry.js';
import {loadAddon} from './addon.js';
import {MIN_COMPILED_ELEMENTS as MIN_NATIVE_ELEMENTS} from '../compiled/checks.js';
import {forEachIsa as forEachIsaOf, nativeForTests, runImpl, withThreads as withThreadsOf, xorshift32} from '../../testing/kernel_test.js';

// Every native kernel against the reference backend on random inputs. Skips, saying why, when the
// addon is not built (e.g. `CXX=false npm install`).
const {native, skip} = nativeForTests('native backend tests');

const rand = xorshift32(12345);
function randT(shape: number[], lo = -1, hi = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = lo + (hi - lo) * rand();
  return new Tensor(shape, 'float32', v);
}

type Impl = AnyKernelImpl;

/** Runs kernel `name` on both backends; returns [native outputs, reference outputs]. */
function both(name: KernelName, inputs: Record<string, Tensor>, attrs: unknown): [Tensor[], Tensor[]] {
  return [runImpl(name, native!.kernels[name] as Impl, inputs, attrs), runImpl(name, referenceKernels[name] as Impl, inputs, attrs)];
}

function assertClose(actual: Tensor, expected: Tensor, label: string, atol = 1e-5, rtol = 1e-5): void {
  assert.deepEqual(actual.shape, expected.shape, `${label}: shape`);
  const a = actual.values, e = expected.values;
  for (let i = 0; i < e.length; i++) {
    const x = a[i]!, y = e[i]!;
    if (Number.isNaN(y)) {
      assert.ok(Number.isNaN(x), `${label}: [${i}] expected NaN, got ${x}`);
      continue;
    }
    if (!Number.isFinite(y)) {
      assert.equal(x, y, `${label}: [${i}]`);
      continue;
    }
    assert.ok(Math.abs(x - y) <= atol + rtol * Math.abs(y), `${label}: [${i}] native ${x} vs reference ${y}`);
  }
}

function assertSame(a: Tensor, b: Tensor, label: string): void {
  assert.deepEqual(a.shape, b.shape, label);
  for (let i = 0; i < a.values.length; i++) {
    if (!Object.is(a.values[i], b.values[i])) assert.fail(`${label}: [${i}] ${a.values[i]} !== ${b.values[i]}`);
  }
}

const forEachIsa = (body: (isa: string) => void) => forEachIsaOf(native!, body);
const withThreads = <T>(n: number, f: () => T): T => withThreadsOf(native!, n, f);

test('native: loads, reports its instruction set and threads, and is the backend by that name', {skip}, () => {
  assert.equal(native!.name, process.env['KERAS_BACKEND'] === 'wasm' ? 'wasm' : 'native');
  assert.match(native!.isa, /^(avx512|avx2|neon|scalar|wasm-relaxed-simd|wasm-simd128)$/);
  assert.ok(native!.getNumThreads() >= 1);
  withThreads(1, () => assert.equal(native!.getNumThreads(), 1));
  assert.throws(() => native!.setNumThreads(-1), /non-negative integer/);
  assert.equal(setBackend(native!.name).name, native!.name);
  setBackend('reference');
});

test('native MatMul matches the reference: transposes, odd sizes, blocking edges, every ISA', {skip}, () => {
  // sizes not multiples of any tile (12x32, 6x16, 4x16, 8x12), k above one K block (384), n above
  // one N block (512)
  const sizes: [number, number, number][] = [[1, 1, 1], [13, 17, 19], [5, 3, 40], [37, 800, 45], [25, 20, 530], [64, 64, 64]];
  forEachIsa((isa) => {
    for (const [m, k, n] of sizes) {
      for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const a = randT(tA ? [k, m] : [m, k]), b = randT(tB ? [n, k] : [k, n]);
        const [[yn], [yr]] = both('MatMul', {a, b}, {transposeA: tA, transposeB: tB});
        assertClose(yn!, yr!, `${isa} MatMul ${m}x${k}x${n} tA=${tA} tB=${tB}`, 1e-5 * Math.sqrt(k), 1e-5);
      }
    }
  });
});

test('native MatMul: the AVX-512 path (A read in place, B packed while the first row block computes) runs the same sums as the packed AVX2 path', {skip}, () => {
  // both sets sum each element over the same k blocks, one FMA per k in order: bitwise equal
  // m above one block of packed A panels (16 x 12 rows) with n over partial and single B panels
  const sizes: [number, number, number][] = [[128, 784, 512], [128, 512, 10], [13, 17, 19], [1, 800, 45], [37, 5, 530], [400, 130, 70], [300, 40, 20]];
  for (const [m, k, n] of sizes) {
    for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const a = randT(tA ? [k, m] : [m, k]), b = randT(tB ? [n, k] : [k, n]);
      const by: Record<string, Tensor> = {};
      forEachIsa((isa) => {
        by[isa] = both('MatMul', {a, b}, {transposeA: tA, transposeB: tB})[0][0]!;
      });
      if (by['avx512'] && by['avx2']) assertSame(by['avx512'], by['avx2'], `MatMul ${m}x${k}x${n} tA=${tA} tB=${tB}`);
    }
  }
  const x = randT([128, 512]), w = randT([512, 10]), bias = randT([10]);
  const fused: Record<string, Tensor> = {};
  forEachIsa((isa) => {
    fused[isa] = both('FusedDense', {x, kernel: w, bias}, {activation: 'relu'})[0][0]!;
  });
  if (fused['avx512'] && fused['avx2']) assertSame(fused['avx512'], fused['avx2'], 'FusedDense 128x512x10 relu');
});

test('native MatMul broadcasts batch dimensions', {skip}, () => {
  const cases: [number[], number[], boolean, boolean][] = [
    [[3, 7, 9], [3, 9, 5], false, false],
    [[2, 3, 7, 9], [9, 5], false, false], // b shared by every batch
    [[9, 7], [4, 9, 5], true, false], // a shared
    [[3, 1, 7, 9], [1, 4, 5, 9], false, true], // both broadcast: explicit offsets
    [[1, 7, 9], [2, 9, 5], false, false],
  ];
  for (const [as, bs, tA, tB] of cases) {
    const [[yn], [yr]] = both('MatMul', {a: randT(as), b: randT(bs)}, {transposeA: tA, transposeB: tB});
    assertClose(yn!, yr!, `MatMul ${as} x ${bs}`, 1e-5, 1e-5);
  }
});

test('native MatMul: 1 and 2 threads give identical results', {skip}, () => {
  const a = randT([3, 130, 200]), b = randT([200, 300]);
  const attrs = {transposeA: false, transposeB: false};
  const one = withThreads(1, () => both('MatMul', {a, b}, attrs)[0][0]!);
  const two = withThreads(2, () => both('MatMul', {a, b}, attrs)[0][0]!);
  assertSame(one, two, 'MatMul threads');
  // many small products: split over the batch instead
  const c = randT([64, 20, 30]), d = randT([64, 30, 20]);
  assertSame(withThreads(1, () => both('MatMul', {a: c, b: d}, attrs)[0][0]!), withThreads(2, () => both('MatMul', {a: c, b: d}, attrs)[0][0]!), 'batched threads');
});

const convCases: {x: number[]; f: number[]; strides: [number, number]; padding: 'same' | 'valid'; dilations: [number, number]}[] = [
  {x: [2, 9, 11, 3], f: [3, 3, 3, 5], strides: [1, 1], padding: 'valid', dilations: [1, 1]},
  {x: [2, 9, 11, 3], f: [3, 3, 3, 5], strides: [1, 1], padding: 'same', dilations: [1, 1]},
  {x: [1, 10, 9, 4], f: [3, 2, 4, 7], strides: [2, 1], padding: 'same', dilations: [1, 1]},
  {x: [2, 11, 12, 2], f: [3, 3, 2, 3], strides: [1, 2], padding: 'valid', dilations: [2, 1]},
  {x: [1, 12, 12, 3], f: [2, 3, 3, 4], strides: [3, 2], padding: 'same', dilations: [2, 2]},
  {x: [2, 6, 7, 5], f: [1, 1, 5, 6], strides: [1, 1], padding: 'valid', dilations: [1, 1]}, // pointwise: no im2col
  {x: [2, 7, 7, 5], f: [1, 1, 5, 6], strides: [2, 2], padding: 'same', dilations: [1, 1]},
  // K = 3*3*64 = 576: the 2048 output pixels need more than one im2col chunk
  {x: [2, 32, 32, 64], f: [3, 3, 64, 4], strides: [1, 1], padding: 'same', dilations: [1, 1]},
];

test('native Conv2D and both backward passes match the reference: strides, dilation, same/valid', {skip}, () => {
  for (const c of convCases) {
    const x = randT(c.x), f = randT(c.f);
    const a = {strides: c.strides, padding: c.padding, dilations: c.dilations};
    const label = `x=${c.x} f=${c.f} s=${c.strides} ${c.padding} d=${c.dilations}`;
    const K = c.f[0]! * c.f[1]! * c.f[2]!;
    const [[yn], [yr]] = both('Conv2D', {x, filter: f}, a);
    assertClose(yn!, yr!, `Conv2D ${label}`, 1e-5 * Math.sqrt(K), 1e-5);
    const dy = randT([...yr!.shape]);
    const [[dxn], [dxr]] = both('Conv2DBackpropInput', {dy, filter: f}, {...a, inputShape: c.x});
    assertClose(dxn!, dxr!, `Conv2DBackpropInput ${label}`, 1e-5 * Math.sqrt(K), 1e-5);
    const rows = yr!.shape[0]! * yr!.shape[1]! * yr!.shape[2]!;
    const [[dfn], [dfr]] = both('Conv2DBackpropFilter', {x, dy}, {...a, filterShape: c.f});
    assertClose(dfn!, dfr!, `Conv2DBackpropFilter ${label}`, 1e-5 * Math.sqrt(rows), 1e-5);
  }
});

test('native Conv2D: 1 and 2 threads give identical results', {skip}, () => {
  const c = convCases.at(-1)!;
  const x = randT(c.x), f = randT(c.f);
  const a = {strides: c.strides, padding: c.padding, dilations: c.dilations};
  const y1 = withThreads(1, () => both('Conv2D', {x, filter: f}, a)[0][0]!);
  const y2 = withThreads(2, () => both('Conv2D', {x, filter: f}, a)[0][0]!);
  assertSame(y1, y2, 'Conv2D threads');
  const dy = randT([...y1.shape]);
  const g1 = withThreads(1, () => both('Conv2DBackpropInput', {dy, filter: f}, {...a, inputShape: c.x})[0][0]!);
  const g2 = withThreads(2, () => both('Conv2DBackpropInput', {dy, filter: f}, {...a, inputShape: c.x})[0][0]!);
  assertSame(g1, g2, 'Conv2DBackpropInput threads');
});

test('native pooling forward and backward match the reference', {skip}, () => {
  const cases: {x: number[]; poolSize: [number, number]; strides: [number, number]; padding: 'same' | 'valid'}[] = [
    {x: [2, 8, 8, 3], poolSize: [2, 2], strides: [2, 2], padding: 'valid'},
    {x: [2, 9, 7, 5], poolSize: [3, 3], strides: [2, 2], padding: 'same'},
    {x: [1, 10, 11, 17], poolSize: [3, 2], strides: [1, 2], padding: 'valid'},
    {x: [3, 5, 6, 4], poolSize: [2, 3], strides: [1, 1], padding: 'same'},
  ];
  for (const c of cases) {
    const x = randT(c.x);
    const a = {poolSize: c.poolSize, strides: c.strides, padding: c.padding};
    const label = `x=${c.x} pool=${c.poolSize} s=${c.strides} ${c.padding}`;
    for (const k of ['MaxPool', 'AvgPool'] as const) {
      const [[yn], [yr]] = both(k, {x}, a);
      assertClose(yn!, yr!, `${k} ${label}`, 1e-6, 1e-6);
    }
    const dy = randT([...both('MaxPool', {x}, a)[1][0]!.shape]);
    const [[mn], [mr]] = both('MaxPoolGrad', {x, dy}, a);
    assertClose(mn!, mr!, `MaxPoolGrad ${label}`, 1e-6, 1e-6);
    const [[an], [ar]] = both('AvgPoolGrad', {dy}, {...a, inputShape: c.x});
    assertClose(an!, ar!, `AvgPoolGrad ${label}`, 1e-6, 1e-6);
  }
});

test('native unary kernels match the reference, special values included, every ISA', {skip}, () => {
  const n = 3001;
  const v = new Float32Array(n);
  const specials = [0, -0, NaN, Infinity, -Infinity, 1e-30, -1e-30, 1e-7, -1e-7, 88, -88, 89, -89, 100, -100, 1e-40, 0.5, -0.5, 0.625, -0.625, 20, -20];
  for (let i = 0; i < n; i++) v[i] = i < specials.length ? specials[i]! : (rand() - 0.5) * (i % 3 === 0 ? 40 : 4);
  const x = new Tensor([n], 'float32', v);
  const pos = new Tensor([n], 'float32', v.map((t) => Math.abs(t)));
  const ops: [KernelName, unknown, Tensor][] = [
    ['Neg', {}, x], ['Abs', {}, x], ['Square', {}, x], ['Sqrt', {}, pos], ['Rsqrt', {}, pos], ['Reciprocal', {}, x],
    ['Exp', {}, x], ['Log', {}, pos], ['Tanh', {}, x], ['Sigmoid', {}, x], ['Relu', {}, x],
    ['LeakyRelu', {alpha: 0.2}, x], ['Elu', {alpha: 1.5}, x], ['Softplus', {}, x], ['Softsign', {}, x],
    ['Clip', {min: -0.3, max: 0.7}, x],
  ];
  forEachIsa((isa) => {
    for (const [name, attrs, input] of ops) {
      const [[yn], [yr]] = both(name, {x: input}, attrs);
      // a few float32 ulps; denormal results of exp and friends may flush to 0
      assertClose(yn!, yr!, `${isa} ${name}`, 2e-38, 4e-6);
    }
  });
});

test('native binary kernels broadcast as the reference and match it exactly', {skip}, () => {
  const shapes: [number[], number[]][] = [
    [[4, 5, 60], [4, 5, 60]], [[4, 5, 60], [60]], [[4, 1, 60], [1, 5, 1]], [[300], []], [[], [300]],
    [[2, 3, 50], [2, 1, 50]], [[7, 1], [1, 300]], [[3, 4, 5, 6], [4, 1, 6]],
  ];
  for (const name of ['Add', 'Sub', 'Mul', 'Div', 'Maximum', 'Minimum'] as const) {
    for (const [sa, sb] of shapes) {
      const a = randT(sa), b = randT(sb);
      if (name === 'Maximum') a.values[0] = NaN;
      const [[yn], [yr]] = both(name, {a, b}, {});
      assertClose(yn!, yr!, `${name} ${sa} ${sb}`, 0, 0);
    }
  }
});

test('native reductions and softmax match the reference; non-adjacent axes decline', {skip}, () => {
  const x = randT([6, 50, 7, 4]);
  x.values[17] = NaN;
  const y = randT([6, 50, 7, 4]);
  for (const name of ['Sum', 'Mean', 'Max', 'Min'] as const) {
    for (const axes of [[3], [1], [1, 2], [0, 1, 2, 3], [0]]) {
      for (const input of [x, y]) {
        const [[rn], [rr]] = both(name, {x: input}, {axes, keepdims: axes.length === 1});
        assertClose(rn!, rr!, `${name} axes=${axes}`, 1e-5, 1e-5);
      }
    }
    const out = new Tensor([50, 7], 'float32', new Float32Array(350));
    assert.equal((native!.kernels[name] as Impl)({x: y}, {axes: [0, 3], keepdims: false}, [out]), false, `${name} [0, 3] declines`);
  }
  for (const name of ['Softmax', 'LogSoftmax'] as const) {
    for (const axis of [3, 1, 0]) {
      const [[sn], [sr]] = both(name, {x: y}, {axis});
      assertClose(sn!, sr!, `${name} axis=${axis}`, 1e-6, 1e-5);
    }
    const big = randT([40, 1000], -30, 30);
    const [[bn], [br]] = both(name, {x: big}, {axis: 1});
    assertClose(bn!, br!, `${name} wide rows`, 1e-6, 1e-5);
  }
});

test('native kernels decline what they do not cover, so the reference runs', {skip}, () => {
  const ai = new Tensor([2, 2], 'int32', new Int32Array([1, 2, 3, 4]));
  const out = new Tensor([2, 2], 'int32', new Int32Array(4));
  assert.equal((native!.kernels.MatMul as Impl)({a: ai, b: ai}, {transposeA: false, transposeB: false}, [out]), false);
  const small = randT([MIN_NATIVE_ELEMENTS - 1]);
  assert.equal((native!.kernels.Exp as Impl)({x: small}, {}, [randT([MIN_NATIVE_ELEMENTS - 1])]), false);
});

/** A tensor whose storage disagrees with its shape, as a bug elsewhere could produce. */
function lying(shape: number[], length: number): Tensor {
  const t = Object.create(Tensor.prototype) as Tensor;
  Object.assign(t, {shape, dtype: 'float32', _storage: new Float32Array(length), size: shape.reduce((a, b) => a * b, 1)});
  return t;
}

test('native kernels reject wrong lengths and shapes with a clear error, before native code runs', {skip}, () => {
  const mm = native!.kernels.MatMul as Impl;
  const attrs = {transposeA: false, transposeB: false};
  assert.throws(() => mm({a: lying([64, 64], 100), b: randT([64, 64])}, attrs, [randT([64, 64])]), /MatMul: a has 100 values in storage, but its shape \[64, 64\] needs 4096/);
  assert.throws(() => mm({a: randT([64, 64]), b: randT([64, 64])}, attrs, [randT([64, 63])]), /MatMul: output must have shape \[64, 64\]/);
  assert.throws(() => mm({a: randT([4, 5]), b: randT([6, 3])}, attrs, [randT([4, 3])]), /MatMul: inner dimensions must match/);
  const conv = native!.kernels.Conv2D as Impl;
  const ca = {strides: [1, 1], padding: 'valid', dilations: [1, 1]};
  assert.throws(() => conv({x: lying([1, 8, 8, 3], 10), filter: randT([3, 3, 3, 2])}, ca, [randT([1, 6, 6, 2])]), /Conv2D: x has 10 values/);
  assert.throws(() => conv({x: randT([1, 8, 8, 3]), filter: randT([3, 3, 4, 2])}, ca, [randT([1, 6, 6, 2])]), /Conv2D: filter input channels must match/);
  assert.throws(() => conv({x: randT([1, 8, 8, 3]), filter: randT([3, 3, 3, 2])}, {...ca, strides: [0, 1]}, [randT([1, 6, 6, 2])]), /strides and dilations must be positive/);
  const add = native!.kernels.Add as Impl;
  assert.throws(() => add({a: lying([300], 299), b: randT([300])}, {}, [randT([300])]), /Add: a has 299 values/);
  const pool = native!.kernels.MaxPool as Impl;
  assert.throws(() => pool({x: randT([1, 8, 8, 3])}, {poolSize: [2, 2], strides: [2, 2], padding: 'valid'}, [randT([1, 4, 4, 2])]), /MaxPool: output must have shape \[1, 4, 4, 3\]/);
});

test('the addon itself rejects buffers shorter than its attributes imply (second line of defence)', {skip}, () => {
  const addon = loadAddon() as Exclude<ReturnType<typeof loadAddon>, string>;
  const f = (n: number) => new Float32Array(n);
  // gemm 8x8x8 with a 10-element a
  assert.throws(() => addon.run(1, [f(10), f(64), f(64)], Float64Array.from([1, 8, 8, 8, 0, 0, 0, 0, 0, 0])), /(?:native|wasm) MatMul: buffer 0 \(a\) holds 10 elements, the attributes need 64/);
  // batch stride reaching past the end
  assert.throws(() => addon.run(1, [f(64), f(64), f(128)], Float64Array.from([2, 8, 8, 8, 0, 0, 0, 64, 0, 0])), /buffer 0 \(a\)/);
  // conv geometry larger than the buffers
  assert.throws(() => addon.run(2, [f(10), f(10), f(10)], Float64Array.from([1, 8, 8, 3, 6, 6, 2, 3, 3, 1, 1, 1, 1, 0, 0])), /(?:native|wasm) Conv2D: buffer 0 \(x\)/);
  // binary strides reading past the end
  assert.throws(() => addon.run(10, [f(4), f(4), f(8)], Float64Array.from([0, 1, 8, 1, 1])), /buffer 0 \(a\) holds 4 elements, the attributes need 8/);
  // non-integer and negative attributes, unknown kernels, wrong buffer types
  assert.throws(() => addon.run(11, [f(4), f(4)], Float64Array.from([0, -1, 2, 2])), /non-negative integer/);
  assert.throws(() => addon.run(11, [f(4), f(4)], Float64Array.from([0, 1.5, 2, 2])), /non-negative integer/);
  assert.throws(() => addon.run(99, [], new Float64Array(0)), /unknown kernel id 99/);
  // a caller outside TypeScript's checks (plain JS) could pass another typed array: the cast builds one
  assert.throws(() => addon.run(9, [new Int32Array(4) as unknown as Float32Array, f(4)], Float64Array.from([0, 0, 0])), /Float32Array/);
  assert.throws(() => addon.run(1, [f(64), f(64), f(64)], Float64Array.from([1, 2 ** 40, 2 ** 40, 8, 0, 0, 0, 0, 0, 0])), /overflow|holds/);
});

test('native FusedDense and FusedConv2D match the reference for every activation, tile edges, every ISA', {skip}, () => {
  forEachIsa((isa) => {
    // m, k, n off every tile size; k above one K block
    for (const [m, k, n] of [[1, 3, 1], [13, 17, 45], [37, 400, 33], [130, 70, 530]] as const) {
      const x = randT([m, k]), w = randT([k, n], -0.2, 0.2), b = randT([n]);
      for (const activation of ['linear', 'relu', 'sigmoid', 'tanh'] as const) {
        const [[yn], [yr]] = both('FusedDense', {x, kernel: w, bias: b}, {activation});
        assertClose(yn!, yr!, `${isa} FusedDense ${m}x${k}x${n} ${activation}`, 1e-5 * Math.sqrt(k), 1e-5);
      }
    }
    const x3 = randT([2, 3, 9]), w3 = randT([9, 20]), b3 = randT([20]);
    const [[y3n], [y3r]] = both('FusedDense', {x: x3, kernel: w3, bias: b3}, {activation: 'relu'});
    assertClose(y3n!, y3r!, `${isa} FusedDense rank 3`);
    for (const [xs, fs, strides, padding] of [
      [[2, 9, 10, 3], [3, 3, 3, 40], [1, 1], 'valid'], [[1, 8, 7, 5], [3, 2, 5, 17], [2, 2], 'same'], [[2, 6, 6, 8], [1, 1, 8, 33], [1, 1], 'valid'],
    ] as const) {
      for (const activation of ['linear', 'relu'] as const) {
        const [[yn], [yr]] = both('FusedConv2D', {x: randT([...xs]), filter: randT([...fs]), bias: randT([fs[3]])}, {strides, padding, dilations: [1, 1], activation});
        assertClose(yn!, yr!, `${isa} FusedConv2D ${xs} ${fs} ${padding} ${activation}`, 1e-5 * Math.sqrt(fs[0] * fs[1] * fs[2]), 1e-5);
      }
    }
    for (const activation of ['linear', 'relu', 'sigmoid', 'tanh'] as const) {
      const y = activation === 'sigmoid' ? randT([1000], 0, 1) : randT([1000]);
      const [[dn], [dr]] = both('ActivationGrad', {dy: randT([1000]), y}, {activation});
      assertClose(dn!, dr!, `${isa} ActivationGrad ${activation}`, 1e-6, 1e-6);
    }
  });
});

test('native fused kernels reject wrong shapes, in TypeScript and in the addon', {skip}, () => {
  const fd = native!.kernels.FusedDense as Impl;
  assert.throws(() => fd({x: randT([4, 5]), kernel: randT([5, 3]), bias: randT([4])}, {activation: 'relu'}, [randT([4, 3])]), /FusedDense: bias must have shape \[3\]/);
  assert.throws(() => fd({x: randT([4, 5]), kernel: randT([5, 3]), bias: randT([3])}, {activation: 'gelu'}, [randT([4, 3])]), /FusedDense: unknown activation "gelu"/);
  const addon = loadAddon() as Exclude<ReturnType<typeof loadAddon>, string>;
  const f = (n: number) => new Float32Array(n);
  assert.throws(() => addon.run(13, [f(20), f(15), f(2), f(12)], Float64Array.from([4, 5, 3, 1])), /(?:native|wasm) FusedDense: buffer 2 \(bias\) holds 2 elements, the attributes need 3/);
  assert.throws(() => addon.run(13, [f(20), f(15), f(3), f(12)], Float64Array.from([4, 5, 3, 9])), /unknown activation 9/);
  // retired ids (the single-step LSTM and GRU forward kernels) are unknown to the addon
  assert.throws(() => addon.run(16, [f(24), f(6), f(6), f(36), f(6), f(6), f(24)], Float64Array.from([2, 3])), /unknown kernel id 16/);
  assert.throws(() => addon.run(15, [f(4), f(4), f(3)], Float64Array.from([1])), /same length/);
});

test('native MaxPoolGrad: ties go to the first maximal cell, NaN windows to the first NaN, as the reference', {skip}, () => {
  // values from a set of 3 so most windows have ties; some NaNs
  const x = randT([2, 7, 6, 9]);
  x.values.forEach((v, i) => { x.values[i] = i % 37 === 5 ? NaN : Math.round(v); });
  for (const a of [
    {poolSize: [2, 2], strides: [2, 2], padding: 'valid'}, {poolSize: [3, 3], strides: [1, 1], padding: 'same'},
  ] as const) {
    const dy = randT([...both('MaxPool', {x}, a)[1][0]!.shape]);
    const [[mn], [mr]] = both('MaxPoolGrad', {x, dy}, a);
    assertClose(mn!, mr!, `MaxPoolGrad ties ${JSON.stringify(a)}`, 1e-6, 1e-6);
  }
});

test('native Transpose matches the reference for every permutation of rank 1-4, and rejects bad perms', {skip}, () => {
  const perms = (n: number): number[][] => (n === 0 ? [[]] : perms(n - 1).flatMap((p) => Array.from({length: n}, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)])));
  for (const shape of [[300], [17, 19], [7, 9, 11], [3, 5, 6, 7], [32, 80, 128]]) {
    const x = randT(shape);
    for (const perm of shape.length === 3 && shape[0] === 32 ? [[1, 0, 2]] : perms(shape.length)) {
      const [[yn], [yr]] = both('Transpose', {x}, {perm});
      assertSame(yn!, yr!, `Transpose ${shape} perm ${perm}`);
    }
  }
  const tr = native!.kernels.Transpose as Impl;
  assert.throws(() => tr({x: randT([16, 16, 2])}, {perm: [0, 0, 1]}, [randT([16, 16, 2])]), /Transpose: perm must be a permutation of the 3 axes/);
  const addon = loadAddon() as Exclude<ReturnType<typeof loadAddon>, string>;
  assert.throws(() => addon.run(18, [new Float32Array(6), new Float32Array(6)], Float64Array.from([2, 2, 3, 1, 1])), /not a permutation/);
  assert.throws(() => addon.run(18, [new Float32Array(5), new Float32Array(6)], Float64Array.from([2, 2, 3, 1, 0])), /buffer 0 \(x\) holds 5/);
});
