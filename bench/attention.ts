/**
 * `ops.dotProductAttention` (the DotProductAttention kernel: tiles of keys, online softmax) and the
 * composite it replaced (two batched matmuls and a softmax, `dotProductAttentionComposite`), against PyTorch's
 * softmax(q k^T / sqrt(H)) v (bench/attention_torch.py; torch 1.13 has no scaled_dot_product_attention),
 * batch 1, 8 heads of 64, sequence 128 and 512, on one thread: best CPU ms of the forward and of
 * forward + backward (gradients of query, key and value for a given output gradient), native backend.
 *
 *   node --import tsx bench/attention.ts [reps]
 */
import {spawnSync} from 'node:child_process';
import * as keras from '../src/index.js';
import {GradientTape} from '../src/gradients/tape.js';
import {dotProductAttentionComposite} from '../src/ops/attention_composite.js';
import type {Tensor} from '../src/tensor/tensor.js';
import {torchEnv, torchPeer} from './peers.js';
import {bestOf, loadavg, randTensor} from './timing.js';

const ops = keras.ops;
const reps = Number(process.argv[2] ?? 10);
const native = keras.backend.setBackend('native');
native.setNumThreads!(1);
const SHAPES = [[1, 128, 8, 64], [1, 512, 8, 64]];

const peer = torchPeer();
console.log(`# dotProductAttention, native, 1 thread, best CPU ms of ${reps}. ${new Date().toISOString()}; load ${loadavg()}`);
console.log(`# ${peer.line}`);
const r = spawnSync('/usr/bin/python3', [new URL('./attention_torch.py', import.meta.url).pathname, String(reps), ...SHAPES.map((s) => s.join(','))], {
  encoding: 'utf8', env: torchEnv(1), timeout: 600_000,
});
const torch = r.status === 0 ? r.stdout.trim().split('\n').map((l) => JSON.parse(l) as {forward: number; backward: number}) : [];
if (r.status !== 0) console.log(`# PyTorch failed: ${r.stderr.trim().split('\n').at(-1)}`);

console.log('| [B, T, N, H] | path | keras-ts forward | PyTorch forward | keras-ts fwd+bwd | PyTorch fwd+bwd | ratio fwd (torch/ours) | ratio fwd+bwd |');
console.log('|---|---|---|---|---|---|---|---|');
type Attn = (q: Tensor, k: Tensor, v: Tensor) => Tensor;
const paths: [string, Attn][] = [
  ['kernel', (q, k, v) => ops.dotProductAttention(q, k, v)],
  ['composite', (q, k, v) => dotProductAttentionComposite(q, k, v, {})],
];
SHAPES.forEach((shape, i) => {
  const [q, k, v] = [randTensor(shape), randTensor(shape), randTensor(shape)];
  const dy = randTensor(shape);
  const t = torch[i];
  const ratio = (a: number | undefined, b: number) => (peer.ok && a !== undefined ? (a / b).toFixed(2) : 'n/a');
  // the two paths interleaved, best of reps each, so load swings hit both alike
  const best = paths.map(() => ({fwd: Infinity, bwd: Infinity}));
  for (let round = 0; round < 2; round++) {
    paths.forEach(([, f], p) => {
      best[p]!.fwd = Math.min(best[p]!.fwd, bestOf(Math.ceil(reps / 2), () => f(q, k, v), true));
      best[p]!.bwd = Math.min(best[p]!.bwd, bestOf(Math.ceil(reps / 2), () => {
        const tape = new GradientTape();
        tape.watch([q, k, v]);
        const y = tape.run(() => f(q, k, v));
        tape.gradient(y, [q, k, v], dy);
      }, true));
    });
  }
  paths.forEach(([name], p) => {
    const {fwd, bwd} = best[p]!;
    console.log(`| ${shape.join(', ')} | ${name} | ${fwd.toFixed(2)} | ${t?.forward.toFixed(2) ?? 'n/a'} | ${bwd.toFixed(2)} | ${t?.backward.toFixed(2) ?? 'n/a'} | ${ratio(t?.forward, fwd)} | ${ratio(t?.backward, bwd)} |`);
  });
});
console.log(`# load after: ${loadavg()}`);
