export * from './apis.js';
export * from './environment.js';
