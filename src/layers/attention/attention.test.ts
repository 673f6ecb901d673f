/**
 * ops.einsum, ops.dotProductAttention and the attention layers against PyTorch (float64) oracles in
 * test/fixtures/attention.json (scripts/make_attention_fixtures.py): values and gradients within
 * 1e-5 relative; MultiHeadAttention against torch.nn.MultiheadAttention with the weights mapped.
 * Then each layer's contract (runLayerTest), masks, errors, and .keras / .h5 round trips.
 */
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, test} from 'node:test';
import {GradientTape} from '../../gradients/tape.js';
import {Model} from '../../models/model.js';
import '../../models/index.js';
import * as ops from '../../ops/index.js';
import {loadModel, shutdownH5} from '../../saving/index.js';
import {runLayerTest} from '../../testing/layer_test.js';
import {randomNormal} from '../../tensor/random.js';
import {ones, Tensor, tensor} from '../../tensor/tensor.js';
import {Embedding} from '../core/embedding.js';
import {EinsumDense} from '../core/einsum_dense.js';
import {getMask, setMask} from '../layer.js';
import {GlobalAveragePooling1D} from '../pooling/global_average_pooling1d.js';
import {Input} from '../symbolic_call.js';
import {AdditiveAttention, Attention} from './attention.js';
import {GroupedQueryAttention} from './grouped_query_attention.js';
import {MultiHeadAttention} from './multi_head_attention.js';

interface Enc {shape: number[]; values: number[]}
const fx = JSON.parse(readFileSync(new URL('../../../test/fixtures/attention.json', import.meta.url), 'utf8')) as Record<string, Record<string, any>[]>;
const dec = (e: Enc): Tensor => new Tensor(e.shape, 'float32', Float32Array.from(e.values));

/** |ours - torch| <= 1e-5 * max(|torch|, 1) element by element; returns the worst relative error. */
function close(actual: Tensor, expected: Enc, label: string, mask?: number[]): number {
  assert.deepEqual([...actual.shape], expected.shape, `${label}: shape`);
  let worst = 0;
  for (let i = 0; i < expected.values.length; i++) {
    if (mask && !mask[i]) continue;
    const a = actual.values[i]!, b = expected.values[i]!;
    const err = Math.abs(a - b) / Math.max(Math.abs(b), 1);
    worst = Math.max(worst, err);
    assert.ok(err <= 1e-5, `${label}: element ${i}: ${a} vs torch ${b}`);
  }
  return worst;
}

/** Gradients: relative to the tensor's largest value, as a float32 sum of many terms can only be. */
function closeGrad(actual: Tensor | null | undefined, expected: Enc, label: string): void {
  assert.ok(actual, `${label}: no gradient`);
  assert.deepEqual([...actual.shape], expected.shape, `${label}: shape`);
  const scale = Math.max(1, ...expected.values.map(Math.abs));
  for (let i = 0; i < expected.values.length; i++) {
    const a = actual.values[i]!, b = expected.values[i]!;
    assert.ok(Math.abs(a - b) <= 1e-5 * Math.abs(b) + 1e-5 * scale, `${label}: element ${i}: ${a} vs torch ${b}`);
  }
}

test(`einsum: values and gradients as NumPy / PyTorch (${fx['einsum']!.length} equations)`, () => {
  for (const c of fx['einsum']!) {
    const xs = (c['operands'] as Enc[]).map(dec);
    const tape = new GradientTape();
    tape.watch(xs);
    let y!: Tensor;
    const loss = tape.run(() => {
      y = ops.einsum(c['subscripts'], ...xs);
      return ops.sum(ops.multiply(y, dec(c['w'])));
    });
    close(y, c['expected'], c['subscripts']);
    tape.gradient(loss, xs).forEach((g, i) => closeGrad(g, c['grads'][i], `${c['subscripts']} d/doperand${i}`));
  }
});

test('einsum names what is wrong', () => {
  assert.throws(() => ops.einsum('ij,jk->ik', ones([2, 3]), ones([4, 5])), /einsum: subscript "j" has size 3 in one operand and 4 in operand 1 \(shape \[4, 5\]\)/);
  assert.throws(() => ops.einsum('ij->ik', ones([2, 2])), /output subscript "k" does not appear in the inputs/);
  assert.throws(() => ops.einsum('ij,jk', ones([2, 2])), /the subscripts name 2 operands but 1 were given/);
  assert.throws(() => ops.einsum('i...j...', ones([2, 2, 2])), /more than one ellipsis/);
  assert.throws(() => ops.einsum('ijk', ones([2, 2])), /operand 0 has rank 2 but its subscripts "ijk" name 3 axes/);
  assert.throws(() => ops.einsum('...ij->...ji', ones([2])), /operand 0 has rank 1, fewer than the 2 axes/);
  assert.throws(() => ops.einsum('ij->ii', ones([2, 2])), /output subscripts must be distinct/);
});

