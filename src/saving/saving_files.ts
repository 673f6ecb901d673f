/**
 * The file side of saving (`.keras` archives, legacy `.h5`, `.weights.h5`): what `saving_lib.ts`'s
 * async entry points load on first use, so that a page that never saves or loads a file does not
 * fetch the zip, HDF5-tree and weight-layout code.
 */
import {basename, hasFileSystem, offerDownload, readFileSync, statSync} from '../platform/index.js';
import {ValueError} from '../errors.js';
import {Layer} from '../layers/layer.js';
import {describeSource, readBytes, type BytesSource} from '../utils/bytes_source.js';
import {isZip, readZip, writeZip} from '../utils/zip.js';
import {envelopeToDisk, envelopeToLegacyDisk, parseJson, readEnvelope, type Config, type DeserializeOptions, type Envelope} from './config.js';
import {checkHdf5Signature, h5Bytes, readH5Bytes, readH5File, writeFileAtomic, writeH5File} from './h5_io.js';
import {attrString, getGroup, newGroup, setChild, type H5Group} from './h5_tree.js';
import {compileArgsFromConfig} from './compile_config.js';
import {configToCamel} from './keys.js';
import {isBeforeKeras3, withLegacyActivations} from './legacy_semantics.js';
import {
  layersWithPaths, legacyOptimizerGroup, legacyOptimizerValues, legacyWeightsGroup, loadLegacyWeights, loadStateTree, setOptimizerFromLegacy, stateTree, type SaveableModel,
} from './weights.js';

import {
  KERAS_VERSION, modelEnvelope, modelFromEnvelope, modelInputShape, warn, type LoadModelOptions, type SaveOptions, type SavingModel,
} from './model_json.js';

// --- limits for archives ----------------------------------------------------------------------------

/** Members above this size must not inflate more than `MAX_EXPANSION` times their stored size. */
const BOMB_FLOOR = 64 * 2 ** 20;
const MAX_EXPANSION = 100;
const MAX_MEMBER = 4 * 2 ** 30 - 1;
const MAX_JSON = 256 * 2 ** 20;

function checkMemberName(name: string, source: string): void {
  if (name.includes('\0') || name.startsWith('/') || name.startsWith('\\') || /^[a-zA-Z]:/.test(name) || name.split(/[\\/]/).includes('..')) {
    throw new ValueError(`${source}: refusing archive member ${JSON.stringify(name)}: absolute paths and ".." are not allowed (the file may be malicious)`);
  }
}

function openKerasZip(bytes: Uint8Array, source: string): {read(name: string): Uint8Array; has(name: string): boolean; names(): string[]} {
  const zip = readZip(bytes, {source, maxEntryBytes: MAX_MEMBER});
  const byName = new Map<string, (typeof zip.entries)[number]>();
  for (const e of zip.entries) {
    checkMemberName(e.name, source);
    if (e.size > BOMB_FLOOR && e.size > MAX_EXPANSION * Math.max(1, e.compressedSize)) {
      throw new ValueError(
        `${source}: archive member "${e.name}" declares ${e.size} bytes but stores only ${e.compressedSize}; refusing a potential decompression bomb`,
      );
    }
    byName.set(e.name, e);
  }
  return {
    names: () => [...byName.keys()],
    has: (name) => byName.has(name),
    read: (name) => {
      const e = byName.get(name);
      if (!e) throw new ValueError(`${source}: not a valid .keras file: it has no "${name}" (members: ${[...byName.keys()].join(', ') || 'none'})`);
      return zip.read(e);
    },
  };
}

function textOf(bytes: Uint8Array, name: string, source: string): string {
  if (bytes.length > MAX_JSON) throw new ValueError(`${source}: ${name} is ${bytes.length} bytes, over the limit of ${MAX_JSON}`);
  try {
    return new TextDecoder('utf-8', {fatal: true}).decode(bytes);
  } catch {
    throw new ValueError(`${source}: ${name} is not valid UTF-8 text`);
  }
}

/**
 * Compiles `model` from a saved compile/training config. As in Keras, a config that cannot be
 * understood never prevents loading: the model stays uncompiled, with one warning naming what was
 * skipped. Returns whether the model was compiled.
 */
function compileFrom(model: SavingModel, cc: Config, source: string, options: LoadModelOptions): boolean {
  const outputNames: unknown = 'outputNames' in model ? model.outputNames : undefined;
  const {args, skipped} = compileArgsFromConfig(cc, {customObjects: options.customObjects, outputNames: Array.isArray(outputNames) ? outputNames : undefined});
  if (!skipped.length) {
    try {
      model.compile(args);
      return true;
    } catch (e) {
      skipped.push((e as Error).message);
    }
  }
  warn(`${source}: the saved compile configuration was skipped (${skipped.join('; ')}), so the model was *not* compiled. Compile it manually.`);
  return false;
}

