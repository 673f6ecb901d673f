/**
 * Native kernels meet PyTorch. test/fixtures/parity_native/ holds cases of >= 4,096 elements with odd
 * lengths (SIMD tails of 15, 7 and 3), above MIN_NATIVE_ELEMENTS, made by
 * scripts/make_parity_fixtures.py: every native unary, binary, reduction and softmax kernel, forward
 * values and the gradients of sum(y * w). Each case runs on the reference backend and, when the addon
 * is built, on the native backend once per instruction set the CPU has (avx512, avx2, scalar ...),
 * recording the kernels: the test asserts that the case's native kernel ran and never fell back.
 *
 * Tolerance as in torch_parity.test.ts: |ours - torch| <= RTOL |torch| + ATOL max(1, max|torch|).
 */
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {test} from 'node:test';
import {GradientTape} from '../../src/gradients/tape.js';
import {backendName, setBackend} from '../../src/backends/registry.js';
import * as ops from '../../src/ops/index.js';
import {Tensor} from '../../src/tensor/tensor.js';
import {forEachIsa, nativeForTests, recordNativeKernels, xorshift32} from '../../src/testing/kernel_test.js';

const RTOL = 2e-5;
const ATOL = 1e-6;

interface Stored {shape: number[]; b64: string}
interface Case {
  name: string;
  op: string;
  kernel: string;
  options: Record<string, any>;
  inputs: Record<string, {shape: number[]; seed: number; lo: number; hi: number}>;
  wSeed: number;
  y: Stored;
  grads: Record<string, Stored>;
}

const FILE = join(import.meta.dirname, '..', 'fixtures', 'parity_native', 'elementwise_large.json');
const {cases} = JSON.parse(readFileSync(FILE, 'utf8')) as {cases: Case[]};

