import {openGpuChannel} from '../../platform/index.js';
import {webgpuBackendOn, type WebGPUBackend} from './backend.js';

let instance: WebGPUBackend | string | null = null;

/** The backend, or the one-line reason it cannot load (what was looked for). Node: Dawn in a worker thread. */
export function loadWebGPUBackend(): WebGPUBackend | string {
  if (instance !== null) return instance;
  const channel = openGpuChannel();
  instance = typeof channel === 'string' ? channel : webgpuBackendOn(channel);
  return instance;
}

/** The same as `loadWebGPUBackend()` (Dawn's device opens synchronously); a page's version must wait. */
export async function prepareWebGPU(): Promise<WebGPUBackend | string> {
  return loadWebGPUBackend();
}
