/** What the backend asks of the device; buffers and pipelines are named by ids the backend picks. */
export type GpuCommand =
  | {op: 'pipeline'; id: number; code: string; label: string}
  /** Creates buffer `id` of `bytes` if it does not exist, then writes `data` at offset 0. */
  | {op: 'write'; id: number; bytes: number; data: ArrayBuffer}
  /**
   * One dispatch: `buffers[i]` at binding `i` (created with `sizes[i]` bytes when new: outputs), then
   * `params` (32-bit words) at the next binding when it has any.
   */
  | {op: 'run'; pipeline: number; buffers: number[]; sizes: number[]; params: Uint32Array; groups: [number, number, number]}
  | {op: 'copy'; src: number; dst: number; bytes: number}
  | {op: 'free'; ids: number[]}
  /** Submits what is recorded and lets the device go (the process is ending). */
  | {op: 'close'}
  /** Copies buffers to the host; the reply goes to `reply` (laid out as `READ_HEADER` says). */
  | {op: 'read'; ids: number[]; bytes: number[]; reply: SharedArrayBuffer | ArrayBuffer};

/**
 * A read's reply in a SharedArrayBuffer (an ArrayBuffer in a page, where nothing waits on it): word 0 is the state (0 pending, 1 done, 2 failed), word 1
 * the length of the UTF-8 error text, word 2 the command buffers submitted so far, then from byte 12
 * the buffers' bytes one after another (each rounded up to 4 bytes), or the error text.
 */
export const READ_HEADER = 12;

/** The adapter a channel opened: what Dawn or the browser reported, for messages and benchmarks. */
export interface GpuAdapterInfo {
  /** `vendor architecture device description` as the adapter reports them, and the Dawn backend asked for. */
  description: string;
  /** `core` or `compatibility` (OpenGL ES). */
  featureLevel: string;
  maxComputeInvocationsPerWorkgroup: number;
  maxStorageBufferBindingSize: number;
  maxStorageBuffersPerShaderStage: number;
}

/**
 * A line to a WebGPU device: commands go in order; reads come back as bytes, synchronously where the
 * environment can wait (Node: the device lives in a worker thread) or only as a promise (a page).
 */
export interface GpuChannel {
  readonly info: GpuAdapterInfo;
  post(cmd: GpuCommand): void;
  /** The buffers' bytes (as many as asked for each), waiting for the device; throws where nothing may block. */
  readSync(ids: number[], bytes: number[]): Uint8Array[];
  read(ids: number[], bytes: number[]): Promise<Uint8Array[]>;
  /** Command buffers the device has been given so far, as of the last read. */
  readonly submits: number;
  /** Why `readSync` cannot work here, or null when it can. */
  readonly syncUnavailable: string | null;
}
