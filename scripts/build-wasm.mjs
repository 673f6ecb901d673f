// Builds the wasm backend: the C++ kernels of native/src compiled with clang to wasm32 (WASI libc and
// libc++ from Debian's wasi-libc and libc++-19-dev-wasm32), twice: SIMD128, and relaxed SIMD.
// Writes native/wasm/keras_kernels.{simd128,relaxed-simd}.wasm, which the package ships: installing
// keras-ts compiles nothing. Without the compiler it prints one line and exits 0 (the rest of the
// build goes on; the backend is then absent). Run by `npm run build` and `npm pack` (prepack).
// Usage: node scripts/build-wasm.mjs [--force]
import {spawn, spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, readdirSync, renameSync, statSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {availableParallelism} from 'node:os';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'native', 'src');
const out = join(root, 'native', 'wasm');
const say = (msg) => console.log(`keras-ts: ${msg}`);

// the kernels and their drivers; the one-thread builds take threadpool_serial.cpp for the thread pool,
// the threaded ("-mt") builds threadpool_wasm.cpp and wasm_thread.S (workers over one shared memory)
const KERNELS = ['cpu', 'dispatch', 'gemm', 'conv', 'ops', 'random', 'array', 'optimizer', 'recurrent_seq',
  'attention', 'isa_scalar', 'isa_wasm'];
const SERIAL = [...KERNELS, 'threadpool_serial.cpp'];
const THREADED = [...KERNELS, 'threadpool_wasm.cpp', 'runtime_wasm_mt.cpp', 'wasm_thread.S'];
const MT = ['-matomics', '-mbulk-memory'];
const VARIANTS = {
  'simd128': {flags: ['-msimd128'], sources: SERIAL},
  'relaxed-simd': {flags: ['-msimd128', '-mrelaxed-simd'], sources: SERIAL},
  'simd128-mt': {flags: ['-msimd128', ...MT], sources: THREADED},
  'relaxed-simd-mt': {flags: ['-msimd128', '-mrelaxed-simd', ...MT], sources: THREADED},
};
// the threaded builds import one shared memory: 16 MiB at first, up to 4 GiB; they link neither
// libc++ nor libc's allocator and stdio (built for one thread): runtime_wasm_mt.cpp stands in
const MT_LINK = ['-Wl,--shared-memory', '-Wl,--import-memory', '-Wl,--initial-memory=16777216',
  '-Wl,--max-memory=4294967296', '-Wl,--export=__wasm_init_tls'];
const SYSROOT = process.env.KERAS_WASI_SYSROOT ?? '/usr';
const CXX_HEADERS = join(SYSROOT, 'include', 'wasm32-wasi', 'c++', 'v1');
const LIBS = join(SYSROOT, 'lib', 'wasm32-wasi');

function findClang() {
  for (const c of [process.env.KERAS_WASM_CC, 'clang-19', 'clang']) {
    if (!c) continue;
    const r = spawnSync(c, ['--version'], {encoding: 'utf8'});
    if (r.status === 0) return c;
  }
  return null;
}

function run(cmd, args) {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, {stdio: ['ignore', 'pipe', 'pipe']});
    let text = '';
    p.stdout.on('data', (d) => (text += d));
    p.stderr.on('data', (d) => (text += d));
    p.on('error', (e) => resolve({ok: false, text: e.message}));
    p.on('close', (code) => resolve({ok: code === 0, text}));
  });
}

/** Runs the jobs `width` at a time; the first failure stops the rest. */
async function pool(jobs, width) {
  let next = 0, failed = null;
  const worker = async () => {
    while (!failed && next < jobs.length) {
      const r = await jobs[next++]();
      if (!r.ok) failed ??= r;
    }
  };
  await Promise.all(Array.from({length: width}, worker));
  return failed;
}

function newest(dir) {
  let t = 0;
  for (const f of readdirSync(dir)) t = Math.max(t, statSync(join(dir, f)).mtimeMs);
  return t;
}

async function main() {
  const cc = findClang();
  if (!cc) return say('wasm backend not built (no clang-19 or clang; apt-get install clang-19 lld-19 wasi-libc libc++-19-dev-wasm32).');
  if (!existsSync(join(LIBS, 'libc.a')) || !existsSync(CXX_HEADERS)) {
    return say(`wasm backend not built (no WASI libc and libc++ under ${SYSROOT}; apt-get install wasi-libc libc++-19-dev-wasm32 libc++abi-19-dev-wasm32 libclang-rt-19-dev-wasm32).`);
  }
  const inputs = Math.max(newest(src), newest(join(root, 'native', 'include')), statSync(fileURLToPath(import.meta.url)).mtimeMs);
  const targets = Object.keys(VARIANTS).map((v) => join(out, `keras_kernels.${v}.wasm`));
  if (!process.argv.includes('--force') && targets.every((t) => existsSync(t) && statSync(t).mtimeMs > inputs)) {
    return say('wasm backend up to date (native/wasm/).');
  }
  const common = ['--target=wasm32-wasi', `--sysroot=${SYSROOT}`, '-O3', '-std=gnu++17', '-fno-exceptions', '-fno-rtti',
    '-fno-math-errno', '-fvisibility=hidden', '-DKT_BACKEND_NAME="wasm"', '-isystem', CXX_HEADERS,
    '-Wno-bitwise-conditional-parentheses'];
  const width = Math.max(1, Math.min(4, availableParallelism()));
  for (const [variant, {flags, sources}] of Object.entries(VARIANTS)) {
    const obj = join(out, 'obj', variant);
    mkdirSync(obj, {recursive: true});
    const files = sources.map((s) => (s.includes('.') ? s : `${s}.cpp`));
    const objects = files.map((f) => join(obj, `${f.replace(/\.\w+$/, '')}.o`));
    const failed = await pool(files.map((f, i) => () => run(cc, [...common, ...flags, '-c', join(src, f), '-o', objects[i]])), width);
    if (failed) return say(`wasm backend not built (${variant}: ${firstError(failed.text)}).`);
    const target = join(out, `keras_kernels.${variant}.wasm`);
    const link = await run(cc, ['--target=wasm32-wasi', `--sysroot=${SYSROOT}`, ...flags, '-O3', '-nostartfiles',
      '-Wl,--no-entry', '-Wl,--gc-sections', '-Wl,--strip-all', '-Wl,-z,stack-size=1048576',
      ...(variant.endsWith('-mt') ? MT_LINK : []),
      ...['kt_run', 'malloc', 'free', 'kt_isa_name'].map((f) => `-Wl,--export=${f}`),
      `-L${LIBS}`, ...objects, ...(variant.endsWith('-mt') ? [] : ['-lc++', '-lc++abi']), '-o', `${target}.tmp`]);
    if (!link.ok) return say(`wasm backend not built (${variant}, link: ${firstError(link.text)}).`);
    renameSync(`${target}.tmp`, target);
  }
  say(`wasm backend built (native/wasm/keras_kernels.{${Object.keys(VARIANTS).join(',')}}.wasm).`);
}

function firstError(text) {
  return (text.split('\n').find((l) => /error/i.test(l)) ?? text.split('\n')[0] ?? '').trim();
}

main().catch((e) => say(`wasm backend not built (${e?.message ?? e}).`));
