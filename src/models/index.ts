// The public `keras.models` namespace: re-exports only.
export {Functional} from './functional.js';
export type {FunctionalArgs} from './functional.js';
export {cloneModel} from './clone.js';
export type {CloneModelArgs} from './clone.js';
export {modelFromJson, modelFromConfig} from '../saving/saving_lib.js';
export {Model, setFunctionalInit} from './model.js';
export type {ModelArgs} from './model.js';
export {Sequential} from './sequential.js';
export type {SequentialArgs} from './sequential.js';
export {loadModel} from './load_model.js';
export {saveModel} from '../saving/saving_lib.js';
export type {LoadModelOptions, SaveOptions} from '../saving/saving_lib.js';
