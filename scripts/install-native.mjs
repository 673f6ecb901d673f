// The native backend's addon at `npm install`: the prebuilt one for this platform when the package
// ships it (prebuilds/<platform>-<arch>/, made by scripts/prebuild.mjs) and it loads here; otherwise
// built from native/binding.gyp with node-gyp. The one line it prints says which.
// Never fails the install: without a compiler (`CXX=false npm install`), headers or node-gyp, it
// prints one line and exits 0; at run time keras-ts then says once that it uses the wasm backend (the
// same kernels compiled to WebAssembly, shipped in the package) or, without it, the reference backend.
// Set KERAS_SKIP_NATIVE=1 to skip the build.
import {spawnSync} from 'node:child_process';
import {createRequire} from 'node:module';
import {existsSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (msg) => console.log(`keras-ts: ${msg}`);

function nodeGypCommand() {
  // npm tells lifecycle scripts where its bundled node-gyp is
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return [process.execPath, fromNpm];
  const bundled = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (existsSync(bundled)) return [process.execPath, bundled];
  return ['node-gyp'];
}

/**
 * Loads prebuilds/<platform>-<arch>/keras_native.node when the package has one: true when it loads
 * (no compiling), else why not (said in the build-from-source line).
 */
function usePrebuild() {
  const tag = `${process.platform}-${process.arch}`;
  const file = join(root, 'prebuilds', tag, 'keras_native.node');
  if (process.env.KERAS_BUILD_FROM_SOURCE === '1') return 'KERAS_BUILD_FROM_SOURCE=1';
  if (!existsSync(file)) return `no prebuild for ${tag}`;
  try {
    const addon = createRequire(import.meta.url)(file);
    if (typeof addon.run !== 'function') throw new Error('it exports no run()');
  } catch (e) {
    return `the prebuild for ${tag} does not load here: ${String(e?.message ?? e).split('\n')[0]}`;
  }
  say(`using the prebuilt native backend for ${tag} (prebuilds/${tag}/keras_native.node); nothing compiled.`);
  return true;
}

function main() {
  if (process.env.KERAS_SKIP_NATIVE === '1') {
    say('KERAS_SKIP_NATIVE=1: native backend not built; the wasm backend (else the reference backend) will be used.');
    return;
  }
  // --- prebuilt addon first (scripts/prebuild.mjs puts it in the packed package) ---
  const prebuilt = usePrebuild();
  if (prebuilt === true) return;
  // --- otherwise build from source ---
  const [cmd, ...pre] = nodeGypCommand();
  const args = [...pre, 'rebuild', `--directory=${join(root, 'native')}`];
  // use the installed Node headers when npm did not name a nodedir (offline builds work then)
  const headers = join(dirname(process.execPath), '..', 'include', 'node', 'node_api.h');
  if (!process.env.npm_config_nodedir && existsSync(headers)) args.push(`--nodedir=${join(dirname(process.execPath), '..')}`);
  const r = spawnSync(cmd, args, {cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 600_000});
  const ok = r.status === 0 && existsSync(join(root, 'native', 'build', 'Release', 'keras_native.node'));
  if (ok) {
    say(`native backend built from source (native/build/Release/keras_native.node; ${prebuilt}).`);
    return;
  }
  const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  if (process.env.KERAS_NATIVE_VERBOSE === '1') console.log(out);
  const why = r.error
    ? r.error.message
    : (out.split('\n').find((l) => /error|not found|No such file/i.test(l) && !/^gyp info/.test(l)) ?? `node-gyp exited with ${r.status}`).trim();
  say(`native backend not built (${why}; ${prebuilt}); the wasm backend (else the reference backend) will be used. KERAS_NATIVE_VERBOSE=1 shows the build log.`);
}

try {
  main();
} catch (e) {
  say(`native backend not built (${e?.message ?? e}); the wasm backend (else the reference backend) will be used.`);
}
process.exit(0);
