/**
 * Functional `summary()` against Keras 3's own output: the expected table is the keras.io
 * "Functional API" guide's toy ResNet summary, as Keras 3 printed it (76 columns: an 80-column
 * terminal less 4), with `Connected to` as `name[node][tensor]`.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {Conv2D} from '../src/layers/convolutional/conv2d.js';
import {Dense} from '../src/layers/core/dense.js';
import {add} from '../src/layers/merging/index.js';
import {GlobalAveragePooling2D} from '../src/layers/pooling/global_average_pooling2d.js';
import {MaxPooling2D} from '../src/layers/pooling/max_pooling2d.js';
import {Dropout} from '../src/layers/regularization/dropout.js';
import {Input} from '../src/layers/symbolic_call.js';
import type {Functional} from '../src/models/functional.js';
import '../src/models/functional.js';
import {Model} from '../src/models/model.js';
import {summaryLines} from '../src/utils/summary.js';

const KERAS_TOY_RESNET = `Model: "toy_resnet"
┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┓
┃ Layer (type)        ┃ Output Shape      ┃    Param # ┃ Connected to      ┃
┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━┩
│ img (InputLayer)    │ (None, 32, 32, 3) │          0 │ -                 │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ conv2d_8 (Conv2D)   │ (None, 30, 30,    │        896 │ img[0][0]         │
│                     │ 32)               │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ conv2d_9 (Conv2D)   │ (None, 28, 28,    │     18,496 │ conv2d_8[0][0]    │
│                     │ 64)               │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ max_pooling2d_2     │ (None, 9, 9, 64)  │          0 │ conv2d_9[0][0]    │
│ (MaxPooling2D)      │                   │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ conv2d_10 (Conv2D)  │ (None, 9, 9, 64)  │     36,928 │ max_pooling2d_2[… │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ conv2d_11 (Conv2D)  │ (None, 9, 9, 64)  │     36,928 │ conv2d_10[0][0]   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ add (Add)           │ (None, 9, 9, 64)  │          0 │ conv2d_11[0][0],  │
│                     │                   │            │ max_pooling2d_2[… │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ conv2d_12 (Conv2D)  │ (None, 9, 9, 64)  │     36,928 │ add[0][0]         │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ conv2d_13 (Conv2D)  │ (None, 9, 9, 64)  │     36,928 │ conv2d_12[0][0]   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ add_1 (Add)         │ (None, 9, 9, 64)  │          0 │ conv2d_13[0][0],  │
│                     │                   │            │ add[0][0]         │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ conv2d_14 (Conv2D)  │ (None, 7, 7, 64)  │     36,928 │ add_1[0][0]       │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ global_average_poo… │ (None, 64)        │          0 │ conv2d_14[0][0]   │
│ (GlobalAveragePool… │                   │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ dense_6 (Dense)     │ (None, 256)       │     16,640 │ global_average_p… │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ dropout (Dropout)   │ (None, 256)       │          0 │ dense_6[0][0]     │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ dense_7 (Dense)     │ (None, 10)        │      2,570 │ dropout[0][0]     │
└─────────────────────┴───────────────────┴────────────┴───────────────────┘
 Total params: 223,242 (872.04 KB)
 Trainable params: 223,242 (872.04 KB)
 Non-trainable params: 0 (0.00 B)`;

function toyResnet(): Functional {
  const inputs = Input({shape: [32, 32, 3], name: 'img'});
  let x = new Conv2D(32, 3, {activation: 'relu', name: 'conv2d_8'}).apply(inputs);
  x = new Conv2D(64, 3, {activation: 'relu', name: 'conv2d_9'}).apply(x);
  const block1 = new MaxPooling2D(3, {name: 'max_pooling2d_2'}).apply(x);
  x = new Conv2D(64, 3, {activation: 'relu', padding: 'same', name: 'conv2d_10'}).apply(block1);
  x = new Conv2D(64, 3, {activation: 'relu', padding: 'same', name: 'conv2d_11'}).apply(x);
  const block2 = add([x, block1], {name: 'add'});
  x = new Conv2D(64, 3, {activation: 'relu', padding: 'same', name: 'conv2d_12'}).apply(block2);
  x = new Conv2D(64, 3, {activation: 'relu', padding: 'same', name: 'conv2d_13'}).apply(x);
  const block3 = add([x, block2], {name: 'add_1'});
  x = new Conv2D(64, 3, {activation: 'relu', name: 'conv2d_14'}).apply(block3);
  x = new GlobalAveragePooling2D({name: 'global_average_pooling2d'}).apply(x);
  x = new Dense(256, {activation: 'relu', name: 'dense_6'}).apply(x);
  x = new Dropout(0.5, {name: 'dropout'}).apply(x);
  const outputs = new Dense(10, {name: 'dense_7'}).apply(x);
  return new Model({inputs, outputs, name: 'toy_resnet'}) as Functional;
}

test('functional summary matches Keras 3 (toy ResNet from the Functional API guide)', () => {
  const model = toyResnet();
  assert.equal(model.summarySequentialLike(), false);
  assert.equal(summaryLines(model, {lineLength: 76}).join('\n'), KERAS_TOY_RESNET);
});

test('a chain of single-input layers prints without Connected to; nested models expand', () => {
  const x = Input({shape: [8], name: 'in'});
  const inner = new Model({inputs: x, outputs: new Dense(4, {name: 'inner_dense'}).apply(x), name: 'inner'}) as Functional;
  assert.equal(inner.summarySequentialLike(), true);
  const y = Input({shape: [8], name: 'outer_in'});
  const outer = new Model({inputs: y, outputs: new Dense(2, {name: 'head'}).apply(inner.apply(y)), name: 'outer'}) as Functional;
  const lines = summaryLines(outer, {lineLength: 76, expandNested: true});
  // Keras 3's Sequential-style table at 76 columns: segments of 33, 24 and 15 (rich's ratio_reduce)
  assert.equal(lines[1], '┏' + '━'.repeat(33) + '┳' + '━'.repeat(24) + '┳' + '━'.repeat(15) + '┓');
  const text = lines.join('\n');
  assert.match(text, /│ inner \(Functional\)\s+│ \(None, 4\)\s+│\s+36 │/);
  assert.match(text, /│\s{4}└ inner_dense \(Dense\)\s+│ \(None, 4\)\s+│\s+36 │/);
  assert.match(text, / Total params: 46 \(184\.00 B\)/);
});
