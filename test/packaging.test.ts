// What `npm install` of the packed package does with the native addon (scripts/install-native.mjs):
// the prebuild for this platform when it loads (nothing compiled), else a build from source, and one
// line saying which. Run on a copy of the script in a temporary package layout; no compiling here.
import {after, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {addonPath} from '../src/backends/native/addon.js';

const tag = `${process.platform}-${process.arch}`;
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, {recursive: true, force: true})));

function layout(prebuild: 'real' | 'broken' | 'none'): string {
  const dir = mkdtempSync(join(tmpdir(), 'keras-ts-install-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'scripts'));
  copyFileSync('scripts/install-native.mjs', join(dir, 'scripts', 'install-native.mjs'));
  if (prebuild !== 'none') {
    mkdirSync(join(dir, 'prebuilds', tag), {recursive: true});
    const file = join(dir, 'prebuilds', tag, 'keras_native.node');
    if (prebuild === 'real') copyFileSync(addonPath(), file);
    else writeFileSync(file, 'not an addon');
  }
  return dir;
}

function install(dir: string): string {
  // no compiler and no native sources: a build from source fails at once
  const r = spawnSync(process.execPath, [join(dir, 'scripts', 'install-native.mjs')], {cwd: dir, encoding: 'utf8', env: {...process.env, CXX: 'false', CC: 'false', KERAS_BUILD_FROM_SOURCE: ''}});
  assert.equal(r.status, 0, 'the install never fails');
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${r.stdout}`);
  return lines[0]!;
}

describe('install-native.mjs', () => {
  test('a prebuild that loads is used, nothing compiled', {skip: existsSync(addonPath()) ? false : 'no built addon to stand in for a prebuild'}, () => {
    const line = install(layout('real'));
    assert.equal(line, `keras-ts: using the prebuilt native backend for ${tag} (prebuilds/${tag}/keras_native.node); nothing compiled.`);
  });
  test('a prebuild that does not load: built from source, the line says why', () => {
    const line = install(layout('broken'));
    assert.match(line, new RegExp(`^keras-ts: native backend not built \\(.*; the prebuild for ${tag} does not load here: .*\\); the \\w+ backend (\\(else the reference backend\\) )?will be used`));
  });
  test('no prebuild for this platform: built from source, the line says so', () => {
    assert.match(install(layout('none')), new RegExp(`^keras-ts: native backend not built \\(.*; no prebuild for ${tag}\\)`));
  });
});
