/**
 * `model.save` / `loadModel` / `saveWeights` / `loadWeights` (Keras 3's `saving_lib` and the legacy
 * `.h5` format). The file type follows the extension: `.keras` (zip of `metadata.json`, `config.json`,
 * `model.weights.h5`, the default), `.h5` / `.hdf5` (one HDF5 file: `model_config`,
 * `training_config`, `model_weights`, `optimizer_weights`), `.weights.h5` (weights only).
 *
 * Every write is atomic (a temp file in the same folder, then a rename): a crash mid-save leaves
 * the previous file as it was. Reading refuses what is not safe: code in the file (Lambda layers,
 * unless the function is passed by name with `safeMode: false`), archive members with `..` or
 * absolute paths, members that inflate far beyond their stored size, and malformed HDF5/zip/JSON,
 * each with an error naming the file.
 *
 * ```ts
 * await model.save('mnist.keras');
 * const again = await loadModel('mnist.keras');
 * ```
 */
import type {Layer} from '../layers/layer.js';
import type {BytesSource} from '../utils/bytes_source.js';
import type {LoadModelOptions, SaveOptions, SavingModel} from './model_json.js';

export {KERAS_VERSION, warn, setWarn, isSavingModel, modelEnvelope, modelToJson, modelJsonObject, modelFromJson, modelFromConfig} from './model_json.js';
export type {SavingModel, LoadModelOptions, SaveOptions} from './model_json.js';

// --- files: loaded on first use (saving_files.ts) ------------------------------------------------------

const files = () => import('./saving_files.js');

/** The bytes of a `.keras` archive for `model`. */
export async function kerasArchiveBytes(model: SavingModel): Promise<Uint8Array> {
  return (await files()).kerasArchiveBytes(model);
}

/**
 * `model.save(path)`: `.keras` (default) or legacy `.h5`, written atomically. In a web page (no
 * files) the bytes are offered as a download named after the path's last part.
 */
export async function saveModel(model: SavingModel, path: string, options: SaveOptions = {}): Promise<void> {
  return (await files()).saveModel(model, path, options);
}

/** The bytes `model.save` would write: a `.keras` archive (default) or a legacy `.h5` file. */
export async function modelToBytes(model: SavingModel, options: Pick<SaveOptions, 'format' | 'includeOptimizer'> = {}): Promise<Uint8Array> {
  return (await files()).modelToBytes(model, options);
}

/** The bytes `model.saveWeights` would write (Keras 3's `.weights.h5` layout). */
export async function weightsToBytes(model: Layer): Promise<Uint8Array> {
  return (await files()).weightsToBytes(model);
}

export type ModelSource = BytesSource;

/**
 * `keras.models.load_model(path, {customObjects, compile, safeMode})`; besides a path, a URL (in a
 * page a string is one), a File/Blob or the file's bytes.
 */
export async function loadModel(source: ModelSource, options: LoadModelOptions = {}): Promise<SavingModel> {
  return (await files()).loadModel(source, options);
}

/** `model.save_weights(path)`: Keras 3 layout in a `.weights.h5` file (atomic). */
export async function saveWeights(model: Layer, path: string, options: {overwrite?: boolean} = {}): Promise<void> {
  return (await files()).saveWeights(model, path, options);
}

import type {LoadWeightsOptions} from './saving_files.js';
export type {LoadWeightsOptions};

/**
 * `model.load_weights(path)`: a Keras 3 `.weights.h5`, a legacy Keras 2 weights `.h5` (by topology,
 * or by name), or the weights of a `.keras` archive.
 */
export async function loadWeights(model: Layer, source: ModelSource, options: LoadWeightsOptions = {}): Promise<void> {
  return (await files()).loadWeights(model, source, options);
}
