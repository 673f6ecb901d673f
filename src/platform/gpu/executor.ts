/**
 * Runs a stream of GPU commands on a WebGPU device: buffers by id, compute pipelines by id, many
 * dispatches recorded into one command encoder and submitted together (when a read needs the results,
 * after `BATCH` dispatches, or when the stream pauses). It knows WebGPU and nothing of tensors or
 * kernels: `backends/webgpu` writes the WGSL and the commands. Used in Node inside a worker thread
 * (`../node/gpu.ts`, so that the main thread can wait for a read synchronously) and, in a page, on the
 * page's own thread.
 */
import {READ_HEADER, type GpuAdapterInfo, type GpuCommand} from './channel.js';

export type {GpuCommand};

/**
 * A device of `adapter` with the limits the webgpu backend's kernels need (workgroups of 256, the
 * adapter's storage-buffer limits), and what the backend reports of it; `source` says where the adapter
 * came from (a Dawn backend, `navigator.gpu`).
 */
export async function openDevice(adapter: GPUAdapter, source: string): Promise<{device: GPUDevice; info: GpuAdapterInfo}> {
  const lim = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxComputeInvocationsPerWorkgroup: Math.min(256, lim.maxComputeInvocationsPerWorkgroup),
      maxComputeWorkgroupSizeX: Math.min(256, lim.maxComputeWorkgroupSizeX),
      maxComputeWorkgroupSizeY: Math.min(256, lim.maxComputeWorkgroupSizeY),
      maxStorageBuffersPerShaderStage: lim.maxStorageBuffersPerShaderStage,
      maxStorageBufferBindingSize: lim.maxStorageBufferBindingSize,
      maxBufferSize: lim.maxBufferSize,
    },
  });
  const ai = adapter.info;
  const info: GpuAdapterInfo = {
    description: [ai.vendor, ai.architecture, ai.device, ai.description].filter(Boolean).join(' ') + ` (${source})`,
    featureLevel: adapter.features.has('core-features-and-limits') ? 'core' : 'compatibility',
    maxComputeInvocationsPerWorkgroup: device.limits.maxComputeInvocationsPerWorkgroup,
    maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
    maxStorageBuffersPerShaderStage: device.limits.maxStorageBuffersPerShaderStage,
  };
  return {device, info};
}

/** Dispatches recorded before the encoder is submitted without waiting for a read. */
const BATCH = 256;
const STORAGE = 0x80 | 0x04 | 0x08; // STORAGE | COPY_SRC | COPY_DST
const MAP_READ = 0x01, COPY_DST = 0x08;

const roundUp = (n: number) => Math.max(16, Math.ceil(n / 16) * 16);

export class GpuExecutor {
  private readonly buffers = new Map<number, GPUBuffer>();
  private readonly pipelines = new Map<number, GPUComputePipeline>();
  /** Free buffers by size, reusable now; and those freed since the last submit (a recorded dispatch may still use them). */
  private readonly pool = new Map<number, GPUBuffer[]>();
  private freedSinceSubmit: GPUBuffer[] = [];
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private recorded = 0;
  private readonly errors: string[] = [];
  /** Submits so far (the backend's tests count them). */
  submits = 0;

  constructor(private readonly device: GPUDevice) {
    device.addEventListener('uncapturederror', (e) => {
      this.errors.push((e as GPUUncapturedErrorEvent).error.message);
    });
  }

  /** An error while running a command: reported by the next read. */
  noteError(e: unknown): void {
    this.errors.push(e instanceof Error ? e.message : String(e));
  }

