// Runs every *.test.ts under src/ and test/ with node's test runner (TypeScript through tsx).
// Usage: npm test [-- [--backend-only] <substring filter>...]
//   --backend-only  leaves out the tests whose subject is not the compute backend (the browser, the
//                   package, the diagrams, data-parallel runs that always use native): CI runs the
//                   whole suite once, then the backend-dependent part on each further backend.
import {readdirSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {spawnSync} from 'node:child_process';

function find(dir, out) {
  let entries;
  try { entries = readdirSync(dir); } catch { return out; }
  for (const e of entries) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) find(p, out);
    else if (p.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

// Tests that do not depend on KERAS_BACKEND: what they exercise is the same on every backend.
const BACKEND_INDEPENDENT = [
  'test/browser.test.ts', 'test/browser_build.test.ts', 'test/packaging.test.ts', 'test/examples_visualization.test.ts',
  'test/distribution/', 'test/layering.test.ts', 'test/public_surface.test.ts', 'src/utils/model_visualization.test.ts',
  'src/utils/history_plot.test.ts', 'src/platform/',
];
const args = process.argv.slice(2);
const backendOnly = args.includes('--backend-only');
const filters = args.filter((a) => a !== '--backend-only');
const files = [...find('src', []), ...find('test', [])]
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .filter((f) => !backendOnly || !BACKEND_INDEPENDENT.some((s) => f.replaceAll('\\', '/').includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// Tests never write the user's ~/.keras: each run gets its own KERAS_HOME unless one is given.
const env = {...process.env};
const ownHome = env.KERAS_HOME === undefined;
if (ownHome) env.KERAS_HOME = mkdtempSync(join(tmpdir(), 'keras-ts-test-'));
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...files], {stdio: 'inherit', env});
if (ownHome) rmSync(env.KERAS_HOME, {recursive: true, force: true});
process.exit(r.status ?? 1);