test(`dotProductAttention: values and gradients as PyTorch (${fx['dotProductAttention']!.length} cases: causal, padding mask, bias, grouped and multi-query heads)`, () => {
  for (const c of fx['dotProductAttention']!) {
    const [q, k, v] = [dec(c['query']), dec(c['key']), dec(c['value'])];
    const tape = new GradientTape();
    tape.watch([q, k, v]);
    let y!: Tensor;
    const loss = tape.run(() => {
      y = ops.dotProductAttention(q, k, v, {
        isCausal: c['isCausal'], scale: c['scale'] ?? null,
        mask: c['mask'] ? ops.cast(dec(c['mask']), 'bool') : null, bias: c['bias'] ? dec(c['bias']) : null,
      });
      return ops.sum(ops.multiply(y, dec(c['w'])));
    });
    close(y, c['expected'], c['name']);
    tape.gradient(loss, [q, k, v]).forEach((g, i) => closeGrad(g, c['grads'][i], `${c['name']} d/d${['query', 'key', 'value'][i]}`));
  }
});

test('dotProductAttention names what is wrong', () => {
  const q = ones([1, 2, 4, 3]);
  assert.throws(() => ops.dotProductAttention(ones([2, 3]), q, q), /only supports 4D inputs \[batch, length, heads, headDim\]\. Received: query\.shape=\[2, 3\]/);
  assert.throws(() => ops.dotProductAttention(q, ones([1, 2, 3, 3]), ones([1, 2, 3, 3])), /number of query heads \(4\) must be a multiple of the number of key\/value heads \(3\)/);
  assert.throws(() => ops.dotProductAttention(q, ones([1, 2, 4, 2]), q), /same head dimension/);
  assert.throws(() => ops.dotProductAttention(q, q, q, {mask: ones([1, 4, 3, 2])}), /mask must broadcast to \[batch, heads, T, S\] = \[1, 4, 2, 2\]\. Received: mask\.shape=\[1, 4, 3, 2\]/);
  assert.throws(() => ops.dotProductAttention(q, q, q, {flashAttention: true, bias: ones([1, 4, 2, 2])}), /flash attention \(the tiled kernel\) runs on the native and wasm backends without a bias; the active backend is "\w+" and a bias was given/);
});

test(`MultiHeadAttention: values and gradients as torch.nn.MultiheadAttention (${fx['multiHeadAttention']!.length} cases: self, cross, causal, key padding from Keras masks)`, () => {
  for (const c of fx['multiHeadAttention']!) {
    const layer = new MultiHeadAttention(c['numHeads'], c['keyDim']);
    const q = dec(c['query']);
    const v = c['cross'] ? dec(c['value']) : q;
    if (c['lengths']) {
      const [B, T] = q.shape as [number, number];
      const m = tensor(Array.from({length: B}, (_, b) => Array.from({length: T}, (_, t) => t < c['lengths'][b])), [B, T], 'bool');
      setMask(q, m);
    }
    const call = () => layer.apply(c['cross'] ? [q, v] : [q, q], {useCausalMask: c['causal']}) as Tensor;
    call();
    assert.deepEqual(layer.weights.map((w) => [...w.shape]), (c['weights'] as Enc[]).map((w) => w.shape), `${c['name']}: weight shapes`);
    layer.setWeights((c['weights'] as Enc[]).map(dec));
    const inputs = c['cross'] ? [q, v] : [q];
    const tape = new GradientTape();
    tape.watch(inputs);
    let y!: Tensor;
    const loss = tape.run(() => {
      y = call();
      return ops.sum(ops.multiply(y, dec(c['w'])));
    });
    const valid = (c['valid'] as Enc).values;
    const rowMask = Array.from({length: y.size}, (_, i) => valid[Math.floor(i / y.shape[2]!)]!);
    close(y, c['expected'], c['name'], rowMask);
    if (c['lengths']) assert.deepEqual(Array.from(getMask(y)!.values), valid, `${c['name']}: the output carries the query's mask`);
    const grads = tape.gradient(loss, [...inputs, ...layer.trainableWeights]);
    closeGrad(grads[0], c['queryGrad'], `${c['name']} d/dquery`);
    if (c['cross']) closeGrad(grads[1], c['valueGrad'], `${c['name']} d/dvalue`);
    layer.trainableWeights.forEach((w, i) => closeGrad(grads[inputs.length + i], c['weightGrads'][i], `${c['name']} d/d${w.path}`));
  }
});

