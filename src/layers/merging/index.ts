// Merge layers: re-exports only.
export {Merge} from './base_merge.js';
export {Add, Subtract, Multiply, Average, Maximum, Minimum, add, subtract, multiply, average, maximum, minimum} from './elementwise.js';
export {Concatenate, concatenate, type ConcatenateArgs} from './concatenate.js';
export {Dot, dot, type DotArgs} from './dot.js';
