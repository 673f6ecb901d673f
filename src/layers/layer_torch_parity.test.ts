/**
 * Parity with PyTorch: each case of test/fixtures/layers/*.json (written by
 * scripts/make_layer_fixtures.py) builds the layer, sets the fixture's weights with `setWeights`,
 * and compares the float32 output to PyTorch's float64 result: |ours - torch| <= 1e-5 * max(|torch|, 1);
 * then the gradients of sum(y * w) with respect to the input and to every trainable weight against
 * PyTorch autograd's: |ours - torch| <= 1e-5 * |torch| + 1e-5 * max(1, max |torch| over the tensor).
 */
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';
import {GradientTape} from '../gradients/tape.js';
import * as ops from '../ops/index.js';
import {Tensor} from '../tensor/tensor.js';
import {ELU} from './activations/elu.js';
import {LeakyReLU} from './activations/leaky_relu.js';
import {PReLU} from './activations/prelu.js';
import {ReLU} from './activations/relu.js';
import {Softmax} from './activations/softmax.js';
import {Conv1D} from './convolutional/conv1d.js';
import {Conv2D} from './convolutional/conv2d.js';
import {Conv2DTranspose} from './convolutional/conv2d_transpose.js';
import {DepthwiseConv2D} from './convolutional/depthwise_conv2d.js';
import {SeparableConv2D} from './convolutional/separable_conv2d.js';
import {Dense} from './core/dense.js';
import type {Layer} from './layer.js';
import {BatchNormalization} from './normalization/batch_normalization.js';
import {LayerNormalization} from './normalization/layer_normalization.js';
import {AveragePooling1D} from './pooling/average_pooling1d.js';
import {AveragePooling2D} from './pooling/average_pooling2d.js';
import {GlobalAveragePooling1D} from './pooling/global_average_pooling1d.js';
import {GlobalAveragePooling2D} from './pooling/global_average_pooling2d.js';
import {GlobalMaxPooling1D} from './pooling/global_max_pooling1d.js';
import {GlobalMaxPooling2D} from './pooling/global_max_pooling2d.js';
import {MaxPooling1D} from './pooling/max_pooling1d.js';
import {MaxPooling2D} from './pooling/max_pooling2d.js';
import {Cropping1D} from './reshaping/cropping1d.js';
import {Cropping2D} from './reshaping/cropping2d.js';
import {UpSampling1D} from './reshaping/up_sampling1d.js';
import {UpSampling2D} from './reshaping/up_sampling2d.js';
import {ZeroPadding1D} from './reshaping/zero_padding1d.js';
import {ZeroPadding2D} from './reshaping/zero_padding2d.js';

const CLASSES: Record<string, new (...a: any[]) => Layer> = {
  Dense, Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D, MaxPooling1D, MaxPooling2D, AveragePooling1D,
  AveragePooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D, BatchNormalization,
  LayerNormalization, UpSampling1D, UpSampling2D, ZeroPadding1D, ZeroPadding2D, Cropping1D, Cropping2D, PReLU, ELU, LeakyReLU,
  Softmax, ReLU,
};

interface Enc {shape: number[]; values: number[]}
interface Case {
  name: string;
  layer: string;
  init: unknown[];
  options: Record<string, unknown>;
  input: Enc;
  weights: Enc[];
  output: Enc;
  training?: boolean;
  movingMean?: Enc;
  movingVariance?: Enc;
  w: Enc;
  gradInput: Enc;
  gradWeights: (Enc | null)[];
}

const RTOL = 1e-5;

function dec(e: Enc): Tensor {
  return new Tensor(e.shape, 'float32', Float32Array.from(e.values));
}

function compare(actual: Tensor, expected: Enc, label: string): number {
  assert.deepEqual([...actual.shape], expected.shape, `${label}: shape`);
  let worst = 0;
  for (let i = 0; i < expected.values.length; i++) {
    const a = actual.values[i]!, b = expected.values[i]!;
    const err = Math.abs(a - b) / Math.max(Math.abs(b), 1);
    worst = Math.max(worst, err);
    assert.ok(err <= RTOL, `${label}: element ${i}: ${a} vs torch ${b}`);
  }
  return worst;
}

