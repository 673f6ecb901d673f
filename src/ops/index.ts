export * from './core.js';
export * from './math.js';
export * from './array.js';
