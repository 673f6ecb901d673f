// Regenerates the pictures README.md and docs/visualization.md show, by running the seed's examples
// as a user runs them with `--plot` (and `--tensorboard`, whose logs are summarised on stdout):
//   node scripts/make_docs_images.mjs
// Needs the real Fashion-MNIST (apt-get install dataset-fashion-mnist) and Graphviz's `dot`.
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {spawnSync} from 'node:child_process';

const FASHION = '/usr/share/datasets/fashion-mnist';
if (!existsSync(join(FASHION, 't10k-labels-idx1-ubyte.gz'))) {
  console.error(`make_docs_images: the real Fashion-MNIST is not in ${FASHION} (apt-get install dataset-fashion-mnist)`);
  process.exit(2);
}
const home = mkdtempSync(join(tmpdir(), 'keras-ts-docs-'));
mkdirSync(join(home, 'datasets', 'fashion-mnist'), {recursive: true});
for (const f of readdirSync(FASHION).filter((f) => f.endsWith('.gz'))) copyFileSync(join(FASHION, f), join(home, 'datasets', 'fashion-mnist', f));

const runs = [
  ['mnist_mlp', '--dataset', 'fashion_mnist', '--epochs', '5'],
  ['mnist_cnn', '--dataset', 'fashion_mnist', '--epochs', '3', '--limit', '10000'],
];
for (const [name, ...args] of runs) {
  const out = join('docs', 'images', name);
  const logs = join(home, 'logs', name);
  console.log(`$ npm run example -- ${name} ${args.join(' ')} --tensorboard ${logs} --plot ${out}`);
  const r = spawnSync(process.execPath, ['scripts/example.mjs', name, ...args, '--tensorboard', logs, '--plot', out], {
    stdio: 'inherit',
    env: {...process.env, KERAS_HOME: home},
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
  for (const run of ['train', 'validation']) {
    for (const f of readdirSync(join(logs, run))) console.log(`  ${run}/${f}: ${statSync(join(logs, run, f)).size} bytes`);
  }
}
rmSync(home, {recursive: true, force: true});
