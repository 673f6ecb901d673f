// Lines of code per folder (source and tests apart), so growth is a choice: `node scripts/loc.mjs`.
import {readdirSync, readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';

const rows = new Map();
function walk(dir, depth) {
  for (const e of readdirSync(dir)) {
    if (e === 'node_modules' || e === 'build' || e.startsWith('.')) continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, depth);
    else if (/\.(ts|mjs|cpp|c|h|inc|py)$/.test(e)) {
      const key = p.split('/').slice(0, depth).join('/');
      const lines = readFileSync(p, 'utf8').split('\n').length;
      const r = rows.get(key) ?? {src: 0, test: 0};
      if (e.includes('.test.')) r.test += lines;
      else r.src += lines;
      rows.set(key, r);
    }
  }
}
for (const top of ['src', 'native', 'test', 'examples', 'bench', 'scripts']) walk(top, top === 'src' ? 2 : 1);
let total = {src: 0, test: 0};
console.log('folder'.padEnd(24) + 'source'.padStart(8) + 'tests'.padStart(8));
for (const [k, r] of [...rows].sort()) {
  console.log(k.padEnd(24) + String(r.src).padStart(8) + String(r.test).padStart(8));
  total = {src: total.src + r.src, test: total.test + r.test};
}
console.log('total'.padEnd(24) + String(total.src).padStart(8) + String(total.test).padStart(8));
