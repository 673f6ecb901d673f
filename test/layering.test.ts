/**
 * The layers of the house (../shared/DESIGN.md): imports only point down. A runtime import from a
 * lower layer to a higher one fails this test (type-only imports are allowed: they vanish at run time),
 * and so does any import cycle between modules (type-only imports included).
 */
import assert from 'node:assert/strict';
import {readdirSync, readFileSync, statSync} from 'node:fs';
import {dirname, join, normalize, relative} from 'node:path';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

const LEVELS: [number, (top: string, rel: string) => boolean][] = [
  [-1, (t) => t === 'platform'],
  [0, (t) => ['errors', 'serialization', 'tensor'].includes(t)],
  [1, (t) => ['config', 'kernels'].includes(t)],
  [2, (t) => t === 'backends'],
  [3, (t) => t === 'autodiff'],
  [4, (t) => t === 'ops'],
  [4.5, (t) => t === 'plan'],
  [5, (t) => t === 'gradients'],
  [6, (t) => ['initializers', 'activations', 'regularizers', 'constraints', 'layers', 'optimizers', 'losses', 'metrics'].includes(t)],
  [7, (t) => ['models', 'trainers', 'callbacks', 'saving', 'datasets', 'utils', 'distribution'].includes(t)],
  [8, (t) => t === 'testing'],
];

function level(rel: string): number {
  const top = rel.split('/')[0]!.replace(/\.ts$/, '');
  for (const [n, match] of LEVELS) if (match(top, rel)) return n;
  return 9; // index.ts, backend.ts: the public face
}

function sources(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** Each module's relative imports: the imported module (relative to src/) and whether the import is type-only. */
function imports(): Map<string, {target: string; typeOnly: boolean}[]> {
  const graph = new Map<string, {target: string; typeOnly: boolean}[]>();
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8');
    const edges = [...text.matchAll(/^(import|export)\s+(type\s+)?[^'"]*?from\s+['"](\.[^'"]+)['"]/gm)].map((m) => ({
      target: relative(SRC, normalize(join(dirname(file), m[3]!)).replace(/\.js$/, '.ts')),
      typeOnly: m[2] !== undefined,
    }));
    graph.set(relative(SRC, file), edges);
  }
  return graph;
}

test('no module imports (at run time) from a layer above its own', () => {
  const violations: string[] = [];
  for (const [rel, edges] of imports()) {
    for (const {target, typeOnly} of edges) {
      if (!typeOnly && level(target) > level(rel)) violations.push(`${rel} (level ${level(rel)}) imports ${target} (level ${level(target)})`);
    }
  }
  assert.deepEqual(violations, []);
});

test('no import cycle between modules', () => {
  const graph = imports();
  const cycles: string[] = [];
  // depth-first search; a module met again while still on the path closes a cycle
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (m: string): void => {
    state.set(m, 'open');
    path.push(m);
    for (const {target} of graph.get(m) ?? []) {
      if (state.get(target) === 'open') cycles.push([...path.slice(path.indexOf(target)), target].join(' -> '));
      else if (state.get(target) === undefined && graph.has(target)) visit(target);
    }
    path.pop();
    state.set(m, 'done');
  };
  for (const m of [...graph.keys()].sort()) if (state.get(m) === undefined) visit(m);
  assert.deepEqual(cycles, []);
});
