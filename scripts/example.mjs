// Runs one of examples/*.ts: `npm run example -- <name> [args...]` (default: digits).
import {existsSync} from 'node:fs';
import {spawnSync} from 'node:child_process';

const [name = 'digits', ...args] = process.argv.slice(2);
const file = `examples/${name.replace(/\.ts$/, '')}.ts`;
if (!existsSync(file)) {
  console.error(`No example ${file}. Available: digits, digits_mpi, mnist_mlp, mnist_cnn, imdb_lstm`);
  process.exit(2);
}
// `--conditions=source` makes `import 'keras-ts'` resolve to src/ (no build step needed)
const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', file, ...args], {stdio: 'inherit'});
process.exit(r.status ?? 1);
