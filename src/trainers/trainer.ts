/**
 * The training loop of `Model` (Keras 3's `Trainer`): `compile` state, the default train / test /
 * predict steps (which `Model` subclasses override), and `fit` / `evaluate` / `predict` over arrays
 * or streams of batches (epoch_iterator.ts), yielding to the event loop between batches.
 */
import {GradientTape} from '../gradients/tape.js';
import {noGrad} from '../autodiff/engine.js';
import type {Variable} from '../autodiff/variable.js';
import {Callback, isThenable, type CallbackModel, type HookResult, type Logs} from '../callbacks/callback.js';
import {CallbackList} from '../callbacks/callback_list.js';
import type {History} from '../callbacks/history.js';
import {activeDataParallel} from '../distribution/state.js';
import {ValueError} from '../errors.js';
import {Mean, type Metric} from '../metrics/metric.js';
import * as ops from '../ops/index.js';
import {toFloat} from '../ops/core.js';
import * as optimizers from '../optimizers/index.js';
import type {Optimizer} from '../optimizers/optimizer.js';
import type {ShapeLike} from '../layers/input_spec.js';
import {fetchValues, fetchValuesWhereAsyncOnly, Tensor, zeros} from '../tensor/tensor.js';
import {CompileLoss, CompileMetrics, type LossSpec, type MetricSpec} from './compile_utils.js';
import {
  checkDataCardinality, classWeightToSampleWeights, EpochIterator, sliceRows, toTensorList, trainValidationSplit, unpackXYSampleWeight,
  type Batch, type Data, type StepData, type StepTensors,
} from './data_adapter.js';
import {ArraySource, isStream, StreamSource, type BatchSource, type Stream} from './epoch_iterator.js';
import {yieldToEventLoop} from '../platform/index.js';
import {PyDataset} from '../utils/py_dataset.js';
import {PlanCache, type Plan} from '../plan/index.js';
import {backendName} from '../backends/registry.js';

export interface CompileArgs {
  optimizer?: optimizers.OptimizerIdentifier;
  loss?: LossSpec | (LossSpec | null)[] | Record<string, LossSpec | null> | null;
  lossWeights?: number | number[] | Record<string, number> | null;
  metrics?: MetricSpec[] | MetricSpec[][] | Record<string, MetricSpec[] | MetricSpec> | null;
  weightedMetrics?: MetricSpec[] | MetricSpec[][] | Record<string, MetricSpec[] | MetricSpec> | null;
  /** Every step eager (no plans), as Keras's `run_eagerly`. */
  runEagerly?: boolean;
  stepsPerExecution?: number;
  /**
   * `'auto'` (default) and `true`: steps run from plans (src/plan), a step that cannot be traced
   * eagerly (set `KERAS_TS_DEBUG=1` to see why); `false`: every step eager.
   */
  jitCompile?: boolean | 'auto';
}

export type Verbose = 0 | 1 | 2 | 'auto';

export interface FitArgs {
  batchSize?: number | null;
  epochs?: number;
  verbose?: Verbose;
  callbacks?: Callback[];
  validationSplit?: number;
  /** `[x, y]`, `[x, y, sampleWeight]`, or a stream of such batches (iterable, generator, PyDataset). */
  validationData?: [Data, Data] | [Data, Data, Data] | Stream | null;
  shuffle?: boolean | 'batch';
  classWeight?: Record<number, number> | null;
  sampleWeight?: Data | null;
  initialEpoch?: number;
  stepsPerEpoch?: number | null;
  validationSteps?: number | null;
  validationBatchSize?: number | null;
  validationFreq?: number | number[];
}

export interface EvaluateArgs {
  batchSize?: number | null;
  verbose?: Verbose;
  sampleWeight?: Data | null;
  steps?: number | null;
  callbacks?: Callback[];
  returnDict?: boolean;
}

export interface PredictArgs {
  batchSize?: number | null;
  verbose?: Verbose;
  steps?: number | null;
  callbacks?: Callback[];
}

/** What a step returns: metric values by name (tensors or numbers). */
export type StepLogs = Record<string, Tensor | number>;

/** `computeLoss`'s arguments, as Keras 3's `compute_loss(x, y, y_pred, sample_weight, training)`. */
export interface ComputeLossArgs {
  x?: StepTensors | null;
  y?: StepTensors | null;
  yPred?: StepTensors | null;
  sampleWeight?: StepTensors | null;
  training?: boolean;
}

/**
 * What the loop needs from the model (models/model.ts implements it). The steps are the model's
 * methods, so a subclass overrides `trainStep` / `testStep` / `predictStep`, `computeLoss`,
 * `computeMetrics` or the `metrics` getter, as in Keras 3.
 */
export interface TrainerModel extends CallbackModel {
  name: string;
  trainableWeights: Variable[];
  /** Every weight, trainable or not (DataParallel broadcasts them at the start of `fit`). */
  weights?: Variable[];
  losses: Tensor[];
  outputNames?: string[] | null;
  stopTraining: boolean;
  stopEvaluating: boolean;
  stopPredicting: boolean;
  history: History | null;
  /** Set by a callback in `onTrainBegin` to resume from an epoch (Keras's `_initial_epoch`). */
  initialEpoch?: number | null;
  /** Runs the model (`training` reaches dropout / batch norm). */
  forward(x: Tensor[], training: boolean): Tensor[];
  clearCallLosses(): void;
  getWeights(): Tensor[];
  setWeights(w: Tensor[]): void;
  /** Builds the model from the shapes of the first batch, if it is not built. */
  buildFromData(x: Tensor[]): void;
  computeOutputShape(inputShape: ShapeLike | ShapeLike[]): ShapeLike | ShapeLike[];
  trainerState: TrainerState | null;
  readonly metrics: Metric[];
  resetMetrics(): void;
  trainStep(data: StepData): StepLogs;
  testStep(data: StepData): StepLogs;
  predictStep(data: StepData): StepTensors;
  computeLoss(args: ComputeLossArgs): Tensor;
  computeMetrics(x: StepTensors | null, y: StepTensors | null, yPred: StepTensors | null, sampleWeight?: StepTensors | null): StepLogs;
  getMetricsResult(): Logs;
}

