import * as keras from '../src/index.js';
import {batchFor, buildModel} from './models.js';
const native = keras.backend.setBackend('native');
native.setNumThreads!(1);
const name = (process.argv[2] ?? 'mlp') as 'mlp';
const model = buildModel(name);
const [x] = batchFor(name, 128);
const N = 400;
for (let r = 0; r < 3; r++) {
  let c0 = process.cpuUsage();
  for (let i = 0; i < N; i++) await model.predict(x!, {batchSize: 128, verbose: 0});
  let c = process.cpuUsage(c0);
  const a = (c.user + c.system) / 1000 / N;
  c0 = process.cpuUsage();
  for (let i = 0; i < N; i++) model.predictOnBatch(x!);
  c = process.cpuUsage(c0);
  const b = (c.user + c.system) / 1000 / N;
  console.log(`CPU per call: predict ${a.toFixed(3)} ms, predictOnBatch ${b.toFixed(3)} ms`);
}
