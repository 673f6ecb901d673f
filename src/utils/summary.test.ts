// The expected tables are rendered by rich (Debian python3-rich) with the table Keras 3 builds in
// keras/src/utils/summary_utils.py: scripts/make_summary_fixtures.py -> test/fixtures/summary/.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {test} from 'node:test';
import {Variable} from '../autodiff/variable.js';
import {zeros} from '../tensor/tensor.js';
import {readableMemorySize, summaryLines, type SummaryModel, type SummaryRow} from './summary.js';

const FIX = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'summary');
const fixture = (name: string) => readFileSync(join(FIX, `${name}.txt`), 'utf8');

function fakeModel(name: string, rows: SummaryRow[], trainable: number[], nonTrainable: number[], optimizer: number[] | null): SummaryModel {
  const vars = (sizes: number[]) => sizes.map((n) => new Variable(zeros([n])));
  const opt = optimizer ? [new Variable(zeros([], 'int32')), ...vars(optimizer)] : null;
  return {
    name,
    summaryRows: () => rows,
    summarySequentialLike: () => true,
    trainableWeights: vars(trainable),
    nonTrainableWeights: vars(nonTrainable),
    summaryOptimizerVariables: () => opt,
  };
}

const MLP: SummaryRow[] = [
  ['dense', 'Dense', '(None, 512)', '401,920'], ['activation', 'Activation', '(None, 512)', '0'], ['dropout', 'Dropout', '(None, 512)', '0'],
  ['dense_1', 'Dense', '(None, 512)', '262,656'], ['activation_1', 'Activation', '(None, 512)', '0'], ['dropout_1', 'Dropout', '(None, 512)', '0'],
  ['dense_2', 'Dense', '(None, 10)', '5,130'], ['activation_2', 'Activation', '(None, 10)', '0'],
].map(([name, className, outputShape, params]) => ({name: name!, className: className!, outputShape: outputShape!, params: params!}));
const MLP_WEIGHTS = [784 * 512, 512, 512 * 512, 512, 5120, 10];

test('the MLP summary at 88 and 76 columns, byte for byte', () => {
  const m = fakeModel('sequential', MLP, MLP_WEIGHTS, [], null);
  assert.equal(summaryLines(m, {lineLength: 88}).join('\n') + '\n', fixture('mlp_88'));
  assert.equal(summaryLines(m, {lineLength: 76}).join('\n') + '\n', fixture('mlp_76'));
});

test('Optimizer params once the optimizer is built', () => {
  // RMSprop: iteration (int32), learning_rate (float32), one velocity per weight
  const m = fakeModel('sequential', MLP, MLP_WEIGHTS, [], [1, ...MLP_WEIGHTS]);
  assert.equal(summaryLines(m, {lineLength: 88}).join('\n') + '\n', fixture('mlp_88_optimizer'));
});

test('narrow columns wrap headers (bottom-aligned); unbuilt layers show ?', () => {
  const m = fakeModel('my_model', [
    {name: 'dense_a', className: 'Dense', outputShape: '(None, 3)', params: '15'},
    {name: 'late', className: 'Dense', outputShape: '?', params: '0 (unbuilt)'},
  ], [12, 3], [], null);
  assert.equal(summaryLines(m, {lineLength: 60, positions: [0.5, 0.75, 1.0]}).join('\n') + '\n', fixture('small_unbuilt'));
});

test('non-trainable params are counted apart', () => {
  const m = fakeModel('sequential_1', [{name: 'batch_normalization', className: 'BatchNormalization', outputShape: '(None, 4)', params: '16'}], [4, 4], [4, 4], null);
  assert.equal(summaryLines(m, {lineLength: 88}).join('\n') + '\n', fixture('bn_nontrainable'));
});

test('readable sizes as Keras', () => {
  assert.equal(readableMemorySize(0), '0.00 B');
  assert.equal(readableMemorySize(2678824), '2.55 MB');
  assert.equal(readableMemorySize(1023), '1023.00 B');
  assert.equal(readableMemorySize(1024), '1.00 KB');
});
