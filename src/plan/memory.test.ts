/**
 * Memory of compiled steps: 20 epochs of the seed MLP keep the process's memory flat (the plans'
 * arenas are made once; a step makes no buffer that outlives it), and a model's plans, arenas
 * included, are garbage once the model is.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';
import {loadNativeBackend} from '../backends/native/index.js';
import {backendName, setBackend} from '../backends/registry.js';
import * as L from '../layers/index.js';
import {Sequential} from '../models/sequential.js';
import {RMSprop} from '../optimizers/index.js';
import {Tensor} from '../tensor/tensor.js';
import '../models/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const settle = async () => {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 0));
  }
};

const BACKEND = typeof loadNativeBackend() === 'string' ? 'reference' : 'native';

function seedMlp(): Sequential {
  const m = new Sequential([
    new L.Dense(512, {activation: 'relu', inputShape: [784]}),
    new L.Dropout(0.2),
    new L.Dense(512, {activation: 'relu'}),
    new L.Dropout(0.2),
    new L.Dense(10, {activation: 'softmax'}),
  ]);
  m.compile({optimizer: new RMSprop(), loss: 'categorical_crossentropy', metrics: ['accuracy']});
  return m;
}

function data(n: number): [Tensor, Tensor] {
  const x = new Tensor([n, 784], 'float32', Float32Array.from({length: n * 784}, (_, i) => ((i * 2654435761) % 1000) / 1000));
  const y = new Tensor([n, 10], 'float32', new Float32Array(n * 10));
  for (let i = 0; i < n; i++) y.values[i * 10 + (i % 10)] = 1;
  return [x, y];
}

test(`${BACKEND}: 20 epochs of the seed MLP, compiled: memory flat within 10 % from epoch 2 to 20`, async () => {
  const prev = backendName();
  setBackend(BACKEND);
  try {
    const m = seedMlp();
    // 3 full batches of 128 and a partial one per epoch (native); the reference backend gets fewer rows
    const [x, y] = data(BACKEND === 'native' ? 3 * 128 + 40 : 2 * 32 + 8);
    const batchSize = BACKEND === 'native' ? 128 : 32;
    const rss: number[] = [], heap: number[] = [];
    for (let e = 0; e < 20; e++) {
      await m.fit(x, y, {batchSize, epochs: 1, verbose: 0});
      await settle();
      const u = process.memoryUsage();
      rss.push(u.rss);
      heap.push(u.heapUsed + u.arrayBuffers);
    }
    const plans = m.trainerState!.plans!;
    assert.equal(plans.plans().length, 2, 'full and partial batch each replayed from a plan');
    assert.ok(plans.counts.planned >= 18 * 4 - 4);
    // epoch 1 traces (eager, twice per signature); from epoch 2 on every step is a replay
    const base = Math.max(rss[1]!, rss[2]!), baseHeap = Math.max(heap[1]!, heap[2]!);
    const maxRss = Math.max(...rss.slice(2)), maxHeap = Math.max(...heap.slice(2));
    const mb = (b: number) => (b / 2 ** 20).toFixed(1);
    assert.ok(maxRss <= base * 1.1, `RSS grew from ${mb(base)} MiB to ${mb(maxRss)} MiB: ${rss.map(mb).join(', ')}`);
    assert.ok(maxHeap <= baseHeap * 1.1, `heap + array buffers grew from ${mb(baseHeap)} MiB to ${mb(maxHeap)} MiB: ${heap.map(mb).join(', ')}`);
  } finally {
    setBackend(prev);
  }
});

test('the plans and their arenas are freed with the model', async () => {
  let arena: WeakRef<ArrayBufferLike> | null = null;
  let model: WeakRef<object> | null = null;
  await (async () => {
    const m = new Sequential([new L.Dense(64, {activation: 'relu', inputShape: [32]}), new L.Dense(4)]);
    m.compile({optimizer: 'sgd', loss: 'mse'});
    const x = new Tensor([16, 32], 'float32', new Float32Array(16 * 32).fill(0.5));
    const y = new Tensor([16, 4], 'float32', new Float32Array(16 * 4));
    for (let i = 0; i < 3; i++) m.trainOnBatch(x, y);
    const plan = m.trainerState!.plans!.plans()[0]!;
    assert.ok(plan.arena.buffers > 0);
    // an output of the last replay lives in the arena
    const out = m.trainerState!.plans!.last!;
    assert.equal(out, plan);
    arena = new WeakRef((plan as unknown as {buffers: Set<ArrayBufferLike>}).buffers.values().next().value!);
    model = new WeakRef(m);
  })();
  await settle();
  assert.equal(model!.deref(), undefined, 'the model was collected');
  assert.equal(arena!.deref(), undefined, 'its plan arena was collected with it');
});
