// Expected strings are written from Keras 3's Progbar format (keras/src/utils/progbar.py):
// "{current:>n}/{target} " + 20-char bar + " {eta or elapsed}" + " {t}ms/step" + " - {name}: {v:.4f}".
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {formatTime, formatValue, noColor, Progbar, pyExp4, supportsUnicode} from './progbar.js';

function clock(times: number[]) {
  let i = 0;
  return () => times[Math.min(i++, times.length - 1)]!;
}

test('verbose 1 without a terminal: one finished line, metrics as given (sorted by the caller)', () => {
  let out = '';
  // start 0; step 1 at 1s; step 2 at 2s; final at 3s -> 1s/step, elapsed 3s
  const p = new Progbar(3, {write: (s) => (out += s), dynamicDisplay: false, unicode: true, now: clock([0, 1, 2, 3]), statelessMetrics: []});
  p.update(1, [['accuracy', 0.5], ['loss', 1.5]], false);
  p.update(2, [['accuracy', 0.6], ['loss', 1.2]], false);
  assert.equal(out, '', 'no redraw flood when stdout is not a terminal');
  p.update(3, [['accuracy', 0.8521], ['loss', 0.416]], true);
  assert.equal(out, '3/3 ━━━━━━━━━━━━━━━━━━━━ 3s 1s/step - accuracy: 0.8521 - loss: 0.4160\n');
});

test('verbose 1 on a terminal: redraws with \\r, ETA while running, Keras\'s escapes', () => {
  let out = '';
  const p = new Progbar(469, {write: (s) => (out += s), dynamicDisplay: true, unicode: true, now: clock([0, 0.006, 0.012]), statelessMetrics: [], interval: 0, color: true});
  p.update(1, [['loss', 2.3]], false);
  // 1 step in 6 ms -> eta = 0.006 * 468 = 2.8s -> "2s"; bar 0 of 20 filled
  assert.equal(out, '\r\x1b[1m  1/469\x1b[0m \x1b[37m━━━━━━━━━━━━━━━━━━━━\x1b[0m \x1b[1m2s\x1b[0m 6ms/step - loss: 2.3000');
  out = '';
  p.update(469, [['loss', 0.4]], true);
  const plainWidth = '  1/469 ━━━━━━━━━━━━━━━━━━━━ 2s 6ms/step - loss: 2.3000'.length;
  assert.ok(out.startsWith('\b'.repeat(plainWidth) + '\r'));
  assert.ok(out.includes('\x1b[32m━━━━━━━━━━━━━━━━━━━━\x1b[0m'));
  assert.ok(out.endsWith('\n'));
});

test('ASCII bar where the locale is not UTF-8', () => {
  let out = '';
  const p = new Progbar(10, {write: (s) => (out += s), dynamicDisplay: false, unicode: false, now: clock([0, 5]), statelessMetrics: []});
  p.update(10, [['loss', 0.5]], true);
  assert.equal(out, '10/10 ==================== 5s 500ms/step - loss: 0.5000\n');
  assert.equal(supportsUnicode({LANG: 'en_US.UTF-8'}), true);
  assert.equal(supportsUnicode({LANG: 'C'}), false);
  assert.equal(supportsUnicode({LC_ALL: 'de_DE.ISO-8859-1', LANG: 'en_US.UTF-8'}), false);
  assert.equal(supportsUnicode({}), true);
});

test('verbose 2: one line at the end', () => {
  let out = '';
  const p = new Progbar(5, {verbose: 2, write: (s) => (out += s), now: clock([0, 1, 2]), statelessMetrics: []});
  p.update(1, [['loss', 1]], false);
  assert.equal(out, '');
  p.update(5, [['loss', 0.25]], true);
  // step 1 at 1 s, step 5 at 2 s: (2 - 1) / 4 = 250 ms per step (the first step is not counted)
  assert.equal(out, '5/5 - 2s - 250ms/step - loss: 0.2500\n');
});

test('value and time formats follow Python\'s', () => {
  assert.equal(formatValue(0.41604), '0.4160');
  assert.equal(formatValue(0.00012345), '1.2345e-04');
  assert.equal(formatValue(-2.5), '-2.5000');
  assert.equal(pyExp4(1.5e-10), '1.5000e-10');
  assert.equal(formatTime(0.0064, 'step'), ' 6ms/step');
  assert.equal(formatTime(2.5, 'step'), ' 2s/step'); // Python rounds half to even
  assert.equal(formatTime(0.00012, 'step'), ' 120us/step');
  assert.equal(formatTime(0, 'step'), ' 0s/step');
});

test('stateless metrics are averaged over steps until the last update', () => {
  let out = '';
  const p = new Progbar(4, {write: (s) => (out += s), dynamicDisplay: false, now: clock([0, 1, 2, 3, 4]), statefulMetrics: []});
  p.update(2, [['loss', 1]], false);
  p.update(4, [['loss', 3]], false);
  p.update(4, [], true);
  assert.match(out, /loss: 2\.0000/);
});

test('NO_COLOR (set, not empty) drops the escapes but keeps the redraw; a stream other than stdout', () => {
  assert.equal(noColor({NO_COLOR: '1'}), true);
  assert.equal(noColor({NO_COLOR: ''}), false);
  assert.equal(noColor({}), false);
  const saved = process.env['NO_COLOR'];
  process.env['NO_COLOR'] = '1';
  let out = '';
  try {
    const p = new Progbar(2, {stream: {write: (s: string) => (out += s), isTTY: true}, unicode: true, now: clock([0, 1, 2]), statelessMetrics: [], interval: 0});
    p.update(1, [['loss', 2.3]], false);
  } finally {
    if (saved === undefined) delete process.env['NO_COLOR'];
    else process.env['NO_COLOR'] = saved;
  }
  // the stream's isTTY makes it redraw in place; no escape sequences
  assert.equal(out, '\r1/2 ━━━━━━━━━━━━━━━━━━━━ 1s 1s/step - loss: 2.3000');
  let piped = '';
  const q = new Progbar(1, {stream: {write: (s: string) => (piped += s)}, unicode: true, now: clock([0, 1]), statelessMetrics: []});
  q.update(1, [['loss', 0.5]], true);
  assert.equal(piped, '1/1 ━━━━━━━━━━━━━━━━━━━━ 1s 1s/step - loss: 0.5000\n');
});
