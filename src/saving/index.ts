// `keras.saving`: re-exports only.
export {
  saveModel, loadModel, saveWeights, loadWeights, modelToJson, modelFromJson, modelFromConfig, modelEnvelope, kerasArchiveBytes, KERAS_VERSION,
  modelToBytes, weightsToBytes, type ModelSource,
  type LoadModelOptions, type SaveOptions, type LoadWeightsOptions, type SavingModel,
} from './saving_lib.js';
export {configToCamel, configToSnake, toCamelKey, toSnakeKey} from './keys.js';
export {readH5File, writeH5File, shutdownH5} from './h5_io.js';
export {stateTree, loadStateTree} from './weights.js';
export {registerKerasSerializable} from '../serialization.js';
