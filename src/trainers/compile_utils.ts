/**
 * What `compile` turns its arguments into (Keras's `compile_utils`): `CompileLoss` resolves loss
 * identifiers (with `'crossentropy'`/`'ce'` chosen from the shapes) and weights them; `CompileMetrics`
 * resolves metric identifiers on the first batch — `'accuracy'`/`'acc'` become `BinaryAccuracy`,
 * `SparseCategoricalAccuracy` or `CategoricalAccuracy` from the shapes of `y_true` and `y_pred`.
 */
import {ValueError} from '../errors.js';
import * as lossesModule from '../losses/index.js';
import {Loss} from '../losses/loss.js';
import {LossFunctionWrapper, fnName, type LossFn} from '../losses/losses.js';
import * as metricsModule from '../metrics/index.js';
import {Mean, MeanMetricWrapper, Metric, type MetricFn} from '../metrics/metric.js';
import * as ops from '../ops/index.js';
import type {Tensor} from '../tensor/tensor.js';

export type LossSpec = string | Loss | LossFn;
export type MetricSpec = string | Metric | MetricFn;

/** Keras's `is_binary_or_sparse_categorical`. */
export function isBinaryOrSparseCategorical(yTrue: Tensor, yPred: Tensor): [boolean, boolean] {
  const tRank = yTrue.rank, pRank = yPred.rank;
  const tLast = yTrue.shape[tRank - 1], pLast = yPred.shape[pRank - 1];
  const isBinary = pLast === 1;
  const isSparse = tRank < pRank || (tLast === 1 && pLast! > 1);
  return [isBinary, isSparse];
}

export function getMetric(identifier: MetricSpec, yTrue: Tensor, yPred: Tensor): Metric {
  if (identifier === null || identifier === undefined) throw new ValueError('Expected metric, received `None`');
  let obj: Metric | MetricFn;
  if (typeof identifier === 'string' && ['accuracy', 'acc'].includes(identifier.toLowerCase())) {
    const [isBinary, isSparse] = isBinaryOrSparseCategorical(yTrue, yPred);
    if (isBinary) obj = new metricsModule.BinaryAccuracy({name: identifier});
    else if (isSparse) obj = new metricsModule.SparseCategoricalAccuracy({name: identifier});
    else obj = new metricsModule.CategoricalAccuracy({name: identifier});
  } else {
    obj = metricsModule.get(identifier);
  }
  const name = typeof identifier === 'string' ? identifier : obj instanceof Metric ? obj.name : fnName(obj);
  const metric = obj instanceof Metric ? obj : new MeanMetricWrapper(obj);
  metric.name = name;
  return metric;
}

export function getLoss(identifier: LossSpec, yTrue: Tensor, yPred: Tensor): Loss {
  let obj: Loss | LossFn | null;
  if (typeof identifier === 'string' && ['crossentropy', 'ce'].includes(identifier.toLowerCase())) {
    const [isBinary, isSparse] = isBinaryOrSparseCategorical(yTrue, yPred);
    obj = isBinary ? lossesModule.binaryCrossentropy : isSparse ? lossesModule.sparseCategoricalCrossentropy : lossesModule.categoricalCrossentropy;
  } else {
    obj = lossesModule.get(identifier);
  }
  if (obj instanceof Loss) return obj;
  const name = typeof identifier === 'string' ? identifier : fnName(obj as LossFn);
  return new LossFunctionWrapper(obj as LossFn, {name});
}

/** The string identifiers in a loss or metric spec (a name, a list, lists of lists, an object by output). */
function stringIdentifiers(spec: unknown): string[] {
  if (typeof spec === 'string') return [spec];
  if (Array.isArray(spec)) return spec.flatMap(stringIdentifiers);
  if (spec && typeof spec === 'object' && Object.getPrototypeOf(spec) === Object.prototype && !('className' in spec)) {
    return Object.values(spec).flatMap(stringIdentifiers);
  }
  return [];
}

/** Names resolved from the shapes of the first batch, known before any data. */
const SHAPE_DEPENDENT_LOSSES = ['crossentropy', 'ce'];
const SHAPE_DEPENDENT_METRICS = ['accuracy', 'acc', 'crossentropy', 'ce'];

/** The losses of `compile`, one per output, weighted and summed. */
export class CompileLoss {
  built = false;
  /** One entry per output that has a loss; `index` is the output's position. */
  private flat: {loss: Loss; weight: number | null; name: string; index: number}[] = [];
  /** Per-output loss trackers, when there are several outputs (named `{output}_loss`). */
  readonly metrics: Mean[] = [];

