import {DEFAULT_BACKEND, getEnv, homedir, join, readKerasJson, writeKerasJson} from './platform/index.js';
import {ValueError} from './errors.js';

/**
 * `~/.keras/keras.json`, as Keras reads it: `floatx`, `epsilon`, `backend`, `image_data_format`.
 * The folder moves with `$KERAS_HOME`; `$KERAS_BACKEND` overrides the file's backend. The file is
 * created with the defaults on first use when the folder is writable, as Keras does. In a web page
 * the same keys come from `localStorage["keras.json"]` (platform/browser), and nothing is written.
 */
export type ImageDataFormat = 'channels_last' | 'channels_first';
export type FloatX = 'float32' | 'float64';

export interface KerasConfig {
  floatx: FloatX;
  epsilon: number;
  backend: string;
  image_data_format: ImageDataFormat;
}

export const DEFAULT_CONFIG: Readonly<KerasConfig> = Object.freeze({
  floatx: 'float32',
  epsilon: 1e-7,
  backend: DEFAULT_BACKEND,
  image_data_format: 'channels_last',
});

/** Backend names the registry knows; `js` is an alias of `reference`. */
export const BACKEND_NAMES = ['native', 'wasm', 'reference', 'js', 'webgpu'] as const;

export function kerasHome(): string {
  const env = getEnv('KERAS_HOME');
  if (env) return env;
  return join(homedir(), '.keras');
}

function validate(cfg: Partial<KerasConfig>, source: string): void {
  if (cfg.floatx !== undefined && cfg.floatx !== 'float32' && cfg.floatx !== 'float64') {
    throw new ValueError(`${source}: unknown floatx ${JSON.stringify(cfg.floatx)}. Expected one of: float32, float64`);
  }
  if (cfg.epsilon !== undefined && (typeof cfg.epsilon !== 'number' || !(cfg.epsilon > 0))) {
    throw new ValueError(`${source}: epsilon must be a positive number. Received: ${JSON.stringify(cfg.epsilon)}`);
  }
  if (cfg.image_data_format !== undefined && cfg.image_data_format !== 'channels_last' && cfg.image_data_format !== 'channels_first') {
    throw new ValueError(
      `${source}: unknown image_data_format ${JSON.stringify(cfg.image_data_format)}. Expected one of: channels_last, channels_first`,
    );
  }
  if (cfg.backend !== undefined && !(BACKEND_NAMES as readonly string[]).includes(cfg.backend)) {
    throw new ValueError(
      `${source}: unknown backend ${JSON.stringify(cfg.backend)}. Available backends: ${BACKEND_NAMES.join(', ')}`,
    );
  }
}

let cached: KerasConfig | null = null;

/** Reads (and on first use creates) keras.json, then applies `KERAS_BACKEND`. */
export function loadConfig(): KerasConfig {
  if (cached) return cached;
  const {where: file, text} = readKerasJson(kerasHome());
  let fromFile: Partial<KerasConfig> = {};
  if (text !== null) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new ValueError(`${file} is not valid JSON: ${(e as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ValueError(`${file} must hold a JSON object`);
    }
    fromFile = parsed as Partial<KerasConfig>;
    validate(fromFile, file);
  } else {
    try {
      writeKerasJson(kerasHome(), JSON.stringify(DEFAULT_CONFIG, null, 4) + '\n');
    } catch {
      // a read-only home is fine: Keras carries on with the defaults too
    }
  }
  const cfg: KerasConfig = {...DEFAULT_CONFIG, ...fromFile};
  const env = getEnv('KERAS_BACKEND');
  if (env) {
    validate({backend: env}, 'KERAS_BACKEND');
    cfg.backend = env;
  }
  cached = cfg;
  return cfg;
}

/** Forgets what was read, so the next call reads the file and environment again (tests). */
export function resetConfig(): void {
  cached = null;
}

export function floatx(): FloatX {
  return loadConfig().floatx;
}
export function setFloatx(value: FloatX): void {
  validate({floatx: value}, 'setFloatx');
  loadConfig().floatx = value;
}
export function epsilon(): number {
  return loadConfig().epsilon;
}
export function setEpsilon(value: number): void {
  validate({epsilon: value}, 'setEpsilon');
  loadConfig().epsilon = value;
}
export function imageDataFormat(): ImageDataFormat {
  return loadConfig().image_data_format;
}
export function setImageDataFormat(value: ImageDataFormat): void {
  validate({image_data_format: value}, 'setImageDataFormat');
  loadConfig().image_data_format = value;
}
/** The backend name asked for by keras.json / `KERAS_BACKEND` (aliases kept as written). */
export function configuredBackend(): string {
  return loadConfig().backend;
}