/** The state `compile` creates. */
export interface TrainerState {
  optimizer: Optimizer | null;
  compileLoss: CompileLoss | null;
  compileMetrics: CompileMetrics | null;
  lossTracker: Mean;
  config: CompileArgs;
  /** The compiled steps (plan/), unless `runEagerly` or `jitCompile: false`; freed with the model. */
  plans: PlanCache | null;
}

export function compile(model: TrainerModel, args: CompileArgs = {}): TrainerState {
  const optimizer = optimizers.get(args.optimizer ?? 'rmsprop');
  const names = model.outputNames ?? null;
  const state: TrainerState = {
    optimizer,
    compileLoss: args.loss !== null && args.loss !== undefined ? new CompileLoss(args.loss, args.lossWeights ?? null, names) : null,
    compileMetrics:
      args.metrics || args.weightedMetrics ? new CompileMetrics(args.metrics ?? null, args.weightedMetrics ?? null, names) : null,
    lossTracker: new Mean({name: 'loss'}),
    config: args,
    plans: args.runEagerly || args.jitCompile === false ? null : new PlanCache(`model "${model.name}"`),
  };
  model.trainerState = state;
  model.stopTraining = false;
  return state;
}

function requireCompiled(model: TrainerModel): TrainerState {
  if (!model.trainerState) throw new ValueError('You must call `compile()` before using the model.');
  return model.trainerState;
}

/** `[loss tracker, compile metrics..., per-output loss trackers]`, as Keras's `model.metrics`. */
export function modelMetrics(model: TrainerModel): Metric[] {
  const s = model.trainerState;
  if (!s) return [];
  return [s.lossTracker, ...(s.compileMetrics?.metrics ?? []), ...(s.compileLoss?.metrics ?? [])];
}

/**
 * Keras's `get_metrics_result`: the value of every metric in `model.metrics`, as numbers; the
 * compiled metrics under their compiled names (`weighted_...` when a name is taken).
 */
export function metricsResult(model: TrainerModel): Logs {
  const cm = model.trainerState?.compileMetrics ?? null;
  const compiled = new Set<Metric>(cm?.metrics ?? []);
  const out: Record<string, Tensor> = {};
  let compiledDone = false;
  for (const m of model.metrics) {
    if (compiled.has(m)) {
      if (!compiledDone && cm!.built) Object.assign(out, cm!.result());
      compiledDone = true;
    } else out[m.name] = m.result();
  }
  return pythonifyLogs(out);
}

/** The device values a `pythonifyLogs` result reads when first asked for. */
const unreadLogs = new WeakMap<object, Tensor[]>();

/**
 * Where the device cannot be read synchronously (a page's GPU), reads the logs' device values now,
 * in one transfer, so that callbacks can read them; elsewhere a no-op (they are read when asked for).
 */
async function readLogs(logs: Logs | null): Promise<void> {
  const ts = logs && unreadLogs.get(logs);
  if (ts?.length) await fetchValuesWhereAsyncOnly(ts);
}

/** Whether a callback of the list reads the logs of every batch (the progress bar does with verbose 1 only). */
function readsBatchLogs(callbacks: CallbackList, hook: 'onTrainBatchEnd' | 'onTestBatchEnd'): boolean {
  const base = Callback.prototype;
  return callbacks.callbacks.some((c) =>
    c === callbacks.progbar ? callbacks.progbar.verbose === 1 : c[hook] !== base[hook] || (hook === 'onTrainBatchEnd' && c.onBatchEnd !== base.onBatchEnd),
  );
}

/**
 * Sorted keys and plain numbers, as Keras's `pythonify_logs`. A value that lives on a device (the
 * webgpu backend) is read when first asked for, with all the other such values of these logs in the
 * same transfer: a step whose logs nobody reads (`verbose: 0`) reads nothing back.
 */
export function pythonifyLogs(logs: Record<string, Tensor | number>): Logs {
  const out: Logs = {};
  const unread = unreadLogs.get(logs);
  const onDevice: Tensor[] = unread ? [...unread] : [];
  const settle = (on: Logs, k: string, value: number): number => {
    Object.defineProperty(on, k, {value, writable: true, enumerable: true, configurable: true});
    return value;
  };
  for (const k of Object.keys(logs).sort()) {
    // logs made here already (a step's logs) with device values: a value not yet read stays unread
    const desc = unread && Object.getOwnPropertyDescriptor(logs, k);
    if (desc && desc.get) {
      Object.defineProperty(out, k, desc);
      continue;
    }
    const v = logs[k]!;
    if (!(v instanceof Tensor)) out[k] = v;
    else if (v.hostValues !== null || v.size !== 1) out[k] = v.size === 1 ? v.values[0]! : NaN;
    else {
      onDevice.push(v);
      Object.defineProperty(out, k, {
        enumerable: true,
        configurable: true,
        get(this: Logs) {
          fetchValues(onDevice);
          return settle(this, k, v.values[0]!);
        },
        set(this: Logs, value: number) {
          settle(this, k, value);
        },
      });
    }
  }
  if (onDevice.length) unreadLogs.set(out, onDevice);
  return out;
}

/** Keras's `_get_metrics_result_or_logs`: the metrics' values when the step reported the same names. */
function metricsResultOrLogs(model: TrainerModel, logs: Logs | null): Logs {
  const m = metricsResult(model);
  if (!logs) return m;
  const a = Object.keys(logs), b = Object.keys(m);
  return a.length === b.length && a.every((k) => k in m) ? m : logs;
}

const asList = (t: StepTensors | null | undefined): Tensor[] | null => (t === null || t === undefined ? null : Array.isArray(t) ? t : [t]);
const asStructure = (ts: Tensor[]): StepTensors => (ts.length === 1 ? ts[0]! : ts);

