/**
 * keras.distribution.DataParallel across processes, run the way a user runs it: `mpirun -np 2 node
 * ...` (Open MPI; `--allow-run-as-root --oversubscribe` so that CI, root on a 2-core machine, can).
 * Skipped with a message when mpirun or the MPI binding is absent; the single-process behaviour and
 * the error without the binding are tested everywhere.
 */
import assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, readdirSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {mpiBindingPath} from '../../src/platform/index.js';
import {missingRequirement, needFashion} from '../../src/testing/needs.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORKER = 'test/distribution/dp_worker.ts';
const mpirunVersion = spawnSync('mpirun', ['--version'], {encoding: 'utf8'});
const hasMpirun = mpirunVersion.status === 0;
const openMpi = hasMpirun && /Open MPI|OpenRTE/.test(mpirunVersion.stdout + mpirunVersion.stderr);
// outside CI a missing MPI skips these tests with a line saying so; with CI=true it fails the run
const skipMpi = !hasMpirun
  ? missingRequirement('Open MPI (mpirun)', 'mpirun not found (apt-get install openmpi-bin libopenmpi-dev)')
  : !existsSync(mpiBindingPath())
    ? missingRequirement('the MPI binding', 'the MPI binding is not built (node scripts/install-mpi.mjs, needs mpicc)')
    : false;
const tmp = mkdtempSync(join(tmpdir(), 'keras-ts-dp-'));
// one native thread per process: 2 ranks x 1 thread on a 2-core machine; the native backend where it
// is built (these tests are about processes, not backends: the reference one would take minutes)
const NATIVE = existsSync(join(ROOT, 'native', 'build', 'Release', 'keras_native.node'));
const ENV = {...process.env, KERAS_NUM_THREADS: '1', KERAS_BACKEND: NATIVE ? 'native' : 'reference'};

interface Run {
  status: number | null;
  out: string;
  seconds: number;
  /** Seconds from the first output line matching `marker` to the end of the job. */
  afterMarker: number;
}

/** `mpirun -np n node --import tsx dp_worker.ts args...` (n = 0: one process, no launcher). */
function run(n: number, args: string[], env: Record<string, string> = {}, timeoutMs = 240_000, marker?: RegExp): Promise<Run> {
  const node = [process.execPath, '--import', 'tsx', WORKER, ...args];
  const [cmd, ...rest] = n === 0 ? node : ['mpirun', ...(openMpi ? ['--allow-run-as-root', '--oversubscribe'] : []), '-np', String(n), ...node];
  return new Promise((resolve) => {
    const t0 = performance.now();
    const p = spawn(cmd!, rest, {cwd: ROOT, env: {...ENV, ...env}});
    let out = '';
    let markedAt = NaN;
    const onData = (d: Buffer) => {
      out += d;
      if (marker && Number.isNaN(markedAt) && marker.test(out)) markedAt = performance.now();
    };
    p.stdout.on('data', onData);
    p.stderr.on('data', onData);
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (status) => {
      clearTimeout(timer);
      const end = performance.now();
      resolve({status, out, seconds: (end - t0) / 1000, afterMarker: (end - markedAt) / 1000});
    });
  });
}

function readJson<T>(name: string): T {
  return JSON.parse(readFileSync(join(tmp, name), 'utf8')) as T;
}

/** ||a - b|| / ||a|| for one weight. */
function relDiff(a: number[], b: number[]): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += a[i]! ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

type Weights = {weights: number[][]; loss: number[]};

test('without the MPI binding, a process started as one of several fails with a message saying how to get MPI', async () => {
  const r = await run(0, ['info', join(tmp, 'nobinding.json')], {OMPI_COMM_WORLD_SIZE: '2', OMPI_COMM_WORLD_RANK: '0', KERAS_SKIP_MPI: '1'});
  assert.notEqual(r.status, 0);
  assert.match(r.out, /this process is one of 2 started by an MPI launcher, but the MPI binding is turned off/);
  assert.match(r.out, /apt-get install openmpi-bin libopenmpi-dev/);
});

test('one process without a launcher: DataParallel is the plain training loop', async () => {
  const r = await run(0, ['info', join(tmp, 'info1.json')]);
  assert.equal(r.status, 0, r.out);
  const info = readJson<{devices: string[]; numProcesses: number; batchError: string}>('info1.json');
  assert.deepEqual(info.devices, ['cpu:0']);
  assert.equal(info.numProcesses, 1);
  assert.equal(info.batchError, '');
});

