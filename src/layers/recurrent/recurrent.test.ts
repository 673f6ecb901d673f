import assert from 'node:assert/strict';
import {test} from 'node:test';
import {GradientTape} from '../../gradients/tape.js';
import * as ops from '../../ops/index.js';
import {randomNormal} from '../../tensor/random.js';
import {eye, ones, Tensor, tensor, zeros} from '../../tensor/tensor.js';
import {assertClose} from '../../testing/gradcheck.js';
import {runLayerTest} from '../../testing/layer_test.js';
import {Dense} from '../core/dense.js';
import {Embedding} from '../core/embedding.js';
import {Masking} from '../core/masking.js';
import {getMask} from '../layer.js';
import {Bidirectional} from './bidirectional.js';
import {GRUCell, LSTMCell, SimpleRNNCell} from './cells.js';
import {GRU, LSTM, SimpleRNN} from './layers.js';
import {RNN} from './rnn.js';
import {StackedRNNCells} from './stacked_rnn_cells.js';
import {TimeDistributed} from './time_distributed.js';

const rand = (shape: number[], seed: number) => randomNormal(shape, {seed});

test('run_layer_test: SimpleRNN, LSTM, GRU (last output and sequences)', () => {
  for (const [Cls, n] of [[SimpleRNN, 3], [LSTM, 3], [GRU, 3]] as const) {
    runLayerTest(Cls, {init: [4], inputShape: [2, 5, 3], expectedOutputShape: [2, 4], expectedNumTrainableWeights: n, expectedNumNonTrainableWeights: 0, supportsMasking: true});
    runLayerTest(Cls, {init: [4], options: {returnSequences: true, goBackwards: true}, inputShape: [2, 5, 3], expectedOutputShape: [2, 5, 4], expectedNumTrainableWeights: n});
  }
  runLayerTest(GRU, {init: [4], options: {resetAfter: false}, inputShape: [2, 5, 3], expectedOutputShape: [2, 4], expectedNumTrainableWeights: 3});
  runLayerTest(LSTM, {init: [4], options: {dropout: 0.3, recurrentDropout: 0.3, seed: 1}, inputShape: [2, 5, 3], expectedOutputShape: [2, 4], trainingIsRandom: true});
});

test('run_layer_test: RNN over stacked cells, Bidirectional, TimeDistributed', () => {
  class StackedRNN extends RNN {
    static override readonly className = 'RNN';
  }
  void StackedRNN;
  const layer = new RNN([new LSTMCell(4), new GRUCell(3)], {returnSequences: true});
  const y = layer.apply(rand([2, 5, 3], 1)) as Tensor;
  assert.deepEqual(y.shape, [2, 5, 3]);
  assert.equal(layer.weights.length, 6);
  const revived = RNN.fromConfig(JSON.parse(JSON.stringify(layer.getConfig())));
  assert.deepEqual(revived.getConfig(), layer.getConfig());
  runLayerTest(Bidirectional, {init: [new LSTM(3, {returnSequences: true})], inputShape: [2, 4, 5], expectedOutputShape: [2, 4, 6], expectedNumTrainableWeights: 6});
  runLayerTest(Bidirectional, {init: [new GRU(3)], options: {mergeMode: 'sum'}, inputShape: [2, 4, 5], expectedOutputShape: [2, 3], expectedNumTrainableWeights: 6});
  runLayerTest(TimeDistributed, {init: [new Dense(3)], inputShape: [2, 4, 5], expectedOutputShape: [2, 4, 3], expectedNumTrainableWeights: 2});
});

