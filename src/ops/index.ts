// keras.ops: the public ops. Validation helpers (toTensor, toFloat, checkAxis, checkAxes) stay in
// ./core.js for the library's own use; test/public_surface.test.ts lists what a user sees.
export {type TensorLike, convertToTensor, cast, run, runAll} from './core.js';
export * from './math.js';
export * from './array.js';
export * from './nn.js';
export * from './rnn.js';
export * from './fused.js';
export * from './random.js';
export * from './numpy_extra.js';
export * from './einsum.js';
export * from './attention.js';
export {customGradient, type GradFunction, type CustomGradientOptions} from './custom_gradient.js';
export * as image from './image.js';