/** The default `computeLoss`: compiled losses plus regularization and `addLoss` losses. */
export function computeLoss(model: TrainerModel, {y = null, yPred = null, sampleWeight = null}: ComputeLossArgs): Tensor {
  const s = requireCompiled(model);
  const losses: Tensor[] = [];
  if (s.compileLoss) {
    if (!y) throw new ValueError('The model has a loss but `y` was not provided. Pass targets to `fit` / `evaluate`.');
    if (!yPred) throw new ValueError('computeLoss: `yPred` was not provided.');
    const l = s.compileLoss.call(asList(y)!, asList(yPred)!, asList(sampleWeight));
    if (l) losses.push(l);
  }
  for (const l of model.losses) losses.push(ops.sum(toFloat(l)));
  if (losses.length === 0) throw new ValueError('No loss to compute. Provide a `loss` argument in `compile()`.');
  return losses.length === 1 ? losses[0]! : losses.reduce((a, b) => ops.add(a, b));
}

/** The default `computeMetrics`: updates the compiled metrics, returns every metric's value. */
export function computeMetrics(model: TrainerModel, y: StepTensors | null, yPred: StepTensors | null, sampleWeight: StepTensors | null): StepLogs {
  if (yPred) updateCompiledMetrics(model, y, asList(yPred)!, sampleWeight);
  return model.getMetricsResult();
}

function batchSizeOf(x: StepTensors): number {
  const first = asList(x)![0];
  return first && first.rank > 0 ? first.shape[0]! : 1;
}

type DP = NonNullable<ReturnType<typeof activeDataParallel>>;

/**
 * distribution: this process's rows of each global batch: of an array source, or of a stream (every
 * process reads every batch of a generator or PyDataset and keeps its rows, as Keras's DataParallel
 * re-batches and shards a dataset).
 */
async function* shardedEpoch(dp: DP, source: BatchSource): AsyncGenerator<Batch, void, undefined> {
  if (source instanceof ArraySource) {
    for (const [, , b] of dp.shard(source.iterator)) yield {...b, data: stepData(b.x, b.y, b.sampleWeight)};
    return;
  }
  for await (const batch of source.epoch()) {
    const b = dp.shardBatch(batch);
    if (b) yield {...b, data: stepData(b.x, b.y, b.sampleWeight)};
  }
}

/** Forward under a tape, loss and gradients: the part of the default `trainStep` a plan replays. */
function forwardBackward(model: TrainerModel, s: TrainerState, x: StepTensors, y: StepTensors | null, sw: StepTensors | null, trainable: Variable[], reducer: ReturnType<DP['gradientReducer']> | undefined) {
  const tape = new GradientTape();
  let yPred!: Tensor[];
  let loss!: Tensor;
  tape.run(() => {
    yPred = model.forward(asList(x)!, true);
    loss = model.computeLoss({x, y, yPred: asStructure(yPred), sampleWeight: sw, training: true});
    if (s.optimizer) loss = s.optimizer.scaleLoss(loss);
  });
  const grads = trainable.length ? tape.gradient(loss, trainable, reducer?.outputGradient(loss), reducer?.onGradient) : [];
  return {yPred, loss, grads};
}

/** Numbers for the variables in a plan's signature: the same list of objects gives the same text. */
const variableIds = new WeakMap<object, number>();
let nextVariableId = 1;
function idsOf(vars: readonly object[]): string {
  let out = '';
  for (let i = 0; i < vars.length; i++) {
    let id = variableIds.get(vars[i]!);
    if (id === undefined) variableIds.set(vars[i]!, (id = nextVariableId++));
    out += i ? `,${id}` : `${id}`;
  }
  return out;
}

/**
 * The signature of a step: its kind, the backend, the shapes and dtypes of its tensors, which of them
 * are the same tensor (`fit(x, x)`), and the trainable variables it differentiates.
 */
function signature(kind: string, groups: Tensor[][], trainable: readonly object[]): string {
  // one pass, no intermediate arrays: computed for every step and every predict call
  let parts = '', same = '';
  const all: Tensor[] = [];
  for (let g = 0; g < groups.length; g++) {
    if (g) parts += '|';
    const group = groups[g]!;
    for (let j = 0; j < group.length; j++) {
      const t = group[j]!;
      parts += `${j ? ';' : ''}${t.dtype}[${t.shape.join(',')}]`;
      const first = all.indexOf(t);
      if (first >= 0) same += `${same ? ',' : ''}${all.length}=${first}`;
      all.push(t);
    }
  }
  return `${kind}|${backendName()}|${parts}|${same}|${idsOf(trainable)}`;
}

/** The model's plans when its steps run compiled (`jitCompile`, the default 'auto'), else null. */
function plansFor(model: TrainerModel, s: TrainerState, step: 'trainStep' | 'testStep' | 'predictStep', inputs: readonly Tensor[]): PlanCache | null {
  const plans = s.plans;
  if (!plans) return null;
  if (!defaultStepMethods.has(model[step])) return plans.refuse(`the model overrides ${step}`) || null;
  if (inputs.some((t) => t.dtype === 'string')) return plans.refuse('string inputs are processed on the host (lookup layers), which a plan cannot replay') || null;
  return plans;
}

