/**
 * `ops.dotProductAttention` (the composite: two batched matmuls and a softmax) against PyTorch's
 * softmax(q k^T / sqrt(H)) v (bench/attention_torch.py; torch 1.13 has no scaled_dot_product_attention),
 * batch 1, 8 heads of 64, sequence 128 and 512, on one thread: best CPU ms of the forward and of
 * forward + backward (gradients of query, key and value for a given output gradient), native backend.
 *
 *   node --import tsx bench/attention.ts [reps]
 */
import {spawnSync} from 'node:child_process';
import * as keras from '../src/index.js';
import {GradientTape} from '../src/gradients/tape.js';
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

console.log('| [B, T, N, H] | keras-ts forward | PyTorch forward | keras-ts fwd+bwd | PyTorch fwd+bwd | ratio fwd (torch/ours) | ratio fwd+bwd |');
console.log('|---|---|---|---|---|---|---|');
SHAPES.forEach((shape, i) => {
  const [q, k, v] = [randTensor(shape), randTensor(shape), randTensor(shape)];
  const fwd = bestOf(reps, () => ops.dotProductAttention(q, k, v), true);
  const dy = randTensor(shape);
  const bwd = bestOf(reps, () => {
    const tape = new GradientTape();
    tape.watch([q, k, v]);
    const y = tape.run(() => ops.dotProductAttention(q, k, v));
    tape.gradient(y, [q, k, v], dy);
  }, true);
  const t = torch[i];
  const ratio = (a: number | undefined, b: number) => (peer.ok && a !== undefined ? (a / b).toFixed(2) : 'n/a');
  console.log(`| ${shape.join(', ')} | ${fwd.toFixed(2)} | ${t?.forward.toFixed(2) ?? 'n/a'} | ${bwd.toFixed(2)} | ${t?.backward.toFixed(2) ?? 'n/a'} | ${ratio(t?.forward, fwd)} | ${ratio(t?.backward, bwd)} |`);
});
console.log(`# load after: ${loadavg()}`);
