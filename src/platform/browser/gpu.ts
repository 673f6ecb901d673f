/**
 * WebGPU in a page: the page's own `navigator.gpu` device, on the page's thread. Its adapter only
 * comes through a promise while backends are chosen synchronously, so the device is opened ahead,
 * by `openGpuChannelAsync()` (the browser build does that as it loads when keras.json asks for
 * `webgpu`, or `keras.backend.prepareBackend('webgpu')`); `openGpuChannel()` then returns it.
 * The executor that runs the commands is loaded with the device (`gpu_page.ts`, a chunk of its own).
 */
import type {GpuChannel} from '../gpu/channel.js';

let opened: GpuChannel | string | null = null;

interface PageNavigator {
  gpu?: GPU;
}

/** The page's device channel once `openGpuChannelAsync()` opened it, else why there is none. */
export function openGpuChannel(): GpuChannel | string {
  if (opened !== null) return opened;
  const has = (globalThis as {navigator?: PageNavigator}).navigator?.gpu !== undefined;
  return (
    `in a page the WebGPU device comes from the asynchronous navigator.gpu.requestAdapter(): ` +
    `call \`await keras.backend.prepareBackend('webgpu')\` first (navigator.gpu is ${has ? 'present' : 'absent'} here)`
  );
}

/** Opens the page's device (once), or says what was looked for and not found. */
export async function openGpuChannelAsync(): Promise<GpuChannel | string> {
  if (opened !== null) return opened;
  const gpu = (globalThis as {navigator?: PageNavigator}).navigator?.gpu;
  if (!gpu) {
    opened = 'no WebGPU adapter: navigator.gpu is absent (WebGPU needs a secure context, https or 127.0.0.1, and a browser that offers it; Chromium on Linux: --enable-unsafe-webgpu)';
    return opened;
  }
  const adapter = await gpu.requestAdapter({powerPreference: 'high-performance'});
  if (!adapter) {
    opened = 'no WebGPU adapter: navigator.gpu.requestAdapter() returned null (the browser offers WebGPU but found no usable GPU)';
    return opened;
  }
  const {openPageChannel} = await import('./gpu_page.js');
  opened = await openPageChannel(adapter);
  return opened;
}
