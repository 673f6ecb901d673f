/**
 * The composite ops of src/ops/numpy_extra.ts (and logsumexp) against NumPy values and PyTorch
 * gradients: test/fixtures/numpy_extra_ops.json, written by scripts/make_numpy_extra_fixtures.py.
 */
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';
import * as keras from '../../src/index.js';
import type {Tensor} from '../../src/index.js';

const {ops} = keras;
type Arr = {shape: number[]; values: (number | string)[]};
interface Case {op: string; x: Arr; args: Record<string, unknown>; expected: Arr; w?: Arr; grad?: Arr}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/numpy_extra_ops.json', import.meta.url), 'utf8')) as {cases: Case[]};

const num = (v: number | string) => (typeof v === 'number' ? v : v === 'nan' ? NaN : v === 'inf' ? Infinity : -Infinity);
const toTensor = (a: Arr) => keras.tensor(Float64Array.from(a.values, num), a.shape, 'float64');
const ordOf = (o: unknown) => (o === 'inf' ? Infinity : (o as number | 'fro' | null));

function run(c: Case, x: Tensor): Tensor {
  // the fixture's arguments, as JSON gives them
  const a = c.args as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  switch (c.op) {
    case 'var': return ops.var(x, a['axis'], a['keepdims'] ?? false);
    case 'std': return ops.std(x, a['axis']);
    case 'moments_mean': return ops.moments(x, a['axes'])[0];
    case 'moments_var': return ops.moments(x, a['axes'])[1];
    case 'tril': return ops.tril(x, a['k']);
    case 'triu': return ops.triu(x, a['k']);
    case 'unstack1': return ops.unstack(x, null, a['axis'])[1]!;
    case 'linspace': return ops.linspace(a['start'], a['stop'], a['num'], {endpoint: a['endpoint'] ?? true, dtype: 'float64'});
    case 'norm': return ops.norm(x, {ord: ordOf(a['ord']), axis: a['axis']});
    case 'cumprod': return ops.cumprod(x, a['axis']);
    case 'roll': return ops.roll(x, a['shift'], a['axis']);
    case 'logsumexp': return ops.logsumexp(x, a['axis']);
    case 'isfinite': return ops.cast(ops.isfinite(x), 'float64');
    case 'einsum': return ops.einsum(a['subscripts'], x, ...(a['others'] as Arr[]).map(toTensor));
    case 'sort': return ops.sort(x, a['axis']);
    case 'argsort': return ops.cast(ops.argsort(x, a['axis']), 'float64');
    case 'nanToNum': return ops.nanToNum(x, {nan: a['nan'], posinf: a['posinf'], neginf: a['neginf']});
    default: throw new Error(`no case ${c.op}`);
  }
}

function close(got: Tensor, want: Arr, what: string): void {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  want.values.forEach((v, i) => {
    const e = num(v), g = got.values[i]!;
    assert.ok(Math.abs(g - e) <= 1e-9 + 1e-9 * Math.abs(e), `${what}[${i}]: ${g} vs ${e}`);
  });
}

for (const c of fixture.cases) {
  test(`${c.op} ${JSON.stringify(c.args)}: values${c.grad ? ' and gradient' : ''} as NumPy / PyTorch`, () => {
    const x = toTensor(c.x);
    close(run(c, x), c.expected, 'value');
    if (c.grad && c.w) {
      const w = toTensor(c.w);
      const tape = new keras.GradientTape();
      tape.watch(x);
      const y = tape.run(() => ops.sum(ops.multiply(run(c, x), w)));
      const [g] = tape.gradient(y, [x]);
      close(g!, c.grad, 'gradient');
    }
  });
}

test('the composite ops name what is wrong', () => {
  assert.throws(() => ops.tril(keras.ones([3])), /tril: x must have at least 2 dimensions\. Received: x\.shape=\[3\]/);
  assert.throws(() => ops.unstack(keras.ones([2, 3]), 3), /unstack: num=3 does not match the size 2 of axis 0/);
  assert.throws(() => ops.norm(keras.ones([2, 3]), {ord: 1}), /only ord=null or 'fro' is supported/);
  assert.throws(() => ops.roll(keras.ones([2, 3]), [1, 2], 0), /roll: shift and axis must have the same length/);
  assert.throws(() => ops.einsum('ij,jk->ik', keras.ones([2, 3]), keras.ones([4, 5])), /einsum: subscript "j" has size 3 in one operand and 4 in operand 1 \(shape \[4, 5\]\)/);
  assert.throws(() => ops.einsum('ii->i', keras.ones([2, 3])), /einsum: subscript "i" has size 2 in one operand and 3 in operand 0 \(shape \[2, 3\]\)/);
  assert.throws(() => ops.einsum('ij->ik', keras.ones([2, 2])), /output subscript "k" does not appear in the inputs/);
});
