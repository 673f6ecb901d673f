// Expected values: the examples in Keras 3's docstrings and hand-derived values in its tests
// (keras/src/metrics/*_test.py), unless a comment says otherwise.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import type {Tensor} from '../tensor/tensor.js';
import * as metrics from './index.js';

const v = (t: Tensor): number[] => [...t.values];
function close(actual: number | number[], expected: number | number[], tol = 1e-5): void {
  const a = Array.isArray(actual) ? actual : [actual];
  const e = Array.isArray(expected) ? expected : [expected];
  assert.equal(a.length, e.length);
  a.forEach((x, i) => assert.ok(Math.abs(x - e[i]!) <= tol * (1 + Math.abs(e[i]!)), `[${i}] ${x} vs ${e[i]}`));
}

test('Mean and Sum (weighted)', () => {
  const s = new metrics.Sum();
  s.updateState([1, 3, 5, 7]);
  close(s.result().item(), 16);
  const s2 = new metrics.Sum();
  s2.updateState([1, 3, 5, 7], [1, 1, 0, 0]);
  close(s2.result().item(), 4);
  const m = new metrics.Mean();
  m.updateState([1, 3, 5, 7]);
  close(m.result().item(), 4);
  m.resetState();
  m.updateState([1, 3, 5, 7], [1, 1, 0, 0]);
  close(m.result().item(), 2);
  assert.deepEqual(m.variables.map((x) => x.name), ['total', 'count']);
  assert.ok(m.variables.every((x) => !x.trainable));
});

test('accuracy metrics: docstring values', () => {
  const a = new metrics.Accuracy();
  a.updateState([[1], [2], [3], [4]], [[0], [2], [3], [4]]);
  close(a.result().item(), 0.75);
  a.resetState();
  a.updateState([[1], [2], [3], [4]], [[0], [2], [3], [4]], [1, 1, 0, 0]);
  close(a.result().item(), 0.5);

  const b = new metrics.BinaryAccuracy();
  b.updateState([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]]);
  close(b.result().item(), 0.75);
  b.resetState();
  b.updateState([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]], [1, 0, 0, 1]);
  close(b.result().item(), 0.5);

  const c = new metrics.CategoricalAccuracy();
  c.updateState([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]);
  close(c.result().item(), 0.5);
  c.resetState();
  c.updateState([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], [0.7, 0.3]);
  close(c.result().item(), 0.3);

  const sc = new metrics.SparseCategoricalAccuracy();
  sc.updateState([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]]);
  close(sc.result().item(), 0.5);
  sc.resetState();
  sc.updateState([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]], [0.7, 0.3]);
  close(sc.result().item(), 0.3);

  const tk = new metrics.TopKCategoricalAccuracy({k: 1});
  tk.updateState([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]);
  close(tk.result().item(), 0.5);
  const stk = new metrics.SparseTopKCategoricalAccuracy({k: 1});
  stk.updateState([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], [0.7, 0.3]);
  close(stk.result().item(), 0.3);
  const stk2 = new metrics.SparseTopKCategoricalAccuracy({k: 2});
  stk2.updateState([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]);
  close(stk2.result().item(), 1);
});

test('confusion counts, Precision, Recall: docstring values', () => {
  const cases: [new () => metrics.Metric, number[], number[], number, number][] = [
    [metrics.FalsePositives, [0, 1, 0, 0], [0, 0, 1, 1], 2, 1],
    [metrics.FalseNegatives, [0, 1, 1, 1], [0, 1, 0, 0], 2, 1],
    [metrics.TrueNegatives, [0, 1, 0, 0], [1, 1, 0, 0], 2, 1],
    [metrics.TruePositives, [0, 1, 1, 1], [1, 0, 1, 1], 2, 1],
  ];
  for (const [Cls, yt, yp, plain, weighted] of cases) {
    const m = new Cls();
    m.updateState(yt, yp);
    close(m.result().item(), plain);
    m.resetState();
    m.updateState(yt, yp, [0, 0, 1, 0]);
    close(m.result().item(), weighted);
  }
  const p = new metrics.Precision();
  p.updateState([0, 1, 1, 1], [1, 0, 1, 1]);
  close(p.result().item(), 2 / 3);
  p.resetState();
  p.updateState([0, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0]);
  close(p.result().item(), 1);
  const pk = new metrics.Precision({topK: 2});
  pk.updateState([0, 0, 1, 1], [1, 1, 1, 1]);
  close(pk.result().item(), 0);
  const pk4 = new metrics.Precision({topK: 4});
  pk4.updateState([0, 0, 1, 1], [1, 1, 1, 1]);
  close(pk4.result().item(), 0.5);
  const r = new metrics.Recall();
  r.updateState([0, 1, 1, 1], [1, 0, 1, 1]);
  close(r.result().item(), 2 / 3);
  const rc = new metrics.Recall({classId: 1});
  rc.updateState([[0, 1], [0, 1], [1, 0]], [[0.2, 0.8], [0.9, 0.1], [0.1, 0.9]]);
  close(rc.result().item(), 0.5);
  const multi = new metrics.Precision({thresholds: [0.3, 0.7]});
  multi.updateState([0, 1, 1], [0.5, 0.8, 0.4]);
  close(v(multi.result()), [2 / 3, 1]);
});

