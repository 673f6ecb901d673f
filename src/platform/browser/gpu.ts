/**
 * WebGPU in a page: not yet. A page's adapter (`navigator.gpu.requestAdapter()`) only comes through a
 * promise, while backends are chosen synchronously; until the backend can be prepared asynchronously,
 * `webgpu` reports itself unavailable in a page with the reason below.
 */
import type {GpuChannel} from '../gpu/channel.js';

export function openGpuChannel(): GpuChannel | string {
  const nav = (globalThis as {navigator?: {gpu?: unknown}}).navigator;
  const has = nav?.gpu !== undefined;
  return (
    `the webgpu backend runs in Node.js only for now (a page's adapter comes from the asynchronous navigator.gpu.requestAdapter(); ` +
    `navigator.gpu is ${has ? 'present' : 'absent'} here)`
  );
}
