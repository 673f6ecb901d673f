export * from './apis.js';
export * from './environment.js';
export * from './mpi.js';
export * from './wasm.js';
export * from './gpu.js';
