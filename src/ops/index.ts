export * from './core.js';
export * from './math.js';
export * from './array.js';
export * from './nn.js';
export * from './rnn.js';
export * from './fused.js';
export * from './random.js';
