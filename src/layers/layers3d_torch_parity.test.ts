/**
 * Parity of the 3-D convolutions and pools, the 1-D transposed/depthwise/separable convolutions,
 * GroupNormalization (against torch.nn.functional.group_norm), Unit/RMSNormalization, the 3-D
 * reshaping layers and ConvLSTM1D/2D/3D (against a float64 NumPy transcription of Keras's
 * ConvLSTMCell): each case of test/fixtures/layers/layers3d.json (written by
 * scripts/make_layers3d_fixtures.py) builds the layer, sets the fixture's weights and compares the
 * float32 output, |ours - oracle| <= 1e-5 * max(|oracle|, 1), and the gradients of sum(y * w) with
 * respect to the input and every weight, |ours - torch| <= 1e-5 * |torch| + 1e-5 * max(1, max |torch|).
 */
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';
import {GradientTape} from '../gradients/tape.js';
import * as ops from '../ops/index.js';
import {Tensor} from '../tensor/tensor.js';
import {Conv1DTranspose} from './convolutional/conv1d_transpose.js';
import {Conv3D} from './convolutional/conv3d.js';
import {Conv3DTranspose} from './convolutional/conv3d_transpose.js';
import {DepthwiseConv1D} from './convolutional/depthwise_conv1d.js';
import {SeparableConv1D} from './convolutional/separable_conv1d.js';
import type {Layer} from './layer.js';
import {GroupNormalization} from './normalization/group_normalization.js';
import {RMSNormalization} from './normalization/rms_normalization.js';
import {UnitNormalization} from './normalization/unit_normalization.js';
import {AveragePooling3D} from './pooling/average_pooling3d.js';
import {GlobalAveragePooling3D} from './pooling/global_average_pooling3d.js';
import {GlobalMaxPooling3D} from './pooling/global_max_pooling3d.js';
import {MaxPooling3D} from './pooling/max_pooling3d.js';
import {ConvLSTM1D, ConvLSTM2D, ConvLSTM3D} from './recurrent/conv_lstm.js';
import {Cropping3D} from './reshaping/cropping3d.js';
import {UpSampling3D} from './reshaping/up_sampling3d.js';
import {ZeroPadding3D} from './reshaping/zero_padding3d.js';

const CLASSES: Record<string, new (...a: any[]) => Layer> = {
  Conv3D, Conv3DTranspose, Conv1DTranspose, DepthwiseConv1D, SeparableConv1D, MaxPooling3D, AveragePooling3D, GlobalMaxPooling3D,
  GlobalAveragePooling3D, GroupNormalization, UnitNormalization, RMSNormalization, ZeroPadding3D, Cropping3D, UpSampling3D, ConvLSTM1D,
  ConvLSTM2D, ConvLSTM3D,
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
  w: Enc;
  gradInput: Enc;
  gradWeights: (Enc | null)[];
}

const RTOL = 1e-5;
const {cases} = JSON.parse(readFileSync(new URL('../../test/fixtures/layers/layers3d.json', import.meta.url), 'utf8')) as {cases: Case[]};
const dec = (e: Enc) => new Tensor(e.shape, 'float32', Float32Array.from(e.values));

function build(c: Case): {layer: Layer; x: Tensor} {
  const cls = CLASSES[c.layer];
  assert.ok(cls, `no layer class ${c.layer}`);
  const layer = new cls(...c.init, c.options);
  const x = dec(c.input);
  layer.apply(x);
  layer.setWeights(c.weights.map(dec));
  return {layer, x};
}

test(`layers3d forward parity with PyTorch / NumPy (${cases.length} cases)`, () => {
  let worst = 0;
  for (const c of cases) {
    const {layer, x} = build(c);
    const y = layer.apply(x) as Tensor;
    assert.deepEqual([...y.shape], c.output.shape, `${c.name}: shape`);
    c.output.values.forEach((b, i) => {
      const err = Math.abs(y.values[i]! - b) / Math.max(Math.abs(b), 1);
      worst = Math.max(worst, err);
      assert.ok(err <= RTOL, `${c.name}: element ${i}: ${y.values[i]} vs oracle ${b}`);
    });
  }
  if (process.env['PARITY_VERBOSE']) console.log(`layers3d forward: worst relative error ${worst.toExponential(2)}`);
});

function compareGrad(actual: Tensor, expected: Enc, label: string): void {
  assert.deepEqual([...actual.shape], expected.shape, `${label}: shape`);
  const scale = Math.max(1, ...expected.values.map(Math.abs));
  expected.values.forEach((b, i) => {
    const a = actual.values[i]!;
    assert.ok(Math.abs(a - b) <= RTOL * Math.abs(b) + RTOL * scale, `${label}: element ${i}: ${a} vs torch ${b}`);
  });
}

test(`layers3d gradient parity with PyTorch autograd, input and weights (${cases.length} cases)`, () => {
  for (const c of cases) {
    const {layer, x} = build(c);
    const weights = layer.trainableWeights;
    assert.equal(layer.weights.length, c.gradWeights.length, `${c.name}: weights`);
    const tape = new GradientTape();
    tape.watch([x]);
    const loss = tape.run(() => ops.sum(ops.multiply(layer.apply(x) as Tensor, dec(c.w))));
    const grads = tape.gradient(loss, [x, ...weights]);
    compareGrad(grads[0]!, c.gradInput, `${c.name} d/dinput`);
    weights.forEach((v, i) => compareGrad(grads[1 + i]!, c.gradWeights[i]!, `${c.name} d/d${v.name}`));
  }
});
