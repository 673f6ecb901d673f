import assert from 'node:assert/strict';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, beforeEach, test} from 'node:test';
import {availableBackends, getBackend, setBackend} from './backends/registry.js';
import {
  configuredBackend, DEFAULT_CONFIG, epsilon, floatx, imageDataFormat, kerasHome, loadConfig, resetConfig, setEpsilon,
  setFloatx, setImageDataFormat,
} from './config.js';
import {ValueError} from './errors.js';
import {loadNativeBackend} from './backends/native/index.js';
import {loadWasmBackend} from './backends/wasm/index.js';

const root = mkdtempSync(join(tmpdir(), 'keras-ts-config-'));
let n = 0;
let home = '';

beforeEach(() => {
  home = join(root, `home${n++}`);
  process.env['KERAS_HOME'] = home;
  delete process.env['KERAS_BACKEND'];
  resetConfig();
});
after(() => {
  rmSync(root, {recursive: true, force: true});
  resetConfig();
});

const writeConfig = (cfg: unknown) => {
  mkdirSync(home, {recursive: true});
  writeFileSync(join(home, 'keras.json'), typeof cfg === 'string' ? cfg : JSON.stringify(cfg));
  resetConfig();
};

test('a missing keras.json is created with the defaults under $KERAS_HOME', () => {
  assert.equal(kerasHome(), home);
  const cfg = loadConfig();
  assert.deepEqual(cfg, {floatx: 'float32', epsilon: 1e-7, backend: 'native', image_data_format: 'channels_last'});
  const onDisk = JSON.parse(readFileSync(join(home, 'keras.json'), 'utf8'));
  assert.deepEqual(onDisk, DEFAULT_CONFIG);
  assert.equal(floatx(), 'float32');
  assert.equal(epsilon(), 1e-7);
  assert.equal(imageDataFormat(), 'channels_last');
  assert.equal(configuredBackend(), 'native');
});

test('values in keras.json are read; missing keys keep their defaults', () => {
  writeConfig({floatx: 'float64', epsilon: 1e-5, backend: 'reference', image_data_format: 'channels_first'});
  assert.equal(floatx(), 'float64');
  assert.equal(epsilon(), 1e-5);
  assert.equal(configuredBackend(), 'reference');
  assert.equal(imageDataFormat(), 'channels_first');
  writeConfig({epsilon: 0.001});
  assert.deepEqual(loadConfig(), {...DEFAULT_CONFIG, epsilon: 0.001});
});

test('KERAS_BACKEND wins over the file', () => {
  writeConfig({backend: 'reference'});
  process.env['KERAS_BACKEND'] = 'js';
  assert.equal(configuredBackend(), 'js');
  resetConfig();
  process.env['KERAS_BACKEND'] = 'native';
  assert.equal(configuredBackend(), 'native');
});

test('an unknown backend in the file or the environment lists the available ones', () => {
  writeConfig({backend: 'tensorflow'});
  assert.throws(() => loadConfig(), {
    name: 'ValueError',
    message: `${join(home, 'keras.json')}: unknown backend "tensorflow". Available backends: native, wasm, reference, js, webgpu`,
  });
  resetConfig();
  writeConfig({});
  process.env['KERAS_BACKEND'] = 'jax';
  assert.throws(() => loadConfig(), /KERAS_BACKEND: unknown backend "jax". Available backends: native, wasm, reference, js, webgpu/);
});

test('invalid JSON, floatx, epsilon and image_data_format are clear errors', () => {
  writeConfig('{"floatx": "float32",');
  assert.throws(() => loadConfig(), (e: Error) => e instanceof ValueError && e.message.startsWith(`${join(home, 'keras.json')} is not valid JSON`));
  resetConfig();
  writeConfig('[1, 2]');
  assert.throws(() => loadConfig(), /keras.json must hold a JSON object/);
  resetConfig();
  writeConfig({floatx: 'float16'});
  assert.throws(() => loadConfig(), /unknown floatx "float16". Expected one of: float32, float64/);
  resetConfig();
  writeConfig({image_data_format: 'NHWC'});
  assert.throws(() => loadConfig(), /unknown image_data_format "NHWC". Expected one of: channels_last, channels_first/);
  resetConfig();
  writeConfig({epsilon: 'small'});
  assert.throws(() => loadConfig(), /epsilon must be a positive number. Received: "small"/);
});

test('setters validate and change the session values, not the file', () => {
  setFloatx('float64');
  assert.equal(floatx(), 'float64');
  setEpsilon(1e-3);
  assert.equal(epsilon(), 1e-3);
  setImageDataFormat('channels_first');
  assert.equal(imageDataFormat(), 'channels_first');
  assert.throws(() => setFloatx('int32' as never), /setFloatx: unknown floatx "int32"/);
  assert.throws(() => setEpsilon(0), /setEpsilon: epsilon must be a positive number/);
  assert.throws(() => setImageDataFormat('nchw' as never), /setImageDataFormat: unknown image_data_format "nchw"/);
  assert.equal(JSON.parse(readFileSync(join(home, 'keras.json'), 'utf8')).floatx, 'float32');
  resetConfig();
  assert.equal(floatx(), 'float32');
});

test('an unwritable KERAS_HOME falls back to the defaults without failing', () => {
  const file = join(root, 'a-file');
  writeFileSync(file, 'x');
  process.env['KERAS_HOME'] = join(file, 'sub');
  resetConfig();
  assert.deepEqual(loadConfig(), {...DEFAULT_CONFIG});
});

test('backends: the default "native" is used when its addon loads, else wasm when built, else reference', () => {
  // getBackend() reads the configuration once; this is the first call in this process
  const b = getBackend();
  const expected = typeof loadNativeBackend() !== 'string' ? 'native' : typeof loadWasmBackend() !== 'string' ? 'wasm' : 'reference';
  assert.equal(b.name, expected);
});

test('setBackend: "js" aliases reference; an unknown name lists the available backends', () => {
  assert.equal(setBackend('js').name, 'reference');
  assert.equal(setBackend('reference').name, 'reference');
  assert.throws(() => setBackend('nope'), (e: Error) => {
    assert.ok(e instanceof ValueError);
    assert.match(e.message, /^Unknown backend "nope"\. Available backends: /);
    for (const name of ['native', 'wasm', 'reference', 'js']) assert.ok(e.message.includes(name), `lists ${name}`);
    return true;
  });
  assert.deepEqual([...availableBackends()].sort(), ['js', 'native', 'reference', 'wasm', 'webgpu']);
  // asked for explicitly, an unavailable backend is an error with the reason
  if (typeof loadNativeBackend() === 'string') {
    assert.throws(() => setBackend('native'), /Backend "native" is not available: /);
    assert.equal(setBackend('native', {fallback: true}).name, typeof loadWasmBackend() === 'string' ? 'reference' : 'wasm');
  } else {
    assert.equal(setBackend('native').name, 'native');
    setBackend('reference');
  }
});
