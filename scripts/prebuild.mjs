// `npm run prebuild`: the native addon for this platform, placed where an installed package looks
// first (prebuilds/<platform>-<arch>/keras_native.node, with build.json saying what it needs), so
// `npm install` of the packed package loads it without compiling. The addon is the one node-gyp
// built into native/build (rebuilt here when missing or older than a native source). It is
// Node-API (NAPI_VERSION 8: any Node >= 12.22 of the same platform) and picks AVX2/AVX-512 at
// run time, so one prebuild serves every x64 CPU. `npm pack` runs this through `prepack`.
//
// Never fails: without a compiler it prints one line and makes no prebuild (the packed package
// then builds from source at install, or runs on another backend).
import {spawnSync} from 'node:child_process';
import {copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname, join, relative} from 'node:path';
import {fileURLToPath} from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'native', 'build', 'Release', 'keras_native.node');
const tag = `${process.platform}-${process.arch}`;
const outDir = join(root, 'prebuilds', tag);
const say = (msg) => console.log(`keras-ts prebuild: ${msg}`);

function newestSource() {
  let newest = statSync(join(root, 'native', 'binding.gyp')).mtimeMs;
  const walk = (d) => {
    for (const e of readdirSync(d, {withFileTypes: true})) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of ['src', 'include', 'node']) if (existsSync(join(root, 'native', d))) walk(join(root, 'native', d));
  return newest;
}

function main() {
  if (!existsSync(built) || statSync(built).mtimeMs < newestSource()) {
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'install-native.mjs')], {cwd: root, stdio: 'inherit', env: {...process.env, KERAS_BUILD_FROM_SOURCE: '1'}});
    if (r.status !== 0 || !existsSync(built)) {
      say(`no prebuild for ${tag}: the addon could not be built here.`);
      return;
    }
  }
  // a prebuild that does not load is worse than none
  try {
    const addon = createRequire(import.meta.url)(built);
    if (typeof addon.run !== 'function') throw new Error('it exports no run()');
  } catch (e) {
    say(`no prebuild for ${tag}: ${relative(root, built)} does not load (${String(e?.message ?? e).split('\n')[0]}).`);
    return;
  }
  rmSync(outDir, {recursive: true, force: true});
  mkdirSync(outDir, {recursive: true});
  copyFileSync(built, join(outDir, 'keras_native.node'));
  const libc = process.platform === 'linux' ? (process.report?.getReport()?.header?.glibcVersionRuntime ? 'glibc' : 'musl') : null;
  writeFileSync(join(outDir, 'build.json'), JSON.stringify({platform: process.platform, arch: process.arch, libc, napi: 8, builtWith: process.version}, null, 1) + '\n');
  say(`${relative(root, join(outDir, 'keras_native.node'))} (${statSync(join(outDir, 'keras_native.node')).size} bytes, Node-API 8, ${libc ?? process.platform}).`);
}

main();
