/**
 * PyTorch parity: forward values and gradients of `sum(y * w)` against fixtures that
 * `scripts/make_parity_fixtures.py` computed with PyTorch in float64 (from float32 inputs, rounded
 * once to float32). Runs on the backend named by `KERAS_BACKEND` (default `reference`), in float32.
 *
 * Tolerance: |ours - torch| <= RTOL * |torch| + ATOL * max(1, max|torch over the tensor|), with
 * RTOL = 1e-5 and ATOL = 1e-6: relative 1e-5 everywhere except near zeros that arise from
 * cancellation (softmax's gradient, say), where a float32 computation cannot keep relative accuracy.
 */
import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {GradientTape} from '../../src/gradients/tape.js';
import {backendName, setBackend} from '../../src/backends/registry.js';
import * as ops from '../../src/ops/index.js';
import {Tensor} from '../../src/tensor/tensor.js';

const RTOL = 1e-5;
const ATOL = 1e-6;

interface Encoded {
  shape: number[];
  data: number[];
}
interface Case {
  name: string;
  op: string;
  options: Record<string, unknown>;
  inputs: Record<string, Encoded>;
  w: Encoded;
  y: Encoded;
  grads: Record<string, Encoded>;
}

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'parity');

const backend = process.env['KERAS_BACKEND'] ?? 'reference';
setBackend(backend);

/** Our op for each fixture `op`, called with the inputs in the fixture's order. */
const OPS: Record<string, (xs: Tensor[], o: any) => Tensor> = {
  matmul: ([a, b], o) => ops.matmul(a!, b!, o),
  conv: ([x, k], o) => ops.conv(x!, k!, o),
  depthwiseConv: ([x, k], o) => ops.depthwiseConv(x!, k!, o),
  convTranspose: ([x, k], o) => ops.convTranspose(x!, k!, o),
  maxPool: ([x], o) => ops.maxPool(x!, o.poolSize, o),
  averagePool: ([x], o) => ops.averagePool(x!, o.poolSize, o),
  softmax: ([x], o) => ops.softmax(x!, o.axis),
  logSoftmax: ([x], o) => ops.logSoftmax(x!, o.axis),
  sigmoid: ([x]) => ops.sigmoid(x!),
  tanh: ([x]) => ops.tanh(x!),
  gelu: ([x], o) => ops.gelu(x!, o.approximate),
  relu6: ([x]) => ops.relu6(x!),
  silu: ([x]) => ops.silu(x!),
  logSigmoid: ([x]) => ops.logSigmoid(x!),
  hardSigmoid: ([x]) => ops.hardSigmoid(x!),
  hardSilu: ([x]) => ops.hardSilu(x!),
  celu: ([x]) => ops.celu(x!),
  hardTanh: ([x]) => ops.hardTanh(x!),
  softShrink: ([x]) => ops.softShrink(x!),
  hardShrink: ([x]) => ops.hardShrink(x!),
  tanhShrink: ([x]) => ops.tanhShrink(x!),
  glu: ([x], o) => ops.glu(x!, o.axis),
  add: ([a, b]) => ops.add(a!, b!),
  subtract: ([a, b]) => ops.subtract(a!, b!),
  multiply: ([a, b]) => ops.multiply(a!, b!),
  divide: ([a, b]) => ops.divide(a!, b!),
  maximum: ([a, b]) => ops.maximum(a!, b!),
  minimum: ([a, b]) => ops.minimum(a!, b!),
  power: ([a, b]) => ops.power(a!, b!),
};

const f32 = (e: Encoded) => new Tensor(e.shape, 'float32', Float32Array.from(e.data));

/** The worst error seen, as a multiple of the allowed error (<= 1 passes). */
function compare(actual: Tensor, expected: Encoded, label: string): number {
  assert.deepEqual([...actual.shape], expected.shape, `${label}: shape`);
  assert.equal(actual.dtype, 'float32', `${label}: dtype`);
  const e = Float32Array.from(expected.data);
  const scale = Math.max(1, ...e.map(Math.abs));
  let worst = 0, at = -1;
  for (let i = 0; i < e.length; i++) {
    const ratio = Math.abs(actual.values[i]! - e[i]!) / (RTOL * Math.abs(e[i]!) + ATOL * scale);
    if (!(ratio <= worst)) [worst, at] = [ratio, i];
  }
  assert.ok(worst <= 1, `${label}[${at}]: ${actual.values[at]} vs torch ${e[at]} (error ${worst.toFixed(2)}x the tolerance)`);
  return worst;
}

const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort();
assert.ok(files.length > 0, `no parity fixtures in ${FIXTURES}; run scripts/make_parity_fixtures.py`);

for (const file of files) {
  const {cases} = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as {cases: Case[]};
  for (const c of cases) {
    test(`torch parity [${backend}] ${c.name}`, () => {
      assert.equal(backendName(), backend === 'js' ? 'reference' : backend);
      const fn = OPS[c.op];
      assert.ok(fn, `no op mapped for fixture op "${c.op}"`);
      const names = Object.keys(c.inputs);
      const xs = names.map((n) => f32(c.inputs[n]!));
      const w = f32(c.w);
      const tape = new GradientTape();
      tape.watch(xs);
      let y!: Tensor;
      const loss = tape.run(() => {
        y = fn(xs, c.options);
        return ops.sum(ops.multiply(y, w));
      });
      compare(y, c.y, `${c.name} y`);
      const grads = tape.gradient(loss, xs);
      names.forEach((n, i) => {
        assert.ok(grads[i], `${c.name}: no gradient for ${n}`);
        compare(grads[i]!, c.grads[n]!, `${c.name} d/d${n}`);
      });
    });
  }
}
