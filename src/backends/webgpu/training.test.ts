import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {Callback} from '../../callbacks/callback.js';
import * as uciDigits from '../../datasets/uci_digits.js';
import {Dense} from '../../layers/core/dense.js';
import {Dropout} from '../../layers/regularization/dropout.js';
import {GRU, LSTM} from '../../layers/recurrent/layers.js';
import {Sequential} from '../../models/sequential.js';
import {Adam} from '../../optimizers/adam.js';
import {Tensor} from '../../tensor/tensor.js';
import {setRandomSeed} from '../../tensor/random.js';
import {webgpuForTests} from '../../testing/webgpu.js';
import {backendName, setBackend} from '../registry.js';
import {loadNativeBackend} from '../native/index.js';

const {gpu, skip} = webgpuForTests();

/** The digits as host tensors, scaled to [0, 1], labels one-hot (so no step reads the data set back). */
async function digits(): Promise<{x: Tensor; y: Tensor; xt: Tensor; yt: Tensor}> {
  const [[xTrain, yTrain], [xTest, yTest]] = await uciDigits.loadData();
  const scale = (t: Tensor) => new Tensor(t.shape, 'float32', Float32Array.from(t.values, (v) => v / 16));
  const onehot = (t: Tensor) => {
    const v = new Float32Array(t.size * 10);
    t.values.forEach((l, i) => (v[i * 10 + l] = 1));
    return new Tensor([t.size, 10], 'float32', v);
  };
  return {x: scale(xTrain), y: onehot(yTrain), xt: scale(xTest), yt: onehot(yTest)};
}

/** The first program's MLP (examples/digits.ts): Dense 64 relu, Dropout 0.2, Dense 64 relu, Dense 10 softmax, Adam. */
function seedMlp(): Sequential {
  setRandomSeed(1337);
  const model = new Sequential();
  model.add(new Dense(64, {activation: 'relu', inputShape: [64]}));
  model.add(new Dropout(0.2));
  model.add(new Dense(64, {activation: 'relu'}));
  model.add(new Dense(10, {activation: 'softmax'}));
  model.compile({loss: 'categorical_crossentropy', optimizer: new Adam(), metrics: ['accuracy']});
  return model;
}

/** Reads from the device counted at the start of every batch, and at the end of the epoch. */
class ReadCounter extends Callback {
  readonly atBatchBegin: number[] = [];
  atEpochEnd = -1;
  override onTrainBatchBegin(): void {
    this.atBatchBegin.push(gpu!.stats.reads);
  }
  override onEpochEnd(): void {
    this.atEpochEnd = gpu!.stats.reads;
  }
}

test('webgpu: the seed MLP trained 200 steps reaches the accuracy of the native backend within 0.01', {skip}, async () => {
  const {x, y, xt, yt} = await digits();
  const before = backendName();
  const cpu = typeof loadNativeBackend() === 'string' ? 'reference' : 'native';
  const accuracy: Record<string, number> = {};
  try {
    for (const backend of [cpu, 'webgpu']) {
      setBackend(backend);
      const model = seedMlp();
      // 5 epochs of 40 steps of 32 samples: 200 steps
      await model.fit(x, y, {batchSize: 32, epochs: 5, stepsPerEpoch: 40, verbose: 0});
      const [, acc] = (await model.evaluate(xt, yt, {verbose: 0})) as number[];
      accuracy[backend] = acc!;
    }
  } finally {
    setBackend(before);
  }
  console.log(`# test accuracy after 200 steps: ${JSON.stringify(accuracy)}`);
  assert.ok(accuracy[cpu]! > 0.9, `the ${cpu} run learned (${accuracy[cpu]})`);
  assert.ok(Math.abs(accuracy['webgpu']! - accuracy[cpu]!) <= 0.01, `webgpu ${accuracy['webgpu']} vs ${cpu} ${accuracy[cpu]}`);
});

test('webgpu: a training step reads nothing back with verbose 0, and once (the progress bar) with verbose 1', {skip}, async () => {
  const {x, y} = await digits();
  const before = backendName();
  try {
    setBackend('webgpu');
    const model = seedMlp();
    const quiet = new ReadCounter();
    await model.fit(x, y, {batchSize: 32, epochs: 1, stepsPerEpoch: 6, verbose: 0, callbacks: [quiet]});
    const steps = quiet.atBatchBegin;
    assert.equal(steps.length, 6);
    assert.deepEqual(steps.map((r) => r - steps[0]!), [0, 0, 0, 0, 0, 0], `reads before each batch: ${steps}`);
    const afterLast = quiet.atEpochEnd - steps.at(-1)!;
    assert.ok(afterLast <= 4, `the last step and the epoch's logs read ${afterLast} times`);

    // the kernels of a step go to the device together: far fewer submits than dispatches
    const d = gpu!.stats;
    await model.fit(x, y, {batchSize: 32, epochs: 1, stepsPerEpoch: 6, verbose: 0});
    const e = gpu!.stats;
    console.log(`# 6 steps: ${e.dispatches - d.dispatches} dispatches in ${e.submits - d.submits} submits`);
    assert.ok((e.submits - d.submits) * 8 <= e.dispatches - d.dispatches, `${e.dispatches - d.dispatches} dispatches in ${e.submits - d.submits} submits`);

    const loud = new ReadCounter();
    await model.fit(x, y, {batchSize: 32, epochs: 1, stepsPerEpoch: 6, verbose: 1, callbacks: [loud]});
    const perStep = loud.atBatchBegin.slice(1).map((r, i) => r - loud.atBatchBegin[i]!);
    // loss and accuracy for the progress bar: one transfer for both
    assert.deepEqual(perStep, [1, 1, 1, 1, 1], `reads per step with verbose 1: ${perStep}`);
  } finally {
    setBackend(before);
  }
});