test('AUC: Keras docstring and the hand-derived values of its tests', () => {
  const m = new metrics.AUC({numThresholds: 3});
  m.updateState([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]);
  close(m.result().item(), 0.75);
  m.resetState();
  m.updateState([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], [1, 0, 0, 1]);
  close(m.result().item(), 1.0);
  // tests: tp=[7,4,0] fp=[3,0,0] fn=[0,3,7] tn=[0,3,3] with weights [1,2,3,4]
  const w = [1, 2, 3, 4];
  const roc = new metrics.AUC({numThresholds: 3});
  roc.updateState([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], w);
  close(roc.result().item(), 0.7855 * 1 + 0.2855 * 0, 1e-3);
  const pr = new metrics.AUC({numThresholds: 3, curve: 'PR'});
  pr.updateState([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], w);
  close(pr.result().item(), 2.416 / 7 + 4 / 7, 1e-3);
  const majoring = new metrics.AUC({numThresholds: 3, summationMethod: 'majoring'});
  majoring.updateState([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], w);
  close(majoring.result().item(), 1 * 1 + 0.571 * 0, 1e-3);
  const minoring = new metrics.AUC({numThresholds: 3, summationMethod: 'minoring'});
  minoring.updateState([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], w);
  close(minoring.result().item(), 0.571 * 1 + 0 * 0, 1e-3);
  const logits = new metrics.AUC({numThresholds: 3, fromLogits: true});
  logits.updateState([0, 0, 1, 1], [0, 0.5, 0.3, 0.9].map((p) => -Math.log(1 / (p + 1e-12) - 1)));
  close(logits.result().item(), 0.75);
  assert.equal(new metrics.AUC().thresholds.length, 200);
});

test('AUC with 200 thresholds approaches the exact ROC AUC (Mann-Whitney statistic)', () => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const yt: number[] = [], yp: number[] = [];
  for (let i = 0; i < 400; i++) {
    const label = rnd() < 0.4 ? 1 : 0;
    yt.push(label);
    yp.push(Math.min(1, Math.max(0, 0.35 + 0.3 * label + (rnd() - 0.5) * 0.6)));
  }
  let pairs = 0, wins = 0;
  for (let i = 0; i < yt.length; i++) for (let j = 0; j < yt.length; j++) {
    if (yt[i] === 1 && yt[j] === 0) {
      pairs++;
      wins += yp[i]! > yp[j]! ? 1 : yp[i] === yp[j] ? 0.5 : 0;
    }
  }
  const m = new metrics.AUC();
  m.updateState(yt.slice(0, 200), yp.slice(0, 200));
  m.updateState(yt.slice(200), yp.slice(200));
  close(m.result().item(), wins / pairs, 5e-3);
});

test('F1Score / FBetaScore: docstring values', () => {
  const yt = [[1, 1, 1], [1, 0, 0], [1, 1, 0]];
  const yp = [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]];
  const fb = new metrics.FBetaScore({beta: 2.0, threshold: 0.5});
  fb.updateState(yt, yp);
  close(v(fb.result()), [0.3846154, 0.90909094, 0.8333334]);
  const f1 = new metrics.F1Score({threshold: 0.5});
  f1.updateState(yt, yp);
  close(v(f1.result()), [0.5, 0.8, 0.6666667]);
  const macro = new metrics.F1Score({threshold: 0.5, average: 'macro'});
  macro.updateState(yt, yp);
  close(macro.result().item(), (0.5 + 0.8 + 2 / 3) / 3);
});

test('regression metrics: docstring values', () => {
  const yt = [[0, 1], [0, 0]], yp = [[1, 1], [0, 0]];
  const check = (m: metrics.Metric, plain: number, weighted?: number) => {
    m.updateState(yt, yp);
    close(m.result().item(), plain);
    if (weighted !== undefined) {
      m.resetState();
      m.updateState(yt, yp, [1, 0]);
      close(m.result().item(), weighted);
    }
  };
  check(new metrics.MeanSquaredError(), 0.25);
  check(new metrics.MeanAbsoluteError(), 0.25, 0.5);
  check(new metrics.MeanAbsolutePercentageError(), 250000000.0, 500000000.0);
  check(new metrics.MeanSquaredLogarithmicError(), 0.12011322, 0.24022643);
  check(new metrics.RootMeanSquaredError(), 0.5, 0.70710677);
  check(new metrics.LogCoshError(), 0.10844523, 0.21689045);
  const cs = new metrics.CosineSimilarity({axis: 1});
  cs.updateState([[0, 1], [1, 1]], [[1, 0], [1, 1]]);
  close(cs.result().item(), 0.5);
  cs.resetState();
  cs.updateState([[0, 1], [1, 1]], [[1, 0], [1, 1]], [0.3, 0.7]);
  close(cs.result().item(), 0.7);
  const r2 = new metrics.R2Score();
  r2.updateState([[1], [4], [3]], [[2], [4], [4]]);
  close(r2.result().item(), 0.57142854);
});

test('metrics.get: names, snake_case names and aliases; unknown names list the valid ones', () => {
  assert.ok(metrics.get('mse') instanceof metrics.MeanSquaredError);
  assert.ok(metrics.get('categorical_accuracy') instanceof metrics.CategoricalAccuracy);
  assert.ok(metrics.get('AUC') instanceof metrics.AUC);
  assert.ok(metrics.get('auc') instanceof metrics.AUC);
  assert.throws(() => metrics.get('acuracy'), /Could not interpret metric identifier: acuracy. Expected one of: .*accuracy/);
  const m = new metrics.Precision({name: 'p'});
  assert.equal(metrics.get(m), m);
  assert.deepEqual(new metrics.BinaryAccuracy({threshold: 0.7}).getConfig(), {name: 'binary_accuracy', dtype: 'float32', threshold: 0.7});
});
