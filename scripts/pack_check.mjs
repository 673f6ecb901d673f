// The package as a user gets it: `npm pack` (prepack builds dist/ and the prebuild), then the tarball
// installed into an empty folder, with and without --ignore-scripts. There, an ES module script, a
// CommonJS `require` script and a strict TypeScript consumer without @types/node each build and run a
// small `fit`. The tarball must hold LICENSE, dist/, the prebuild for this platform, and no test files.
//
// Usage: node scripts/pack_check.mjs [--keep]   (prints the tarball size and the time each step took)
import {execFileSync, spawnSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const work = mkdtempSync(join(tmpdir(), 'keras-ts-pack-'));
const tag = `${process.platform}-${process.arch}`;
const t0 = performance.now();
let failures = 0;

function say(msg) {
  console.log(`pack_check: ${msg}`);
}
function fail(msg) {
  failures++;
  console.log(`pack_check: FAIL ${msg}`);
}
function run(cmd, args, cwd, env = {}) {
  const r = spawnSync(cmd, args, {cwd, encoding: 'utf8', env: {...process.env, ...env}, timeout: 900_000});
  return {ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, status: r.status};
}
function timed(label, fn) {
  const s = performance.now();
  const v = fn();
  say(`${label}: ${((performance.now() - s) / 1000).toFixed(1)} s`);
  return v;
}

// --- pack -------------------------------------------------------------------------------------------
const packDir = join(work, 'pack');
mkdirSync(packDir);
const packed = timed('npm pack (prepack: build, prebuild)', () => run('npm', ['pack', '--pack-destination', packDir], root));
if (!packed.ok) {
  console.log(packed.out);
  throw new Error('npm pack failed');
}
const tarball = join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz')));
const size = statSync(tarball).size;
const files = execFileSync('tar', ['-tzf', tarball], {encoding: 'utf8'}).split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
say(`tarball ${tarball.split('/').pop()}: ${size} bytes (${(size / 2 ** 20).toFixed(2)} MiB), ${files.length} files`);
for (const need of ['LICENSE', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'cjs/index.cjs', `prebuilds/${tag}/keras_native.node`]) {
  if (!files.includes(need)) fail(`the tarball lacks ${need}`);
}
const tests = files.filter((f) => /\.test\.[cm]?[jt]s$/.test(f) || f.includes('/testing/') || f.startsWith('test/'));
if (tests.length) fail(`the tarball ships test files: ${tests.slice(0, 5).join(', ')}${tests.length > 5 ? ', ...' : ''}`);

// --- consumers ----------------------------------------------------------------------------------------
const FIT = `
const model = new keras.models.Sequential([new keras.layers.Dense(8, {activation: 'relu', inputShape: [4]}), new keras.layers.Dense(1)]);
model.compile({optimizer: 'adam', loss: 'mse'});
const x = keras.tensor(Float32Array.from({length: 64}, (_, i) => Math.sin(i)), [16, 4]);
const y = keras.tensor(Float32Array.from({length: 16}, (_, i) => Math.cos(i)), [16, 1]);
const history = await model.fit(x, y, {epochs: 3, batchSize: 8, verbose: 0});
const loss = history.history['loss'];
if (!loss || loss.length !== 3 || !loss.every(Number.isFinite)) throw new Error('fit gave no finite losses: ' + JSON.stringify(loss));
`;
const ESM = `import * as keras from 'keras-ts';\n${FIT}\nconsole.log('esm ok: backend ' + keras.backend.backendName() + ', loss ' + loss[2].toFixed(4));\n`;
const CJS = `const keras = require('keras-ts');\n(async () => {\n${FIT}\nconsole.log('cjs ok: backend ' + keras.backend.backendName() + ', loss ' + loss[2].toFixed(4));\n})().catch((e) => { console.error(e); process.exit(1); });\n`;
// without @types/node or the DOM library there is no `console`: the consumer declares what it uses
const TS = `import * as keras from 'keras-ts';\ndeclare const console: {log(message: string): void};\n${FIT.replace("const loss = history.history['loss'];", "const loss: number[] | undefined = history.history['loss'];")}\nconsole.log('ts ok: backend ' + keras.backend.backendName() + ', loss ' + loss[2]!.toFixed(4));\n`;
const TSCONFIG = {
  compilerOptions: {
    strict: true, noUncheckedIndexedAccess: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext',
    // no @types/node: the public .d.ts must not need it
    types: [], lib: ['es2022'], skipLibCheck: false, outDir: 'out',
  },
  files: ['fit.ts'],
};
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

for (const mode of ['install scripts', '--ignore-scripts']) {
  const dir = join(work, mode === '--ignore-scripts' ? 'consumer-ignore-scripts' : 'consumer');
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({name: 'consumer', version: '1.0.0', private: true, type: 'module'}, null, 2));
  const args = ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline', '--foreground-scripts'];
  if (mode === '--ignore-scripts') args.push('--ignore-scripts');
  const inst = timed(`npm install of the tarball (${mode})`, () => run('npm', args, dir));
  if (!inst.ok) {
    fail(`npm install (${mode}) failed:\n${inst.out}`);
    continue;
  }
  const line = inst.out.split('\n').find((l) => l.startsWith('keras-ts:'));
  say(`  install line: ${line ?? '(none: install scripts were not run)'}`);
  if (mode !== '--ignore-scripts' && !line) fail('the install printed no keras-ts line');
  writeFileSync(join(dir, 'fit.mjs'), ESM);
  writeFileSync(join(dir, 'fit.cjs'), CJS);
  writeFileSync(join(dir, 'fit.ts'), TS);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
  const home = mkdtempSync(join(work, 'keras-home-'));
  // where require() cannot load an ES module (Node < 20.19; here simulated by the flag), the error says so
  const old = run(process.execPath, ['--no-experimental-require-module', 'fit.cjs'], dir, {KERAS_HOME: home});
  if (old.ok || !old.out.includes("require('keras-ts') needs Node.js >= 20.19")) fail(`require() without require(esm) did not give the message:\n${old.out.slice(-1500)}`);
  else say(`  require() without require(esm): ${old.out.split('\n').find((l) => l.startsWith('Error: keras-ts'))}`);
  const env = {KERAS_HOME: home, KERAS_BACKEND: ''};
  delete env.KERAS_BACKEND;
  for (const [label, cmd, a] of [
    ['ESM script', process.execPath, ['fit.mjs']],
    ['CommonJS require script', process.execPath, ['fit.cjs']],
    ['TypeScript consumer: tsc (strict, no @types/node)', process.execPath, [tsc, '-p', 'tsconfig.json']],
    ['TypeScript consumer: run', process.execPath, ['out/fit.js']],
  ]) {
    const r = timed(`  ${label} (${mode})`, () => run(cmd, a, dir, {KERAS_HOME: home}));
    const last = r.out.trim().split('\n').filter((l) => / ok: /.test(l)).pop();
    if (!r.ok) fail(`${label} (${mode}):\n${r.out.slice(-3000)}`);
    else if (last) say(`    ${last}`);
  }
}

say(`total ${((performance.now() - t0) / 1000).toFixed(1)} s; tarball ${size} bytes`);
if (!keep) rmSync(work, {recursive: true, force: true});
else say(`kept ${work}`);
if (failures) {
  say(`${failures} failure(s)`);
  process.exit(1);
}
say('all checks passed');
