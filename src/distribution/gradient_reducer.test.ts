/**
 * The pieces of DataParallel that need no second process: the tape reports each gradient as soon as
 * it is final (before the backward pass ends), the reducer buckets and sums them through a
 * communicator, and rows are split by rank.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {GradientTape} from '../gradients/tape.js';
import {Variable} from '../autodiff/variable.js';
import * as ops from '../ops/index.js';
import {tensor, Tensor} from '../tensor/tensor.js';
import {PlanCache} from '../plan/index.js';
import type {Communicator} from './communicator.js';
import {BucketBuffers, GradientReducer} from './gradient_reducer.js';

/** Two dense layers, x -> relu(x W1 + b1) W2 + b2 -> sum of squares. */
function mlp() {
  const v = (shape: number[], seed: number) =>
    new Variable(tensor(Array.from({length: shape.reduce((a, b) => a * b, 1)}, (_, i) => Math.sin(seed * 7 + i)), shape));
  const vars = [v([4, 8], 1), v([8], 2), v([8, 3], 3), v([3], 4)];
  const x = tensor(Array.from({length: 20}, (_, i) => Math.cos(i)), [5, 4]);
  const f = () => {
    const h = ops.relu(ops.add(ops.matmul(x, vars[0]!.read()), vars[1]!.read()));
    return ops.sum(ops.square(ops.add(ops.matmul(h, vars[2]!.read()), vars[3]!.read())));
  };
  return {vars, f};
}

test('GradientTape.gradient reports each gradient once, last layer first, before the backward pass has finished', () => {
  const {vars, f} = mlp();
  const tape = new GradientTape();
  const loss = tape.run(f);
  const events: [number, boolean][] = [];
  let reported: (Tensor | null)[] = [];
  const grads = tape.gradient(loss, vars, undefined, (i, g) => {
    events.push([i, g !== null]);
    reported[i] = g;
  });
  // the second layer's weights are final before the first layer's gradients are computed
  assert.deepEqual(events.map((e) => e[0]).slice(0, 2).sort(), [2, 3]);
  assert.deepEqual(events.map((e) => e[0]).slice(2).sort(), [0, 1]);
  grads.forEach((g, i) => assert.equal(reported[i], g, `gradient ${i} reported is the one returned`));
  // the same values as without the hook
  const tape2 = new GradientTape();
  const loss2 = tape2.run(f);
  tape2.gradient(loss2, vars).forEach((g, i) => assert.deepEqual([...g!.values], [...grads[i]!.values]));
  reported = [];
});

/** The sharded update's collectives, which these tests do not use. */
const unsharded = {
  startReduceScatter(): number {
    throw new Error('not sharded');
  },
  startAllgather(): number {
    throw new Error('not sharded');
  },
  shardOf(n: number): [number, number] {
    return [0, n];
  },
};

/**
 * N simulated ranks in one process: the k-th all-reduce of every rank is summed once the last rank
 * has started it (each rank's buffer then holds the sum); `wait` has nothing to wait for.
 */
function fakeWorld(n: number): Communicator[] {
  const calls: (Float32Array | Float64Array)[][] = Array.from({length: n}, () => []);
  return Array.from({length: n}, (_, rank) => ({
    rank,
    size: n,
    processorName: 'test',
    sharedBytes: 0,
    async allreduce() {},
    startAllreduce(x) {
      const k = calls[rank]!.push(x) - 1;
      const all = calls.map((c) => c[k]);
      if (all.every((b) => b)) {
        const sum = new Float64Array(x.length);
        for (const b of all) for (let i = 0; i < sum.length; i++) sum[i]! += b![i]!;
        for (const b of all) b!.set(sum);
      }
      return k + 1;
    },
    wait() {},
    ...unsharded,
    allocate: (dtype: 'float32' | 'float64', n: number) => (dtype === 'float32' ? new Float32Array(n) : new Float64Array(n)),
    bcast: async () => {},
    barrier: async () => {},
  }));
}