/** The default `trainStep`: forward under a tape, loss, one optimizer update, metrics. */
export function trainStep(model: TrainerModel, data: StepData): StepLogs {
  const s = requireCompiled(model);
  const [x, y, sw] = unpackXYSampleWeight(data);
  const xs = asList(x)!;
  model.buildFromData(xs);
  const trainable = model.trainableWeights;
  // distribution: under DataParallel the gradients are summed across processes, bucket by bucket
  // while the backward pass goes on (src/distribution/gradient_reducer.ts: host steps, which a
  // compiled step replays in place), and the step waits for the sums before the update
  // (sharded: each process updates its share of the weights, which are then all-gathered; only
  // where the whole update runs in this step)
  const reducer = trainable.length ? activeDataParallel()?.gradientReducer(s.optimizer, trainable) : undefined;
  // under DataParallel the seed of the backward pass (this process's share of the batch) is a constant of the plan
  const share = reducer ? `|share ${reducer.weight}` : '';
  const plans = trainable.length && s.optimizer ? plansFor(model, s, 'trainStep', [...xs, ...(asList(y) ?? [])]) : null;
  let yPred: Tensor[], loss: Tensor, grads: (Tensor | null)[] = [];
  let updated = false, metricsInPlan = false;
  if (plans) {
    // compiled: outputs, loss (and gradients, when the update stays eager) from the plan; they live in
    // its arena, valid until its next run. The optimizer update is part of the plan when it can be:
    // else (or once that plan fell back) it runs eagerly below on the plan's gradients.
    const opt = s.optimizer!;
    const ys = asList(y) ?? [], sws = asList(sw) ?? [];
    const blocker = opt.planUpdateBlocker();
    // the compiled metrics join the plan when the model computes them the default way
    metricsInPlan = defaultStepMethods.has(model.computeMetrics);
    const withUpdate = signature('train+update', [xs, ys, sws], trainable) + share + (reducer?.sharded ? '|sharded' : '');
    if (blocker) plans.updateAfter(blocker);
    updated = !blocker && !plans.isEager(withUpdate);
    if (reducer && !updated) reducer.sharded = false;
    const outs = updated
      ? plans.run(withUpdate, [...xs, ...ys, ...sws], () => {
        // the whole step, as the eager path below orders it: loss tracker, update, compiled metrics
        const r = forwardBackward(model, s, x, y, sw, trainable, reducer);
        trackLoss(s, r.loss, x);
        if (reducer?.sharded) reducer.applySharded(opt, r.grads, trainable);
        else opt.apply(reducer ? reducer.reduced(r.grads) : r.grads, trainable);
        if (metricsInPlan) updateCompiledMetrics(model, y, r.yPred, sw);
        return [...r.yPred, r.loss];
      }, 'the optimizer update and metrics')
      : plans.run(signature('train', [xs, ys, sws], trainable) + share, [...xs, ...ys, ...sws], () => {
        const r = forwardBackward(model, s, x, y, sw, trainable, reducer);
        return [...r.yPred, r.loss, ...(reducer ? reducer.reduced(r.grads) : r.grads)];
      });
    const n = updated ? outs.length - 1 : outs.length - 1 - trainable.length;
    yPred = outs.slice(0, n) as Tensor[];
    loss = outs[n]!;
    if (!updated) grads = outs.slice(n + 1);
  } else {
    ({yPred, loss, grads} = forwardBackward(model, s, x, y, sw, trainable, reducer));
    if (reducer?.sharded) {
      trackLoss(s, loss, x);
      reducer.applySharded(s.optimizer!, grads, trainable);
      updated = true;
    } else if (reducer) grads = reducer.reduced(grads);
  }
  if (updated) {
    // the plan (or its traced eager run) tracked the loss and applied the update
  } else if (trainable.length) {
    trackLoss(s, loss, x);
    if (!s.optimizer) throw new ValueError('The model has trainable weights but no optimizer; pass `optimizer` to `compile()`.');
    s.optimizer.apply(grads, trainable);
  } else {
    trackLoss(s, loss, x);
    console.warn('The model does not have any trainable weights.');
  }
  // a plan that ran the update wrote the variables itself, never with a view of its arena: no eager code ran after it
  if (plans?.last && !updated) afterPlan(model, s, plans.last);
  if (updated && metricsInPlan) return model.getMetricsResult();
  return model.computeMetrics(x, y, asStructure(metricsView(model, plans, yPred)), sw);
}

/** The loss tracker's update of a training step (the loss unscaled when the optimizer scales it). */
function trackLoss(s: TrainerState, loss: Tensor, x: StepTensors): void {
  s.lossTracker.updateState(s.optimizer?.lossScaleFactor ? ops.divide(loss, s.optimizer.lossScaleFactor) : loss, batchSizeOf(x));
}

/** The compiled metrics' update, the first half of the default `computeMetrics`. */
function updateCompiledMetrics(model: TrainerModel, y: StepTensors | null, yPred: Tensor[], sampleWeight: StepTensors | null): void {
  const cm = model.trainerState?.compileMetrics;
  if (cm && y) noGrad(() => cm.updateState(asList(y)!, yPred, asList(sampleWeight)));
}

/**
 * After the eager code that follows a replayed step (the update, the trackers): no variable may keep
 * a view of the plan's arena, which the next run rewrites (an update that assigned a reshaped
 * gradient, say); such a value gets a copy of its own.
 */
function afterPlan(model: TrainerModel, s: TrainerState, plan: Plan): void {
  plan.detach(model.weights ?? model.trainableWeights);
  if (s.optimizer) plan.detach(s.optimizer.variables);
}

/** The outputs handed to `computeMetrics`: copies when a subclass's own method might keep them past the step. */
function metricsView(model: TrainerModel, plans: PlanCache | null, yPred: Tensor[]): Tensor[] {
  if (!plans?.last || defaultStepMethods.has(model.computeMetrics)) return yPred;
  return yPred.map((t) => (plans.last!.owns(t) ? ownCopy(t) : t));
}

/** A copy of a plan's output that the plan's next run does not overwrite (on the device where it lives: no read). */
function ownCopy(t: Tensor): Tensor {
  const d = t.device;
  return new Tensor(t.shape, t.dtype, d ? d.clone() : t.values.slice(), t.strings);
}

/** The default `testStep`: forward in inference mode, loss, metrics. */
export function testStep(model: TrainerModel, data: StepData): StepLogs {
  const s = requireCompiled(model);
  const [x, y, sw] = unpackXYSampleWeight(data);
  return noGrad(() => {
    const xs = asList(x)!;
    model.buildFromData(xs);
    const eager = () => {
      const yPred = model.forward(xs, false);
      return [...yPred, model.computeLoss({x, y, yPred: asStructure(yPred), sampleWeight: sw, training: false})];
    };
    const plans = plansFor(model, s, 'testStep', [...xs, ...(asList(y) ?? [])]);
    const ys = asList(y) ?? [], sws = asList(sw) ?? [];
    const outs = plans ? plans.run(signature('test', [xs, ys, sws], []), [...xs, ...ys, ...sws], eager) : eager();
    const yPred = outs.slice(0, -1) as Tensor[];
    s.lossTracker.updateState(outs.at(-1)!, batchSizeOf(x));
    return model.computeMetrics(x, y, asStructure(metricsView(model, plans, yPred)), sw);
  });
}