test(`Attention and AdditiveAttention: values and gradients as their definitions in PyTorch (${fx['attention']!.length} cases)`, () => {
  for (const c of fx['attention']!) {
    const layer = c['layer'] === 'Attention' ? new Attention(c['options']) : new AdditiveAttention(c['options']);
    const [q, v, k] = [dec(c['query']), dec(c['value']), dec(c['key'])];
    if (c['valueMask']) setMask(v, ops.cast(dec(c['valueMask']), 'bool'));
    const call = () => layer.apply([q, v, k], {useCausalMask: c['causal']}) as Tensor;
    call();
    layer.setWeights((c['weights'] as Enc[]).map(dec));
    const tape = new GradientTape();
    tape.watch([q, v, k]);
    let y!: Tensor;
    const loss = tape.run(() => {
      y = call();
      return ops.sum(ops.multiply(y, dec(c['w'])));
    });
    close(y, c['expected'], c['name']);
    tape.gradient(loss, [q, v, k]).forEach((g, i) => closeGrad(g, c['grads'][i], `${c['name']} d/d${['query', 'value', 'key'][i]}`));
  }
});

test('EinsumDense: Keras\'s weight shapes for its documented equations, and the layer contract', () => {
  const dense = new EinsumDense('ab,bc->ac', 64, {biasAxes: 'c'});
  dense.apply(ones([2, 32]));
  assert.deepEqual(dense.weights.map((w) => [...w.shape]), [[32, 64], [64]]);
  const seq = new EinsumDense('abc,cd->abd', [null, 64], {biasAxes: 'd'});
  assert.deepEqual([...(seq.apply(ones([2, 32, 128])) as Tensor).shape], [2, 32, 64]);
  const ell = new EinsumDense('...x,xy->...y', 64, {biasAxes: 'y'});
  assert.deepEqual([...(ell.apply(ones([2, 32, 128])) as Tensor).shape], [2, 32, 64]);
  const heads = new EinsumDense('abc,cde->abde', [null, 4, 8], {biasAxes: 'de'});
  heads.apply(ones([2, 5, 16]));
  assert.deepEqual(heads.weights.map((w) => [...w.shape]), [[16, 4, 8], [4, 8]]);
  const right = new EinsumDense('ab...,bc->ac...', [3], {biasAxes: 'c'});
  assert.deepEqual([...(right.apply(ones([2, 4, 5, 6])) as Tensor).shape], [2, 3, 5, 6]);
  assert.deepEqual(right.weights.map((w) => [...w.shape]), [[4, 3], [3, 1, 1]]);
  runLayerTest(EinsumDense, {init: ['abc,cde->abde', [null, 2, 3]], options: {biasAxes: 'de', activation: 'relu'}, inputShape: [2, 4, 5], expectedOutputShape: [2, 4, 2, 3], expectedNumTrainableWeights: 2});
  runLayerTest(EinsumDense, {init: ['...b,bc->...c', 3], inputShape: [2, 4, 5], expectedOutputShape: [2, 4, 3], expectedNumTrainableWeights: 1});
  assert.throws(() => new EinsumDense('ab,bc->ac', 4).apply(ones([2, 3, 3])), /names 2 input axes but the input has rank 3/);
  assert.throws(() => new EinsumDense('ab,bc->acd', [4, 5]).apply(ones([2, 3])), /dimension 'd' was specified in the output 'acd' but has no corresponding dim/);
  assert.throws(() => new EinsumDense('ab,bc->ac', 4, {biasAxes: 'x'}).apply(ones([2, 3])), /bias dimension 'x' was requested, but is not part of the output spec 'ac'/);
  assert.throws(() => new EinsumDense('ab->b', 4).apply(ones([2, 3])), /invalid einsum equation 'ab->b'/);
  assert.throws(() => new EinsumDense('ab,bc->ac', 0), /output_shape must be a positive integer/);
});

