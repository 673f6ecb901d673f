import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {chartSeries} from '../../test/svg_readers.js';
import {historyChartSpec, historyMetrics, plotHistory} from './history_plot.js';

const dir = mkdtempSync(join(tmpdir(), 'keras-ts-history-'));
after(() => rmSync(dir, {recursive: true, force: true}));


const history = {
  history: {accuracy: [0.61, 0.75, 0.8], loss: [0.9, 0.6, 0.5], val_accuracy: [0.7, 0.78, 0.79], val_loss: [0.7, 0.55, 0.52], learning_rate: [0.01, 0.01, 0.005]},
};

test('historyMetrics: loss first, then by name; val_ twins folded into their metric', () => {
  assert.deepEqual(historyMetrics(history), ['loss', 'accuracy', 'learning_rate']);
});

test('plotHistory draws one panel per metric with a training and a validation series, the values of the history', async () => {
  const path = await plotHistory(history, {toFile: join(dir, 'h.svg')});
  const svg = readFileSync(path, 'utf8');
  assert.match(svg, /^<svg/);
  const series = chartSeries(svg);
  assert.deepEqual([...series.keys()].sort(), ['accuracy/training', 'accuracy/validation', 'learning_rate/training', 'loss/training', 'loss/validation']);
  assert.deepEqual(series.get('loss/validation'), [[1, 0.7], [2, 0.55], [3, 0.52]]);
  assert.deepEqual(series.get('accuracy/training'), [[1, 0.61], [2, 0.75], [3, 0.8]]);
  assert.equal((svg.match(/aria-roledescription="line mark"/g) ?? []).length, 5);
  for (const t of ['loss', 'accuracy', 'learning_rate']) assert.ok(svg.includes(`>${t}</text>`), `panel title ${t}`);
});

test('plotHistory writes PNG through resvg; bad input is named', async () => {
  const png = await plotHistory(history.history, {toFile: join(dir, 'h.png'), metrics: ['loss']});
  assert.deepEqual(Array.from(readFileSync(png).subarray(0, 4)), [0x89, 0x50, 0x4e, 0x47]);
  await assert.rejects(plotHistory(history, {toFile: join(dir, 'h.pdf')}), /must end in \.svg or \.png/);
  assert.throws(() => historyChartSpec(history, {metrics: ['mae']}), /no metric "mae" in the history. Available: \["loss","accuracy","learning_rate"\]/);
  assert.throws(() => historyChartSpec({history: {}}), /the history is empty/);
});