test('mpirun -np 2: listDevices reports the ranks; a global batch that does not split evenly is a clear error', {skip: skipMpi}, async () => {
  const r = await run(2, ['info', join(tmp, 'info2.json')]);
  assert.equal(r.status, 0, r.out);
  const info = readJson<{devices: string[]; numProcesses: number; batchError: string}>('info2.json');
  assert.deepEqual(info.devices, ['cpu:0', 'cpu:1']);
  assert.equal(info.numProcesses, 2);
  assert.match(info.batchError, /batch_size is the global batch size and must be divisible by the number of processes \(2\).*Received: batch_size=33/);
});

// Summation order: one process computes each weight's gradient as one sum over the 128 rows of the
// batch (a GEMM over k = 128); two ranks each sum their 64 rows and MPI_Allreduce adds the two
// partial sums. Floating-point addition is not associative, so the gradients agree to rounding
// (~1e-7 relative), not bit for bit. The seed of each rank's backward pass is 64/128 = 1/2 instead
// of 1 (exact in binary), so that the sum over ranks is the mean over the global batch.
test('mpirun -np 2, global batch 128 (SGD): the same weights as one process with batch 128 after 20 steps of the seed MLP without dropout', {skip: skipMpi}, async () => {
  const one = await run(0, ['equal', join(tmp, 'sgd1.json'), 'optimizer=sgd']);
  assert.equal(one.status, 0, one.out);
  const two = await run(2, ['equal', join(tmp, 'sgd2.json'), 'optimizer=sgd']);
  assert.equal(two.status, 0, two.out);
  const a = readJson<Weights>('sgd1.json');
  const b = readJson<Weights>('sgd2.json');
  assert.equal(a.weights.length, 6);
  a.weights.forEach((w, k) => {
    const d = relDiff(w, b.weights[k]!);
    assert.ok(d < 1e-5, `weight ${k}: relative difference ${d.toExponential(2)} >= 1e-5`);
  });
  assert.ok(Math.abs(a.loss[0]! - b.loss[0]!) < 1e-5 * Math.abs(a.loss[0]!), `loss ${a.loss[0]} vs ${b.loss[0]}`);
});

// The binding sums a small array with MPI_Iallreduce and a large one (from 32 KiB) with a ring of
// messages, each element added on one process and copied to the others: the same bits everywhere.
test('mpirun -np 3: all-reduce of float32, float64 and int32 arrays, small and large, lengths not divisible by 3: exact sums, the same bits on every rank', {skip: skipMpi}, async () => {
  const r = await run(3, ['sums', join(tmp, 'sums.json')]);
  assert.equal(r.status, 0, r.out);
  type Sums = {dtype: string; n: number; exact: boolean; bytes: string}[];
  const ranks = [0, 1, 2].map((k) => JSON.parse(readFileSync(join(tmp, `sums.json.${k}`), 'utf8')) as Sums);
  assert.equal(ranks[0]!.length, 9);
  for (const res of ranks) for (const s of res) assert.ok(s.exact, `${s.dtype}[${s.n}]: wrong sum`);
  ranks[0]!.forEach((s, i) => {
    assert.equal(ranks[1]![i]!.bytes, s.bytes, `${s.dtype}[${s.n}]: rank 1 differs from rank 0`);
    assert.equal(ranks[2]![i]!.bytes, s.bytes, `${s.dtype}[${s.n}]: rank 2 differs from rank 0`);
  });
  // the fractional float32 sums agree with float64 sums of the same values to rounding
  const f32 = new Float32Array(Uint8Array.from(Buffer.from(ranks[0]![2]!.bytes, 'base64')).buffer);
  for (const i of [0, 777, 100_002]) {
    const want = [0, 1, 2].reduce((a, k) => a + Math.fround(Math.sin(i * 0.37 + k)), 0);
    assert.ok(Math.abs(f32[i]! - want) < 1e-6, `float32 element ${i}: ${f32[i]} vs ${want}`);
  }
});