test('MultiHeadAttention: the layer contract, Keras\'s weights and config, scores, masks, dropout', () => {
  const x = randomNormal([2, 5, 8], {seed: 3});
  const y = randomNormal([2, 7, 6], {seed: 4});
  runLayerTest(MultiHeadAttention, {init: [2, 4], inputData: [x, x], expectedOutputShape: [2, 5, 8], expectedNumTrainableWeights: 8, supportsMasking: true});
  runLayerTest(MultiHeadAttention, {init: [3, 2], options: {valueDim: 5, useBias: false, outputShape: [4]}, inputData: [x, y], expectedOutputShape: [2, 5, 4], expectedNumTrainableWeights: 4});
  runLayerTest(MultiHeadAttention, {init: [2, 4], options: {dropout: 0.5, seed: 1}, inputData: [x, y, y], expectedOutputShape: [2, 5, 8], trainingIsRandom: true, expectedNumSeedGenerators: 1});
  const mha = new MultiHeadAttention(2, 4, {valueDim: 3});
  const [out, scores] = mha.apply(x, {value: y, returnAttentionScores: true}) as Tensor[];
  assert.deepEqual([...out!.shape], [2, 5, 8]);
  assert.deepEqual([...scores!.shape], [2, 2, 5, 7]);
  assert.deepEqual(mha.weights.map((w) => `${w.path} ${w.shape.join('x')}`),
    ['query/kernel 8x2x4', 'query/bias 2x4', 'key/kernel 6x2x4', 'key/bias 2x4', 'value/kernel 6x2x3', 'value/bias 2x3', 'attention_output/kernel 2x3x8', 'attention_output/bias 8']);
  for (let i = 0; i < scores!.size; i += 7) {
    let s = 0;
    for (let j = 0; j < 7; j++) s += scores!.values[i + j]!;
    assert.ok(Math.abs(s - 1) < 1e-5, 'scores sum to 1 over the keys');
  }
  // the output with and without scores is the same computation (dot-product path vs the explicit one)
  const plain = mha.apply(x, {value: y}) as Tensor;
  for (let i = 0; i < plain.size; i++) assert.ok(Math.abs(plain.values[i]! - out!.values[i]!) < 1e-5);
  // causal: query t sees keys s <= t only
  const [, causal] = mha.apply([x, y], {useCausalMask: true, returnAttentionScores: true}) as Tensor[];
  for (let t = 0; t < 5; t++) for (let s = t + 1; s < 7; s++) assert.equal(causal!.values[t * 7 + s], 0);
  // an explicit attention mask [B, T, S]
  const am = tensor(Array.from({length: 2}, () => Array.from({length: 5}, () => [1, 1, 0, 1, 0, 1, 1])), [2, 5, 7], 'bool');
  const [, masked] = mha.apply(x, {value: y, attentionMask: am, returnAttentionScores: true}) as Tensor[];
  for (let r = 0; r < 20; r++) assert.ok(masked!.values[r * 7 + 2] === 0 && masked!.values[r * 7 + 4] === 0);
  assert.equal(mha.getConfig()['numHeads'], 2);
  assert.deepEqual(Object.keys(mha.getConfig()).sort(), ['activityRegularizer', 'attentionAxes', 'biasConstraint', 'biasInitializer', 'biasRegularizer', 'dropout',
    'dtype', 'kernelConstraint', 'kernelInitializer', 'kernelRegularizer', 'keyDim', 'name', 'numHeads', 'outputShape', 'seed', 'trainable', 'useBias', 'valueDim']);
  assert.throws(() => new MultiHeadAttention(0, 4), /invalid value for argument `num_heads`, expected a positive integer. Received: num_heads=0/);
  assert.throws(() => new MultiHeadAttention(2, 1.5), /invalid value for argument `key_dim`/);
  assert.throws(() => new MultiHeadAttention(2, 4).apply(x), /needs a value tensor: call it as apply\(\[query, value\]\) or apply\(query, \{value\}\)/);
  assert.throws(() => new MultiHeadAttention(2, 4).apply([x, y, ones([2, 6, 6])]), /All dimensions of `value` and `key`, except the last one, must be equal/);
});

