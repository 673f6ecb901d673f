// Fuzzing the loaders: `.keras`, `.h5` (model and weights files) and `.npz`, mutated by bit flips,
// truncation, random 32-bit overwrites (wrong offsets), huge declared sizes and zeroed blocks. Every
// case must load or fail with a ValueError, within a time bound; never crash, hang or throw anything
// else. Default: 10,000 cases; KERAS_TS_FUZZ_CASES=N runs N (KERAS_TS_FUZZ_SEED picks the seed).
import {after, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import * as keras from '../src/index.js';
import {ValueError} from '../src/errors.js';
import type {Layer} from '../src/layers/layer.js';
import {loadModel, loadWeights, shutdownH5} from '../src/saving/index.js';
import {setWarn} from '../src/saving/saving_lib.js';
import {readNpz} from '../src/utils/npy.js';
import {writeZip} from '../src/utils/zip.js';
import {KERAS_FIXTURES, needKerasFixtures} from '../src/testing/needs.js';

process.env['KERAS_TS_H5_TIMEOUT_MS'] ??= '1000';
const TOTAL = Number(process.env['KERAS_TS_FUZZ_CASES'] ?? 10000);
const SEED = Number(process.env['KERAS_TS_FUZZ_SEED'] ?? 20240601);
/** No case may take longer than this (the HDF5 worker's limit plus a margin). */
const BOUND_MS = 8000;
const FIX = KERAS_FIXTURES;
// the Keras-written targets are part of the run: in CI their absence fails it, elsewhere it is said
const skipKeras = needKerasFixtures('dl4j_sparse_xent_mlp_k2_model.h5', 'dl4j_simple_lstm_k2_weights.h5');
const L = keras.layers as unknown as Record<string, new (...a: unknown[]) => Layer>;
const dir = mkdtempSync(join(tmpdir(), 'keras-ts-fuzz-'));
after(async () => {
  rmSync(dir, {recursive: true, force: true});
  await shutdownH5();
});
setWarn(() => undefined);

let state = SEED >>> 0;
function rnd(): number {
  // xorshift32
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state / 2 ** 32;
}
const ri = (n: number) => Math.floor(rnd() * n);

function mutate(src: Uint8Array): {bytes: Uint8Array; kind: string} {
  const b = Buffer.from(src);
  const k = ri(5);
  if (k === 0) {
    const n = 1 + ri(8);
    for (let i = 0; i < n; i++) b[ri(b.length)]! ^= 1 << ri(8);
    return {bytes: b, kind: 'bitflip'};
  }
  if (k === 1) return {bytes: b.subarray(0, ri(b.length)), kind: 'truncate'};
  if (k === 2) {
    b.writeUInt32LE(ri(2 ** 32), ri(b.length - 4));
    return {bytes: b, kind: 'u32'};
  }
  if (k === 3) {
    // huge sizes/offsets, mostly in the headers (superblock, object headers, zip directories)
    const near = Math.max(0, Math.min(b.length - 8, rnd() < 0.5 ? ri(4096) : b.length - 8 - ri(512)));
    const big = [0xffffffff, 0x7fffffff, 0x80000000, 0xfffffff0][ri(4)]!;
    b.writeUInt32LE(big, near);
    if (rnd() < 0.5) b.writeUInt32LE(big, near + 4);
    return {bytes: b, kind: 'huge'};
  }
  const start = ri(b.length);
  b.fill(0, start, Math.min(b.length, start + 1 + ri(64)));
  return {bytes: b, kind: 'zero'};
}

function npy(shape: number[], data: Float32Array): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  while ((10 + header.length + 1) % 64) header += ' ';
  header += '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

interface Target {
  name: string;
  ext: string;
  bytes: Uint8Array;
  run(path: string): Promise<unknown>;
}

async function targets(): Promise<Target[]> {
  const mlp = () => new keras.models.Sequential([new L.Dense!(8, {inputShape: [4]}), new L.Dense!(3, {activation: 'softmax'})]) as unknown as {
    compile(a: object): void; trainOnBatch(x: unknown, y: unknown): unknown; save(p: string): Promise<void>; saveWeights(p: string): Promise<void>;
  };
  const m = mlp();
  m.compile({optimizer: 'adam', loss: 'sparse_categorical_crossentropy'});
  m.trainOnBatch(keras.tensor(new Float32Array(8), [2, 4]), keras.tensor([0, 1], [2], 'int32'));
  const kp = join(dir, 'src.keras');
  const hp = join(dir, 'src.h5');
  const wp = join(dir, 'src.weights.h5');
  await m.save(kp);
  await m.save(hp);
  await m.saveWeights(wp);
  const weightsTarget = (name: string, bytes: Uint8Array, make: () => Layer): Target => ({
    name, ext: '.weights.h5', bytes, run: (p) => loadWeights(make(), p),
  });
  const out: Target[] = [
    {name: 'ours.keras', ext: '.keras', bytes: readFileSync(kp), run: (p) => loadModel(p)},
    {name: 'ours.h5', ext: '.h5', bytes: readFileSync(hp), run: (p) => loadModel(p)},
    weightsTarget('ours.weights.h5', readFileSync(wp), () => mlp() as unknown as Layer),
  ];
  if (!skipKeras) {
    out.push({name: 'keras2_mlp.h5', ext: '.h5', bytes: readFileSync(join(FIX, 'dl4j_sparse_xent_mlp_k2_model.h5')), run: (p) => loadModel(p)});
    const lstm = () => new keras.models.Sequential([new L.LSTM!(50, {recurrentActivation: 'hard_sigmoid', batchInputShape: [25, 1, 1]}), new L.Dense!(1)]) as unknown as Layer;
    out.push(weightsTarget('keras2_lstm_weights.h5', readFileSync(join(FIX, 'dl4j_simple_lstm_k2_weights.h5')), lstm));
  }
  const arr = Float32Array.from({length: 24}, (_, i) => i / 7);
  const files = [{name: 'x_train.npy', data: npy([2, 3, 4], arr)}, {name: 'y_train.npy', data: npy([6], arr.subarray(0, 6))}];
  out.push({name: 'stored.npz', ext: '.npz', bytes: writeZip(files), run: async (p) => readNpz(readFileSync(p), p)});
  out.push({name: 'deflated.npz', ext: '.npz', bytes: writeZip(files, {deflate: true}), run: async (p) => readNpz(readFileSync(p), p)});
  return out;
}

function bounded<T>(p: Promise<T>, ms: number): Promise<T | 'TIMEOUT'> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<'TIMEOUT'>((res) => (timer = setTimeout(() => res('TIMEOUT'), ms)))]).finally(() => clearTimeout(timer));
}