  execute(c: GpuCommand): void | Promise<void> {
    switch (c.op) {
      case 'pipeline': {
        this.device.pushErrorScope('validation');
        const module = this.device.createShaderModule({code: c.code, label: c.label});
        this.pipelines.set(c.id, this.device.createComputePipeline({layout: 'auto', compute: {module, entryPoint: 'main'}, label: c.label}));
        void this.device.popErrorScope().then((e) => {
          if (e) this.errors.push(`WGSL kernel ${c.label}: ${e.message}`);
        });
        return;
      }
      case 'write': {
        let b = this.buffers.get(c.id);
        // a buffer written again (the host changed its values) must not change under recorded dispatches
        if (b) this.submit();
        else b = this.create(c.id, c.bytes);
        if (c.data.byteLength) this.device.queue.writeBuffer(b, 0, c.data);
        return;
      }
      case 'run': {
        const pipeline = this.pipelines.get(c.pipeline);
        if (!pipeline) throw new Error(`internal: GPU pipeline ${c.pipeline} was never created`);
        const entries: GPUBindGroupEntry[] = c.buffers.map((id, i) => {
          const buffer = this.buffers.get(id) ?? this.create(id, c.sizes[i]!);
          return {binding: i, resource: {buffer, size: Math.max(4, c.sizes[i]!)}};
        });
        if (c.params.length) {
          const p = this.take(roundUp(c.params.byteLength));
          this.device.queue.writeBuffer(p, 0, c.params.buffer, c.params.byteOffset, c.params.byteLength);
          entries.push({binding: entries.length, resource: {buffer: p, size: c.params.byteLength}});
          this.freedSinceSubmit.push(p); // the write above happens before this submit: reusable after it
        }
        const group = this.device.createBindGroup({layout: pipeline.getBindGroupLayout(0), entries});
        if (!this.pass) {
          // after a copy the encoder exists already: the dispatch must follow it in the same encoder
          this.encoder ??= this.device.createCommandEncoder();
          this.pass = this.encoder.beginComputePass();
        }
        this.pass.setPipeline(pipeline);
        this.pass.setBindGroup(0, group);
        this.pass.dispatchWorkgroups(...c.groups);
        if (++this.recorded >= BATCH) this.submit();
        return;
      }
      case 'copy': {
        const src = this.buffers.get(c.src);
        if (!src) throw new Error(`internal: GPU buffer ${c.src} does not exist`);
        const dst = this.buffers.get(c.dst) ?? this.create(c.dst, c.bytes);
        this.endPass();
        this.encoder ??= this.device.createCommandEncoder();
        if (c.bytes) this.encoder.copyBufferToBuffer(src, 0, dst, 0, Math.ceil(c.bytes / 4) * 4);
        return;
      }
      case 'free':
        for (const id of c.ids) {
          const b = this.buffers.get(id);
          if (!b) continue;
          this.buffers.delete(id);
          this.freedSinceSubmit.push(b);
        }
        return;
      case 'read':
        return this.read(c);
      case 'close':
        this.submit();
        return this.device.queue.onSubmittedWorkDone().then(() => this.device.destroy());
    }
  }

  /** Records nothing more into the current encoder and submits it. */
  submit(): void {
    if (!this.encoder) return;
    this.endPass();
    this.device.queue.submit([this.encoder.finish()]);
    this.submits++;
    this.encoder = null;
    this.recorded = 0;
    for (const b of this.freedSinceSubmit) this.give(b);
    this.freedSinceSubmit = [];
  }

  private async read(c: Extract<GpuCommand, {op: 'read'}>): Promise<void> {
    const words = new Int32Array(c.reply, 0, 3);
    try {
      const offsets: number[] = [];
      let total = 0;
      for (const n of c.bytes) {
        offsets.push(total);
        total += Math.ceil(n / 4) * 4;
      }
      const staging = total ? this.device.createBuffer({size: roundUp(total), usage: MAP_READ | COPY_DST}) : null;
      if (staging) {
        this.endPass();
        this.encoder ??= this.device.createCommandEncoder();
        c.ids.forEach((id, i) => {
          const b = this.buffers.get(id);
          if (!b) throw new Error(`internal: GPU buffer ${id} does not exist`);
          const n = Math.ceil(c.bytes[i]! / 4) * 4;
          if (n) this.encoder!.copyBufferToBuffer(b, 0, staging, offsets[i]!, n);
        });
      }
      this.submit();
      if (staging) {
        await staging.mapAsync(1 /* GPUMapMode.READ */);
        new Uint8Array(c.reply, READ_HEADER, total).set(new Uint8Array(staging.getMappedRange(0, total)));
        staging.unmap();
        staging.destroy();
      }
      if (this.errors.length) throw new Error(this.errors.splice(0).join('\n'));
      Atomics.store(words, 2, this.submits);
      Atomics.store(words, 0, 1);
    } catch (e) {
      const text = new TextEncoder().encode(`${(e as Error).message}`);
      const room = c.reply.byteLength - READ_HEADER;
      new Uint8Array(c.reply, READ_HEADER, Math.min(room, text.length)).set(text.subarray(0, room));
      Atomics.store(words, 1, Math.min(room, text.length));
      Atomics.store(words, 0, 2);
    }
    Atomics.notify(words, 0);
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  private create(id: number, bytes: number): GPUBuffer {
    const b = this.take(roundUp(bytes));
    this.buffers.set(id, b);
    return b;
  }

  private take(size: number): GPUBuffer {
    const free = this.pool.get(size);
    const b = free?.pop();
    return b ?? this.device.createBuffer({size, usage: STORAGE});
  }

  private give(b: GPUBuffer): void {
    const list = this.pool.get(b.size);
    if (list) list.push(b);
    else this.pool.set(b.size, [b]);
  }
}
