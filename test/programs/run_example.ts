/** Runs an example as a user does (`npm run example -- <name>`), for the tests of test/programs. */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {copyFileSync, mkdirSync, mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';

/**
 * The backend the examples run on (they inherit the environment). On the plain-TypeScript reference
 * backend (CI runs the suite on it too) the tests train the big examples on less data.
 */
export const onReference = ['reference', 'js'].includes(process.env['KERAS_BACKEND'] ?? '');

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FASHION = '/usr/share/datasets/fashion-mnist';

/** The example's stdout; fails the test with its output when it exits non-zero. */
export function runExample(args: string[], env: Record<string, string> = {}): string {
  const r = spawnSync(process.execPath, ['scripts/example.mjs', ...args], {cwd: ROOT, env: {...process.env, ...env}, encoding: 'utf8', timeout: 300_000});
  assert.equal(r.status, 0, `example ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A temporary KERAS_HOME holding Debian's Fashion-MNIST where keras.datasets looks for it. */
export function fashionHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'keras-ts-programs-'));
  const dir = join(home, 'datasets', 'fashion-mnist');
  mkdirSync(dir, {recursive: true});
  for (const f of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) {
    copyFileSync(join(FASHION, f), join(dir, f));
  }
  return home;
}
