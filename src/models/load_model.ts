import {ValueError} from '../errors.js';
import {loadModel as loadSaved, type LoadModelOptions} from '../saving/saving_lib.js';
import {Model} from './model.js';

/**
 * `keras.models.load_model`: a model from a `.keras` or legacy `.h5` file, typed as a `Model`
 * (saving/ sits beside models/ and sees models only through an interface).
 */
export async function loadModel(path: string, options: LoadModelOptions = {}): Promise<Model> {
  const m: unknown = await loadSaved(path, options);
  if (!(m instanceof Model)) throw new ValueError(`loadModel: ${path} did not hold a Keras model`);
  return m;
}
