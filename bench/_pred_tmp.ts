import * as keras from '../src/index.js';
import {batchFor, buildModel} from './models.js';
const native = keras.backend.setBackend('native');
native.setNumThreads!(1);
const name = (process.argv[2] ?? 'mlp') as 'mlp';
const model = buildModel(name);
const [x] = batchFor(name, 128);
const N = 200;
for (let r = 0; r < 3; r++) {
  let t0 = performance.now();
  for (let i = 0; i < N; i++) await model.predict(x!, {batchSize: 128, verbose: 0});
  const a = (performance.now() - t0) / N;
  t0 = performance.now();
  for (let i = 0; i < N; i++) model.predictOnBatch(x!);
  const b = (performance.now() - t0) / N;
  console.log(`predict ${a.toFixed(3)} ms, predictOnBatch ${b.toFixed(3)} ms`);
}