// --- .keras -------------------------------------------------------------------------------------------

/** A layer with files of its own in the archive's `assets/<layer path>/` (a learnt vocabulary), as Keras's `save_assets`/`load_assets`. */
interface AssetsLayer {
  saveAssets(): Record<string, string> | null;
  loadAssets(files: ReadonlyMap<string, string>): void;
}

function hasAssets(layer: Layer): layer is Layer & AssetsLayer {
  const l = layer as Partial<AssetsLayer>;
  return typeof l.saveAssets === 'function' && typeof l.loadAssets === 'function';
}

const assetsDir = (path: string) => (path ? `assets/${path}/` : 'assets/');

/** The `assets/...` members of the archive: every layer's `saveAssets` files under its Keras path. */
function assetEntries(model: SavingModel): {name: string; data: Uint8Array}[] {
  const enc = new TextEncoder();
  const out: {name: string; data: Uint8Array}[] = [];
  for (const [layer, path] of layersWithPaths(model)) {
    if (!hasAssets(layer)) continue;
    for (const [name, text] of Object.entries(layer.saveAssets() ?? {})) out.push({name: assetsDir(path) + name, data: enc.encode(text)});
  }
  return out;
}

/** Gives every layer with assets the files under its `assets/<path>/` (names relative to it). */
function loadAssets(model: SavingModel, zip: ReturnType<typeof openKerasZip>, source: string): void {
  const names = zip.names().filter((n) => n.startsWith('assets/') && !n.endsWith('/'));
  for (const [layer, path] of layersWithPaths(model)) {
    if (!hasAssets(layer)) continue;
    const dir = assetsDir(path);
    const files = new Map<string, string>();
    for (const n of names) if (n.startsWith(dir)) files.set(n.slice(dir.length), textOf(zip.read(n), n, source));
    try {
      layer.loadAssets(files);
    } catch (e) {
      throw new ValueError(`${source}: the assets of layer "${layer.name}" (${dir}) could not be loaded: ${(e as Error).message}`);
    }
  }
}

/** The bytes of a `.keras` archive for `model`. */
export async function kerasArchiveBytes(model: SavingModel): Promise<Uint8Array> {
  const config = JSON.stringify(envelopeToDisk(modelEnvelope(model)));
  const now = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  const date = `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}@${p(now.getHours())}:${p(now.getMinutes())}:${p(now.getSeconds())}`;
  const metadata = JSON.stringify({keras_version: KERAS_VERSION, date_saved: date});
  const weights = await h5Bytes(stateTree(model));
  const enc = new TextEncoder();
  // stored, not deflated, as Keras writes them
  return writeZip([
    {name: 'metadata.json', data: enc.encode(metadata)},
    {name: 'config.json', data: enc.encode(config)},
    {name: 'model.weights.h5', data: weights},
    ...assetEntries(model),
  ]);
}

async function loadKerasArchive(bytes: Uint8Array, source: string, options: LoadModelOptions): Promise<SavingModel> {
  const zip = openKerasZip(bytes, source);
  const configText = textOf(zip.read('config.json'), 'config.json', source);
  let env = readEnvelope(parseJson(configText, `${source} (config.json)`), `${source} (config.json)`);
  if (zip.has('metadata.json')) {
    const meta = parseJson(textOf(zip.read('metadata.json'), 'metadata.json', source), `${source} (metadata.json)`) as {keras_version?: unknown} | null;
    // tf.keras 2.13-2.15 also wrote .keras archives
    if (meta && typeof meta === 'object' && typeof meta.keras_version === 'string' && isBeforeKeras3(meta.keras_version)) env = withLegacyActivations(env);
  }
  const opts: DeserializeOptions = {customObjects: options.customObjects, safeMode: options.safeMode, source};
  const cc = options.compile === false ? null : (env.compileConfig ?? null);
  // read the weights first: a bad file fails before anything is built
  let tree: H5Group | null = null;
  if (zip.has('model.weights.h5')) tree = await readH5Bytes(zip.read('model.weights.h5'), {source: `${source} (model.weights.h5)`});
  else if (zip.has('model.weights.npz')) throw new ValueError(`${source}: weights stored as model.weights.npz are not supported; re-save with the default (h5) weights format`);
  else throw new ValueError(`${source}: not a valid .keras file: expected a model.weights.h5 member`);
  const model = modelFromEnvelope(env, opts);
  const compiled = !!cc && compileFrom(model, cc, source, options);
  if (compiled) {
    const opt = model.optimizer;
    if (opt && !opt.built && getGroup(tree, 'optimizer/vars') && Object.keys(getGroup(tree, 'optimizer/vars')!.children).length > 2) {
      opt.build(model.trainableWeights);
    }
  }
  if (!model.built) throw new ValueError(`${source}: the model could not be built from its config (no input shape); its weights cannot be loaded`);
  for (const w of loadStateTree(model, tree, {source, includeOptimizer: compiled})) warn(w);
  loadAssets(model, zip, source);
  return model;
}

