import type {GpuAdapterInfo, GpuChannel} from '../../platform/gpu/channel.js';
import type {DType, TypedArray} from '../../tensor/dtype.js';
import {allocate} from '../../tensor/dtype.js';
import type {DeviceData, Tensor} from '../../tensor/tensor.js';

/**
 * Tensors on the GPU: each `GpuData` is one device buffer (named by an id; the executor behind the
 * channel owns the buffer), with a host copy kept once read back until a kernel writes the buffer
 * again. Freed through a FinalizationRegistry when no tensor holds it (the buffer goes back to the
 * executor's pool). Every element takes 4 bytes: f32, i32, and bool as u32.
 */

/** Counts of what crossed between host and device, for the tests that forbid per-kernel readback. */
export interface GpuStats {
  /** Read operations (one map of one or more buffers each). */
  reads: number;
  /** Buffers uploaded from the host. */
  uploads: number;
  /** Kernel dispatches. */
  dispatches: number;
}

/** The counts above, and the command buffers submitted as of the last read. */
export interface GpuCounts extends GpuStats {
  submits: number;
}

/** The WGSL element type of a dtype, or null where the GPU has none (float64). */
export function wgslType(d: DType): 'f32' | 'i32' | 'u32' | null {
  return d === 'float32' ? 'f32' : d === 'int32' ? 'i32' : d === 'bool' ? 'u32' : null;
}

export class Gpu {
  private readonly counts: GpuStats = {reads: 0, uploads: 0, dispatches: 0};
  private nextId = 1;
  private readonly pipelines = new Map<string, number>();
  private readonly registry = new FinalizationRegistry<number>((id) => this.freeLater(id));
  private toFree: number[] = [];

  constructor(readonly channel: GpuChannel) {}

  get stats(): GpuCounts {
    return {...this.counts, submits: this.channel.submits};
  }

  get info(): GpuAdapterInfo {
    return this.channel.info;
  }

  /** New device storage of `length` elements (its buffer is created by the first command that names it). */
  newData(dtype: DType, length: number, host: TypedArray | null = null): GpuData {
    const d = new GpuData(this, this.nextId++, dtype, length, host);
    this.registry.register(d, d.id);
    return d;
  }

  noteUpload(): void {
    this.counts.uploads++;
  }

  private freeLater(id: number): void {
    this.toFree.push(id);
    if (this.toFree.length >= 64) this.flushFrees();
  }

  private flushFrees(): void {
    if (this.toFree.length) this.channel.post({op: 'free', ids: this.toFree.splice(0)});
  }

  /**
   * `t`'s values on the device: its own storage when already there (written again first if the host
   * changed it), else uploaded now and kept as the tensor's storage (the host copy stays current).
   */
  input(t: Tensor): GpuData {
    const d = t.device;
    if (d instanceof GpuData && d.gpu === this) {
      if (d.stale) d.upload();
      return d;
    }
    const host = t.values;
    const g = this.newData(t.dtype, t.size, host);
    g.upload();
    t.setStorage(g);
    return g;
  }

  /** `t` as an output written by a kernel: its device storage (a fresh buffer unless it is already on the device). */
  output(t: Tensor): GpuData {
    const d = t.device;
    if (d instanceof GpuData && d.gpu === this) {
      d.written();
      return d;
    }
    const g = this.newData(t.dtype, t.size);
    t.setStorage(g);
    return g;
  }

  /**
   * One dispatch of the WGSL `code` (entry point `main`, bindings: `buffers` in order, then the
   * params words as `array<u32>` when there are any). The pipeline is compiled once per distinct code.
   */
  run(label: string, code: string, buffers: GpuData[], params: number[] | Uint32Array, groups: [number, number, number]): void {
    if (groups[0] === 0 || groups[1] === 0 || groups[2] === 0) return;
    let pipeline = this.pipelines.get(code);
    if (pipeline === undefined) {
      pipeline = this.nextId++;
      this.pipelines.set(code, pipeline);
      this.channel.post({op: 'pipeline', id: pipeline, code, label});
    }
    this.flushFrees();
    this.counts.dispatches++;
    this.channel.post({
      op: 'run',
      pipeline,
      buffers: buffers.map((b) => b.id),
      sizes: buffers.map((b) => b.bytes),
      params: params instanceof Uint32Array ? params : Uint32Array.from(params),
      groups,
    });
  }

