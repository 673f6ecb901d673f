/**
 * What 64-byte-aligned tensor storage gives the native backend's training steps: two copies of each
 * seed model (MLP, CNN), one built with float32 storage from plain `Float32Array`s (16-byte aligned
 * as V8 places them), one from the addon's aligned arrays (what the native backend installs:
 * tensor/dtype.ts's setFloat32Allocator), trained on one fixed batch in rounds alternated between the
 * two and between 1 and 2 threads. Median step, wall time; the load average before and after.
 *
 *   node --import tsx bench/aligned.ts [mlp|cnn ...] [--rounds N]
 */
import type {NativeAddon} from '../src/backends/compiled/abi.js';
import {loadAddon} from '../src/backends/native/addon.js';
import {setBackend} from '../src/backends/registry.js';
import {setFloat32Allocator} from '../src/tensor/dtype.js';
import {batchFor, buildModel, modelsAndRounds, SPECS} from './models.js';
import {alternatedRounds, loadavg} from './timing.js';

const {models: names, rounds} = modelsAndRounds(process.argv.slice(2), 8);

const addon = loadAddon();
if (typeof addon === 'string' || !addon.allocateAligned) {
  console.log(`native backend unavailable: ${typeof addon === 'string' ? addon : 'the addon has no allocateAligned'}`);
  process.exit(0);
}
const aligned = (n: number) => (addon as Required<NativeAddon>).allocateAligned(n);
setBackend('native');

console.log(`# load ${loadavg()}`);
console.log('| model | plain 1T ms | aligned 1T ms | plain 2T ms | aligned 2T ms | plain / aligned 1T | plain / aligned 2T | 2T/1T plain | 2T/1T aligned |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const name of names) {
  const [x, y] = batchFor(name, SPECS[name].batch);
  // each model's weights, optimizer slots and compiled steps' arenas made under its allocator
  const made = (allocator: typeof aligned | null) => {
    setFloat32Allocator(allocator);
    const model = buildModel(name);
    for (let i = 0; i < 3; i++) model.trainOnBatch(x, y);
    return model;
  };
  const plain = made(null), fast = made(aligned);
  const models = [['plain', plain], ['aligned', fast]] as const;
  const steps = name === 'mlp' ? 100 : 8;
  const ms = alternatedRounds(
    models.map(([what, model]) => [what, () => model.trainOnBatch(x, y)] as const), [1, 2], (n) => addon.setNumThreads(n), rounds, steps,
  );
  const [p1, a1, p2, a2] = ['plain1', 'aligned1', 'plain2', 'aligned2'].map((k) => ms.get(k)!) as [number, number, number, number];
  const f = (v: number) => v.toFixed(2);
  console.log(`| ${name} | ${f(p1)} | ${f(a1)} | ${f(p2)} | ${f(a2)} | ${f(p1 / a1)}x | ${f(p2 / a2)}x | ${f(p1 / p2)} | ${f(a1 / a2)} |`);
}
addon.setNumThreads(0);
console.log(`# load ${loadavg()}`);
