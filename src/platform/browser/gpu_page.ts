/**
 * The page's WebGPU channel: `GpuExecutor` runs each command as it is posted, on the page's thread;
 * what a burst of synchronous code recorded (a training step) is submitted once that code returns.
 * Reads only come back as promises: `readSync` throws, naming `await tensor.data()`.
 */
import {GpuExecutor, openDevice} from '../gpu/executor.js';
import {READ_HEADER, type GpuAdapterInfo, type GpuChannel, type GpuCommand} from '../gpu/channel.js';

const NO_SYNC = 'a web page cannot wait for the GPU synchronously';

export async function openPageChannel(adapter: GPUAdapter): Promise<GpuChannel> {
  const {device, info} = await openDevice(adapter, 'navigator.gpu');
  return new PageGpuChannel(new GpuExecutor(device), info);
}

class PageGpuChannel implements GpuChannel {
  readonly syncUnavailable = NO_SYNC;
  submits = 0;
  private flushQueued = false;

  constructor(
    private readonly ex: GpuExecutor,
    readonly info: GpuAdapterInfo,
  ) {}

  post(cmd: GpuCommand): void {
    try {
      // every command but a read runs synchronously in the executor
      void this.ex.execute(cmd);
    } catch (e) {
      this.ex.noteError(e);
    }
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => {
        this.flushQueued = false;
        this.ex.submit();
      });
    }
  }

  readSync(): Uint8Array[] {
    throw new Error(`WebGPU: ${NO_SYNC}; read a tensor with \`await tensor.data()\``);
  }

  async read(ids: number[], bytes: number[]): Promise<Uint8Array[]> {
    const total = bytes.reduce((a, n) => a + Math.ceil(n / 4) * 4, 0);
    const reply = new ArrayBuffer(READ_HEADER + Math.max(total, 4096));
    await this.ex.execute({op: 'read', ids, bytes, reply});
    const words = new Int32Array(reply, 0, 3);
    if (words[0] !== 1) {
      const why = new TextDecoder().decode(new Uint8Array(reply, READ_HEADER, words[1]!));
      throw new Error(`WebGPU: reading results from the device failed: ${why}`);
    }
    this.submits = words[2]!;
    let off = READ_HEADER;
    return bytes.map((n) => {
      const out = new Uint8Array(reply, off, n).slice();
      off += Math.ceil(n / 4) * 4;
      return out;
    });
  }
}