// The shared-memory window (all ranks on one machine, mpi_addon.c): each rank sums its segment of the
// vector over the ranks' arrays in rank order, so the float32 result is, bit for bit, the sum a loop
// over ranks 0, 1, ..., P - 1 gives rounding after each addition -- on every rank, for an ordinary
// array (copied in and out), an array in the window (sharedArray: summed in place, as gradient buckets
// are), the awaited form and the reduce-scatter's segment. Every result is within P 2^-24 of the exact
// sum relative to the inputs' magnitudes. Arrays larger than KERAS_MPI_SHM_BYTES, and every array with
// KERAS_MPI_SHM=0, take the ring: the same bits on every rank, within the same bound, in ring order.
type OracleRun = {sharedBytes: number; results: {what: string; n: number; window: boolean; sameBits: boolean; worst: number; hash: string}[]};
const oracleCases: [number, Record<string, string>, string][] = [
  [2, {}, 'the shared window'],
  [3, {}, 'the shared window'],
  [3, {KERAS_MPI_SHM_BYTES: '65536'}, 'a 64 KiB window (larger arrays on the ring)'],
  [3, {KERAS_MPI_SHM: '0'}, 'KERAS_MPI_SHM=0 (the ring)'],
];
for (const [n, env, label] of oracleCases) {
  test(`mpirun -np ${n}, ${label}: all-reduce and reduce-scatter equal to a rank-order float32 sum bit for bit through the window, within ${n} x 2^-24 of float64, the same bits on every rank`, {skip: skipMpi}, async () => {
    const name = `oracle_${n}_${Object.values(env).join('_') || 'default'}.json`;
    const r = await run(n, ['oracle', join(tmp, name)], env);
    assert.equal(r.status, 0, r.out);
    const ranks = Array.from({length: n}, (_, k) => JSON.parse(readFileSync(join(tmp, `${name}.${k}`), 'utf8')) as OracleRun);
    const expectBytes = env.KERAS_MPI_SHM === '0' ? 0 : Number(env.KERAS_MPI_SHM_BYTES ?? 64 * 2 ** 20);
    for (const res of ranks) {
      assert.equal(res.sharedBytes, expectBytes);
      assert.equal(res.results.length, 32);
      for (const c of res.results) {
        const where = `${c.what}[${c.n}]`;
        if (c.window) assert.ok(c.sameBits, `${where}: differs from the rank-order sum`);
        assert.ok(c.worst <= n * 2 ** -24, `${where}: relative error ${c.worst}`);
      }
    }
    // the ring's and the window's whole results agree between ranks (a reduce-scatter's segments differ by design)
    ranks[0]!.results.forEach((c, i) => {
      if (c.what.includes('reduce-scatter')) return;
      for (let k = 1; k < n; k++) assert.equal(ranks[k]!.results[i]!.hash, c.hash, `${c.what}[${c.n}]: rank ${k} differs from rank 0`);
    });
    const windowed = ranks[0]!.results.filter((c) => c.window).length;
    assert.equal(windowed, expectBytes === 0 ? 0 : expectBytes === 65536 ? 16 : 32);
  });
}

