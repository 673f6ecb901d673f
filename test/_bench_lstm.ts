import {GradientTape} from '../src/autodiff/tape.js';
import * as ops from '../src/ops/index.js';
import {randomNormal} from '../src/tensor/random.js';
import {Embedding} from '../src/layers/core/embedding.js';
import {LSTM, GRU} from '../src/layers/recurrent/layers.js';
import {tensor} from '../src/tensor/tensor.js';
import type {Tensor} from '../src/tensor/tensor.js';

const only = process.env.ONLY; for (const [name, mk] of [['lstm fused', () => new LSTM(32)], ['lstm generic', () => new LSTM(32, {useCudnn: false})], ['gru fused', () => new GRU(32)], ['gru generic', () => new GRU(32, {useCudnn: false})]] as const) { if (only && name !== only) continue;
  const emb = new Embedding(2000, 32, {maskZero: true});
  const rnn = mk();
  const ids = tensor(Array.from({length: 32}, (_, i) => Array.from({length: 30}, (_, j) => (j < 10 + (i % 20) ? 1 + ((i * 31 + j * 7) % 1999) : 0))), undefined, 'int32');
  const run = () => {
    const tape = new GradientTape();
    const loss = tape.run(() => ops.mean(rnn.apply(emb.apply(ids), {training: true}) as Tensor));
    tape.gradient(loss, [...emb.trainableWeights, ...rnn.trainableWeights]);
  };
  run();
  const t0 = performance.now();
  for (let i = 0; i < 5; i++) run();
  console.log(name, ((performance.now() - t0) / 5).toFixed(1), 'ms / step (batch 32, T 30, 32 units)');
}
void randomNormal;