test('MultiHeadAttention over two attention axes (a 2D grid), as Keras\'s attention_axes', () => {
  const x = randomNormal([2, 3, 4, 6], {seed: 5});
  const mha = new MultiHeadAttention(2, 3, {attentionAxes: [1, 2]});
  const [out, scores] = mha.apply([x, x], {returnAttentionScores: true}) as Tensor[];
  assert.deepEqual([...out!.shape], [2, 3, 4, 6]);
  assert.deepEqual([...scores!.shape], [2, 2, 3, 4, 3, 4]);
  // a softmax over both key axes: each query position's 12 weights sum to 1
  for (let i = 0; i < scores!.size; i += 12) {
    let s = 0;
    for (let j = 0; j < 12; j++) s += scores!.values[i + j]!;
    assert.ok(Math.abs(s - 1) < 1e-5);
  }
});

test('GroupedQueryAttention: shared key/value heads, the layer contract, and the same math as MultiHeadAttention when heads are not shared', () => {
  const x = randomNormal([2, 5, 8], {seed: 6});
  runLayerTest(GroupedQueryAttention, {init: [3, 4, 2], inputData: [x, x], expectedOutputShape: [2, 5, 8], expectedNumTrainableWeights: 8, supportsMasking: true});
  const gqa = new GroupedQueryAttention(3, 4, 2);
  gqa.apply([x, x]);
  assert.deepEqual(gqa.weights.map((w) => w.shape.join('x')), ['8x4x3', '4x3', '8x2x3', '2x3', '8x2x3', '2x3', '4x3x8', '8']);
  const [, scores] = gqa.apply([x, x], {returnAttentionScores: true, useCausalMask: true}) as Tensor[];
  assert.deepEqual([...scores!.shape], [2, 4, 5, 5]);
  // numKeyValueHeads = numQueryHeads is multi-head attention: same weights give the same output
  const g = new GroupedQueryAttention(4, 2, 2);
  const m = new MultiHeadAttention(2, 4);
  g.apply([x, x]);
  m.apply([x, x]);
  m.setWeights(g.getWeights());
  const a = g.apply([x, x], {useCausalMask: true}) as Tensor, b = m.apply([x, x], {useCausalMask: true}) as Tensor;
  for (let i = 0; i < a.size; i++) assert.ok(Math.abs(a.values[i]! - b.values[i]!) < 1e-5);
  assert.throws(() => new GroupedQueryAttention(4, 3, 2), /`num_query_heads` must be divisible by `num_key_value_heads`/);
});

test('Attention and AdditiveAttention: the layer contract and masks', () => {
  const q = randomNormal([2, 3, 4], {seed: 7}), v = randomNormal([2, 5, 4], {seed: 8});
  runLayerTest(Attention, {options: {useScale: true, scoreMode: 'concat'}, inputData: [q, v], expectedOutputShape: [2, 3, 4], expectedNumTrainableWeights: 2, supportsMasking: true});
  runLayerTest(Attention, {options: {dropout: 0.3, seed: 2}, inputData: [q, v, v], expectedOutputShape: [2, 3, 4], trainingIsRandom: true, runTrainingCheck: false});
  runLayerTest(AdditiveAttention, {inputData: [q, v], expectedOutputShape: [2, 3, 4], expectedNumTrainableWeights: 1});
  assert.deepEqual(Object.keys(new AdditiveAttention().getConfig()).sort(), ['dropout', 'dtype', 'name', 'seed', 'trainable', 'useScale']);
  // the query's mask zeroes outputs and is the output's mask
  const qm = tensor([[true, true, false], [true, false, false]], [2, 3], 'bool');
  const q2 = ops.multiply(q, 1);
  setMask(q2, qm);
  const out = new Attention().apply([q2, v]) as Tensor;
  for (let d = 0; d < 4; d++) assert.equal(out.values[2 * 4 + d], 0);
  assert.deepEqual(Array.from(getMask(out)!.values), [1, 1, 0, 1, 0, 0]);
  assert.throws(() => new Attention().apply(q), /Attention layer must be called on a list of inputs, namely \[query, value\] or \[query, value, key\]/);
  assert.throws(() => new Attention({scoreMode: 'bilinear' as 'dot'}), /Invalid value for argument score_mode. Expected one of \{'dot', 'concat'\}/);
});

const dir = mkdtempSync(join(tmpdir(), 'keras-ts-attention-'));
after(async () => {
  rmSync(dir, {recursive: true, force: true});
  await shutdownH5();
});

