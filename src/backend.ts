/** `keras.backend`: which compute backend runs the kernels, and its knobs. */
export {availableBackends, backendName, getBackend, prepareBackend, registerBackend, setBackend} from './backends/registry.js';
export {epsilon, floatx, imageDataFormat, setEpsilon, setFloatx, setImageDataFormat} from './config.js';
