import {KERNELS, type KernelName} from '../../kernels/index.js';
import type {GpuAdapterInfo, GpuChannel} from '../../platform/gpu/channel.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {AnyKernelImpl, Backend, KernelTable} from '../backend.js';
import {referenceKernels} from '../reference/index.js';
import {Gpu, GpuData, type GpuCounts} from './device.js';
import {arrayGpu} from './array.js';
import {convGpu} from './conv.js';
import {elementwiseGpu, type GpuKernel} from './elementwise.js';
import {linalgGpu} from './linalg.js';
import {optimizerGpu} from './optimizer.js';
import {randomGpu} from './random.js';
import {recurrentGpu} from './recurrent.js';
import {reductionGpu} from './reduction.js';

/**
 * The webgpu backend: WGSL kernels on a WebGPU device (Dawn in Node). Tensors stay in device buffers
 * from kernel to kernel and are read back only when the host asks for their values (`data()`,
 * `dataSync()`, a kernel that runs on the CPU). Kernels without a WGSL version (KNOWN_GAPS.md), and
 * dtypes the GPU lacks (float64), run on the reference backend, their inputs read back in one go.
 */
export interface WebGPUBackend extends Backend {
  readonly name: 'webgpu';
  readonly adapter: GpuAdapterInfo;
  /** Reads, uploads, dispatches so far, and command buffers submitted as of the last read. */
  readonly stats: GpuCounts;
}

/** The kernels with a WGSL implementation (every other kernel of the contract runs on the CPU). */
export const GPU_KERNELS: Record<string, GpuKernel> = {...elementwiseGpu, ...arrayGpu, ...convGpu, ...reductionGpu, ...linalgGpu, ...randomGpu, ...optimizerGpu, ...recurrentGpu};

/**
 * The backend on an open device channel: Dawn's in Node (`platform/node/gpu.ts`, a worker thread) or
 * the page's own `navigator.gpu` device (`platform/browser/gpu_page.ts`).
 */
export function webgpuBackendOn(channel: GpuChannel): WebGPUBackend {
  const gpu = new Gpu(channel);
  const onCpu = (name: KernelName): AnyKernelImpl => {
    const ref: AnyKernelImpl = referenceKernels[name];
    return (inputs: Record<string, Tensor | Tensor[]>, attrs: unknown, outputs: Tensor[]) => {
      // the device inputs in one read, then the CPU kernel; device outputs it wrote go back before their next GPU use
      const onDevice = Object.values(inputs)
        .flat()
        .map((t) => t.device)
        .filter((d): d is GpuData => d instanceof GpuData && d.hostCopy === null);
      if (onDevice.length && channel.syncUnavailable !== null) {
        throw new Error(
          `WebGPU: kernel ${name} has no WGSL version here and runs on the CPU, which needs its inputs back from the GPU ` +
            `synchronously: ${channel.syncUnavailable}. Use the wasm backend for models with this kernel (src/backends/webgpu/KNOWN_GAPS.md).`,
        );
      }
      gpu.readMany(onDevice);
      ref(inputs, attrs, outputs);
      for (const o of outputs) {
        const d = o.device;
        if (d instanceof GpuData) d.hostWritten();
      }
    };
  };
  const kernels: Record<string, AnyKernelImpl> = {};
  for (const name of Object.keys(KERNELS) as KernelName[]) {
    const make = GPU_KERNELS[name];
    const cpu = onCpu(name);
    if (!make) {
      kernels[name] = cpu;
      continue;
    }
    const fast = make(gpu);
    kernels[name] = (inputs: Record<string, Tensor | Tensor[]>, attrs: unknown, outputs: Tensor[]) => {
      if (fast(inputs, attrs, outputs) === false) cpu(inputs, attrs, outputs);
    };
  }
  return {
    name: 'webgpu',
    // every kernel of the contract: WGSL where written, else the CPU wrapper above
    kernels: kernels as Partial<KernelTable>,
    adapter: gpu.info,
    get stats() {
      return gpu.stats;
    },
  };
}
