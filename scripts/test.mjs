// Runs every *.test.ts under src/ and test/ with node's test runner (TypeScript through tsx).
// Usage: npm test [-- <substring filter>...]
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

const filters = process.argv.slice(2);
const files = [...find('src', []), ...find('test', [])]
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
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
