export {GPU_KERNELS, type WebGPUBackend} from './backend.js';
export {loadWebGPUBackend, prepareWebGPU} from './load.js';
