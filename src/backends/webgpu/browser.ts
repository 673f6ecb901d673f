/**
 * The webgpu backend in the browser build (package.json's `browser` field maps `./index.js` here).
 * A page's device comes from a promise, so `prepareWebGPU()` opens it and loads the WGSL kernels
 * (`backend.ts`, a chunk of the browser build fetched on first use); until then, and where the page
 * has no adapter, `loadWebGPUBackend()` returns the reason, as every loader does.
 */
import {openGpuChannel, openGpuChannelAsync} from '../../platform/index.js';
import type {WebGPUBackend} from './backend.js';

let prepared: WebGPUBackend | string | null = null;

/** The backend once `prepareWebGPU()` opened it, else the one-line reason it is not there. */
export function loadWebGPUBackend(): WebGPUBackend | string {
  if (prepared !== null) return prepared;
  const c = openGpuChannel();
  return typeof c === 'string' ? c : 'internal: the page has a WebGPU device but the webgpu backend was not built on it';
}

/** Opens the page's device and loads the WGSL kernels (once); the backend, or why there is none. */
export async function prepareWebGPU(): Promise<WebGPUBackend | string> {
  if (prepared !== null) return prepared;
  const channel = await openGpuChannelAsync();
  if (typeof channel === 'string') {
    prepared = channel;
    return prepared;
  }
  const {webgpuBackendOn} = await import('./backend.js');
  prepared = webgpuBackendOn(channel);
  return prepared;
}
