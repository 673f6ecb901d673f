/**
 * Forward parity with PyTorch: each case of test/fixtures/layers/*.json (written by
 * scripts/make_layer_fixtures.py) builds the layer, sets the fixture's weights with `setWeights`,
 * and compares the float32 output to PyTorch's float64 result: |ours - torch| <= 1e-5 * max(|torch|, 1).
 */
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';
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
