/**
 * The webgpu backend for tests: loaded when a WebGPU adapter exists (on a machine without a GPU,
 * Dawn's OpenGL ES backend on Mesa's llvmpipe), else null with `skip` saying what was looked for. In
 * CI a missing adapter fails the run (needs.ts) instead of skipping.
 */
import {loadWebGPUBackend, type WebGPUBackend} from '../backends/webgpu/index.js';
import {missingRequirement} from './needs.js';

let cached: {gpu: WebGPUBackend | null; skip: string | false} | null = null;

export function webgpuForTests(): {gpu: WebGPUBackend | null; skip: string | false} {
  if (cached) return cached;
  const b = loadWebGPUBackend();
  cached =
    typeof b === 'string'
      ? {
          gpu: null,
          skip: missingRequirement(
            'a WebGPU adapter',
            `${b} (on Linux without a GPU: apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri libgles2, and npm's optional "webgpu" installed)`,
          ),
        }
      : {gpu: b, skip: false};
  return cached;
}
