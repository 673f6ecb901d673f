/**
 * WebGPU in Node: Dawn (npm `webgpu`) in a worker thread that owns the device. Commands are posted
 * to it in order; a read blocks the main thread on `Atomics.wait` until the worker has mapped the
 * buffers, so `dataSync()` works. Without a GPU, Dawn's OpenGL ES backend on Mesa (llvmpipe) is
 * used: EGL then needs `EGL_PLATFORM=surfaceless` and `XDG_RUNTIME_DIR`, set here when unset.
 */
import {Worker} from 'node:worker_threads';
import {tmpdir} from 'node:os';
import {READ_HEADER, type GpuAdapterInfo, type GpuChannel, type GpuCommand} from '../gpu/channel.js';

const START_TIMEOUT_MS = 60_000;
const READ_TIMEOUT_MS = 600_000;

let opened: GpuChannel | string | null = null;

function workerUrl(): URL {
  // `.ts` under tsx (tests), `.js` once compiled
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./gpu_worker${ext}`, import.meta.url);
}

/** The device channel, or the one-line reason there is none (what was looked for). */
export function openGpuChannel(): GpuChannel | string {
  if (opened !== null) return opened;
  process.env['EGL_PLATFORM'] ??= 'surfaceless';
  process.env['XDG_RUNTIME_DIR'] ??= tmpdir();
  const init = new SharedArrayBuffer(READ_HEADER + 4096);
  const url = workerUrl();
  const worker = url.pathname.endsWith('.ts')
    ? new Worker(
        `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})` +
          `.then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`,
        {eval: true, workerData: {reply: init}},
      )
    : new Worker(url, {workerData: {reply: init}});
  let failed: string | null = null;
  worker.on('error', (e) => {
    failed = `the WebGPU worker thread failed: ${e.message}`;
  });
  const words = new Int32Array(init, 0, 2);
  const r = Atomics.wait(words, 0, 0, START_TIMEOUT_MS);
  const text = (): string => new TextDecoder().decode(new Uint8Array(init, READ_HEADER, Atomics.load(words, 1)).slice());
  if (r === 'timed-out' || Atomics.load(words, 0) !== 1) {
    const why = r === 'timed-out' ? `no answer from the WebGPU worker within ${START_TIMEOUT_MS / 1000} s` : text();
    void worker.terminate();
    opened = `no WebGPU adapter (${why})`;
    return opened;
  }
  const info = JSON.parse(text()) as GpuAdapterInfo;
  worker.unref();
  // ending the process while the worker is inside Dawn aborts it: at the end, the device is let go first
  process.once('beforeExit', () => {
    worker.ref();
    worker.postMessage({op: 'close'} satisfies GpuCommand);
  });
  opened = new NodeGpuChannel(worker, info, () => failed);
  return opened;
}

class NodeGpuChannel implements GpuChannel {
  readonly syncUnavailable = null;
  submits = 0;
  constructor(
    private readonly worker: Worker,
    readonly info: GpuAdapterInfo,
    private readonly failure: () => string | null,
  ) {}

  post(cmd: GpuCommand): void {
    this.worker.postMessage(cmd);
  }

  private request(ids: number[], bytes: number[]): SharedArrayBuffer {
    const total = bytes.reduce((a, n) => a + Math.ceil(n / 4) * 4, 0);
    const reply = new SharedArrayBuffer(READ_HEADER + Math.max(total, 4096));
    this.post({op: 'read', ids, bytes, reply});
    return reply;
  }

  private answer(reply: SharedArrayBuffer, bytes: number[]): Uint8Array[] {
    const words = new Int32Array(reply, 0, 2);
    const state = Atomics.load(words, 0);
    if (state !== 1) {
      const why = state === 2 ? new TextDecoder().decode(new Uint8Array(reply, READ_HEADER, Atomics.load(words, 1)).slice()) : `no answer within ${READ_TIMEOUT_MS / 1000} s`;
      throw new Error(`WebGPU: reading results from the device failed: ${this.failure() ?? why}`);
    }
    this.submits = Atomics.load(new Int32Array(reply, 0, 3), 2);
    let off = READ_HEADER;
    return bytes.map((n) => {
      const out = new Uint8Array(reply, off, n).slice();
      off += Math.ceil(n / 4) * 4;
      return out;
    });
  }

  readSync(ids: number[], bytes: number[]): Uint8Array[] {
    const reply = this.request(ids, bytes);
    Atomics.wait(new Int32Array(reply, 0, 1), 0, 0, READ_TIMEOUT_MS);
    return this.answer(reply, bytes);
  }

  async read(ids: number[], bytes: number[]): Promise<Uint8Array[]> {
    const reply = this.request(ids, bytes);
    // a pending Atomics.waitAsync does not keep Node's event loop alive: the worker does, meanwhile
    if (this.pending++ === 0) this.worker.ref();
    try {
      return await this.waitFor(reply, bytes);
    } finally {
      if (--this.pending === 0) this.worker.unref();
    }
  }

  private pending = 0;

  private async waitFor(reply: SharedArrayBuffer, bytes: number[]): Promise<Uint8Array[]> {
    // cast: Atomics.waitAsync is in Node >= 16 but in TypeScript's ES2024 library only
    const waitAsync = (Atomics as unknown as {waitAsync(a: Int32Array, i: number, v: number, t: number): {async: boolean; value: Promise<string> | string}}).waitAsync;
    const w = waitAsync(new Int32Array(reply, 0, 1), 0, 0, READ_TIMEOUT_MS);
    if (w.async) await w.value;
    return this.answer(reply, bytes);
  }
}

/** The same as `openGpuChannel()` (in Node the device opens synchronously); a page's version must wait. */
export async function openGpuChannelAsync(): Promise<GpuChannel | string> {
  return openGpuChannel();
}
