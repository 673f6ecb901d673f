/**
 * The worker thread that owns the Dawn device (npm `webgpu`): it runs `GpuExecutor` on the commands
 * the main thread posts, so that the main thread can block on a read (`Atomics.wait`) while this
 * thread's event loop lets Dawn finish the map. Started by `gpu.ts`.
 */
import {parentPort, workerData} from 'node:worker_threads';
import {GpuExecutor, openDevice} from '../gpu/executor.js';
import {READ_HEADER, type GpuAdapterInfo, type GpuCommand} from '../gpu/channel.js';

interface Init {
  reply: SharedArrayBuffer;
}

const keepAlive: GPU[] = [];

async function open(): Promise<{device: GPUDevice; info: GpuAdapterInfo}> {
  let dawn: {create(opts: string[]): GPU; globals: object};
  try {
    dawn = (await import('webgpu')) as typeof dawn;
  } catch (e) {
    throw new Error(`the npm package "webgpu" (Dawn for Node) is not installed or does not load here: ${(e as Error).message}`, {cause: e});
  }
  Object.assign(globalThis, dawn.globals);
  const tried: string[] = [];
  // KERAS_WEBGPU_DAWN lists Dawn backends to try in order ("default": Vulkan / Metal / D3D12 as Dawn
  // picks; "opengles"; or any Dawn backend name such as "vulkan"); by default a GPU first, then
  // OpenGL ES (Mesa's llvmpipe on a machine without a GPU)
  const wanted = (process.env['KERAS_WEBGPU_DAWN'] ?? 'default,opengles').split(',').map((w) => w.trim()).filter(Boolean);
  const attempts: [string[], GPURequestAdapterOptions, string][] = wanted.map((w) =>
    w === 'default'
      ? [[], {powerPreference: 'high-performance'}, 'Dawn default backends (Vulkan/Metal/D3D12), featureLevel core']
      : w === 'opengles'
        ? [['backend=opengles'], {featureLevel: 'compatibility'} as GPURequestAdapterOptions, "Dawn backend=opengles, featureLevel 'compatibility'"]
        : [[`backend=${w}`], {powerPreference: 'high-performance'}, `Dawn backend=${w}, featureLevel core`],
  );
  for (const [opts, req, what] of attempts) {
    const instance = dawn.create(opts);
    const adapter = await instance.requestAdapter(req);
    if (!adapter) {
      tried.push(what);
      continue;
    }
    const {device, info} = await openDevice(adapter, what);
    // the instance must outlive the device: collected, it takes Dawn's event processing with it
    keepAlive.push(instance);
    return {device, info};
  }
  throw new Error(`Dawn (npm "webgpu") found no adapter; tried: ${tried.join('; ')} (KERAS_WEBGPU_DAWN=${wanted.join(',')})`);
}

const {reply} = workerData as Init;
const words = new Int32Array(reply, 0, 2);
const answer = (state: 1 | 2, text: string): void => {
  const bytes = new TextEncoder().encode(text);
  const n = Math.min(bytes.length, reply.byteLength - READ_HEADER);
  new Uint8Array(reply, READ_HEADER, n).set(bytes.subarray(0, n));
  Atomics.store(words, 1, n);
  Atomics.store(words, 0, state);
  Atomics.notify(words, 0);
};

try {
  const {device, info} = await open();
  const ex = new GpuExecutor(device);
  // commands run in order; a read's map is awaited before the next command runs
  let chain: Promise<void> = Promise.resolve();
  let idle: ReturnType<typeof setTimeout> | null = null;
  const flush = (): void => {
    idle = null;
    chain = chain.then(() => ex.submit()).catch((e: unknown) => ex.noteError(e));
  };
  parentPort!.on('message', (c: GpuCommand) => {
    chain = chain.then(() => ex.execute(c)).catch((e: unknown) => ex.noteError(e));
    // the worker ends once the device is let go (its event loop then empties)
    if (c.op === 'close') void chain.then(() => parentPort!.close());
    // what was recorded goes to the device when the stream pauses (2 ms without a command), so the
    // kernels of a step share a submit without waiting for a read
    if (idle !== null) clearTimeout(idle);
    idle = setTimeout(flush, 2);
  });
  answer(1, JSON.stringify(info));
} catch (e) {
  answer(2, (e as Error).message);
}
