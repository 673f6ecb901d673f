/**
 * The webgpu backend in the browser build: not available in a page yet (`platform/browser/gpu.ts`
 * says why), so its WGSL kernels stay out of the bundle. package.json's `browser` field maps
 * `./index.js` here.
 */
import {openGpuChannel} from '../../platform/index.js';

export function loadWebGPUBackend(): string {
  const c = openGpuChannel();
  return typeof c === 'string' ? c : 'the webgpu backend is not in the browser build yet';
}