/** The default `predictStep`: the model's outputs in inference mode. */
export function predictStep(model: TrainerModel, data: StepData): StepTensors {
  const [x] = unpackXYSampleWeight(data);
  return noGrad(() => {
    const xs = asList(x)!;
    model.buildFromData(xs);
    const plans = model.trainerState ? plansFor(model, model.trainerState, 'predictStep', xs) : null;
    if (!plans) return asStructure(model.forward(xs, false));
    const outs = plans.run(signature('predict', [xs], []), xs, () => model.forward(xs, false)) as Tensor[];
    // the plan's outputs live in its arena: the caller keeps these
    return asStructure(outs.map(ownCopy));
  });
}

const tick = yieldToEventLoop;

async function hook(r: HookResult): Promise<void> {
  if (isThenable(r)) await r;
}

/**
 * distribution: whether a callback of `fit` may read the logs of each training batch, which must then
 * be summed over the processes at every step (a collective); otherwise they are summed at the end of
 * each epoch only. Every process decides alike, from what it has alike: the callbacks given (the same
 * program runs everywhere) and `verbose` as given (rank 0's progress bar reads them with verbose 1).
 * A callback counts when it overrides `onTrainBatchEnd` or `onBatchEnd` (a LambdaCallback: when it
 * was given one).
 */
function readsTrainBatchLogs(given: Callback[], verbose: number): boolean {
  if (verbose === 1) return true;
  const base = Callback.prototype;
  return given.some((c) => c.onTrainBatchEnd !== base.onTrainBatchEnd || c.onBatchEnd !== base.onBatchEnd);
}

/**
 * distribution (sharded optimizer updates): whether a callback of `fit` may read the optimizer state
 * after a batch, which must then be gathered whole first: one that overrides `onTrainBatchEnd` or
 * `onBatchEnd`, unless it saves at the end of epochs only (`saveFreq: 'epoch'`, ModelCheckpoint's and
 * BackupAndRestore's default, whose batch hooks then do nothing).
 */
function mayReadStateEachBatch(given: Callback[]): boolean {
  const base = Callback.prototype;
  return given.some((c) => (c.onTrainBatchEnd !== base.onTrainBatchEnd || c.onBatchEnd !== base.onBatchEnd) && (c as {saveFreq?: unknown}).saveFreq !== 'epoch');
}

function resolveVerbose(v: Verbose | undefined): number {
  return v === undefined || v === 'auto' ? 1 : v;
}

function shouldEval(epoch: number, freq: number | number[]): boolean {
  const e = epoch + 1;
  if (typeof freq === 'number') return e % freq === 0;
  if (Array.isArray(freq)) return freq.includes(e);
  throw new ValueError(`Expected \`validation_freq\` to be a list or int. Received: validation_freq=${String(freq)} of the type ${typeof freq}.`);
}

function sampleWeightsFor(y: Tensor[] | null, sw: Data | null | undefined, classWeight: Record<number, number> | null | undefined): Tensor[] | null {
  let out = toTensorList(sw ?? null, 'sample_weight');
  if (classWeight) {
    if (out) throw new ValueError('You cannot `class_weight` and `sample_weight` at the same time.');
    if (!y) throw new ValueError('`class_weight` needs targets `y`.');
    if (y.length > 1) throw new ValueError('`class_weight` is only supported for Models with a single output.');
    out = [classWeightToSampleWeights(y[0]!, classWeight)];
  }
  return out;
}

/** A streamed batch with `classWeight` turned into its sample weights. */
function withClassWeight(batch: Batch, classWeight: Record<number, number> | null | undefined): Batch {
  if (!classWeight || !batch.y) return batch;
  const sw = sampleWeightsFor(batch.y, null, classWeight)!;
  return {...batch, sampleWeight: sw, data: [batch.data[0], batch.data[1] ?? null, sw[0]!]};
}

/** Refuses arguments Keras accepts with arrays only, for a stream. */
function checkStreamArgs(what: string, y: unknown, args: {sampleWeight?: unknown; validationSplit?: number}): void {
  if (y !== null && y !== undefined) {
    throw new ValueError(`${what}: the \`y\` argument is not supported when \`x\` is a generator, an iterable or a PyDataset; yield \`[x, y]\` batches instead.`);
  }
  if (args.sampleWeight !== null && args.sampleWeight !== undefined) {
    throw new ValueError(`${what}: the \`sampleWeight\` argument is not supported when \`x\` is a generator, an iterable or a PyDataset; yield \`[x, y, sampleWeight]\` batches instead.`);
  }
  if (args.validationSplit) {
    throw new ValueError(`${what}: \`validationSplit\` is only supported for Tensors or arrays, not for a generator, an iterable or a PyDataset. Pass \`validationData\` instead.`);
  }
}

function arraySource(x: Data, y: Data | null | undefined, sw: Tensor[] | null, what: string, batchSize: number | null | undefined, steps: number | null | undefined, shuffle: boolean | 'batch'): ArraySource {
  const xs = toTensorList(x, 'x');
  if (!xs) throw new ValueError(`${what}: \`x\` must be provided`);
  const ys = toTensorList(y ?? null, 'y');
  return new ArraySource(new EpochIterator(xs, ys, sw, {batchSize: batchSize ?? 32, stepsPerEpoch: steps ?? null, shuffle}));
}

const RAN_OUT =
  'Your input ran out of data; interrupting training. Make sure that your dataset or generator can generate at least ' +
  '`stepsPerEpoch * epochs` batches. You may need to make your generator repeat (loop over the data) or pass `stepsPerEpoch`.';

/**
 * Keras's `_symbolic_build`: builds the model, the compiled losses and metrics (so `model.metrics`
 * lists them before the first step) and the optimizer from the first batch, before any step runs.
 * A model whose `trainStep` is its own and that compiled no loss or metric builds what it uses itself.
 */