// --- legacy .h5 ---------------------------------------------------------------------------------------

interface VocabularyLayer {
  /** `vocabulary.txt`'s text when the vocabulary was learnt by `adapt`, else null (it is in the config). */
  vocabularyFile(): string | null;
  getVocabulary(): unknown[];
}

/**
 * A legacy `.h5` file has no assets: a vocabulary learnt by `adapt` (which `.keras` keeps in
 * `assets/`) goes into the layer's config instead, where Keras, loading it, takes it as a given
 * vocabulary — so the file loads with its vocabulary in keras-ts and in Python alike.
 */
function inlineVocabularies(env: Envelope, model: SavingModel): void {
  const byName = new Map<string, VocabularyLayer>();
  for (const [layer] of layersWithPaths(model)) {
    const l = layer as Layer & Partial<VocabularyLayer>;
    if (typeof l.vocabularyFile === 'function' && typeof l.getVocabulary === 'function' && l.vocabularyFile() !== null) byName.set(layer.name, l as VocabularyLayer);
  }
  if (!byName.size) return;
  const visit = (x: unknown): void => {
    if (Array.isArray(x)) return x.forEach(visit);
    if (!x || typeof x !== 'object') return;
    const c = (x as Envelope).config as Config | undefined;
    if (!c || typeof c !== 'object') return;
    const target = typeof c['name'] === 'string' && 'vocabulary' in c ? byName.get(c['name']) : undefined;
    if (target) c['vocabulary'] = target.getVocabulary();
    Object.values(c).forEach(visit);
  };
  visit(env);
}

function legacyModelTree(model: SavingModel, includeOptimizer: boolean): H5Group {
  const root = newGroup();
  const env = modelEnvelope(model);
  const cc = env.compileConfig;
  delete env.compileConfig;
  // Keras 2 form: the first layer carries batch_input_shape, no InputLayer entry
  if (env.className === 'Sequential') {
    const layers = (env.config['layers'] as Envelope[]).filter((l) => l.className !== 'InputLayer');
    const shape = modelInputShape(model);
    if (layers[0] && shape) layers[0] = {...layers[0], config: {...layers[0].config, batchInputShape: [...shape]}};
    env.config = {...env.config, layers};
  }
  inlineVocabularies(env, model);
  root.attrs['model_config'] = JSON.stringify(envelopeToLegacyDisk(env));
  root.attrs['keras_version'] = KERAS_VERSION;
  root.attrs['backend'] = 'keras-ts';
  if (cc && includeOptimizer && model.optimizer) {
    const {optimizer, ...rest} = cc;
    const training = {...rest, optimizerConfig: optimizer};
    root.attrs['training_config'] = JSON.stringify(envelopeToLegacyDisk({className: '', config: training}).config);
  }
  setChild(root, 'model_weights', legacyWeightsGroup(model, {backend: 'keras-ts', keras_version: KERAS_VERSION}));
  if (includeOptimizer && model.optimizer) {
    const og = legacyOptimizerGroup(model.optimizer);
    if (og) setChild(root, 'optimizer_weights', og);
  }
  return root;
}