  constructor(
    readonly userLoss: LossSpec | (LossSpec | null)[] | Record<string, LossSpec | null>,
    readonly lossWeights: number | number[] | Record<string, number> | null = null,
    readonly outputNames: string[] | null = null,
  ) {
    // an unknown name fails in compile, naming the valid ones, rather than at the first batch
    for (const id of stringIdentifiers(userLoss)) if (!SHAPE_DEPENDENT_LOSSES.includes(id.toLowerCase())) lossesModule.get(id);
  }

  build(yTrue: Tensor[], yPred: Tensor[]): void {
    const n = yPred.length;
    let specs: (LossSpec | null)[];
    const u = this.userLoss;
    if (Array.isArray(u)) specs = u;
    else if (typeof u === 'object' && u !== null && !(u instanceof Loss)) {
      const names = this.outputNames ?? [];
      const keys = Object.keys(u);
      if (names.length !== n || keys.some((k) => !names.includes(k))) {
        throw new ValueError(`Expected keys ${JSON.stringify(names)} in loss dict, but found loss.keys()=${JSON.stringify(keys)}`);
      }
      specs = names.map((k) => (u as Record<string, LossSpec | null>)[k] ?? null);
    } else specs = new Array(n).fill(u);
    if (specs.length !== n) {
      throw new ValueError(`The model has ${n} outputs, but \`loss\` has ${specs.length} entries. Received: loss=${JSON.stringify(specs.map(String))}`);
    }
    let weights: (number | null)[];
    const w = this.lossWeights;
    if (w === null || w === undefined) weights = new Array(n).fill(null);
    else if (typeof w === 'number') weights = new Array(n).fill(w);
    else if (Array.isArray(w)) weights = w;
    else weights = (this.outputNames ?? []).map((k) => (w as Record<string, number>)[k] ?? null);
    if (weights.length !== n) throw new ValueError(`\`loss_weights\` must match the number of losses, got ${n} losses and ${weights.length} weights.`);
    this.flat = [];
    specs.forEach((s, i) => {
      if (s === null || s === undefined) return;
      if (!yTrue[i]) throw new ValueError(`No target (y) was given for output ${i}, which has a loss`);
      const loss = getLoss(s, yTrue[i]!, yPred[i]!);
      const name = n > 1 && this.outputNames ? this.outputNames[i]! : loss.name;
      this.flat.push({loss, weight: weights[i] ?? null, name, index: i});
    });
    if (this.flat.length > 1) for (const f of this.flat) this.metrics.push(new Mean({name: `${f.name}_loss`}));
    this.built = true;
  }

  /** The weighted sum of the output losses (a scalar). */
  call(yTrue: Tensor[], yPred: Tensor[], sampleWeight: Tensor[] | null): Tensor | null {
    if (!this.built) this.build(yTrue, yPred);
    let total: Tensor | null = null;
    this.flat.forEach((f, k) => {
      const i = f.index;
      const sw = sampleWeight ? (sampleWeight[i] ?? sampleWeight[0] ?? null) : null;
      let value = f.loss.apply(yTrue[i]!, yPred[i]!, sw);
      if (this.metrics[k]) this.metrics[k]!.updateState(value, yPred[i]!.shape[0]);
      if (f.weight !== null) value = ops.multiply(value, f.weight);
      total = total ? ops.add(total, value) : value;
    });
    return total;
  }
}

/** The metrics of `compile`, built on the first batch. */
export class CompileMetrics {
  built = false;
  private flatMetrics: Metric[][] = [];
  private flatWeighted: Metric[][] = [];

  constructor(
    readonly userMetrics: MetricSpec[] | MetricSpec[][] | Record<string, MetricSpec[] | MetricSpec> | null,
    readonly userWeightedMetrics: MetricSpec[] | MetricSpec[][] | Record<string, MetricSpec[] | MetricSpec> | null,
    readonly outputNames: string[] | null = null,
  ) {
    for (const [arg, m] of [['metrics', userMetrics], ['weighted_metrics', userWeightedMetrics]] as const) {
      if (m !== null && m !== undefined && typeof m !== 'object') {
        throw new ValueError(`Expected \`${arg}\` argument to be a list, tuple, or dict. Received instead: ${arg}=${String(m)} of type ${typeof m}`);
      }
      for (const id of stringIdentifiers(m)) if (!SHAPE_DEPENDENT_METRICS.includes(id.toLowerCase())) metricsModule.get(id);
    }
  }