test('mpirun -np 2: an invalid KERAS_MPI_SHM_BYTES or KERAS_MPI_SHM is an error naming the variable, what it must be and the value', {skip: skipMpi}, async () => {
  const bytes = await run(2, ['info', join(tmp, 'badshm.json')], {KERAS_MPI_SHM_BYTES: '64MB'});
  assert.notEqual(bytes.status, 0, bytes.out);
  assert.match(bytes.out, /KERAS_MPI_SHM_BYTES must be a whole number of bytes from 0 to 2147483647 \(the shared window's slot per rank; 0 turns it off\)\. Received: KERAS_MPI_SHM_BYTES=64MB/);
  const on = await run(2, ['info', join(tmp, 'badshm.json')], {KERAS_MPI_SHM: 'yes'});
  assert.notEqual(on.status, 0, on.out);
  assert.match(on.out, /KERAS_MPI_SHM must be 1 .* or 0 \(the ring of messages\)\. Received: KERAS_MPI_SHM=yes/);
});

// A data-parallel step is compiled like any other (src/plan): its plan replays the kernels and, as
// host steps at the places they ran, the sending of each gradient bucket and the wait for its sum.
// The same kernels and the same sums run in both, so the weights are equal bit for bit.
test('mpirun -np 2: a compiled data-parallel step gives the weights of the eager one, bit for bit', {skip: skipMpi}, async () => {
  // the all-reduce path (shard=0): the sharded update has its own test below
  const compiled = await run(2, ['equal', join(tmp, 'jit1.json'), 'optimizer=sgd', 'steps=6', 'shard=0']);
  assert.equal(compiled.status, 0, compiled.out);
  const eager = await run(2, ['equal', join(tmp, 'jit0.json'), 'optimizer=sgd', 'steps=6', 'jit=0', 'shard=0']);
  assert.equal(eager.status, 0, eager.out);
  const a = readJson<Weights & {planned: number; copied: number}>('jit1.json');
  const b = readJson<Weights & {planned: number; copied: number}>('jit0.json');
  // two traced steps, then the plan
  assert.equal(a.planned, 4);
  assert.equal(b.planned, 0);
  // eager steps copy every gradient into its bucket; the plan's gradient kernels write straight there
  const params = a.weights.reduce((n, w) => n + w.length, 0);
  assert.equal(b.copied, 6 * params);
  assert.equal(a.copied, 2 * params);
  a.weights.forEach((w, k) => assert.ok(w.every((v, i) => Object.is(v, b.weights[k]![i])), `weight ${k} differs`));
  assert.deepEqual(a.loss, b.loss);
});

// Sharded optimizer update (ZeRO stage 1, DataParallel's default where the update is one fused
// kernel per variable): each bucket of gradients is reduce-scattered (the first half of the ring
// all-reduce: the same sums), each rank runs the same elementwise update kernel on its segment of the
// weights and slots only, and the updated weights are all-gathered. Every element gets the value the
// all-reduce path gives it, so the weights agree bit for bit; the slots, current on each rank in its
// own segments only, are all-gathered at the end of each epoch, and then agree bit for bit too. The
// first step is not sharded (the optimizer shows in it that every update is fused).
type EqualRun = Weights & {state: number[][]; sharded: number; planned: number};
function sameBits(a: number[][], b: number[][], what: string): void {
  assert.equal(a.length, b.length, `${what}: ${a.length} vs ${b.length} tensors`);
  a.forEach((w, k) => {
    assert.equal(w.length, b[k]!.length, `${what} ${k}: sizes`);
    const i = w.findIndex((v, j) => !Object.is(v, b[k]![j]));
    assert.equal(i, -1, `${what} ${k} differs at ${i}: ${w[i]} vs ${b[k]![i]}`);
  });
}
for (const [n, optimizer, batch] of [[2, 'rmsprop', 128], [3, 'adam', 129]] as const) {
  test(`mpirun -np ${n} (${optimizer}): the sharded optimizer update gives the weights and optimizer state of the all-reduce path, bit for bit, on every rank${n === 2 ? ', compiled and eager' : ''}`, {skip: skipMpi}, async () => {
    const args = (name: string, ...more: string[]) => ['equal', join(tmp, name), `optimizer=${optimizer}`, `batch=${batch}`, 'steps=5', 'epochs=2', ...more];
    const whole = await run(n, args(`z${n}_whole.json`, 'shard=0'));
    assert.equal(whole.status, 0, whole.out);
    const modes = n === 2 ? [['jit=1'], ['jit=0']] : [['jit=1']];
    for (const mode of modes) {
      const name = `z${n}_sharded_${mode[0]}.json`;
      const sharded = await run(n, args(name, 'all=1', ...mode));
      assert.equal(sharded.status, 0, sharded.out);
      const a = readJson<EqualRun>(name);
      const b = readJson<EqualRun>(`z${n}_whole.json`);
      assert.equal(b.sharded, 0);
      assert.equal(a.sharded, 9, `${mode}: steps sharded`); // 10 steps, the first one not
      if (mode[0] === 'jit=1') assert.ok(a.planned > 0, 'the sharded steps ran from a compiled plan');
      sameBits(a.weights, b.weights, `${mode} weight`);
      sameBits(a.state, b.state, `${mode} optimizer variable`);
      assert.deepEqual(a.loss, b.loss);
      for (let r = 1; r < n; r++) {
        const other = JSON.parse(readFileSync(join(tmp, `${name}.${r}`), 'utf8')) as EqualRun;
        sameBits(other.weights, a.weights, `rank ${r} weight`);
        sameBits(other.state, a.state, `rank ${r} optimizer variable`);
      }
    }
  });
}

test('mpirun -np 2: a generator, a PyDataset (shuffled) and an async generator of global batches give the weights and losses of one process', {skip: skipMpi}, async () => {
  const one = await run(0, ['stream', join(tmp, 'stream1.json')]);
  assert.equal(one.status, 0, one.out);
  const two = await run(2, ['stream', join(tmp, 'stream2.json')]);
  assert.equal(two.status, 0, two.out);
  type StreamRun = Weights & {evalLoss: number; accuracy: number};
  const a = readJson<StreamRun>('stream1.json');
  const b = readJson<StreamRun>('stream2.json');
  assert.equal(a.loss.length, 3);
  a.weights.forEach((w, k) => {
    const d = relDiff(w, b.weights[k]!);
    assert.ok(d < 1e-5, `weight ${k}: relative difference ${d.toExponential(2)} >= 1e-5`);
  });
  a.loss.forEach((l, e) => assert.ok(Math.abs(l - b.loss[e]!) < 1e-5 * Math.abs(l), `epoch ${e}: loss ${l} vs ${b.loss[e]}`));
  assert.ok(Math.abs(a.evalLoss - b.evalLoss) < 1e-5 * Math.abs(a.evalLoss), `evaluate: loss ${a.evalLoss} vs ${b.evalLoss}`);
  assert.equal(a.accuracy, b.accuracy);
});

// With the seed's RMSprop, the same rounding differences are amplified: RMSprop divides each
// gradient by the root of its running mean square, so a weight whose gradient is rounding noise
// (a unit that ReLU switched off for most rows) moves by about lr/sqrt(1 - rho) in the direction of
// that noise's sign. After one step the weights agree to rounding; after 20, the loss still agrees to
// 1e-4 relative but some weights differ by ~1e-3 -- as much as one process differs from itself
// between the native and the reference backend (measured: 1.5e-3 on the first kernel, both ways).
test('mpirun -np 2, global batch 128 (RMSprop, the seed optimizer): one step equal to rounding; 20 steps equal in loss', {skip: skipMpi}, async () => {
  for (const steps of [1, 20]) {
    const one = await run(0, ['equal', join(tmp, `rms1_${steps}.json`), `steps=${steps}`]);
    assert.equal(one.status, 0, one.out);
    const two = await run(2, ['equal', join(tmp, `rms2_${steps}.json`), `steps=${steps}`]);
    assert.equal(two.status, 0, two.out);
    const a = readJson<Weights>(`rms1_${steps}.json`);
    const b = readJson<Weights>(`rms2_${steps}.json`);
    assert.ok(Math.abs(a.loss[0]! - b.loss[0]!) < 1e-4 * Math.abs(a.loss[0]!), `${steps} steps: loss ${a.loss[0]} vs ${b.loss[0]}`);
    const worst = Math.max(...a.weights.map((w, k) => relDiff(w, b.weights[k]!)));
    assert.ok(worst < (steps === 1 ? 1e-5 : 3e-2), `${steps} steps: relative weight difference ${worst.toExponential(2)}`);
  }
});

test('mpirun -np 2: the seed MLP trains on Fashion-MNIST to the accuracy of one process', {skip: skipMpi || needFashion()}, async () => {
  // a short run (12,000 images, 1 epoch) in the suite; BENCHMARKS.md records the full one
  const one = await run(0, ['fashion', join(tmp, 'f1.json'), 'limit=12000', 'epochs=1']);
  assert.equal(one.status, 0, one.out);
  const two = await run(2, ['fashion', join(tmp, 'f2.json'), 'limit=12000', 'epochs=1']);
  assert.equal(two.status, 0, two.out);
  const a = readJson<{accuracy: number}>('f1.json');
  const b = readJson<{accuracy: number}>('f2.json');
  assert.ok(a.accuracy > 0.75 && b.accuracy > 0.75, `accuracy one process ${a.accuracy}, two ${b.accuracy}`);
  assert.ok(Math.abs(a.accuracy - b.accuracy) < 0.03, `accuracy one process ${a.accuracy}, two ${b.accuracy}`);
  // rank 0 alone prints the progress line: one "Test accuracy" line, one epoch line
  assert.equal(two.out.match(/Test accuracy/g)?.length, 1, two.out);
  assert.equal(two.out.match(/94\/94 - /g)?.length, 1, two.out);
});

test('mpirun -np 2: BackupAndRestore, CSVLogger and TensorBoard write from rank 0; a job restarted with the same number of ranks resumes', {skip: skipMpi}, async () => {
  const dir = mkdtempSync(join(tmp, 'backup-'));
  const first = await run(2, ['backup', join(tmp, 'b1.json'), `dir=${dir}`, 'stop=2']);
  assert.notEqual(first.status, 0, first.out);
  assert.match(first.out, /simulated failure at the start of epoch 2/);
  assert.equal(JSON.parse(readFileSync(join(dir, 'backup', 'training_metadata.json'), 'utf8')).epoch, 2);
  const second = await run(2, ['backup', join(tmp, 'b2.json'), `dir=${dir}`]);
  assert.equal(second.status, 0, second.out);
  assert.deepEqual(readJson<{epochs: number[]}>('b2.json').epochs, [2, 3]);
  // one header and one row per epoch: rank 1 wrote nothing
  assert.deepEqual(readFileSync(join(dir, 'log.csv'), 'utf8').trim().split('\r\n').map((l) => l.split(',')[0]), ['epoch', '0', '1', '2', '3']);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'weights.1.json'), 'utf8')), JSON.parse(readFileSync(join(dir, 'weights.0.json'), 'utf8')));
  // TensorBoard: one event file per run (rank 0's), none from rank 1
  assert.equal(readdirSync(join(dir, 'tb', 'train')).filter((f) => f.startsWith('events.out.tfevents.')).length, 2);
});