async function loadLegacyModel(tree: H5Group, source: string, options: LoadModelOptions): Promise<SavingModel> {
  const mc = attrString(tree.attrs['model_config']);
  if (mc === undefined) {
    if ('layer_names' in tree.attrs || 'layer_names0' in tree.attrs) {
      throw new ValueError(`${source}: this file holds weights only (no model config). Build the model in code and call model.loadWeights('${source}')`);
    }
    throw new ValueError(`${source}: no model config found in the file (not a Keras model file)`);
  }
  let env = readEnvelope(parseJson(mc, `${source} (model_config)`), `${source} (model_config)`);
  if (isBeforeKeras3(attrString(tree.attrs['keras_version']))) env = withLegacyActivations(env);
  const opts: DeserializeOptions = {customObjects: options.customObjects, safeMode: options.safeMode, source};
  const model = modelFromEnvelope(env, opts);
  const mw = getGroup(tree, 'model_weights');
  if (!mw) throw new ValueError(`${source}: no model_weights group in the file`);
  if (!model.built) throw new ValueError(`${source}: the model could not be built from its config (no input shape); its weights cannot be loaded`);
  for (const w of loadLegacyWeights(model, mw, {source})) warn(w);
  const tc = attrString(tree.attrs['training_config']);
  if (options.compile !== false && tc !== undefined) {
    const training = configToCamel<Config>(parseJson(tc, `${source} (training_config)`));
    const values = compileFrom(model, training, source, options) ? legacyOptimizerValues(tree, source) : null;
    const opt = model.optimizer;
    if (values && opt) {
      if (!opt.built) opt.build(model.trainableWeights);
      for (const w of setOptimizerFromLegacy(opt, values, source)) warn(w);
    }
  }
  return model;
}

// --- public API -----------------------------------------------------------------------------------------

function formatOf(path: string, format?: 'keras' | 'h5'): 'keras' | 'h5' {
  if (format) return format;
  if (/\.keras$/i.test(path)) return 'keras';
  if (/\.(h5|hdf5)$/i.test(path)) return 'h5';
  throw new ValueError(
    `Invalid filepath extension for saving. Please add either a \`.keras\` extension for the native Keras format (recommended) or a \`.h5\` extension. ` +
      `Use \`model.saveWeights()\` if you want to save weights only (\`.weights.h5\`). Received: filepath=${path}`,
  );
}

function checkOverwrite(path: string, overwrite: boolean | undefined): void {
  if (overwrite === false) {
    let exists = false;
    try {
      exists = statSync(path).isFile();
    } catch {
      exists = false;
    }
    if (exists) throw new ValueError(`File ${path} exists and overwrite is false`);
  }
}

/**
 * `model.save(path)`: `.keras` (default) or legacy `.h5`, written atomically. In a web page (no
 * files) the bytes are offered as a download named after the path's last part.
 */
export async function saveModel(model: SavingModel, path: string, options: SaveOptions = {}): Promise<void> {
  if (/\.weights\.h5$/i.test(path)) {
    throw new ValueError(`The filename must not end in \`.weights.h5\` for model.save(); use model.saveWeights('${path}') to save weights only`);
  }
  const format = formatOf(path, options.format);
  if (!hasFileSystem) return offerDownload(await modelToBytes(model, {...options, format}), basename(path));
  checkOverwrite(path, options.overwrite);
  if (format === 'keras') writeFileAtomic(path, await kerasArchiveBytes(model));
  else await writeH5File(path, legacyModelTree(model, options.includeOptimizer ?? true));
}

/** The bytes `model.save` would write: a `.keras` archive (default) or a legacy `.h5` file. */
export async function modelToBytes(model: SavingModel, options: Pick<SaveOptions, 'format' | 'includeOptimizer'> = {}): Promise<Uint8Array> {
  if ((options.format ?? 'keras') === 'keras') return kerasArchiveBytes(model);
  return h5Bytes(legacyModelTree(model, options.includeOptimizer ?? true));
}

/** The bytes `model.saveWeights` would write (Keras 3's `.weights.h5` layout). */
export function weightsToBytes(model: Layer): Promise<Uint8Array> {
  return h5Bytes(stateTree(model, {includeOptimizer: false}));
}

/** What `loadModel` / `loadWeights` read: a path (Node.js), a URL, a File/Blob, or the bytes. */
type ModelSource = BytesSource;

/** The model in `bytes`, its format told by its first bytes (zip: `.keras`; HDF5: legacy `.h5`). */
async function loadModelBytes(bytes: Uint8Array, source: string, options: LoadModelOptions): Promise<SavingModel> {
  if (bytes.length > MAX_MEMBER) throw new ValueError(`${source}: ${bytes.length} bytes, over the limit of ${MAX_MEMBER}`);
  if (isZip(bytes)) return loadKerasArchive(bytes, source, options);
  try {
    checkHdf5Signature(bytes.subarray(0, 4096), bytes.length, source);
  } catch {
    const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new ValueError(
      `${source}: not a Keras model file: expected a \`.keras\` archive (a zip, starting with "PK") or a legacy \`.h5\` file (HDF5). ` +
        `Received ${bytes.length} bytes starting with ${head || 'nothing'}`,
    );
  }
  return loadLegacyModel(await readH5Bytes(bytes, {source}), source, options);
}