test('webgpu: values come back through dataSync() and await data(); many kernels go in one submit', {skip}, async () => {
  const before = backendName();
  try {
    setBackend('webgpu');
    const ops = await import('../../ops/index.js');
    const a = new Tensor([2, 2], 'float32', new Float32Array([1, 2, 3, 4]));
    let s = a;
    s.dataSync();
    const {reads, submits} = gpu!.stats;
    for (let i = 0; i < 20; i++) s = ops.add(s, a);
    assert.equal(gpu!.stats.reads, reads, 'kernels on the device read nothing back');
    assert.ok(s.device !== null && s.device.hostCopy === null, 'the result lives on the device');
    assert.deepEqual(Array.from(await s.data()), [21, 42, 63, 84]);
    // 20 dispatches queued back to back, then the read: at most a few command buffers, not 20
    const used = gpu!.stats.submits - submits;
    assert.ok(used >= 1 && used <= 3, `20 kernels went to the device in ${used} submits`);
    assert.deepEqual(Array.from(ops.multiply(s, 2).dataSync()), [42, 84, 126, 168]);
  } finally {
    setBackend(before);
  }
});

const root = fileURLToPath(new URL('../../..', import.meta.url));
const child = (code: string, env: Record<string, string>) =>
  spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {cwd: root, encoding: 'utf8', env: {...process.env, ...env}, timeout: 120_000});

test('webgpu: chosen with KERAS_BACKEND=webgpu; never the default', {skip}, () => {
  const r = child(`import {backendName} from './src/backends/registry.ts'; console.log('backend=' + backendName());`, {KERAS_BACKEND: 'webgpu'});
  assert.match(r.stdout, /backend=webgpu/, r.stderr);
  const d = child(`import {backendName} from './src/backends/registry.ts'; console.log('backend=' + backendName());`, {KERAS_BACKEND: ''});
  assert.doesNotMatch(d.stdout, /backend=webgpu/, d.stderr);
});

test('webgpu: without an adapter, setBackend says what was looked for', () => {
  // a Dawn backend this machine has no adapter for (no Vulkan driver here; a GPU machine would have one)
  const r = child(
    `import {setBackend} from './src/backends/registry.ts';
     try { setBackend('webgpu'); console.log('LOADED'); } catch (e) { console.log('ERROR ' + e.message); }`,
    {KERAS_WEBGPU_DAWN: 'd3d12'},
  );
  assert.match(r.stdout, /ERROR Backend "webgpu" is not available: no WebGPU adapter \(.*tried: Dawn backend=d3d12.*KERAS_WEBGPU_DAWN=d3d12/, r.stdout + r.stderr);
});

test('webgpu: LSTM and GRU layers train on the sequence kernels as on the reference (1e-4), reading nothing back per step', {skip}, async () => {
  const before = backendName();
  const x = new Tensor([16, 6, 3], 'float32', Float32Array.from({length: 16 * 6 * 3}, (_, i) => Math.sin(i * 0.7)));
  const y = new Tensor([16], 'float32', Float32Array.from({length: 16}, (_, i) => i % 2));
  try {
    for (const make of [() => new LSTM(8, {inputShape: [6, 3], goBackwards: true}), () => new GRU(8, {inputShape: [6, 3]})]) {
      const losses: Record<string, number[]> = {};
      for (const backend of ['reference', 'webgpu']) {
        setBackend(backend);
        setRandomSeed(7);
        const model = new Sequential([make(), new Dense(1, {activation: 'sigmoid'})]);
        model.compile({loss: 'binary_crossentropy', optimizer: new Adam()});
        const counter = new ReadCounter();
        const h = await model.fit(x, y, {epochs: 3, batchSize: 4, verbose: 0, shuffle: false, callbacks: backend === 'webgpu' ? [counter] : []});
        losses[backend] = h.history['loss'] as number[];
        if (backend === 'webgpu') {
          const last = counter.atBatchBegin.slice(-4);
          assert.deepEqual(last.map((r) => r - last[0]!), [0, 0, 0, 0], `${model.layers[0]!.name}: reads before each batch of the last epoch: ${last}`);
        }
      }
      losses['webgpu']!.forEach((l, i) => assert.ok(Math.abs(l - losses['reference']![i]!) <= 1e-4 * Math.abs(losses['reference']![i]!), `epoch ${i}: webgpu ${l}, reference ${losses['reference']![i]}`));
    }
  } finally {
    setBackend(before);
  }
});
