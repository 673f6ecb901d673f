/**
 * Acceptance: KotlinDL's toy ResNet (a functional Keras 2 model with two residual Add blocks), built
 * from its `model.to_json()` config, weights from its Keras 2 weights file, classifies the real
 * Fashion-MNIST test set (an independent NumPy pass gives 0.8416 on all 10,000 images).
 */
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {test} from 'node:test';
import '../src/layers/index.js';
import type {Functional} from '../src/models/functional.js';
import {modelFromJson} from '../src/models/index.js';
import * as ops from '../src/ops/index.js';
import {Tensor} from '../src/tensor/tensor.js';
import {loadIdx} from '../src/utils/idx.js';
import {FASHION_DIR, KERAS_FIXTURES, needFashion, needKerasFixtures} from '../src/testing/needs.js';

const fixtures = KERAS_FIXTURES;
const configPath = join(fixtures, 'kotlindl_toyresnet_fashion_config.json');
const weightsPath = join(fixtures, 'kotlindl_toyresnet_fashion_weights.h5');
const fashion = FASHION_DIR;
// in CI, missing files fail the run
const skip = needKerasFixtures('kotlindl_toyresnet_fashion_config.json', 'kotlindl_toyresnet_fashion_weights.h5') || needFashion(['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']);
const N = Number(process.env['TOYRESNET_N'] ?? 1000);
const ORACLE = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'fashion_oracles.json'), 'utf8')) as {
  subset: number;
  models: Record<string, {subsetCorrect: number; fullCorrect: number; predictions: number[]}>;
};
const oracle = ORACLE.models['kotlindl_toyresnet']!;

/** Sets each layer's weights from a Keras 2 weights file (`layer_names`, then each group's `weight_names`). */
async function loadKeras2Weights(model: Functional, path: string): Promise<void> {
  const {default: h5wasm} = await import('h5wasm/node');
  await h5wasm.ready;
  const f = new h5wasm.File(path, 'r');
  try {
    const names = f.attrs['layer_names']!.value as string[];
    for (const name of names) {
      const group = f.get(name) as {attrs: Record<string, {value: unknown}>};
      const weightNames = (group.attrs['weight_names']?.value ?? []) as string[];
      if (weightNames.length === 0) continue;
      const values = weightNames.map((wn) => {
        const d = f.get(`${name}/${wn}`) as {shape: number[]; value: Float32Array};
        return new Tensor(d.shape, 'float32', Float32Array.from(d.value));
      });
      model.getLayer(name).setWeights(values);
    }
  } finally {
    f.close();
  }
}

test('toy ResNet from its Keras 2 config and weights classifies Fashion-MNIST', {skip}, async () => {
  const model = modelFromJson(readFileSync(configPath, 'utf8')) as Functional;
  assert.equal(model.name, 'toy_resnet');
  assert.deepEqual(model.layers.filter((l) => l.className === 'Add').map((l) => l.name), ['add_8', 'add_9']);
  assert.deepEqual(model.outputShape, [null, 10]);
  await loadKeras2Weights(model, weightsPath);
  const images = loadIdx(join(fashion, 't10k-images-idx3-ubyte.gz'));
  const labels = loadIdx(join(fashion, 't10k-labels-idx1-ubyte.gz'));
  const n = Math.min(N, labels.shape[0]!);
  const px = 28 * 28;
  let correct = 0;
  const differ: number[] = [];
  const t0 = performance.now();
  const batch = 100;
  for (let s = 0; s < n; s += batch) {
    const b = Math.min(batch, n - s);
    const x = new Float32Array(b * px);
    for (let i = 0; i < b * px; i++) x[i] = (images.data[s * px + i] as number) / 255;
    const logits = model.apply(new Tensor([b, 28, 28, 1], 'float32', x)) as Tensor;
    const pred = ops.argmax(logits, -1).values;
    for (let i = 0; i < b; i++) {
      if (pred[i] === labels.data[s + i]) correct++;
      if (s + i < oracle.predictions.length && pred[i] !== oracle.predictions[s + i]) differ.push(s + i);
    }
  }
  const acc = correct / n;
  const ms = performance.now() - t0;
  console.log(`toy ResNet: accuracy ${acc.toFixed(4)} on the first ${n} Fashion-MNIST test images (${(ms / 1000).toFixed(1)} s)`);
  // the independent NumPy pass (scripts/make_fashion_oracles.py): the same class for each image, the same count
  assert.deepEqual(differ.slice(0, 10), [], `${differ.length} predictions differ from NumPy's`);
  const want = n === 10000 ? oracle.fullCorrect : n === ORACLE.subset ? oracle.subsetCorrect : null;
  if (want === null) assert.ok(acc > 0.8, `accuracy ${acc} should be > 0.8 (no exact oracle for ${n} images)`);
  else assert.equal(correct, want, `${correct} of ${n} correct, NumPy ${want}`);
});
