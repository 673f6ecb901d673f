import {ValueError} from '../errors.js';
import {loadModel as loadSaved, type LoadModelOptions, type ModelSource} from '../saving/saving_lib.js';
import {describeSource} from '../utils/bytes_source.js';
import {Model} from './model.js';

/**
 * `keras.models.load_model`: a model from a `.keras` or legacy `.h5` file, typed as a `Model`
 * (saving/ sits beside models/ and sees models only through an interface). The file may be a path,
 * a URL (fetched; in a web page a string is a URL), a File/Blob or its bytes.
 */
export async function loadModel(source: ModelSource, options: LoadModelOptions = {}): Promise<Model> {
  const m: unknown = await loadSaved(source, options);
  if (!(m instanceof Model)) throw new ValueError(`loadModel: ${describeSource(source)} did not hold a Keras model`);
  return m;
}