function symbolicBuild(model: TrainerModel, first: Batch, defaultStep: boolean): void {
  const s = model.trainerState!;
  const cm = s.compileMetrics, cl = s.compileLoss;
  const needCompiled = (cm !== null && !cm.built) || (cl !== null && !cl.built);
  if (!defaultStep && !needCompiled) return;
  model.buildFromData(first.x);
  if (needCompiled && first.y) {
    // placeholders of the outputs' shapes (one row): the model's layers are not called, as Keras's symbolic build
    const inShapes = first.x.map((t) => [null, ...t.shape.slice(1)]);
    const out = model.computeOutputShape(inShapes.length === 1 ? inShapes[0]! : inShapes);
    const outShapes = (Array.isArray(out[0]) ? out : [out]) as (number | null)[][];
    const yPred = outShapes.map((sh) => zeros(sh.map((d) => d ?? 1)));
    const y = first.y.map((t) => sliceRows(t, 0, Math.min(1, t.shape[0]!)));
    if (cm && !cm.built) cm.build(y, yPred);
    if (cl && !cl.built) cl.build(y, yPred);
  }
  if (defaultStep && s.optimizer && !s.optimizer.built) s.optimizer.build(model.trainableWeights);
}

/**
 * The data sets are batched on the host; where a device cannot be read synchronously (a page's GPU),
 * tensors of them that live there are read now, in one transfer (elsewhere when first sliced).
 */
async function readData(...data: unknown[]): Promise<void> {
  const found: Tensor[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (v instanceof Tensor) found.push(v);
    else if (depth < 4 && Array.isArray(v)) for (const e of v) walk(e, depth + 1);
    else if (depth < 4 && v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) for (const e of Object.values(v)) walk(e, depth + 1);
  };
  for (const d of data) walk(d, 0);
  await fetchValuesWhereAsyncOnly(found);
}

export async function fit(model: TrainerModel, x: Data | Stream, y: Data | null | undefined, args: FitArgs = {}): Promise<History> {
  try {
    await readData(x, y, args.validationData, args.sampleWeight);
    return await fitBody(model, x, y, args);
  } finally {
    activeDataParallel()?.shardUpdates(false); // distribution: sharded updates end with fit (fitBody turns them on)
    await closeWorkers(x, args.validationData);
  }
}

/** A PyDataset's worker threads end with the fit / evaluate / predict that started them (as Keras stops its enqueuer). */
async function closeWorkers(...data: unknown[]): Promise<void> {
  for (const d of data) if (d instanceof PyDataset) await d.closeWorkers();
}

async function fitBody(model: TrainerModel, x: Data | Stream, y: Data | null | undefined, args: FitArgs): Promise<History> {
  const s = requireCompiled(model);
  const {batchSize = 32, epochs = 1, validationSplit = 0, shuffle = true, initialEpoch = 0, validationFreq = 1} = args;
  const dp = activeDataParallel(); // distribution: batches split by rank, rank 0 prints
  // a stream's batches are global batches of its own size, split as evenly as they divide
  if (!isStream(x)) dp?.checkBatchSize(batchSize ?? 32);
  if ((args.validationData && Array.isArray(args.validationData)) || validationSplit) dp?.checkBatchSize(args.validationBatchSize ?? batchSize ?? 32, 'validation_batch_size');
  let train: BatchSource;
  let val: BatchSource | null = null;
  if (isStream(x)) {
    checkStreamArgs('fit', y, args);
    train = new StreamSource(x, 'fit', args.stepsPerEpoch ?? null, false, shuffle !== false);
  } else {
    let xs = toTensorList(x, 'x');
    if (!xs) throw new ValueError('fit: `x` must be provided');
    let ys = toTensorList(y ?? null, 'y');
    let sws = sampleWeightsFor(ys, args.sampleWeight, args.classWeight);
    checkDataCardinality(xs, ys, sws);
    if (validationSplit && !args.validationData) {
      const [t, v] = trainValidationSplit([xs, ys, sws], validationSplit);
      [xs, ys, sws] = [t[0]!, t[1]!, t[2]!];
      val = new ArraySource(new EpochIterator(v[0]!, v[1]!, v[2]!, {batchSize: args.validationBatchSize ?? batchSize, stepsPerEpoch: args.validationSteps ?? null}));
    }
    train = new ArraySource(new EpochIterator(xs, ys, sws, {batchSize, stepsPerEpoch: args.stepsPerEpoch ?? null, shuffle}));
  }
  const vd = args.validationData;
  if (vd) {
    if (Array.isArray(vd)) {
      const [vx, vy, vsw] = vd;
      val = arraySource(vx, vy, toTensorList(vsw ?? null, 'validation_data sample_weight'), 'validation_data', args.validationBatchSize ?? batchSize, args.validationSteps, false);
    } else val = new StreamSource(vd, 'validation_data', args.validationSteps ?? null);
  }
  const first = await train.peek();
  if (!first) throw new ValueError('fit: the training data is empty: the first epoch has no batch.');
  symbolicBuild(model, withClassWeight(first, args.classWeight), usesDefaultTrainStep(model));
  const verbose = dp && dp.processId !== 0 ? 0 : resolveVerbose(args.verbose);
  const callbacks = new CallbackList(args.callbacks ?? [], {
    addHistory: true, addProgbar: verbose !== 0, model, verbose, epochs, steps: train.numBatches,
  });
  // distribution: the logs of each batch are summed over the processes only when a callback reads them
  const reduceBatchLogs = dp ? readsTrainBatchLogs(args.callbacks ?? [], resolveVerbose(args.verbose)) : false;
  model.stopTraining = false;
  let trainingLogs: Logs = {};
  // a callback may set the starting epoch in onTrainBegin (BackupAndRestore), as Keras reads it there
  model.initialEpoch = null;
  await hook(callbacks.onTrainBegin());
  let startEpoch = model.initialEpoch ?? initialEpoch;
  model.initialEpoch = null;
  // distribution: rank 0's weights, optimizer state and starting epoch (after a restore) to every rank
  if (dp) startEpoch = await dp.broadcastTrainingState([...(model.weights ?? model.trainableWeights), ...(s.optimizer?.variables ?? [])], startEpoch);
  const batchLogsRead = readsBatchLogs(callbacks, 'onTrainBatchEnd');
  // distribution: sharded optimizer updates; the whole optimizer state is gathered before the
  // callbacks that may save it (each epoch's end; each batch's end when a given callback reads batches)
  const gatherState = () => dp?.gatherOptimizerState(s.optimizer, model.trainableWeights);
  const gatherEachBatch = dp ? mayReadStateEachBatch(args.callbacks ?? []) : false;
  dp?.shardUpdates(true);
  for (let epoch = startEpoch; epoch < epochs; epoch++) {
    model.resetMetrics();
    await hook(callbacks.onEpochBegin(epoch));
    let logs: Logs | null = null;
    let step = 0;
    for await (const raw of dp ? shardedEpoch(dp, train) : train.epoch()) {
      const batch = withClassWeight(raw, args.classWeight);
      await hook(callbacks.onTrainBatchBegin(step));
      model.clearCallLosses();
      logs = pythonifyLogs(model.trainStep(batch.data));
      if (batchLogsRead) await readLogs(logs);
      if (dp && reduceBatchLogs) logs = await dp.reduceLogs(modelMetrics(model), () => metricsResultOrLogs(model, logs));
      if (gatherEachBatch) gatherState();
      await hook(callbacks.onTrainBatchEnd(step, logs));
      step++;
      await tick();
      if (model.stopTraining) break;
    }
    if (train.ranOut) {
      console.warn(RAN_OUT);
      model.stopTraining = true;
      if (step === 0) break;
    }
    const current = dp ? await dp.reduceLogs(modelMetrics(model), () => metricsResultOrLogs(model, logs)) : metricsResultOrLogs(model, logs);
    await readLogs(current);
    const epochLogs: Logs = {...current};
    if (val && shouldEval(epoch, validationFreq)) {
      const valLogs = await runEvaluation(model, val, callbacks);
      for (const [k, v] of Object.entries(valLogs)) epochLogs[`val_${k}`] = v;
    }
    const sorted = pythonifyLogs(epochLogs);
    gatherState();
    await hook(callbacks.onEpochEnd(epoch, sorted));
    trainingLogs = sorted;
    if (model.stopTraining) break;
  }
  if (s.optimizer?.built && epochs > 0) s.optimizer.finalizeVariableValues(model.trainableWeights);
  await hook(callbacks.onTrainEnd(trainingLogs));
  return callbacks.history!;
}