// With RMSprop's slots and the sharded update (each rank's slots current only in its own segments
// between epochs): the backup written at the end of epoch 2 holds the whole optimizer state, so the
// job resumed from it ends with the weights of a job that ran the 4 epochs uninterrupted, bit for bit.
test('mpirun -np 2, sharded RMSprop: BackupAndRestore saves the whole optimizer state: a resumed job ends with the weights of an uninterrupted one', {skip: skipMpi}, async () => {
  const [dir, whole] = [mkdtempSync(join(tmp, 'zbackup-')), mkdtempSync(join(tmp, 'zwhole-'))];
  const first = await run(2, ['backup', join(tmp, 'zb1.json'), `dir=${dir}`, 'stop=2', 'optimizer=rmsprop']);
  assert.notEqual(first.status, 0, first.out);
  const resumed = await run(2, ['backup', join(tmp, 'zb2.json'), `dir=${dir}`, 'optimizer=rmsprop']);
  assert.equal(resumed.status, 0, resumed.out);
  const straight = await run(2, ['backup', join(tmp, 'zb3.json'), `dir=${whole}`, 'optimizer=rmsprop']);
  assert.equal(straight.status, 0, straight.out);
  const a = readJson<{epochs: number[]; weights: number[][]}>('zb2.json');
  const b = readJson<{epochs: number[]; weights: number[][]}>('zb3.json');
  assert.deepEqual(a.epochs, [2, 3]);
  assert.deepEqual(b.epochs, [0, 1, 2, 3]);
  a.weights.forEach((w, k) => assert.ok(w.every((v, i) => Object.is(v, b.weights[k]![i])), `weight ${k} differs`));
});

