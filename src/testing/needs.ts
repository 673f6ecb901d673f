/**
 * What a test needs from outside the repository (real data sets, Python-Keras files), and what
 * happens when it is missing: outside CI the test is skipped with a line saying what is missing and
 * how to get it; with `CI=true` the run FAILS, with one test named after what is missing, so a failed
 * install can never turn into a green run of skipped tests.
 *
 * ```ts
 * const skip = needFiles('real Fashion-MNIST', [join(FASHION_DIR, 't10k-images-idx3-ubyte.gz')], 'apt-get install dataset-fashion-mnist');
 * test('...', {skip}, () => { ... });
 * ```
 */
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** True when the suite runs as CI (`CI=true`, as CI services set it). */
const IN_CI = ['true', '1', 'yes'].includes((process.env['CI'] ?? '').toLowerCase());

/** Debian's dataset-fashion-mnist; `KERAS_TS_FASHION_DIR` points elsewhere (e.g. at nothing, to see the failure). */
export const FASHION_DIR = process.env['KERAS_TS_FASHION_DIR'] ?? '/usr/share/datasets/fashion-mnist';
export const FASHION_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'] as const;
const FASHION_HOW = 'apt-get install dataset-fashion-mnist, or KERAS_TS_FASHION_DIR=<folder with the four .gz files>';

/** The Python-Keras files of ../shared/fixtures/keras (MANIFEST.md there); `KERAS_TS_FIXTURES` points elsewhere. */
export const KERAS_FIXTURES = process.env['KERAS_TS_FIXTURES'] ?? join(ROOT, '..', 'shared', 'fixtures', 'keras');
const KERAS_FIXTURES_HOW = 'the shared fixtures folder beside the repository (../shared/fixtures/keras), or KERAS_TS_FIXTURES=<folder>';

const reported = new Set<string>();

/**
 * `false` when every path exists; otherwise the skip reason naming `what` and the missing paths. In
 * CI it also registers a failing test `missing: <what>` (once per file and `what`).
 */
export function needFiles(what: string, paths: readonly string[], how: string): string | false {
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length === 0) return false;
  return missingRequirement(what, `${what} is missing: ${missing.join(', ')} not found (${how})`);
}

/** The real Fashion-MNIST files (all four, or those named). */
export function needFashion(files: readonly string[] = FASHION_FILES): string | false {
  return needFiles('real Fashion-MNIST', files.map((f) => join(FASHION_DIR, f)), FASHION_HOW);
}

/** Files of the Python-Keras fixtures folder, by name. */
export function needKerasFixtures(...files: string[]): string | false {
  return needFiles('Python-Keras fixture files', files.map((f) => join(KERAS_FIXTURES, f)), KERAS_FIXTURES_HOW);
}

/** Reports a requirement that is not met: a skip reason outside CI, a failing test as well in CI. */
export function missingRequirement(what: string, reason: string): string {
  if (IN_CI) {
    if (!reported.has(what)) {
      reported.add(what);
      test(`missing: ${what}`, () => assert.fail(`CI=true, and ${reason}`));
    }
  } else {
    console.log(`# SKIP (${reason})`);
  }
  return reason;
}