  copy(src: GpuData, dst: GpuData): void {
    if (src.stale) src.upload();
    dst.written();
    this.channel.post({op: 'copy', src: src.id, dst: dst.id, bytes: src.bytes});
  }

  /** Reads several storages in one map (the lazy logs of a training step read together). */
  readMany(ds: GpuData[]): void {
    const need = ds.filter((d) => d.hostCopy === null);
    if (!need.length) return;
    this.flushFrees();
    this.counts.reads++;
    const bytes = this.channel.readSync(need.map((d) => d.id), need.map((d) => d.bytes));
    need.forEach((d, i) => d.received(bytes[i]!));
  }

  async readManyAsync(ds: GpuData[]): Promise<void> {
    const need = ds.filter((d) => d.hostCopy === null);
    if (!need.length) return;
    this.flushFrees();
    this.counts.reads++;
    const bytes = await this.channel.read(need.map((d) => d.id), need.map((d) => d.bytes));
    need.forEach((d, i) => {
      if (d.hostCopy === null) d.received(bytes[i]!);
    });
  }
}

export class GpuData implements DeviceData {
  /** The host copy is newer than the device's (a CPU kernel wrote it): upload before the next GPU use. */
  stale = false;

  constructor(
    readonly gpu: Gpu,
    readonly id: number,
    readonly dtype: DType,
    readonly length: number,
    private host: TypedArray | null,
  ) {}

  get bytes(): number {
    return this.length * 4;
  }

  get hostCopy(): TypedArray | null {
    return this.host;
  }

  readSync(): TypedArray {
    if (this.host === null) {
      const why = this.gpu.channel.syncUnavailable;
      if (why !== null) {
        throw new Error(`dataSync(): ${why}. Read a tensor of the webgpu backend with \`await tensor.data()\` (or \`await tensor.array()\`).`);
      }
      this.gpu.readMany([this]);
    }
    return this.host!;
  }

  readSyncWith(others: readonly DeviceData[]): void {
    if (this.gpu.channel.syncUnavailable === null) {
      this.gpu.readMany([this, ...others.filter((d): d is GpuData => d instanceof GpuData && d.gpu === this.gpu)]);
    }
    this.readSync();
  }

  get syncUnavailable(): string | null {
    return this.gpu.channel.syncUnavailable;
  }

  async readWith(others: readonly DeviceData[]): Promise<void> {
    await this.gpu.readManyAsync([this, ...others.filter((d): d is GpuData => d instanceof GpuData && d.gpu === this.gpu)]);
  }

  async read(): Promise<TypedArray> {
    if (this.host === null) await this.gpu.readManyAsync([this]);
    return this.host!;
  }

  clone(): GpuData {
    const d = this.gpu.newData(this.dtype, this.length);
    this.gpu.copy(this, d);
    return d;
  }

  /** Sends the host copy to the device. */
  upload(): void {
    const h = this.host!;
    let words: Int32Array | Float32Array | Uint32Array;
    if (this.dtype === 'bool') words = Uint32Array.from(h);
    else if (this.dtype === 'float32') words = h instanceof Float32Array ? h.slice() : Float32Array.from(h);
    else words = h instanceof Int32Array ? h.slice() : Int32Array.from(h);
    this.gpu.noteUpload();
    this.gpu.channel.post({op: 'write', id: this.id, bytes: this.bytes, data: words.buffer as ArrayBuffer});
    this.stale = false;
  }

  /** A kernel on the device writes this buffer: the host copy is no longer current. */
  written(): void {
    this.host = null;
    this.stale = false;
  }

  /** A kernel on the host wrote the host copy: the device copy must be refreshed before its next use. */
  hostWritten(): void {
    this.stale = true;
  }

  received(bytes: Uint8Array): void {
    const out = allocate(this.dtype, this.length);
    const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + this.length * 4);
    if (this.dtype === 'bool') out.set(new Uint32Array(buf));
    else if (this.dtype === 'float32') out.set(new Float32Array(buf));
    else out.set(new Int32Array(buf));
    this.host = out;
  }
}
