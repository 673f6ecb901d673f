/**
 * Worker threads for `PyDataset({workers, useMultiprocessing: true, module})`: Python Keras copies
 * the dataset into worker processes (pickling it); here each of `workers` threads imports the module
 * that exports the dataset's class, rebuilds the dataset from a copy of its fields (tensors, typed
 * arrays, arrays, plain objects, primitives: what a structured clone carries) and answers `getItem`
 * calls. The copy is refreshed at the start of each epoch, after `onEpochEnd` (the order a dataset
 * shuffles there reaches the workers). The threads end when the fit / evaluate / predict that
 * started them ends (`closeWorkers`). Batches come back as tensors (strings and plain values as
 * they are).
 */
import {Worker} from '../platform/index.js';
import {ValueError} from '../errors.js';
import {encode, decode} from './py_dataset_codec.js';

/** Fields of PyDataset itself, not copied to workers. */
const OWN = new Set(['workers', 'useMultiprocessing', 'maxQueueSize', 'module', '_poolState']);

export function datasetState(ds: object): Record<string, unknown> {
  const name = ds.constructor.name;
  return Object.fromEntries(
    Object.entries(ds)
      .filter(([k]) => !OWN.has(k))
      .map(([k, v]) => [k, encode(v, `${name}.${k}`)]),
  );
}

// The worker's program (CommonJS, run with `eval`: it needs no file of its own, so it runs the same
// from src/ under tsx and from dist/). It imports the user's module; a TypeScript module when the
// main thread runs under tsx is imported through tsx's API (Node 20's workers do not inherit loader
// hooks). The codec comes from the dataset's own keras-ts (PyDataset's static `workerCodec`).
const WORKER = `
const {parentPort, workerData} = require('node:worker_threads');
async function load() {
  try {
    return await import(workerData.module);
  } catch (e) {
    if (!(e && e.code === 'ERR_UNKNOWN_FILE_EXTENSION' && workerData.tsx)) throw e;
    const api = await import(workerData.tsx);
    return api.tsImport(workerData.module, workerData.module);
  }
}
let ds = null, Cls = null, codec = null;
const ready = load().then((m) => {
  Cls = m[workerData.exportName];
  if (typeof Cls !== 'function') throw new Error('module ' + workerData.module + ' has no export named "' + workerData.exportName + '" (a PyDataset class)');
  for (let p = Cls; p && !codec; p = Object.getPrototypeOf(p)) if (Object.prototype.hasOwnProperty.call(p, 'workerCodec')) codec = p.workerCodec;
  if (!codec) throw new Error('the export "' + workerData.exportName + '" of ' + workerData.module + ' does not extend keras.utils.PyDataset');
});
parentPort.on('message', async (msg) => {
  try {
    await ready;
    if (msg.type === 'state') {
      ds = Object.create(Cls.prototype);
      Object.assign(ds, codec.decode(msg.state));
      return;
    }
    const value = await ds.getItem(msg.index);
    const encoded = codec.encode(value, 'getItem(' + msg.index + ')');
    parentPort.postMessage({id: msg.id, value: encoded});
  } catch (e) {
    if (msg.type === 'state') parentPort.postMessage({stateError: String(e && e.stack || e)});
    else parentPort.postMessage({id: msg.id, error: String(e && e.stack || e)});
  }
});
`;

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

/** `workers` threads answering `getItem(index)` for one dataset, round robin. */
export class WorkerPool {
  private readonly threads: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private turn = 0;
  private failure: Error | null = null;

  constructor(
    readonly module: string,
    readonly exportName: string,
    readonly size: number,
  ) {
    let tsx: string | null = null;
    try {
      tsx = import.meta.resolve('tsx/esm/api');
    } catch {
      tsx = null;
    }
    for (let i = 0; i < size; i++) {
      const w = new Worker(WORKER, {eval: true, workerData: {module, exportName, tsx}});
      w.on('message', (m: {id?: number; value?: unknown; error?: string; stateError?: string}) => {
        if (m.stateError !== undefined) return this.fail(new ValueError(`PyDataset worker thread could not load ${exportName} from ${module}: ${m.stateError}`));
        const p = this.pending.get(m.id!);
        if (!p) return;
        this.pending.delete(m.id!);
        if (m.error !== undefined) p.reject(new ValueError(`PyDataset worker thread: ${exportName}.getItem failed: ${m.error}`));
        else p.resolve(decode(m.value));
      });
      w.on('error', (e) => this.fail(e instanceof Error ? e : new Error(String(e))));
      this.threads.push(w);
    }
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  /** Sends every thread a copy of the dataset's fields (before the first batch, and each epoch). */
  sync(state: Record<string, unknown>): void {
    for (const w of this.threads) w.postMessage({type: 'state', state});
  }

  getItem(index: number): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const w = this.threads[this.turn++ % this.threads.length]!;
    return new Promise((resolve, reject) => {
      this.pending.set(id, {resolve, reject});
      w.postMessage({type: 'getItem', index, id});
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((w) => w.terminate()));
  }
}
