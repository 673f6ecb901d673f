/**
 * The browser build's entry (scripts/build-browser.mjs, dist/browser/keras.js): keras-ts, whose
 * import resolves once the wasm backend's kernels, fetched beside keras.js as the module loads
 * (src/platform/browser/wasm.ts), are ready, so that a page computes on them by default. When
 * keras.json (localStorage) asks for `webgpu`, the page's WebGPU device is opened here too, so that
 * the first op finds it; without an adapter the registry falls back to wasm with one line saying why.
 */
import {prepareWebGPU} from './backends/webgpu/index.js';
import {configuredBackend} from './config.js';
import {wasmKernelsReady} from './platform/index.js';

export * from './index.js';

// relative to keras.js: the loader itself may sit in a chunk of chunks/
await wasmKernelsReady(import.meta.url);
let asked = '';
try {
  asked = configuredBackend();
} catch {
  // a keras.json that does not parse says so on the first op, as it does without webgpu
}
if (asked === 'webgpu') await prepareWebGPU();
