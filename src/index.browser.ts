/**
 * The browser build's entry (scripts/build-browser.mjs, dist/browser/keras.js): keras-ts, whose
 * import resolves once the wasm backend's kernels, fetched beside keras.js as the module loads
 * (src/platform/browser/wasm.ts), are ready, so that a page computes on them by default.
 */
import {wasmKernelsReady} from './platform/index.js';

export * from './index.js';

await wasmKernelsReady();
