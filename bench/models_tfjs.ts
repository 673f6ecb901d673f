/**
 * TF.js half of bench/models.ts: the same three models in TF.js 4.22 (`@tensorflow/tfjs`, a dev
 * dependency) on its pure-JavaScript `cpu` backend (one thread), trained with `trainOnBatch` and run
 * with `predictOnBatch` on synthetic batches.
 *
 * Usage: node --import tsx bench/models_tfjs.ts STEPS [mlp] [cnn] [lstm]
 * TFJS_BACKEND=wasm runs them on `@tensorflow/tfjs-backend-wasm` (SIMD, one thread) instead.
 * Prints one JSON object per model: {"model", "threads": 1, "train", "infer", "trainMsPerStep"}.
 */
import * as tf from '@tensorflow/tfjs';

type Name = 'mlp' | 'cnn' | 'lstm';

function build(name: Name): {model: tf.Sequential; batch: number; x: tf.Tensor; y: tf.Tensor} {
  const model = tf.sequential();
  if (name === 'mlp') {
    model.add(tf.layers.dense({units: 512, activation: 'relu', inputShape: [784]}));
    model.add(tf.layers.dropout({rate: 0.2}));
    model.add(tf.layers.dense({units: 512, activation: 'relu'}));
    model.add(tf.layers.dropout({rate: 0.2}));
    model.add(tf.layers.dense({units: 10, activation: 'softmax'}));
    model.compile({optimizer: tf.train.rmsprop(0.001, 0.9, 0, 1e-7), loss: 'categoricalCrossentropy', metrics: ['accuracy']});
    return {model, batch: 128, x: tf.randomUniform([128, 784]), y: tf.oneHot(tf.randomUniform([128], 0, 10, 'int32'), 10)};
  }
  if (name === 'cnn') {
    model.add(tf.layers.conv2d({filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1]}));
    model.add(tf.layers.conv2d({filters: 64, kernelSize: 3, activation: 'relu'}));
    model.add(tf.layers.maxPooling2d({poolSize: 2}));
    model.add(tf.layers.dropout({rate: 0.25}));
    model.add(tf.layers.flatten());
    model.add(tf.layers.dense({units: 128, activation: 'relu'}));
    model.add(tf.layers.dropout({rate: 0.5}));
    model.add(tf.layers.dense({units: 10, activation: 'softmax'}));
    model.compile({optimizer: tf.train.adadelta(0.001, 0.95, 1e-7), loss: 'categoricalCrossentropy', metrics: ['accuracy']});
    return {model, batch: 128, x: tf.randomUniform([128, 28, 28, 1]), y: tf.oneHot(tf.randomUniform([128], 0, 10, 'int32'), 10)};
  }
  model.add(tf.layers.embedding({inputDim: 20000, outputDim: 128, inputLength: 80}));
  model.add(tf.layers.lstm({units: 128}));
  model.add(tf.layers.dense({units: 1, activation: 'sigmoid'}));
  model.compile({optimizer: tf.train.adam(0.001, 0.9, 0.999, 1e-7), loss: 'binaryCrossentropy', metrics: ['accuracy']});
  return {model, batch: 32, x: tf.randomUniform([32, 80], 0, 20000, 'int32'), y: tf.randomUniform([32, 1], 0, 2, 'int32').toFloat()};
}

async function medianMs(fn: () => Promise<unknown> | unknown, n: number): Promise<number> {
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return t.length % 2 ? t[(t.length - 1) / 2]! : (t[t.length / 2 - 1]! + t[t.length / 2]!) / 2;
}

async function main(): Promise<void> {
  const backend = process.env['TFJS_BACKEND'] ?? 'cpu';
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setThreadsCount(1);
  }
  await tf.setBackend(backend);
  const steps = Number(process.argv[2] ?? 5);
  for (const name of process.argv.slice(3) as Name[]) {
    const {model, batch, x, y} = build(name);
    await model.trainOnBatch(x, y);
    const trainMs = await medianMs(() => model.trainOnBatch(x, y), steps);
    const infer = () => tf.tidy(() => (model.predictOnBatch(x) as tf.Tensor).dataSync());
    infer();
    const inferMs = await medianMs(infer, Math.max(2, steps));
    console.log(JSON.stringify({model: name, threads: 1, train: (batch * 1000) / trainMs, infer: (batch * 1000) / inferMs, trainMsPerStep: trainMs}));
    model.dispose();
  }
}

await main();