  /** Every metric object, unweighted first. */
  get metrics(): Metric[] {
    // read several times per training step: plain loops (Array.prototype.flat is slow in V8)
    const out: Metric[] = [];
    for (const list of this.flatMetrics) for (const m of list) out.push(m);
    for (const list of this.flatWeighted) for (const m of list) out.push(m);
    return out;
  }

  private buildSet(spec: CompileMetrics['userMetrics'], yTrue: Tensor[], yPred: Tensor[], arg: string): Metric[][] {
    const n = yPred.length;
    if (!spec || (Array.isArray(spec) && spec.length === 0)) return new Array(n).fill(null).map(() => []);
    const resolve = (list: MetricSpec[] | MetricSpec, i: number) =>
      (Array.isArray(list) ? list : [list]).map((m) => getMetric(m, yTrue[i] ?? yPred[i]!, yPred[i]!));
    if (n === 1) return [resolve((Array.isArray(spec) ? spec.flat() : Object.values(spec).flat()) as MetricSpec[], 0)];
    if (Array.isArray(spec)) {
      if (spec.length === n && spec.every((s) => Array.isArray(s) || s === null)) return spec.map((s, i) => (s ? resolve(s as MetricSpec[], i) : []));
      // one list for every output
      return yPred.map((_, i) => resolve(spec as MetricSpec[], i));
    }
    const names = this.outputNames ?? [];
    const keys = Object.keys(spec);
    if (keys.some((k) => !names.includes(k))) {
      throw new ValueError(`Invalid \`${arg}\`. \`${arg}\` should contain metrics objects and either be a dict or a list matching the output names of the functional model ${JSON.stringify(names)}. Received: ${arg}=${JSON.stringify(keys)}`);
    }
    return names.map((k, i) => (spec[k] !== undefined ? resolve(spec[k]!, i) : []));
  }

  build(yTrue: Tensor[], yPred: Tensor[]): void {
    this.flatMetrics = this.buildSet(this.userMetrics, yTrue, yPred, 'metrics');
    this.flatWeighted = this.buildSet(this.userWeightedMetrics, yTrue, yPred, 'weighted_metrics');
    if (yPred.length > 1 && this.outputNames) {
      // several outputs: names get the output name as a prefix, as Keras's MetricsList(output_name)
      const prefix = (ms: Metric[][]) => ms.forEach((list, i) => list.forEach((m) => (m.name = `${this.outputNames![i]}_${m.name}`)));
      prefix(this.flatMetrics);
      prefix(this.flatWeighted);
    }
    this.built = true;
  }

  updateState(yTrue: Tensor[], yPred: Tensor[], sampleWeight: Tensor[] | null): void {
    if (!this.built) this.build(yTrue, yPred);
    this.flatMetrics.forEach((list, i) => list.forEach((m) => yTrue[i] && m.updateState(yTrue[i]!, yPred[i]!)));
    this.flatWeighted.forEach((list, i) => {
      const sw = sampleWeight ? (sampleWeight[i] ?? sampleWeight[0] ?? null) : null;
      list.forEach((m) => yTrue[i] && m.updateState(yTrue[i]!, yPred[i]!, sw));
    });
  }

  resetState(): void {
    for (const m of this.metrics) m.resetState();
  }

  /** `{name: value}`; a weighted metric whose name is taken becomes `weighted_{name}`, then `_1`, `_2`. */
  result(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    const counters = new Map<string, number>();
    for (const list of this.flatMetrics) for (const m of list) {
      let name = m.name;
      if (counters.has(name)) {
        const i = counters.get(name)!;
        counters.set(name, i + 1);
        name = `${name}_${i}`;
      } else counters.set(name, 1);
      out[name] = m.result();
    }
    for (const list of this.flatWeighted) for (const m of list) {
      let name = m.name;
      if (!counters.has(name)) counters.set(name, 1);
      else {
        name = `weighted_${m.name}`;
        if (!counters.has(name)) counters.set(name, 1);
        else {
          const i = counters.get(name)!;
          counters.set(name, i + 1);
          name = `${name}_${i}`;
        }
      }
      out[name] = m.result();
    }
    return out;
  }
}