/** Keras's `_flatten_metrics_in_order`: the loss, then the metrics in compile order. */
function flattenInOrder(model: TrainerModel, logs: Logs): number | number[] {
  const names = model.metrics.map((m) => m.name);
  const out: number[] = [];
  for (const n of names) if (n in logs) out.push(logs[n]!);
  for (const k of Object.keys(logs).sort()) if (!names.includes(k)) out.push(logs[k]!);
  return out.length === 1 ? out[0]! : out;
}

/** The evaluation loop, with the callbacks of `evaluate` or those of the `fit` it validates for. */
async function runEvaluation(model: TrainerModel, source: BatchSource, callbacks: CallbackList): Promise<Logs> {
  model.stopEvaluating = false;
  await hook(callbacks.onTestBegin());
  model.resetMetrics();
  let logs: Logs | null = null;
  let step = 0;
  const dp = activeDataParallel(); // distribution: batches split by rank, metrics summed
  const batchLogsRead = readsBatchLogs(callbacks, 'onTestBatchEnd');
  for await (const batch of dp ? shardedEpoch(dp, source) : source.epoch()) {
    await hook(callbacks.onTestBatchBegin(step));
    model.clearCallLosses();
    logs = pythonifyLogs(model.testStep(batch.data));
    if (batchLogsRead) await readLogs(logs);
    if (dp) logs = await dp.reduceLogs(modelMetrics(model), () => metricsResultOrLogs(model, logs));
    await hook(callbacks.onTestBatchEnd(step, logs));
    step++;
    await tick();
    if (model.stopEvaluating) break;
  }
  const out = dp ? await dp.reduceLogs(modelMetrics(model), () => metricsResultOrLogs(model, logs)) : metricsResultOrLogs(model, logs);
  await readLogs(out);
  await hook(callbacks.onTestEnd(out));
  return out;
}

export async function evaluate(
  model: TrainerModel,
  x: Data | Stream,
  y: Data | null | undefined,
  args: EvaluateArgs = {},
): Promise<number | number[] | Logs> {
  try {
    await readData(x, y, args.sampleWeight);
    return await evaluateBody(model, x, y, args);
  } finally {
    await closeWorkers(x);
  }
}

async function evaluateBody(model: TrainerModel, x: Data | Stream, y: Data | null | undefined, args: EvaluateArgs): Promise<number | number[] | Logs> {
  requireCompiled(model);
  const dp = activeDataParallel(); // distribution: batches split by rank, metrics summed, rank 0 prints
  if (!isStream(x)) dp?.checkBatchSize(args.batchSize ?? 32);
  let source: BatchSource;
  if (isStream(x)) {
    checkStreamArgs('evaluate', y, args);
    source = new StreamSource(x, 'evaluate', args.steps ?? null);
  } else {
    source = arraySource(x, y, toTensorList(args.sampleWeight ?? null, 'sample_weight'), 'evaluate', args.batchSize, args.steps, false);
  }
  const first = await source.peek();
  if (first) symbolicBuild(model, first, false);
  const verbose = dp && dp.processId !== 0 ? 0 : resolveVerbose(args.verbose);
  const callbacks = new CallbackList(args.callbacks ?? [], {addProgbar: verbose !== 0, model, verbose, epochs: 1, steps: source.numBatches});
  const logs = await runEvaluation(model, source, callbacks);
  if (args.returnDict) return logs;
  return flattenInOrder(model, logs);
}

/** Concatenates per-batch outputs along the batch axis. */
function concatBatches(batches: Tensor[]): Tensor {
  if (batches.length === 1) return batches[0]!;
  // text outputs (StringLookup with invert) take no kernel: their strings are joined here
  if (batches[0]!.dtype === 'string') {
    const strings = batches.flatMap((b) => b.stringValues());
    const rows = batches.reduce((n, b) => n + b.shape[0]!, 0);
    return new Tensor([rows, ...batches[0]!.shape.slice(1)], 'string', Int32Array.from(strings, (_, i) => i), strings);
  }
  return noGrad(() => ops.concatenate(batches, 0));
}

