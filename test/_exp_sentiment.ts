import {readFileSync} from 'node:fs';
import {GradientTape} from '../src/autodiff/tape.js';
import * as ops from '../src/ops/index.js';
import {permutation, setRandomSeed} from '../src/tensor/random.js';
import {Tensor} from '../src/tensor/tensor.js';
import {Embedding} from '../src/layers/core/embedding.js';
import {Dense} from '../src/layers/core/dense.js';
import {LSTM, GRU} from '../src/layers/recurrent/layers.js';
import {Bidirectional} from '../src/layers/recurrent/bidirectional.js';
import {TextVectorization} from '../src/layers/preprocessing/text_vectorization.js';
import {Adam} from '../src/optimizers/adam.js';

setRandomSeed(Number(process.env.SEED ?? 1));
const dir = '../shared/data/uci_sentiment_labelled_sentences/';
const lines = ['amazon_cells_labelled.txt', 'imdb_labelled.txt', 'yelp_labelled.txt'].flatMap((f) => readFileSync(dir + f, 'utf8').split('\n').filter((l) => l.trim()));
const texts = lines.map((l) => l.slice(0, l.lastIndexOf('\t')));
const labels = lines.map((l) => Number(l.slice(l.lastIndexOf('\t') + 1)));
console.log(lines.length, labels.filter((x) => x === 1).length);
const perm = permutation(texts.length, 42);
const nTest = Math.floor(texts.length * 0.2);
const idx = [...perm];
const testIdx = idx.slice(0, nTest), trainIdx = idx.slice(nTest);
const MAXT = Number(process.env.MAXT ?? 2000), LEN = Number(process.env.LEN ?? 24), EMB = Number(process.env.EMB ?? 32), U = Number(process.env.U ?? 32);
const tv = new TextVectorization({maxTokens: MAXT, outputSequenceLength: LEN});
tv.adapt(trainIdx.map((i) => texts[i]!));
const X = tv.apply(texts) as Tensor;
const take = (ix: number[]) => [ops.take(X, new Tensor([ix.length], 'int32', Int32Array.from(ix)), 0), new Tensor([ix.length, 1], 'float32', Float32Array.from(ix, (i) => labels[i]!))] as const;
const [xTest, yTest] = take(testIdx);
const emb = new Embedding(MAXT, EMB, {maskZero: true});
const rnn = process.env.KIND === 'bigru' ? new Bidirectional(new GRU(U)) : process.env.KIND === 'gru' ? new GRU(U) : new LSTM(U);
const dense = new Dense(1);
const model = (x: Tensor, training: boolean) => ops.sigmoid(dense.apply(rnn.apply(emb.apply(x), {training}), {training}) as Tensor);
const opt = new Adam({learningRate: Number(process.env.LR ?? 0.005)});
const B = 32;
const t0 = performance.now();
for (let epoch = 0; epoch < Number(process.env.EPOCHS ?? 5); epoch++) {
  const p = permutation(trainIdx.length, 100 + epoch);
  let lossSum = 0, n = 0;
  for (let s = 0; s + B <= trainIdx.length; s += B) {
    const [xb, yb] = take(Array.from(p.slice(s, s + B), (k) => trainIdx[k]!));
    const tape = new GradientTape();
    const loss = tape.run(() => {
      const yp = ops.clip(model(xb, true), 1e-7, 1 - 1e-7);
      return ops.negative(ops.mean(ops.add(ops.multiply(yb, ops.log(yp)), ops.multiply(ops.subtract(1, yb), ops.log(ops.subtract(1, yp))))));
    });
    const vars = [...emb.trainableWeights, ...rnn.trainableWeights, ...dense.trainableWeights];
    const grads = tape.gradient(loss, vars);
    opt.applyGradients(grads.map((g, i) => [g, vars[i]!]));
    lossSum += loss.item(); n++;
  }
  const pred = model(xTest, false);
  let correct = 0;
  for (let i = 0; i < nTest; i++) if ((pred.values[i]! > 0.5 ? 1 : 0) === yTest.values[i]) correct++;
  console.log(`epoch ${epoch + 1} loss ${(lossSum / n).toFixed(4)} test acc ${(correct / nTest).toFixed(4)} t=${((performance.now() - t0) / 1000).toFixed(1)}s`);
}
