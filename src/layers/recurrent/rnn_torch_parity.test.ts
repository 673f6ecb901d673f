/**
 * Parity with PyTorch: forward outputs and gradients of SimpleRNN, LSTM and GRU (masks,
 * goBackwards, returnSequences, returnState with initial states, Bidirectional) against
 * test/fixtures/rnn/torch_rnn.json, written by scripts/make_rnn_fixtures.py from torch's
 * nn.RNN / nn.LSTM / nn.GRU given the same weights. Each case runs twice: through the sequence
 * kernels (useCudnn 'auto') and through the generic cell loop (useCudnn false).
 */
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';
import {GradientTape} from '../../gradients/tape.js';
import type {Variable} from '../../autodiff/variable.js';
import * as ops from '../../ops/index.js';
import {Tensor} from '../../tensor/tensor.js';
import {assertClose} from '../../testing/gradcheck.js';
import {Bidirectional} from './bidirectional.js';
import {GRU, LSTM, SimpleRNN} from './layers.js';
import type {RNN} from './rnn.js';

interface Arr {shape: number[]; data: number[]}
interface Weights {kernel: Arr; recurrent_kernel: Arr; bias: Arr}
interface Case {
  name: string;
  layer: 'SimpleRNN' | 'LSTM' | 'GRU';
  units: number;
  bidirectional?: boolean;
  mergeMode?: 'concat' | 'sum' | 'mul' | 'ave';
  config: {returnSequences: boolean; returnState: boolean; goBackwards: boolean};
  x: Arr;
  mask: number[][] | null;
  initialState: Arr[] | null;
  weights: Weights | {forward: Weights; backward: Weights};
  outputWeight: Arr;
  stateWeights: Arr[];
  expected: {output: Arr; states: Arr[]};
  grads: Record<string, unknown>;
}

const fixture = JSON.parse(readFileSync(new URL('../../../test/fixtures/rnn/torch_rnn.json', import.meta.url), 'utf8')) as {cases: Case[]};
const t64 = (a: Arr) => new Tensor(a.shape, 'float64', Float64Array.from(a.data));
const RTOL = 1e-5;
const ATOL = 1e-9;
let worst = 0;

function close(actual: Tensor, expected: Arr, label: string, tol?: {rtol: number; atol: number}): void {
  if (tol) {
    assertClose(actual, t64(expected), {...tol, label: `${label} (float32)`});
    return;
  }
  assertClose(actual, t64(expected), {rtol: RTOL, atol: ATOL, label});
  for (let i = 0; i < actual.size; i++) {
    const e = expected.data[i]!;
    worst = Math.max(worst, Math.abs(actual.values[i]! - e) / Math.max(Math.abs(e), 1e-3));
  }
}

function makeLayer(c: Case, useCudnn: 'auto' | false, dtype: 'float32' | 'float64' = 'float64'): RNN {
  const Cls = {SimpleRNN, LSTM, GRU}[c.layer];
  const args = {...c.config, dtype, ...(c.layer === 'SimpleRNN' ? {} : {useCudnn})};
  return new Cls(c.units, args);
}

function weightsOf(layer: {weights: Variable[]}): Variable[] {
  return layer.weights;
}

function runCase(c: Case, mode: 'auto' | false, dtype: 'float32' | 'float64'): void {
  const tol = dtype === 'float32' ? {rtol: 2e-4, atol: 2e-5} : undefined;
  const conv = (a: Arr) => (dtype === 'float64' ? t64(a) : ops.cast(t64(a), 'float32'));
  const x = conv(c.x);
  const mask = c.mask ? ops.cast(new Tensor([c.mask.length, c.mask[0]!.length], 'int32', Int32Array.from(c.mask.flat())), 'bool') : null;
  const init = c.initialState?.map(conv) ?? null;
  let layer: RNN | Bidirectional;
  let expectedWeights: Weights[];
  if (c.bidirectional) {
    layer = new Bidirectional(makeLayer(c, mode, dtype), {mergeMode: c.mergeMode!, dtype});
    const w = c.weights as {forward: Weights; backward: Weights};
    expectedWeights = [w.forward, w.backward];
  } else {
    layer = makeLayer(c, mode, dtype);
    expectedWeights = [c.weights as Weights];
  }
  layer.apply(x); // builds
  const vars = weightsOf(layer);
  assert.equal(vars.length, 3 * expectedWeights.length);
  layer.setWeights(expectedWeights.flatMap((w) => [conv(w.kernel), conv(w.recurrent_kernel), conv(w.bias)]));

  const tape = new GradientTape();
  const sources: (Tensor | Variable)[] = [x, ...(init ?? [])];
  tape.watch([x, ...(init ?? [])]);
  let outs: Tensor[] = [];
  const loss = tape.run(() => {
    const y = layer.apply(x, {mask, initialState: init ?? undefined});
    outs = Array.isArray(y) ? y : [y];
    let l = ops.sum(ops.multiply(outs[0]!, conv(c.outputWeight)));
    c.stateWeights.forEach((w, i) => (l = ops.add(l, ops.sum(ops.multiply(outs[i + 1]!, conv(w))))));
    return l;
  });
  assert.equal(outs[0]!.dtype, dtype);
  close(outs[0]!, c.expected.output, 'output', tol);
  if (c.config.returnState) c.expected.states.forEach((s, i) => close(outs[i + 1]!, s, `state ${i}`, tol));
  const grads = tape.gradient(loss, [...sources, ...vars]);
  close(grads[0]!, c.grads['x'] as Arr, 'd/dx', tol);
  const nInit = init?.length ?? 0;
  for (let i = 0; i < nInit; i++) close(grads[1 + i]!, (c.grads['initialState'] as Arr[])[i]!, `d/d initialState ${i}`, tol);
  const expectedGrads = c.bidirectional
    ? [c.grads['forward'] as Record<string, Arr>, c.grads['backward'] as Record<string, Arr>]
    : [c.grads as Record<string, Arr>];
  expectedGrads.forEach((g, k) => {
    ['kernel', 'recurrent_kernel', 'bias'].forEach((name, j) => close(grads[1 + nInit + 3 * k + j]!, g[name]!, `d/d ${name} (${k})`, tol));
  });
}

for (const c of fixture.cases) {
  for (const mode of ['auto', false] as const) {
    const path = mode === 'auto' && c.layer !== 'SimpleRNN' ? 'fused' : 'generic';
    if (mode === false && c.layer === 'SimpleRNN') continue; // one path only
    test(`${c.name} matches torch (${path} loop)`, () => runCase(c, mode, 'float64'));
  }
}

test('float32 layers match torch to float32 precision (every case, default path)', () => {
  for (const c of fixture.cases) runCase(c, 'auto', 'float32');
});

test('worst relative error against torch stays far below the tolerance', () => {
  assert.ok(worst < RTOL, `worst ${worst}`);
  console.log(`# worst relative error vs torch (float64): ${worst.toExponential(2)}`);
});
