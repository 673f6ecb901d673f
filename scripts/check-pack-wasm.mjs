// Packs keras-ts (prepack builds dist/, the wasm kernels and this platform's native prebuild),
// installs the tarball into an empty folder with install scripts off, removes the prebuilt addon (as
// on a platform the package has no prebuild for: no native addon can load or build there), and
// checks that keras-ts picks the wasm backend by default, saying why in one line. Exits non-zero
// otherwise.
// Usage: node scripts/check-pack-wasm.mjs
import {execFileSync, spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

const root = join(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'keras-ts-pack-'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
try {
  // the prepack script's lines come first on stdout, then the JSON
  const text = execFileSync(npm, ['pack', '--json', '--pack-destination', work], {cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']});
  const packed = JSON.parse(text.slice(text.search(/^\[/m)));
  const {filename, files} = packed[0];
  for (const f of ['simd128', 'relaxed-simd', 'simd128-mt', 'relaxed-simd-mt'].map((v) => `native/wasm/keras_kernels.${v}.wasm`).concat('dist/index.js')) {
    if (!files.some((e) => e.path === f)) throw new Error(`the tarball lacks ${f}`);
  }
  const app = join(work, 'app');
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({name: 'app', private: true, type: 'module'}));
  execFileSync(npm, ['install', '--ignore-scripts', '--no-audit', '--no-fund', join(work, filename)], {cwd: app, stdio: ['ignore', 'ignore', 'inherit']});
  // a platform without a prebuild: the installed package has no addon at all
  rmSync(join(app, 'node_modules', 'keras-ts', 'prebuilds'), {recursive: true, force: true});
  const probe = `import * as keras from 'keras-ts';
const y = keras.ops.matmul(keras.ones([2, 3]), keras.ones([3, 4]));
console.log(JSON.stringify({backend: keras.backend.backendName(), y: [...y.values]}));`;
  const env = {...process.env, KERAS_HOME: join(work, 'home')};
  delete env.KERAS_BACKEND;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], {cwd: app, encoding: 'utf8', env});
  if (r.status !== 0) throw new Error(`keras-ts failed in the installed package: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1));
  const warned = r.stderr.trim().split('\n').filter(Boolean);
  if (out.backend !== 'wasm') throw new Error(`expected the wasm backend by default, got ${out.backend} (${r.stderr.trim()})`);
  if (out.y.some((v) => v !== 3)) throw new Error(`wrong result from the wasm backend: ${out.y}`);
  if (warned.length !== 1 || !/^keras-ts: backend "native" unavailable \(.*\); using "wasm"\.$/.test(warned[0])) {
    throw new Error(`expected one line saying why wasm was chosen, got: ${r.stderr}`);
  }
  console.log(`check-pack-wasm: ${filename} installed with --ignore-scripts runs on wasm by default (${warned[0]})`);
} finally {
  rmSync(work, {recursive: true, force: true});
}
