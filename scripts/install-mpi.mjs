// Builds keras-ts's optional MPI binding (native/mpi/binding.gyp) with node-gyp, as `npm install`
// runs it after the native backend. Only where `mpicc` is found (Debian: apt-get install
// libopenmpi-dev openmpi-bin); it never fails the install: without MPI it prints one line and exits 0,
// and keras.distribution.DataParallel then runs single-process only (with more than one process it
// fails with a message saying how to get MPI). Set KERAS_SKIP_MPI=1 to skip the build.
import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (msg) => console.log(`keras-ts: ${msg}`);
const target = join(root, 'native', 'mpi', 'build', 'Release', 'keras_mpi.node');

function nodeGypCommand() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return [process.execPath, fromNpm];
  const bundled = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (existsSync(bundled)) return [process.execPath, bundled];
  return ['node-gyp'];
}

function main() {
  if (process.env.KERAS_SKIP_MPI === '1') return say('KERAS_SKIP_MPI=1: MPI binding not built.');
  const probe = spawnSync('mpicc', ['--version'], {stdio: 'ignore'});
  if (probe.error || probe.status !== 0) {
    return say('MPI binding not built (no `mpicc`; Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev); training runs in one process.');
  }
  const [cmd, ...pre] = nodeGypCommand();
  const args = [...pre, 'rebuild', `--directory=${join(root, 'native', 'mpi')}`];
  const headers = join(dirname(process.execPath), '..', 'include', 'node', 'node_api.h');
  if (!process.env.npm_config_nodedir && existsSync(headers)) args.push(`--nodedir=${join(dirname(process.execPath), '..')}`);
  const r = spawnSync(cmd, args, {cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 300_000});
  if (r.status === 0 && existsSync(target)) return say('MPI binding built (native/mpi/build/Release/keras_mpi.node).');
  const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  if (process.env.KERAS_NATIVE_VERBOSE === '1') console.log(out);
  const why = r.error
    ? r.error.message
    : (out.split('\n').find((l) => /error|not found|No such file/i.test(l) && !/^gyp info/.test(l)) ?? `node-gyp exited with ${r.status}`).trim();
  say(`MPI binding not built (${why}); training runs in one process. KERAS_NATIVE_VERBOSE=1 shows the build log.`);
}

try {
  main();
} catch (e) {
  say(`MPI binding not built (${e?.message ?? e}); training runs in one process.`);
}
process.exit(0);
