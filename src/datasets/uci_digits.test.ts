import assert from 'node:assert/strict';
import {test} from 'node:test';
import {loadData} from './uci_digits.js';

test('uciDigits: the shipped file loads as 1,438 train / 359 test samples of 64 pixels, every class present', async () => {
  const [[xTrain, yTrain], [xTest, yTest]] = await loadData();
  assert.deepEqual([...xTrain.shape], [1438, 64]);
  assert.deepEqual([...xTest.shape], [359, 64]);
  assert.equal(yTrain.dtype, 'int32');
  const counts = new Array(10).fill(0);
  for (const v of [...yTrain.values, ...yTest.values]) counts[v]++;
  // the class counts of the UCI test set as scikit-learn describes it (about 180 per class)
  assert.deepEqual(counts, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
  const max = Math.max(...xTrain.values), min = Math.min(...xTrain.values);
  assert.equal(max, 16);
  assert.equal(min, 0);
});

test('uciDigits: the split is a seeded shuffle (same seed, same split; another seed, another)', async () => {
  const a = await loadData({seed: 1});
  const b = await loadData({seed: 1});
  const c = await loadData({seed: 2});
  assert.deepEqual([...a[1][1].values], [...b[1][1].values]);
  assert.notDeepEqual([...a[1][1].values], [...c[1][1].values]);
  await assert.rejects(loadData({testSplit: 1.5}), /testSplit must be in \(0, 1\)/);
});