test('GradientReducer: buckets by size in the order gradients come, sums across ranks in place, returns views', () => {
  const world = fakeWorld(2);
  const g = (vals: number[], shape: number[]) => tensor(vals, shape);
  // rank r's gradients: r+1 times a base
  const base = [g([1, 2, 3, 4, 5, 6], [2, 3]), g([7, 8], [2]), g([9, 10, 11], [3])];
  const reducers = world.map((c) => new GradientReducer(c, new BucketBuffers(), 4 * 5).begin(0.5));
  const sentAfterFirst: number[] = [];
  reducers.forEach((r, rank) => {
    const mine = base.map((t) => ops.multiply(t, rank + 1));
    // the tape reports index 2 first; 3 floats < 5: no send yet; then index 0 (6 more) fills the bucket
    r.onGradient(2, mine[2]!);
    sentAfterFirst.push(r.bucketCount);
    r.onGradient(0, mine[0]!);
  });
  assert.deepEqual(sentAfterFirst, [0, 0]);
  assert.deepEqual(reducers.map((r) => r.bucketCount), [1, 1]);
  const out = reducers.map((r, rank) => r.reduced(base.map((t) => ops.multiply(t, rank + 1))));
  for (const res of out) {
    assert.deepEqual(res.map((t) => [...t!.values]), base.map((t) => [...t.values].map((v) => v * 3)));
    assert.deepEqual(res.map((t) => t!.shape), base.map((t) => t.shape));
  }
  assert.deepEqual(reducers.map((r) => r.bucketCount), [2, 2]);
  assert.deepEqual([...reducers[0]!.outputGradient(tensor(1)).values], [0.5]);
});

test('a compiled step replays the bucket sends and waits (host steps) where they ran: the same sums as the eager step, bit for bit', () => {
  const {vars, f} = mlp();
  // one process standing for two whose gradients are equal: each all-reduce doubles its buffer
  const log: string[] = [];
  let handle = 0;
  const comm: Communicator = {
    rank: 0, size: 2, processorName: 'test', sharedBytes: 0,
    async allreduce() {},
    startAllreduce(x) {
      for (let i = 0; i < x.length; i++) x[i]! *= 2;
      log.push(`start ${x.length}`);
      return ++handle;
    },
    wait(h) {
      log.push(`wait ${h}`);
    },
    ...unsharded,
    allocate: (dtype: 'float32' | 'float64', n: number) => (dtype === 'float32' ? new Float32Array(n) : new Float64Array(n)),
    bcast: async () => {},
    barrier: async () => {},
  };
  // buckets of 8 floats: the second layer's gradients (24 + 3) fill one, the first layer's bias (8) one, its kernel (32) one
  const reducer = new GradientReducer(comm, new BucketBuffers(), 4 * 8);
  const plans = new PlanCache('test');
  const step = () => {
    reducer.begin(0.5);
    const tape = new GradientTape();
    const loss = tape.run(f);
    const grads = tape.gradient(loss, vars, reducer.outputGradient(loss), reducer.onGradient);
    return [loss, ...reducer.reduced(grads)];
  };
  const runs: number[][][] = [];
  for (let i = 0; i < 4; i++) {
    log.length = 0;
    const outs = plans.run('step', [], step);
    runs.push(outs.map((t) => [...t!.values]));
    // each bucket is sent before the next is packed, and waited for after the backward pass
    assert.deepEqual(log, ['start 27', 'start 8', 'start 32', `wait ${handle - 2}`, `wait ${handle - 1}`, `wait ${handle}`], `run ${i}`);
  }
  assert.equal(plans.counts.planned, 2, 'runs 3 and 4 replay the plan');
  // the seed 0.5 and the doubling: the gradients of the loss itself
  const tape = new GradientTape();
  const plain = tape.gradient(tape.run(f), vars).map((g) => [...g!.values]);
  for (const r of runs) {
    assert.deepEqual(r.slice(1), plain);
    assert.deepEqual(r, runs[0]);
  }
});

/**
 * N simulated ranks with the sharded update's collectives: a reduce-scatter sums every rank's buffer
 * (more than the contract asks: the rank's segment summed), an all-gather copies each rank's segment
 * (`shardOf`, as the binding computes it) into every rank's arrays once the last rank has started it.
 */