/**
 * `keras.models.load_model(path, {customObjects, compile, safeMode})`; besides a path, a URL (in a
 * page a string is one), a File/Blob or the file's bytes.
 */
export async function loadModel(source: ModelSource, options: LoadModelOptions = {}): Promise<SavingModel> {
  if (typeof source !== 'string' || !hasFileSystem || /^(https?|blob|data):/i.test(source)) {
    const {bytes, name} = await readBytes(source, {what: 'loadModel'});
    return loadModelBytes(bytes, name, options);
  }
  const path = source;
  let size: number;
  try {
    size = statSync(path).size;
  } catch (e) {
    throw new ValueError(`File not found: filepath=${path}. Please ensure the file is an accessible \`.keras\` zip file. (${(e as Error).message})`);
  }
  if (/\.keras$/i.test(path)) {
    if (size > MAX_MEMBER) throw new ValueError(`${path}: ${size} bytes, over the limit of ${MAX_MEMBER}`);
    const bytes = readFileSync(path);
    if (!isZip(bytes)) throw new ValueError(`${path}: not a valid .keras file (it is not a zip archive)`);
    return loadKerasArchive(bytes, path, options);
  }
  if (/\.(h5|hdf5)$/i.test(path)) return loadLegacyModel(await readH5File(path), path, options);
  throw new ValueError(
    `File format not supported: filepath=${path}. Keras 3 only supports V3 \`.keras\` files and legacy H5 format files (\`.h5\` extension).`,
  );
}

/** `model.save_weights(path)`: Keras 3 layout in a `.weights.h5` file (atomic). */
export async function saveWeights(model: Layer, path: string, options: {overwrite?: boolean} = {}): Promise<void> {
  if (!/\.weights\.h5$/i.test(path)) {
    throw new ValueError(`The filename must end in \`.weights.h5\`. Received: filepath=${path}`);
  }
  if (!hasFileSystem) return offerDownload(await weightsToBytes(model), basename(path));
  checkOverwrite(path, options.overwrite);
  await writeH5File(path, stateTree(model, {includeOptimizer: false}));
}

export interface LoadWeightsOptions {
  skipMismatch?: boolean;
  /** Legacy `.h5` only: match layers by name instead of order. */
  byName?: boolean;
}

/**
 * `model.load_weights(path)`: a Keras 3 `.weights.h5`, a legacy Keras 2 weights `.h5` (by topology,
 * or by name), or the weights of a `.keras` archive.
 */
export async function loadWeights(model: Layer, source: ModelSource, options: LoadWeightsOptions = {}): Promise<void> {
  if (!model.built) throw new ValueError(`Model "${model.name}" must be built before loading weights (call it on data or build(inputShape) first)`);
  let tree: H5Group;
  const path = describeOrPath(source);
  if (typeof source !== 'string' || !hasFileSystem || /^(https?|blob|data):/i.test(source)) {
    const {bytes, name} = await readBytes(source, {what: 'loadWeights'});
    tree = isZip(bytes)
      ? await readH5Bytes(openKerasZip(bytes, name).read('model.weights.h5'), {source: `${name} (model.weights.h5)`})
      : await readH5Bytes(bytes, {source: name});
  } else if (/\.keras$/i.test(path)) {
    const zip = openKerasZip(readFileSync(path), path);
    tree = await readH5Bytes(zip.read('model.weights.h5'), {source: `${path} (model.weights.h5)`});
  } else if (/\.(h5|hdf5)$/i.test(path)) tree = await readH5File(path);
  else throw new ValueError(`File format not supported: filepath=${path}. Weights files end in \`.weights.h5\`, \`.h5\` or \`.keras\``);
  const legacyRoot = getGroup(tree, 'model_weights') ?? ('layer_names' in tree.attrs || 'layer_names0' in tree.attrs ? tree : undefined);
  let warnings: string[];
  if (legacyRoot && !getGroup(tree, 'layers')) {
    if (!('layers' in model)) throw new ValueError(`${path}: legacy weight files load into models, not single layers`);
    warnings = loadLegacyWeights(model as SaveableModel, legacyRoot, {source: path, byName: options.byName, skipMismatch: options.skipMismatch});
  } else {
    if (options.byName) throw new ValueError('byName is only supported for legacy .h5 weight files');
    warnings = loadStateTree(model, tree, {source: path, skipMismatch: options.skipMismatch, includeOptimizer: false});
  }
  for (const w of warnings) warn(w);
}

function describeOrPath(source: ModelSource): string {
  return typeof source === 'string' ? source : describeSource(source);
}