test('killing one rank mid-epoch ends the job with a non-zero exit and a message within 30 s', {skip: skipMpi}, async () => {
  const r = await run(2, ['kill', ''], {}, 120_000, /killing myself/);
  assert.notEqual(r.status, 0, r.out);
  assert.match(r.out, /rank 1: killing myself/);
  assert.match(r.out, /mpirun noticed that process rank 1 .* exited on signal 9|stopped by the MPI launcher/, r.out);
  assert.doesNotMatch(r.out, /unreachable/);
  assert.ok(r.afterMarker < 30, `the job ended ${r.afterMarker.toFixed(1)} s after the kill`);
});

test('a rank that hangs makes the others time out with a clear error (KERAS_MPI_TIMEOUT) and the job exit non-zero', {skip: skipMpi}, async () => {
  const r = await run(2, ['hang', ''], {KERAS_MPI_TIMEOUT: '3'}, 120_000, /hanging at batch/);
  assert.notEqual(r.status, 0, r.out);
  assert.match(r.out, /keras-ts: rank 0 of 2: MPI_Allreduce on rank 0 of 2 did not complete within 3 s: another rank stopped, hung or died/);
  assert.match(r.out, /ending the job \(MPI_Abort\)/);
  assert.ok(r.afterMarker < 30, `the job ended ${r.afterMarker.toFixed(1)} s after rank 1 hung`);
});

test('README: examples/digits_mpi.ts under mpirun -np 2 prints from rank 0 only and reaches the accuracy of one process', {skip: skipMpi}, async () => {
  const r = await new Promise<Run>((resolve) => {
    const args = [...(openMpi ? ['--allow-run-as-root', '--oversubscribe'] : []), '-np', '2', process.execPath, '--conditions=source', '--import', 'tsx', 'examples/digits_mpi.ts'];
    const p = spawn('mpirun', args, {cwd: ROOT, env: ENV});
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('close', (status) => resolve({status, out, seconds: 0, afterMarker: 0}));
  });
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /^devices: cpu:0, cpu:1\n/);
  assert.equal(r.out.match(/^Epoch 20\/20$/gm)?.length, 1, r.out);
  const acc = Number(/Test accuracy: ([0-9.]+)/.exec(r.out)?.[1]);
  assert.ok(acc > 0.93, r.out);
});