function shardedWorld(n: number): Communicator[] {
  const rs: Float32Array[][] = Array.from({length: n}, () => []);
  const ag: (Float32Array | Float64Array)[][][] = Array.from({length: n}, () => []);
  const shardOf = (rank: number, count: number): [number, number] => {
    const s = (rank + 1) % n;
    return [Math.floor((count * s) / n), Math.floor((count * (s + 1)) / n)];
  };
  return Array.from({length: n}, (_, rank) => ({
    rank,
    size: n,
    processorName: 'test',
    sharedBytes: 0,
    async allreduce() {},
    startAllreduce(): number {
      throw new Error('sharded');
    },
    startReduceScatter(x) {
      const k = rs[rank]!.push(x as Float32Array) - 1;
      const all = rs.map((c) => c[k]);
      if (all.every((b) => b)) {
        const sum = new Float32Array(x.length);
        for (const b of all) for (let i = 0; i < sum.length; i++) sum[i]! += b![i]!;
        for (const b of all) b!.set(sum);
      }
      return k + 1;
    },
    startAllgather(pieces) {
      const k = ag[rank]!.push(pieces) - 1;
      const all = ag.map((c) => c[k]);
      if (all.every((p) => p)) {
        const flat = (p: (Float32Array | Float64Array)[]) => p.flatMap((a) => Array.from(a));
        const total = flat(pieces).length;
        const merged = new Array<number>(total);
        all.forEach((p, r) => {
          const [lo, hi] = shardOf(r, total);
          const f = flat(p!);
          for (let i = lo; i < hi; i++) merged[i] = f[i]!;
        });
        for (const p of all) {
          let o = 0;
          for (const a of p!) for (let i = 0; i < a.length; i++) a[i] = merged[o++]!;
        }
      }
      return k + 1;
    },
    shardOf: (count: number) => shardOf(rank, count),
    wait() {},
    allocate: (dtype: 'float32' | 'float64', n: number) => (dtype === 'float32' ? new Float32Array(n) : new Float64Array(n)),
    bcast: async () => {},
    barrier: async () => {},
  }));
}

test('GradientReducer.applySharded: each of 2 or 3 ranks updates its segments, the all-gather completes them: the weights and slots of apply on the summed gradients, bit for bit', async () => {
  const {RMSprop} = await import('../optimizers/rmsprop.js');
  const {Adam} = await import('../optimizers/adam.js');
  for (const [n, make] of [[2, () => new RMSprop({learningRate: 0.01, momentum: 0.5})], [3, () => new Adam({learningRate: 0.01})]] as const) {
    const shapes = [[4, 8], [8], [8, 3], [3]];
    const init = shapes.map((s, k) => Float32Array.from({length: s.reduce((a, b) => a * b, 1)}, (_, i) => Math.sin(k * 7 + i)));
    const mk = () => shapes.map((s, k) => new Variable(new Tensor(s, 'float32', init[k]!.slice())));
    const ref = mk(), refOpt = make();
    const ranks = Array.from({length: n}, () => ({vars: mk(), opt: make()}));
    const world = shardedWorld(n);
    // buckets of 10 floats: [3 + 24 -> 27], [8], [32]: segments cut inside variables
    const reducers = world.map((c) => new GradientReducer(c, new BucketBuffers(), 4 * 10));
    for (let step = 0; step < 4; step++) {
      const gradsOf = (r: number) => shapes.map((s, k) => new Tensor(s, 'float32', Float32Array.from({length: s.reduce((a, b) => a * b, 1)}, (_, i) => Math.cos(step * 3 + r * 5 + k + i * 0.7))));
      const perRank = ranks.map((_, r) => gradsOf(r));
      const summed = shapes.map((s, k) => {
        const t = new Float32Array(perRank[0]![k]!.size);
        for (const g of perRank) for (let i = 0; i < t.length; i++) t[i]! += g[k]!.values[i] as number;
        return new Tensor(s, 'float32', t);
      });
      refOpt.apply(summed, ref);
      if (step === 0) {
        ranks.forEach(({vars, opt}) => opt.apply(summed, vars)); // the first step shows every update is fused
        continue;
      }
      // every rank's backward pass first (the tape reports the last layer first), then each rank's update
      reducers.forEach((red, r) => {
        red.begin(1).sharded = true;
        for (const k of [3, 2, 1, 0]) red.onGradient(k, perRank[r]![k]!);
      });
      reducers.forEach((red, r) => red.applySharded(ranks[r]!.opt, perRank[r]!, ranks[r]!.vars));
    }
    reducers.forEach((red, r) => red.gatherSlots(ranks[r]!.opt, ranks[r]!.vars));
    const want = [...ref, ...refOpt.variables].map((v) => Array.from(v.value.values));
    ranks.forEach(({vars, opt}, r) => {
      const got = [...vars, ...opt.variables].map((v) => Array.from(v.value.values));
      assert.equal(got.length, want.length);
      got.forEach((w, k) => assert.ok(w.every((x, i) => Object.is(x, want[k]![i])), `${n} ranks, rank ${r}: variable ${k} differs`));
    });
    assert.equal(reducers[0]!.shardedSteps, 3);
  }
});