describe('fuzz: mutated .keras / .h5 / .npz files', () => {
  test(`${TOTAL} cases: every case loads or fails with a ValueError, within ${BOUND_MS} ms`, async () => {
    const ts = await targets();
    // HDF5 cases cost most (a worker round trip each, and a new worker after each abort of the
    // library): the budget goes 40% .keras, 20% .h5, 40% .npz
    const share = (t: Target) => (t.ext === '.npz' ? 0.4 / 2 : t.ext === '.keras' ? 0.4 : 0.2 / ts.filter((x) => x.ext.endsWith('h5')).length);
    const counts = ts.map((t) => Math.max(1, Math.round(TOTAL * share(t))));
    const stats = new Map<string, {cases: number; ok: number; valueError: number; ms: number}>();
    const failures: string[] = [];
    const t0 = Date.now();
    let slowest = 0;
    let n = 0;
    for (const [i, t] of ts.entries()) {
      const s = {cases: 0, ok: 0, valueError: 0, ms: 0};
      stats.set(t.name, s);
      const path = join(dir, `case${t.ext}`);
      for (let c = 0; c < counts[i]!; c++) {
        const {bytes, kind} = mutate(t.bytes);
        writeFileSync(path, bytes);
        const start = Date.now();
        let r: unknown;
        try {
          r = await bounded(t.run(path), BOUND_MS);
          if (r === 'TIMEOUT') failures.push(`${t.name} case ${c} (${kind}): no answer within ${BOUND_MS} ms`);
          else s.ok++;
        } catch (e) {
          if (e instanceof ValueError && e.message.length > 10) s.valueError++;
          else failures.push(`${t.name} case ${c} (${kind}): ${(e as Error)?.name}: ${String((e as Error)?.message ?? e).slice(0, 200)}`);
        }
        slowest = Math.max(slowest, Date.now() - start);
        s.ms += Date.now() - start;
        s.cases++;
        n++;
        if (failures.length) writeFileSync(join(dir, `failure-${failures.length}${t.ext}`), bytes);
      }
    }
    const secs = (Date.now() - t0) / 1000;
    const summary = [...stats].map(([k, v]) => `${k}: ${v.cases} cases, ${v.ok} loaded, ${v.valueError} ValueError, ${(v.ms / 1000).toFixed(1)} s`).join('; ');
    console.log(`# fuzz: ${n} cases in ${secs.toFixed(1)} s (slowest case ${slowest} ms). ${summary}`);
    assert.ok(n >= TOTAL * 0.99, `ran ${n} cases`);
    // no target is dropped: ours, Keras's (unless the fixtures are absent outside CI, said above) and the .npz
    const expected = ['ours.keras', 'ours.h5', 'ours.weights.h5', ...(skipKeras ? [] : ['keras2_mlp.h5', 'keras2_lstm_weights.h5']), 'stored.npz', 'deflated.npz'];
    assert.deepEqual([...stats.keys()], expected, 'the fuzzed targets');
    for (const [k, v] of stats) assert.ok(v.cases > 0, `${k}: no case ran`);
    assert.deepEqual(failures.slice(0, 20), [], `${failures.length} bad cases`);
  });
});
