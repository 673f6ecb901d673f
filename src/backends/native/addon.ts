import {existsSync} from '../../platform/index.js';
import {createRequire} from '../../platform/index.js';
import {dirname, join} from '../../platform/index.js';
import {fileURLToPath} from '../../platform/index.js';
import type {NativeAddon} from '../compiled/abi.js';

/** The package root: three levels above this file in both `src/` and `dist/`. */
function packageRoot(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

/** Where `scripts/install-native.mjs` (node-gyp) puts the addon. */
export function addonPath(): string {
  return join(packageRoot(), 'native', 'build', 'Release', 'keras_native.node');
}

/** The prebuilt addon a packed package ships for this platform (scripts/prebuild.mjs). */
function prebuiltAddonPath(): string {
  return join(packageRoot(), 'prebuilds', `${process.platform}-${process.arch}`, 'keras_native.node');
}

let cached: NativeAddon | string | null = null;

/**
 * The loaded addon, or the reason it cannot load (one line). Loads once per process: the addon built
 * from source at install when there is one (it was built because the prebuild did not fit), else the
 * prebuilt one.
 */
export function loadAddon(): NativeAddon | string {
  if (cached !== null) return cached;
  const built = addonPath();
  const path = !existsSync(built) && existsSync(prebuiltAddonPath()) ? prebuiltAddonPath() : built;
  if (!existsSync(path)) {
    cached = `the native addon is not built (no ${path}; it is built by "npm install" with a C++ compiler, or by "node scripts/install-native.mjs")`;
    return cached;
  }
  try {
    const require = createRequire(import.meta.url);
    const addon = require(path) as NativeAddon;
    if (typeof addon.run !== 'function') throw new Error('it exports no run()');
    cached = addon;
  } catch (e) {
    cached = `the native addon at ${path} failed to load: ${String((e as Error).message ?? e).split('\n')[0]}`;
  }
  return cached;
}
