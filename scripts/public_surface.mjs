// The public surface of keras-ts: every name exported by src/index.ts and, for each namespace
// (keras.ops, keras.layers, ... and namespaces inside them such as keras.datasets.mnist), its names.
// test/public_surface.test.ts fails when the surface differs from the committed list.
//   node scripts/public_surface.mjs           prints the differences (exit 1 when there are some)
//   node scripts/public_surface.mjs --write   rewrites test/fixtures/public_surface.json
import {spawnSync} from 'node:child_process';
import {readFileSync, writeFileSync} from 'node:fs';
import {fileURLToPath, pathToFileURL} from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LIST = `${ROOT}test/fixtures/public_surface.json`;

/** `{"": [top-level names], "ops": [...], "datasets.mnist": [...]}`, every list sorted. */
export function surfaceOf(keras) {
  const out = {};
  const walk = (prefix, mod) => {
    out[prefix] = Object.keys(mod).sort();
    for (const k of out[prefix]) {
      const v = mod[k];
      if (v !== null && typeof v === 'object' && Object.prototype.toString.call(v) === '[object Module]') walk(prefix ? `${prefix}.${k}` : k, v);
    }
  };
  walk('', keras);
  return out;
}

/** Lines `+ ns.name` (new, not in the list) and `- ns.name` (listed, gone). */
export function diffSurfaces(actual, expected) {
  const lines = [];
  for (const ns of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    const a = new Set(actual[ns] ?? []), e = new Set(expected[ns] ?? []);
    const at = (n) => (ns ? `${ns}.${n}` : n);
    for (const n of a) if (!e.has(n)) lines.push(`+ ${at(n)}`);
    for (const n of e) if (!a.has(n)) lines.push(`- ${at(n)}`);
  }
  return lines;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (!process.env.KERAS_TS_SURFACE_CHILD) {
    // re-run under tsx, which loads the TypeScript sources
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
      cwd: ROOT, stdio: 'inherit', env: {...process.env, KERAS_TS_SURFACE_CHILD: '1'},
    });
    process.exit(r.status ?? 1);
  }
  const keras = await import(pathToFileURL(`${ROOT}src/index.ts`).href);
  const actual = surfaceOf(keras);
  if (process.argv.includes('--write')) {
    writeFileSync(LIST, JSON.stringify(actual, null, 1) + '\n');
    console.log(`wrote ${LIST}: ${Object.values(actual).reduce((n, l) => n + l.length, 0)} names in ${Object.keys(actual).length} namespaces`);
  } else {
    const lines = diffSurfaces(actual, JSON.parse(readFileSync(LIST, 'utf8')));
    console.log(lines.length ? lines.join('\n') : 'the public surface matches test/fixtures/public_surface.json');
    process.exit(lines.length ? 1 : 0);
  }
  (await import(pathToFileURL(`${ROOT}src/saving/index.ts`).href)).shutdownH5?.();
}