export async function predict(model: TrainerModel, x: Data | Stream, args: PredictArgs = {}): Promise<Tensor | Tensor[]> {
  const one = isStream(x) ? null : singleBatch(x, args);
  if (one) {
    model.stopPredicting = false;
    return predictTensors(model, one);
  }
  try {
    await readData(x);
    return await predictBody(model, x, args);
  } finally {
    await closeWorkers(x);
  }
}

/**
 * `predict`'s data when it is one batch of tensors in host memory and nothing is to be called back
 * (no callbacks, no progress bar, no step count): the step then runs at once on it, as the batch loop
 * would run it, without the loop's batch source, callback list and generator (~20 us of the seed
 * MLP's ~1 ms call). Null otherwise (arrays still to convert, too), and for anything the loop
 * rejects, which it reports.
 */
function singleBatch(x: Data, args: PredictArgs): Tensor[] | null {
  const bs = args.batchSize ?? 32;
  if (args.callbacks?.length || resolveVerbose(args.verbose) !== 0 || (args.steps ?? null) !== null || !Number.isInteger(bs) || bs < 1) return null;
  const xs = x instanceof Tensor ? [x] : Array.isArray(x) && x.length > 0 && x.every((t) => t instanceof Tensor) ? (x as Tensor[]) : null;
  if (!xs || xs.some((t) => t.device !== null || t.rank < 1 || t.shape[0] !== xs[0]!.shape[0])) return null;
  const rows = xs[0]!.shape[0]!;
  return rows >= 1 && rows <= bs ? xs : null;
}

async function predictBody(model: TrainerModel, x: Data | Stream, args: PredictArgs): Promise<Tensor | Tensor[]> {
  const source = isStream(x)
    ? new StreamSource(x, 'predict', args.steps ?? null, true)
    : arraySource(x, null, null, 'predict', args.batchSize, args.steps, false);
  const verbose = resolveVerbose(args.verbose);
  const callbacks = new CallbackList(args.callbacks ?? [], {addProgbar: verbose !== 0, model, verbose, epochs: 1, steps: source.numBatches});
  model.stopPredicting = false;
  await hook(callbacks.onPredictBegin());
  let outputs: Tensor[][] | null = null;
  let step = 0;
  for await (const batch of source.epoch()) {
    await hook(callbacks.onPredictBatchBegin(step));
    const out = asList(model.predictStep(batch.data))!;
    outputs ??= out.map(() => []);
    out.forEach((o, i) => outputs![i]!.push(o));
    await hook(callbacks.onPredictBatchEnd(step, {}));
    step++;
    // between batches only: after the last one the caller's `await` is the next turn anyway (a yield
    // there costs every call an event-loop turn: a `predict` of one batch takes ~1 ms)
    if (step !== source.numBatches) await tick();
    if (model.stopPredicting) break;
  }
  await hook(callbacks.onPredictEnd());
  if (!outputs) return [];
  const merged = outputs.map(concatBatches);
  return merged.length === 1 ? merged[0]! : merged;
}

function stepData(xs: Tensor[], ys: Tensor[] | null, sws: Tensor[] | null): StepData {
  return ys ? (sws ? [asStructure(xs), asStructure(ys), asStructure(sws)] : [asStructure(xs), asStructure(ys)]) : [asStructure(xs)];
}

export function trainOnBatch(
  model: TrainerModel,
  x: Data,
  y: Data | null | undefined,
  {sampleWeight, classWeight, returnDict = false}: {sampleWeight?: Data | null; classWeight?: Record<number, number> | null; returnDict?: boolean} = {},
): number | number[] | Logs {
  requireCompiled(model);
  const xs = toTensorList(x, 'x')!;
  const ys = toTensorList(y ?? null, 'y');
  const sws = sampleWeightsFor(ys, sampleWeight, classWeight);
  const batch: Batch = {x: xs, y: ys, sampleWeight: sws, size: xs[0]!.shape[0]!, data: stepData(xs, ys, sws)};
  symbolicBuild(model, batch, usesDefaultTrainStep(model));
  model.resetMetrics();
  model.clearCallLosses();
  if (activeDataParallel()) throw new ValueError('trainOnBatch is synchronous and cannot sum gradients across processes under DataParallel; use fit().');
  const logs = pythonifyLogs(model.trainStep(batch.data));
  return returnDict ? logs : flattenInOrder(model, logs);
}

export function testOnBatch(
  model: TrainerModel,
  x: Data,
  y: Data | null | undefined,
  {sampleWeight, returnDict = false}: {sampleWeight?: Data | null; returnDict?: boolean} = {},
): number | number[] | Logs {
  requireCompiled(model);
  model.resetMetrics();
  model.clearCallLosses();
  const xs = toTensorList(x, 'x')!;
  const logs = pythonifyLogs(model.testStep(stepData(xs, toTensorList(y ?? null, 'y'), toTensorList(sampleWeight ?? null, 'sample_weight'))));
  return returnDict ? logs : flattenInOrder(model, logs);
}

export function predictOnBatch(model: TrainerModel, x: Data): Tensor | Tensor[] {
  return predictTensors(model, toTensorList(x, 'x')!);
}

/** One prediction step on the batch `xs` (predictOnBatch, and predict of one batch): its outputs, one tensor for one. */
function predictTensors(model: TrainerModel, xs: Tensor[]): Tensor | Tensor[] {
  const out = asList(model.predictStep([asStructure(xs)]))!;
  return out.length === 1 ? out[0]! : out;
}

/**
 * The default step methods `Model` installs, so the loop can tell whether a model overrides
 * `trainStep` (then `fit` builds only what was compiled, as Keras's `_symbolic_build`).
 */
export const defaultStepMethods = new WeakSet<object>();
// (the Model class adds its trainStep, testStep and predictStep; a model that overrides one runs it eagerly)

const usesDefaultTrainStep = (model: TrainerModel) => defaultStepMethods.has(model.trainStep);
