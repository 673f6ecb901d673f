/**
 * The seed's examples with `--tensorboard DIR --plot DIR`, run as a user runs them: one short epoch
 * of mnist_mlp on real Fashion-MNIST, then the event files are decoded by an independent reader
 * (protobufjs from the published .proto files, every CRC checked), the model diagram is read for a
 * node per layer with Keras's shapes, and the history chart for a series per metric. The chart's
 * points carry History's values (12 significant digits), against which the event scalars are checked.
 */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {decodeEvents, scalarsByTag} from './tfevents_reader.js';
import {chartSeries, svgGraph} from './svg_readers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FASHION = '/usr/share/datasets/fashion-mnist';
const skip = existsSync(join(FASHION, 't10k-labels-idx1-ubyte.gz'))
  ? false
  : `real Fashion-MNIST not installed (apt-get install dataset-fashion-mnist puts it in ${FASHION})`;

test('mnist_mlp --tensorboard --plot: event files equal History, a diagram node per layer, a chart series per metric', {skip}, () => {
  const home = mkdtempSync(join(tmpdir(), 'keras-ts-vis-'));
  mkdirSync(join(home, 'datasets', 'fashion-mnist'), {recursive: true});
  for (const f of readdirSync(FASHION).filter((f) => f.endsWith('.gz'))) copyFileSync(join(FASHION, f), join(home, 'datasets', 'fashion-mnist', f));
  const logs = join(home, 'logs');
  const plots = join(home, 'plots');
  const r = spawnSync(process.execPath, ['scripts/example.mjs', 'mnist_mlp', '--dataset', 'fashion_mnist', '--epochs', '1', '--limit', '1000', '--tensorboard', logs, '--plot', plots], {
    cwd: ROOT,
    env: {...process.env, KERAS_HOME: home},
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);

  // the history chart: loss and accuracy, each with a training and a validation series of one epoch
  const series = chartSeries(readFileSync(join(plots, 'history.svg'), 'utf8'));
  assert.deepEqual([...series.keys()].sort(), ['accuracy/training', 'accuracy/validation', 'loss/training', 'loss/validation']);
  const hist = (k: string) => series.get(k)![0]![1];

  // the event files: every CRC valid, scalars equal to History
  const [trainFile] = readdirSync(join(logs, 'train')).map((f) => join(logs, 'train', f));
  const [valFile] = readdirSync(join(logs, 'validation')).map((f) => join(logs, 'validation', f));
  const train = decodeEvents(trainFile!);
  const val = decodeEvents(valFile!);
  assert.equal(train.crcsChecked, 2 * train.events.length);
  const ts = scalarsByTag(train.events);
  const vs = scalarsByTag(val.events);
  const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-6, `${what}: ${a} vs ${b}`);
  close(ts['epoch_loss']![0]![1], hist('loss/training'), 'epoch_loss');
  close(ts['epoch_accuracy']![0]![1], hist('accuracy/training'), 'epoch_accuracy');
  close(vs['epoch_loss']![0]![1], hist('loss/validation'), 'validation epoch_loss');
  close(vs['epoch_accuracy']![0]![1], hist('accuracy/validation'), 'validation epoch_accuracy');
  close(ts['epoch_learning_rate']![0]![1], 0.001, 'epoch_learning_rate (RMSprop default)');
  // 1,000 samples in batches of 128: 8 steps
  assert.deepEqual(vs['evaluation_loss_vs_iterations']!.map(([s]) => s), [8]);
  const testScore = Number(/Test score:\s*([0-9.e-]+)/.exec(r.stdout)![1]);
  assert.ok(Math.abs(vs['epoch_loss']![0]![1] - testScore) < 1e-5, 'evaluate() on the same data after fit');
  const tags = train.events.flatMap((e) => e.values.map((v) => v.tag));
  assert.ok(tags.includes('keras'));
  assert.equal(tags.filter((t) => t.endsWith('/histogram')).length, 6); // 3 Dense layers x kernel, bias

  // the model diagram: one node per layer, Keras's shapes
  const {nodes, edges} = svgGraph(readFileSync(join(plots, 'model.svg'), 'utf8'));
  const texts = [...nodes.values()].map((t) => t.join(''));
  assert.equal(nodes.size, 8);
  assert.equal(edges.size, 7);
  assert.deepEqual(texts.map((t) => /^(\w+?)Input shape/.exec(t)![1]).sort(), ['Activation', 'Activation', 'Activation', 'Dense', 'Dense', 'Dense', 'Dropout', 'Dropout']);
  assert.ok(texts.some((t) => t === 'DenseInput shape: (None, 784)Output shape: (None, 512)'), texts.join('\n'));
  assert.ok(texts.some((t) => t === 'DenseInput shape: (None, 512)Output shape: (None, 10)'));
  assert.deepEqual(Array.from(readFileSync(join(plots, 'model.png')).subarray(0, 4)), [0x89, 0x50, 0x4e, 0x47]);
  assert.deepEqual(Array.from(readFileSync(join(plots, 'history.png')).subarray(0, 4)), [0x89, 0x50, 0x4e, 0x47]);
});