test('weights have Keras shapes, names and initial values', () => {
  const lstm = new LSTM(3, {name: 'lstm_w'});
  lstm.apply(rand([2, 4, 5], 2));
  assert.deepEqual(lstm.weights.map((w) => [w.path, [...w.shape]]), [
    ['lstm_w/lstm_cell/kernel', [5, 12]],
    ['lstm_w/lstm_cell/recurrent_kernel', [3, 12]],
    ['lstm_w/lstm_cell/bias', [12]],
  ]);
  // unit_forget_bias: ones on the forget gate, zeros elsewhere
  assert.deepEqual([...lstm.cell.bias!.value.values], [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
  // orthogonal recurrent kernel [u, 4u]: orthonormal rows
  const u = lstm.cell.recurrentKernel.value;
  assertClose(ops.matmul(u, u, {transposeB: true}), eye(3), {atol: 1e-5});
  const gru = new GRU(3);
  gru.apply(rand([2, 4, 5], 2));
  assert.deepEqual(gru.weights.map((w) => [...w.shape]), [[5, 9], [3, 9], [2, 9]]);
  const gru2 = new GRU(3, {resetAfter: false});
  gru2.apply(rand([2, 4, 5], 2));
  assert.deepEqual([...gru2.cell.bias!.shape], [9]);
  const s = new SimpleRNN(3);
  s.apply(rand([2, 4, 5], 2));
  assert.deepEqual(s.weights.map((w) => [...w.shape]), [[5, 3], [3, 3], [3]]);
});

/** Runs `layer` forward and backward; returns the output and the gradients of a weighted sum. */
function forwardBackward(layer: RNN, x: Tensor, mask: Tensor | null, training = false): Tensor[] {
  const w = rand([...(layer.apply(x, {mask, training: false}) as Tensor).shape], 99);
  const tape = new GradientTape();
  tape.watch(x);
  let y!: Tensor;
  const loss = tape.run(() => {
    y = layer.apply(x, {mask, training}) as Tensor;
    return ops.sum(ops.multiply(y, w));
  });
  return [y, ...tape.gradient(loss, [x, ...layer.trainableWeights]).map((g) => g!)];
}

test('the sequence kernels and the generic cell loop agree (values and gradients, masks, backwards)', () => {
  const x = rand([4, 7, 5], 3);
  const mask = tensor([[1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0, 0], [0, 0, 1, 1, 1, 1, 1], [1, 0, 1, 0, 1, 0, 1]].map((r) => r.map(Boolean)));
  for (const Cls of [LSTM, GRU]) {
    for (const opts of [{}, {returnSequences: true, goBackwards: true}]) {
      for (const m of [null, mask]) {
        const fused = new Cls(6, opts);
        const generic = new Cls(6, {...opts, useCudnn: false});
        fused.apply(x);
        generic.apply(x);
        generic.setWeights(fused.getWeights());
        assert.equal(fused.canFuse(false), true);
        const a = forwardBackward(fused, x, m);
        const b = forwardBackward(generic, x, m);
        a.forEach((t, i) => assertClose(t, b[i]!, {rtol: 1e-4, atol: 1e-6, label: `${Cls.name} ${JSON.stringify(opts)} mask=${!!m} [${i}]`}));
      }
    }
  }
});

test('fused and generic paths draw the same input dropout mask (one per sequence)', () => {
  const x = rand([3, 6, 4], 4);
  const fused = new LSTM(5, {dropout: 0.5, seed: 11});
  const generic = new LSTM(5, {dropout: 0.5, seed: 11, useCudnn: false});
  fused.apply(x);
  generic.apply(x);
  generic.setWeights(fused.getWeights());
  const a = fused.apply(x, {training: true}) as Tensor;
  const b = generic.apply(x, {training: true}) as Tensor;
  assertClose(a, b, {rtol: 1e-4, atol: 1e-6});
  const inference = fused.apply(x) as Tensor;
  assert.ok(a.values.some((v, i) => Math.abs(v - inference.values[i]!) > 1e-4), 'dropout changes the training output');
});

test('one dropout mask per sequence: the same units are dropped at every step', () => {
  // linear SimpleRNN with no recurrence: output_t = (x_t * mask) @ I, so equal inputs give equal outputs
  const rnn = new SimpleRNN(6, {activation: 'linear', useBias: false, dropout: 0.5, returnSequences: true, seed: 3, kernelInitializer: 'identity', recurrentInitializer: 'zeros'});
  const x = ones([2, 5, 6]);
  const y = rnn.apply(x, {training: true}) as Tensor;
  const steps = ops.split(y, 5, 1);
  for (const s of steps) assertClose(s, steps[0]!, {atol: 0});
  const v = [...steps[0]!.values];
  assert.ok(v.every((e) => e === 0 || Math.abs(e - 2) < 1e-6), `kept units are scaled by 1 / (1 - rate): ${v}`);
  assert.ok(v.some((e) => e === 0) && v.some((e) => e !== 0));
  // a new sequence draws a new mask
  const y2 = rnn.apply(x, {training: true}) as Tensor;
  assert.notDeepEqual([...y2.values], [...y.values]);
});

test("Keras 1's dropout_W / dropout_U map to dropout / recurrentDropout", () => {
  const warn = console.warn;
  const messages: string[] = [];
  console.warn = (m: string) => messages.push(m);
  try {
    const a = new LSTM(8, {dropout_W: 0.2, dropout_U: 0.3});
    const b = new GRU(8, {dropoutW: 0.1});
    assert.equal(a.cell.dropout, 0.2);
    assert.equal(a.cell.recurrentDropout, 0.3);
    assert.equal(b.cell.dropout, 0.1);
    assert.equal(a.getConfig()['dropout'], 0.2);
    assert.equal('dropout_W' in a.getConfig(), false);
    assert.throws(() => new LSTM(8, {dropout: 0.1, dropout_W: 0.2}), /both `dropout` and its Keras 1 spelling `dropout_W`/);
  } finally {
    console.warn = warn;
  }
  assert.ok(messages.filter((m) => m.includes('dropout_W')).length <= 1, 'the deprecation warning is printed once');
});

test('masking: Embedding(maskZero) -> LSTM skips padded steps; the output is that of the last valid step', () => {
  const emb = new Embedding(10, 4, {maskZero: true});
  const lstm = new LSTM(3);
  const padded = tensor([[3, 5, 7, 0, 0]], undefined, 'int32');
  const e = emb.apply(padded) as Tensor;
  assert.deepEqual(getMask(e)!.arraySync(), [[true, true, true, false, false]]);
  const yPadded = lstm.apply(e) as Tensor;
  const yShort = lstm.apply(emb.apply(tensor([[3, 5, 7]], undefined, 'int32'))) as Tensor;
  assertClose(yPadded, yShort, {rtol: 1e-6, atol: 1e-7});
  // with sequences returned, the mask travels on; padded steps repeat the last valid output
  const seq = new LSTM(3, {returnSequences: true});
  const s = seq.apply(e) as Tensor;
  assert.deepEqual(getMask(s)!.arraySync(), [[true, true, true, false, false]]);
  const [, , s3, s4] = ops.split(s, [2, 3, 4], 1) as Tensor[];
  assertClose(s4!, s3!, {atol: 0});
  // Masking layer: all-zero steps are masked
  const m = new Masking();
  const x = tensor([[[1, 2], [0, 0], [3, 0]]]);
  const mx = m.apply(x) as Tensor;
  assert.deepEqual(getMask(mx)!.arraySync(), [[true, false, true]]);
  const masked = new Masking({maskValue: 3}).apply(x) as Tensor;
  assert.deepEqual(masked.arraySync(), [[[1, 2], [0, 0], [3, 0]]]);
  assert.deepEqual(getMask(masked)!.arraySync(), [[true, true, true]]);
});

test('Bidirectional: merge modes, masks, returnState, config round trip', () => {
  const x = rand([2, 4, 3], 5);
  const base = new LSTM(2, {returnSequences: true, name: 'enc'});
  const bi = new Bidirectional(base, {mergeMode: null});
  const [f, b] = bi.apply(x) as Tensor[];
  assert.deepEqual(bi.forwardLayer.name, 'forward_enc');
  assert.deepEqual(bi.backwardLayer.name, 'backward_enc');
  assert.equal(bi.backwardLayer.goBackwards, true);
  // the backward output is in time order: its step 0 has seen the whole sequence
  const rev = bi.backwardLayer.apply(x) as Tensor;
  assertClose(b!, ops.flip(rev, 1), {atol: 0});
  assertClose(f!, bi.forwardLayer.apply(x) as Tensor, {atol: 0});
  for (const mode of ['sum', 'mul', 'ave', 'concat'] as const) {
    const l = new Bidirectional(new GRU(2), {mergeMode: mode});
    const y = l.apply(x) as Tensor;
    assert.deepEqual(y.shape, [2, mode === 'concat' ? 4 : 2]);
    assert.deepEqual(l.computeOutputShape([null, 4, 3]), [null, mode === 'concat' ? 4 : 2]);
    const copy = Bidirectional.fromConfig(JSON.parse(JSON.stringify(l.getConfig()))) as Bidirectional;
    copy.apply(x);
    copy.setWeights(l.getWeights());
    assertClose(copy.apply(x) as Tensor, y, {atol: 0});
  }
  const withState = new Bidirectional(new LSTM(2, {returnState: true}));
  const out = withState.apply(x) as Tensor[];
  assert.equal(out.length, 5); // output, h_f, c_f, h_b, c_b
  assert.deepEqual(out[0]!.shape, [2, 4]);
  assert.throws(() => new Bidirectional(new LSTM(2), {mergeMode: 'max' as never}), /Invalid merge mode/);
});

test('stateful LSTM carries state across batches; resetStates() clears it', () => {
  const x = rand([2, 6, 3], 6);
  const [first, second] = ops.split(x, 2, 1) as [Tensor, Tensor];
  const stateful = new LSTM(4, {stateful: true});
  const plain = new LSTM(4);
  stateful.apply(first);
  plain.apply(x);
  plain.setWeights(stateful.getWeights());
  stateful.resetStates();
  stateful.apply(first);
  const carried = stateful.apply(second) as Tensor;
  // two stateful batches = one pass over the whole sequence
  assertClose(carried, plain.apply(x) as Tensor, {rtol: 1e-5, atol: 1e-6});
  assert.ok(stateful.states && stateful.states.length === 2);
  stateful.resetStates();
  assert.ok(stateful.states!.every((s) => s.values.every((v) => v === 0)), 'reset states are zeros');
  const fresh = stateful.apply(second) as Tensor;
  assertClose(fresh, plain.apply(second) as Tensor, {rtol: 1e-5, atol: 1e-6});
  assert.throws(() => stateful.apply(rand([3, 3, 3], 1)), /Layer "lstm(_\d+)?" is stateful: the batch size of the input sequences must be the batch size of its states/);
  assert.throws(() => plain.resetStates(), /is not stateful/);
  // explicit states
  stateful.resetStates([ones([2, 4]), zeros([2, 4])]);
  assert.deepEqual([...stateful.states![0]!.values], new Array(8).fill(1));
});

test('initial states: as a keyword or in the inputs list; returnState returns them updated', () => {
  const x = rand([2, 3, 4], 7);
  const gru = new GRU(5, {returnState: true});
  const h0 = rand([2, 5], 8);
  const [y1, h1] = gru.apply(x, {initialState: h0}) as Tensor[];
  const [y2] = gru.apply([x, h0]) as Tensor[];
  assertClose(y1!, y2!, {atol: 0});
  assertClose(y1!, h1!, {atol: 0});
  assert.throws(() => gru.apply(x, {initialState: [h0, h0]}), /expects 1 initial states/);
  assert.throws(() => gru.apply(x, {initialState: rand([2, 4], 1)}), /initial states 0 must have shape \[2, 5\]/);
  assert.deepEqual(new LSTM(3, {returnState: true}).computeOutputShape([null, 7, 2]), [[null, 3], [null, 3], [null, 3]]);
});

test('bad input: 2-D input to an LSTM, a mask of the wrong shape, ids >= inputDim: clear errors naming the layer', () => {
  const lstm = new LSTM(3, {name: 'my_lstm'});
  assert.throws(() => lstm.apply(rand([4, 5], 1)), /Input 0 of layer "my_lstm" is incompatible with the layer: expected ndim=3, found ndim=2. Full shape received: \[4, 5\]/);
  const x = rand([2, 5, 3], 1);
  assert.throws(
    () => lstm.apply(x, {mask: tensor([[true, true, false]])}),
    /Layer "my_lstm" received a mask of the wrong shape: expected \[batch, timesteps\] = \[2, 5\] for inputs of shape \[2, 5, 3\]. Received: mask.shape=\[1, 3\]/,
  );
  // after building, a 2-D input is still refused by name
  lstm.apply(x);
  assert.throws(() => lstm.apply(rand([2, 3], 1)), /layer "my_lstm".*expected ndim=3, found ndim=2/);
  const emb = new Embedding(10, 4, {name: 'words'});
  assert.throws(
    () => emb.apply(tensor([[1, 2], [3, 12]], undefined, 'int32')),
    /Embedding "words": token id 12 at position \[1, 1\] is out of range: expected ids in \[0, 10\) \(inputDim=10\)/,
  );
  assert.throws(() => emb.apply(tensor([[-1]], undefined, 'int32')), /token id -1/);
  assert.throws(() => new Bidirectional(new LSTM(2)).apply(x, {mask: tensor([[true]])}), /received a mask of the wrong shape/);
  assert.throws(() => new TimeDistributed(new Dense(2), {name: 'td'}).apply(x, {mask: tensor([[true]])}), /TimeDistributed` layer "td" has a shape \[1, 1\]/);
});

test('Embedding: lookup, gradient is a scatter-add over the rows used, Keras 1 row dropout', () => {
  const emb = new Embedding(5, 2, {name: 'emb'});
  const ids = tensor([[1, 3, 1]], undefined, 'int32');
  emb.apply(ids);
  assert.deepEqual(emb.weights.map((w) => [w.path, [...w.shape]]), [['emb/embeddings', [5, 2]]]);
  const init = [...emb.embeddings.value.values];
  assert.ok(init.every((v) => v >= -0.05 && v <= 0.05), "default initializer is Keras's uniform(-0.05, 0.05)");
  emb.setWeights([tensor([[0, 0], [1, 2], [3, 4], [5, 6], [7, 8]])]);
  assert.deepEqual((emb.apply(ids) as Tensor).arraySync(), [[[1, 2], [5, 6], [1, 2]]]);
  const tape = new GradientTape();
  const loss = tape.run(() => ops.sum(ops.multiply(emb.apply(ids) as Tensor, tensor([[[1, 10], [100, 1000], [2, 20]]]))));
  const [g] = tape.gradient(loss, [emb.embeddings]);
  assert.deepEqual(g!.arraySync(), [[0, 0], [3, 30], [0, 0], [100, 1000], [0, 0]]);
  // float ids (as from JS arrays) are cast, as Keras does
  assert.deepEqual((emb.apply([[4]]) as Tensor).arraySync(), [[[7, 8]]]);
  // Keras 1's dropout drops whole rows: every occurrence of an id is dropped or kept together
  const warn = console.warn;
  console.warn = () => {};
  const drop = new Embedding(50, 3, {dropout: 0.5, seed: 5, embeddingsInitializer: 'ones'});
  console.warn = warn;
  const many = tensor([Array.from({length: 40}, (_, i) => i % 10)], undefined, 'int32');
  const out = drop.apply(many, {training: true}) as Tensor;
  const v = out.values;
  for (let i = 0; i < 40; i++) {
    const row = [v[3 * i], v[3 * i + 1], v[3 * i + 2]];
    const same = [v[3 * (i % 10)], v[3 * (i % 10) + 1], v[3 * (i % 10) + 2]];
    assert.deepEqual(row, same, 'all occurrences of an id share their fate');
    assert.ok(row.every((e) => e === 0) || row.every((e) => e === 2));
  }
  assert.ok([...v].some((e) => e === 0) && [...v].some((e) => e === 2));
  assert.ok((drop.apply(many) as Tensor).values.every((e) => e === 1), 'no dropout at inference');
  assert.equal(drop.getConfig()['dropout'], 0.5);
  assert.equal('dropout' in new Embedding(3, 2).getConfig(), false);
  runLayerTest(Embedding, {init: [10, 3], options: {maskZero: true}, inputShape: [2, 4], inputDtype: 'int32', expectedOutputShape: [2, 4, 3], expectedNumTrainableWeights: 1, supportsMasking: true});
});

test('cells: SimpleRNNCell, LSTMCell, GRUCell as layers return [output, ...states]', () => {
  const x = rand([2, 3], 9);
  for (const [cell, n] of [[new SimpleRNNCell(4), 1], [new LSTMCell(4), 2], [new GRUCell(4), 1]] as const) {
    const out = cell.apply(x) as Tensor[];
    assert.equal(out.length, 1 + n);
    assert.deepEqual(out[0]!.shape, [2, 4]);
    const revived = (cell.constructor as typeof LSTMCell).fromConfig(JSON.parse(JSON.stringify(cell.getConfig())));
    assert.deepEqual(revived.getConfig(), cell.getConfig());
  }
  const stack = new StackedRNNCells([new LSTMCell(3), new SimpleRNNCell(2)]);
  assert.deepEqual(stack.stateSize, [3, 3, 2]);
  assert.equal(stack.outputSize, 2);
});
