/**
 * The layers of the house (../shared/DESIGN.md): imports only point down. A runtime import from a
 * lower layer to a higher one fails this test (type-only imports are allowed: they vanish at run time).
 */
import assert from 'node:assert/strict';
import {readdirSync, readFileSync, statSync} from 'node:fs';
import {dirname, join, normalize, relative} from 'node:path';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

const LEVELS: [number, (top: string, rel: string) => boolean][] = [
  [0, (t) => ['errors', 'serialization', 'tensor'].includes(t)],
  [1, (t) => ['config', 'kernels'].includes(t)],
  [2, (t) => t === 'backends'],
  [3, (_t, r) => r === 'autodiff/engine.ts' || r === 'autodiff/variable.ts'],
  [4, (t) => t === 'ops'],
  [5, (t) => t === 'autodiff'],
  [6, (t) => ['initializers', 'activations', 'regularizers', 'constraints', 'layers', 'optimizers', 'losses', 'metrics'].includes(t)],
  [7, (t) => ['models', 'trainers', 'callbacks', 'saving', 'datasets', 'utils'].includes(t)],
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

test('no module imports (at run time) from a layer above its own', () => {
  const violations: string[] = [];
  for (const file of sources(SRC)) {
    const rel = relative(SRC, file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(import|export)\s+(type\s+)?[^'"]*?from\s+['"](\.[^'"]+)['"]/gm)) {
      if (m[2]) continue;
      const target = relative(SRC, normalize(join(dirname(file), m[3]!)).replace(/\.js$/, '.ts'));
      if (level(target) > level(rel)) violations.push(`${rel} (level ${level(rel)}) imports ${target} (level ${level(target)})`);
    }
  }
  assert.deepEqual(violations, []);
});
