/**
 * Keras 2 recurrent numerics against float64 NumPy transcriptions of Keras's cells
 * (scripts/make_keras2_rnn_fixtures.py -> test/fixtures/rnn/keras2_numpy.json): the Keras 2.0.6 LSTM
 * file with its hard_sigmoid recurrent activation (the whole model on the file's inputs, and the LSTM
 * on a 7-step sequence where the recurrent kernel matters), and GRU(resetAfter: false) with
 * hard_sigmoid and sigmoid recurrent activations. PyTorch has neither hard_sigmoid cells nor the
 * reset-before GRU, so these have no other value oracle. Runs on the backend KERAS_BACKEND names.
 */
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, test} from 'node:test';
import '../src/index.js';
import {GRU, LSTM} from '../src/layers/recurrent/layers.js';
import {loadModel, shutdownH5} from '../src/saving/index.js';
import {Tensor} from '../src/tensor/tensor.js';
import {KERAS_FIXTURES, needKerasFixtures} from '../src/testing/needs.js';

after(() => shutdownH5());

interface Enc {shape: number[]; data: number[]}
interface Case {
  name: string; layer: 'LSTM' | 'GRU'; units: number; recurrentActivation: string; returnSequences: boolean; resetAfter?: boolean;
  x: Enc; y: Enc; y_keras2?: Enc; model?: string; kernel?: Enc; recurrentKernel?: Enc; bias?: Enc; h0?: Enc;
}
const {cases} = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'rnn', 'keras2_numpy.json'), 'utf8')) as {cases: Case[]};
const byName = (n: string) => cases.find((c) => c.name === n)!;
const t = (e: Enc) => new Tensor(e.shape, 'float32', Float32Array.from(e.data));

/** float32 against float64 NumPy: relative 1e-5 of the output's scale. */
function close(actual: Tensor, expected: Enc, label: string, tol = 2e-5): number {
  assert.deepEqual([...actual.shape], expected.shape, `${label}: shape`);
  let worst = 0;
  for (let i = 0; i < expected.data.length; i++) {
    const err = Math.abs(actual.values[i]! - expected.data[i]!);
    worst = Math.max(worst, err);
    assert.ok(err <= tol * Math.max(1, Math.abs(expected.data[i]!)), `${label}[${i}]: ${actual.values[i]} vs NumPy ${expected.data[i]}`);
  }
  return worst;
}

/** The largest difference between Keras 3's and Keras 2's hard_sigmoid numerics: the check can tell them apart. */
function spread(a: Enc, b: Enc): number {
  return Math.max(...a.data.map((v, i) => Math.abs(v - b.data[i]!)));
}

const skip = needKerasFixtures('dl4j_simple_lstm_k2_model.h5');

// A file written before Keras 3 keeps Keras 2's hard_sigmoid, clip(0.2x + 0.5) (src/saving/legacy_semantics.ts)
test('Keras 2.0.6 LSTM(hard_sigmoid) -> Dense model: predictions on the file\'s 100 inputs equal NumPy\'s Keras 2 cell', {skip}, async () => {
  const c = byName('lstm_k206_file');
  const m = (await loadModel(join(KERAS_FIXTURES, c.model!), {compile: false})) as unknown as {predict(x: Tensor, a: object): Promise<Tensor>};
  close(await m.predict(t(c.x), {batchSize: 25, verbose: 0}), c.y_keras2!, c.name);
  assert.ok(spread(c.y, c.y_keras2!) > 1e-3, 'the two hard_sigmoid definitions give different values here');
});

test('Keras 2.0.6 LSTM weights on a 7-step sequence (recurrent kernel in play), returnSequences', {skip}, async () => {
  const c = byName('lstm_k206_seq');
  const m = (await loadModel(join(KERAS_FIXTURES, 'dl4j_simple_lstm_k2_model.h5'), {compile: false})) as unknown as {layers: {getWeights(): Tensor[]}[]};
  const lstm = new LSTM(c.units, {recurrentActivation: c.recurrentActivation, returnSequences: true});
  lstm.apply(t(c.x));
  lstm.setWeights(m.layers[0]!.getWeights());
  close(lstm.apply(t(c.x)) as Tensor, c.y, c.name);
  assert.ok(spread(c.y, c.y_keras2!) > 1e-3);
});

for (const name of ['gru_reset_before', 'gru_reset_before_sigmoid']) {
  test(`GRU(resetAfter: false, recurrentActivation: ${byName(name).recurrentActivation}) equals the NumPy cell${byName(name).h0 ? ', from an initial state' : ''}`, () => {
    const c = byName(name);
    const gru = new GRU(c.units, {resetAfter: false, recurrentActivation: c.recurrentActivation, returnSequences: true});
    const x = t(c.x);
    const kwargs = c.h0 ? {initialState: t(c.h0)} : {};
    gru.apply(x, kwargs);
    assert.deepEqual(gru.getWeights().map((w) => [...w.shape]), [c.kernel!.shape, c.recurrentKernel!.shape, [3 * c.units]]);
    gru.setWeights([t(c.kernel!), t(c.recurrentKernel!), t(c.bias!)]);
    close(gru.apply(x, kwargs) as Tensor, c.y, c.name);
  });
}