/** The values scripts/make_parity_fixtures.py draws: lo + (hi - lo) * xorshift32(seed), as float32. */
function drawn(shape: number[], seed: number, lo: number, hi: number): Tensor {
  const r = xorshift32(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(shape, 'float32', Float32Array.from({length: n}, () => lo + (hi - lo) * r()));
}

function stored(s: Stored): Float32Array {
  const bytes = Buffer.from(s.b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

const OPS: Record<string, (xs: Tensor[], o: any) => Tensor> = {
  negative: ([x]) => ops.negative(x!), abs: ([x]) => ops.abs(x!), square: ([x]) => ops.square(x!), sqrt: ([x]) => ops.sqrt(x!),
  rsqrt: ([x]) => ops.rsqrt(x!), reciprocal: ([x]) => ops.reciprocal(x!), exp: ([x]) => ops.exp(x!), log: ([x]) => ops.log(x!),
  tanh: ([x]) => ops.tanh(x!), sigmoid: ([x]) => ops.sigmoid(x!), relu: ([x]) => ops.relu(x!),
  leakyRelu: ([x], o) => ops.leakyRelu(x!, o.negativeSlope), elu: ([x], o) => ops.elu(x!, o.alpha),
  softplus: ([x]) => ops.softplus(x!), softsign: ([x]) => ops.softsign(x!), clip: ([x], o) => ops.clip(x!, o.min, o.max),
  add: ([a, b]) => ops.add(a!, b!), subtract: ([a, b]) => ops.subtract(a!, b!), multiply: ([a, b]) => ops.multiply(a!, b!),
  divide: ([a, b]) => ops.divide(a!, b!), maximum: ([a, b]) => ops.maximum(a!, b!), minimum: ([a, b]) => ops.minimum(a!, b!),
  sum: ([x], o) => ops.sum(x!, o.axis), mean: ([x], o) => ops.mean(x!, o.axis), max: ([x], o) => ops.max(x!, o.axis), min: ([x], o) => ops.min(x!, o.axis),
  softmax: ([x], o) => ops.softmax(x!, o.axis), logSoftmax: ([x], o) => ops.logSoftmax(x!, o.axis),
};

function compare(actual: Tensor, expected: Stored, label: string): void {
  assert.deepEqual([...actual.shape], expected.shape, `${label}: shape`);
  const e = stored(expected);
  let scale = 1;
  for (const v of e) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < e.length; i++) {
    const err = Math.abs(actual.values[i]! - e[i]!);
    if (!(err <= RTOL * Math.abs(e[i]!) + ATOL * scale)) {
      assert.fail(`${label}[${i}] of ${e.length}: ${actual.values[i]} vs torch ${e[i]} (${(err / (RTOL * Math.abs(e[i]!) + ATOL * scale)).toFixed(2)}x the tolerance)`);
    }
  }
}

/**
 * y and the gradients of sum(y * w) on the active backend, compared with PyTorch's; `forward` wraps
 * the op's own call (to record which kernels ran it).
 */
function runCase(c: Case, label: string, forward: (f: () => void) => void = (f) => f()): void {
  const fn = OPS[c.op];
  assert.ok(fn, `no op mapped for fixture op "${c.op}"`);
  const names = Object.keys(c.inputs);
  const xs = names.map((n) => {
    const s = c.inputs[n]!;
    return drawn(s.shape, s.seed, s.lo, s.hi);
  });
  const tape = new GradientTape();
  tape.watch(xs);
  let y!: Tensor;
  const loss = tape.run(() => {
    forward(() => (y = fn(xs, c.options)));
    return ops.sum(ops.multiply(y, drawn([...y.shape], c.wSeed, -1, 1)));
  });
  compare(y, c.y, `${label} ${c.name} y`);
  const grads = tape.gradient(loss, xs);
  names.forEach((n, i) => compare(grads[i]!, c.grads[n]!, `${label} ${c.name} d/d${n}`));
}

test('the fixture covers every native elementwise, reduction and softmax kernel at >= 4,096 elements', () => {
  const kernels = new Set(cases.map((c) => c.kernel));
  for (const k of ['Neg', 'Abs', 'Square', 'Sqrt', 'Rsqrt', 'Reciprocal', 'Exp', 'Log', 'Tanh', 'Sigmoid', 'Relu', 'LeakyRelu', 'Elu', 'Softplus', 'Softsign', 'Clip',
    'Add', 'Sub', 'Mul', 'Div', 'Maximum', 'Minimum', 'Sum', 'Mean', 'Max', 'Min', 'Softmax', 'LogSoftmax']) {
    assert.ok(kernels.has(k), `no large case for ${k}`);
  }
  for (const c of cases) {
    const sizes = Object.values(c.inputs).map((s) => s.shape.reduce((a, b) => a * b, 1));
    assert.ok(Math.max(...sizes) >= 4096, `${c.name}: ${sizes}`);
  }
});

for (const c of cases) {
  test(`torch parity at native sizes [reference] ${c.name}`, () => {
    const before = backendName();
    setBackend('reference');
    try {
      runCase(c, 'reference');
    } finally {
      setBackend(before);
    }
  });
}

const {native, skip} = nativeForTests('native kernels against PyTorch');

for (const c of cases) {
  test(`torch parity at native sizes [native, every ISA] ${c.name}: ${c.kernel} runs natively`, {skip}, () => {
    const before = backendName();
    setBackend('native');
    try {
      const isas = forEachIsa(native!, (isa) => {
        runCase(c, isa, (f) => {
          const {native: ran, fallback} = recordNativeKernels(native!, f);
          assert.deepEqual([...ran.keys()], [c.kernel], `${isa} ${c.name}: the kernels that ran natively (fell back: ${[...fallback.keys()]})`);
          assert.equal(fallback.size, 0, `${isa} ${c.name}: fell back to the reference: ${[...fallback.keys()]}`);
        });
      });
      assert.ok(isas.length >= 1);
    } finally {
      setBackend(before);
    }
  });
}