for (const group of ['core', 'convolutional', 'pooling', 'normalization', 'reshaping', 'activations']) {
  const {cases} = JSON.parse(readFileSync(new URL(`../../test/fixtures/layers/${group}.json`, import.meta.url), 'utf8')) as {cases: Case[]};
  test(`PyTorch forward parity: ${group} (${cases.length} cases)`, () => {
    let worst = 0;
    for (const c of cases) {
      const cls = CLASSES[c.layer];
      assert.ok(cls, `no layer class ${c.layer}`);
      const layer = new cls(...c.init, c.options);
      const x = dec(c.input);
      layer.apply(x); // build
      layer.setWeights(c.weights.map(dec));
      const y = layer.apply(x, {training: c.training ?? false}) as Tensor;
      worst = Math.max(worst, compare(y, c.output, c.name));
      if (c.movingMean) {
        const bn = layer as BatchNormalization;
        worst = Math.max(worst, compare(bn.movingMean.value, c.movingMean, `${c.name} moving_mean`));
        worst = Math.max(worst, compare(bn.movingVariance.value, c.movingVariance!, `${c.name} moving_variance`));
      }
    }
    assert.ok(worst <= RTOL);
    if (process.env["PARITY_VERBOSE"]) console.log(`${group}: worst relative error ${worst.toExponential(2)}`);
  });
}

/** Gradients: scaled to the tensor's largest value, as a float32 sum of many terms can only be. */
function compareGrad(actual: Tensor, expected: Enc, label: string): void {
  assert.deepEqual([...actual.shape], expected.shape, `${label}: shape`);
  const scale = Math.max(1, ...expected.values.map(Math.abs));
  for (let i = 0; i < expected.values.length; i++) {
    const a = actual.values[i]!, b = expected.values[i]!;
    assert.ok(Math.abs(a - b) <= 1e-5 * Math.abs(b) + 1e-5 * scale, `${label}: element ${i}: ${a} vs torch ${b}`);
  }
}

for (const group of ['core', 'convolutional', 'pooling', 'normalization', 'reshaping', 'activations']) {
  const {cases} = JSON.parse(readFileSync(new URL(`../../test/fixtures/layers/${group}.json`, import.meta.url), 'utf8')) as {cases: Case[]};
  test(`PyTorch gradient parity (input and weights): ${group} (${cases.length} cases)`, () => {
    for (const c of cases) {
      assert.ok(c.gradInput, `${c.name}: no gradients in the fixture (rerun scripts/make_layer_fixtures.py)`);
      const layer = new CLASSES[c.layer]!(...c.init, c.options);
      const x = dec(c.input);
      layer.apply(x);
      layer.setWeights(c.weights.map(dec));
      const weights = layer.weights;
      assert.equal(weights.length, c.gradWeights.length, `${c.name}: weights`);
      const tape = new GradientTape();
      tape.watch([x]);
      const loss = tape.run(() => ops.sum(ops.multiply(layer.apply(x, {training: c.training ?? false}) as Tensor, dec(c.w))));
      const trainable = weights.filter((v) => v.trainable);
      const grads = tape.gradient(loss, [x, ...trainable]);
      compareGrad(grads[0]!, c.gradInput, `${c.name} d/dinput`);
      let checked = 0;
      weights.forEach((v, i) => {
        if (!v.trainable) return; // moving statistics: no gradient in Keras
        const g = grads[1 + trainable.indexOf(v)];
        const want = c.gradWeights[i];
        assert.ok(want, `${c.name}: torch has no gradient for trainable weight ${v.name}`);
        assert.ok(g, `${c.name}: no gradient for ${v.name}`);
        compareGrad(g, want, `${c.name} d/d${v.name}`);
        checked++;
      });
      assert.equal(checked, trainable.length);
    }
  });
}