test('a model of every attention layer, masks from Embedding(maskZero), round-trips .keras and .h5 with identical predictions', async () => {
  const tokens = Input({shape: [6], dtype: 'int32'});
  const e = new Embedding(20, 8, {maskZero: true}).apply(tokens);
  const a = new MultiHeadAttention(2, 4, {name: 'mha'}).apply([e, e], {useCausalMask: true});
  const g = new GroupedQueryAttention(2, 4, 2).apply([a, e]);
  const d = new EinsumDense('abc,cd->abd', [null, 8], {biasAxes: 'd'}).apply(g);
  const l = new Attention({useScale: true}).apply([d, a]);
  const ad = new AdditiveAttention().apply([l, e, d]);
  const model = new Model({inputs: tokens, outputs: new GlobalAveragePooling1D().apply(ad)});
  const x = tensor([[3, 5, 7, 0, 0, 0], [1, 2, 3, 4, 5, 6], [9, 0, 0, 0, 0, 0]], [3, 6], 'int32');
  const before = await model.predict(x, {verbose: 0}) as Tensor;
  for (const ext of ['keras', 'h5']) {
    const path = join(dir, `attention.${ext}`);
    await model.save(path);
    const loaded = await loadModel(path) as Model;
    assert.deepEqual(loaded.layers.map((x) => x.className), model.layers.map((x) => x.className), ext);
    assert.deepEqual(loaded.getWeights().map((w) => Array.from(w.values)), model.getWeights().map((w) => Array.from(w.values)), ext);
    const after = await loaded.predict(x, {verbose: 0}) as Tensor;
    assert.deepEqual(Array.from(after.values), Array.from(before.values), `${ext}: identical predictions`);
  }
});

test('MultiHeadAttention: an Embedding(maskZero) mask is the attention mask query & key, and a functional model can return the scores', async () => {
  const ids = tensor([[4, 2, 7, 0, 0], [1, 3, 0, 0, 0]], [2, 5], 'int32');
  const emb = new Embedding(10, 8, {maskZero: true});
  const mha = new MultiHeadAttention(2, 4);
  const e = emb.apply(ids) as Tensor;
  assert.ok(getMask(e));
  const [auto, autoScores] = mha.apply([e, e], {returnAttentionScores: true}) as Tensor[];
  const plain = ops.multiply(e, 1); // the same values without a mask
  const valid = [[1, 1, 1, 0, 0], [1, 1, 0, 0, 0]];
  const am = tensor(valid.map((row) => row.map((q) => row.map((k) => Boolean(q && k)))), [2, 5, 5], 'bool');
  const [explicit, explicitScores] = mha.apply([plain, plain], {attentionMask: am, returnAttentionScores: true}) as Tensor[];
  assert.deepEqual(Array.from(autoScores!.values), Array.from(explicitScores!.values));
  assert.deepEqual(Array.from(auto!.values), Array.from(explicit!.values));
  // padded keys get no weight from the unpadded queries
  assert.equal(autoScores!.values[0 * 25 + 0 * 5 + 3], 0);
  assert.deepEqual(Array.from(getMask(auto!)!.values), valid.flat());

  const tokens = Input({shape: [5], dtype: 'int32'});
  const x = new Embedding(10, 8, {maskZero: true}).apply(tokens);
  const [out, scores] = new MultiHeadAttention(2, 4).apply([x, x], {returnAttentionScores: true}) as unknown as [never, never];
  const model = new Model({inputs: tokens, outputs: [out, scores]});
  // as Keras 3 writes it: the call's tensors as positional args, the build shapes as a shapes_dict
  const entry = (JSON.parse(model.toJson()) as {config: {layers: Record<string, any>[]}}).config.layers[2]!;
  assert.deepEqual(entry['build_config'], {shapes_dict: {query_shape: [null, 5, 8], value_shape: [null, 5, 8]}});
  assert.equal(entry['inbound_nodes'][0].args.length, 2);
  assert.deepEqual(entry['inbound_nodes'][0].kwargs, {return_attention_scores: true});
  const [y, s] = await model.predict(ids, {verbose: 0}) as Tensor[];
  assert.deepEqual([...y!.shape], [2, 5, 8]);
  assert.deepEqual([...s!.shape], [2, 2, 5, 5]);
  const path = join(dir, 'scores.keras');
  await model.save(path);
  const [y2, s2] = await (await loadModel(path) as Model).predict(ids, {verbose: 0}) as Tensor[];
  assert.deepEqual(Array.from(y2!.values), Array.from(y!.values));
  assert.deepEqual(Array.from(s2!.values), Array.from(s!.values));
});
