/**
 * The training loop of `Model` (Keras 3's `Trainer`): `compile` state, the train/test/predict steps
 * and `fit` / `evaluate` / `predict` over array data, yielding to the event loop between batches.
 */
import {GradientTape} from '../gradients/tape.js';
import {noGrad} from '../autodiff/engine.js';
import type {Variable} from '../autodiff/variable.js';
import {Callback, isThenable, type Logs} from '../callbacks/callback.js';
import {CallbackList} from '../callbacks/callback_list.js';
import {activeDataParallel} from '../distribution/state.js';
import type {History} from '../callbacks/history.js';
import {ValueError} from '../errors.js';
import {Mean, Metric} from '../metrics/metric.js';
import * as ops from '../ops/index.js';
import {toFloat} from '../ops/core.js';
import * as optimizers from '../optimizers/index.js';
import type {Optimizer} from '../optimizers/optimizer.js';
import {Tensor} from '../tensor/tensor.js';
import {CompileLoss, CompileMetrics, type LossSpec, type MetricSpec} from './compile_utils.js';
import {
  checkDataCardinality, classWeightToSampleWeights, EpochIterator, toTensorList, trainValidationSplit, type Data,
} from './data_adapter.js';

export interface CompileArgs {
  optimizer?: optimizers.OptimizerIdentifier;
  loss?: LossSpec | (LossSpec | null)[] | Record<string, LossSpec | null> | null;
  lossWeights?: number | number[] | Record<string, number> | null;
  metrics?: MetricSpec[] | MetricSpec[][] | Record<string, MetricSpec[] | MetricSpec> | null;
  weightedMetrics?: MetricSpec[] | MetricSpec[][] | Record<string, MetricSpec[] | MetricSpec> | null;
  runEagerly?: boolean;
  stepsPerExecution?: number;
  jitCompile?: boolean | 'auto';
}

export type Verbose = 0 | 1 | 2 | 'auto';

export interface FitArgs {
  batchSize?: number | null;
  epochs?: number;
  verbose?: Verbose;
  callbacks?: Callback[];
  validationSplit?: number;
  validationData?: [Data, Data] | [Data, Data, Data] | null;
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

/** What the loop needs from the model (models/model.ts implements it). */
export interface TrainerModel {
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
  trainerState: TrainerState | null;
}

/** The state `compile` creates. */
export interface TrainerState {
  optimizer: Optimizer | null;
  compileLoss: CompileLoss | null;
  compileMetrics: CompileMetrics | null;
  lossTracker: Mean;
  config: CompileArgs;
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

function resetMetrics(model: TrainerModel): void {
  for (const m of modelMetrics(model)) m.resetState();
}

/** Keras's `get_metrics_result`: every metric's value, as numbers. */
function metricsResult(model: TrainerModel): Record<string, number> {
  const s = model.trainerState!;
  const out: Record<string, Tensor> = {loss: s.lossTracker.result()};
  if (s.compileMetrics?.built) Object.assign(out, s.compileMetrics.result());
  for (const m of s.compileLoss?.metrics ?? []) out[m.name] = m.result();
  return pythonifyLogs(out);
}

/** Sorted keys and plain numbers, as Keras's `pythonify_logs`. */
export function pythonifyLogs(logs: Record<string, Tensor | number>): Logs {
  const out: Logs = {};
  for (const k of Object.keys(logs).sort()) {
    const v = logs[k]!;
    out[k] = v instanceof Tensor ? (v.size === 1 ? v.values[0]! : NaN) : v;
  }
  return out;
}

/** The model's loss: compiled losses plus regularization and `addLoss` losses. */
function computeLoss(model: TrainerModel, y: Tensor[] | null, yPred: Tensor[], sw: Tensor[] | null): Tensor {
  const s = model.trainerState!;
  const losses: Tensor[] = [];
  if (s.compileLoss) {
    if (!y) throw new ValueError('The model has a loss but `y` was not provided. Pass targets to `fit` / `evaluate`.');
    const l = s.compileLoss.call(y, yPred, sw);
    if (l) losses.push(l);
  }
  for (const l of model.losses) losses.push(ops.sum(toFloat(l)));
  if (losses.length === 0) throw new ValueError('No loss to compute. Provide a `loss` argument in `compile()`.');
  return losses.length === 1 ? losses[0]! : losses.reduce((a, b) => ops.add(a, b));
}

function updateMetrics(model: TrainerModel, y: Tensor[] | null, yPred: Tensor[], sw: Tensor[] | null): void {
  const cm = model.trainerState!.compileMetrics;
  if (cm && y) cm.updateState(y, yPred, sw);
}

/**
 * One optimizer step on one batch; returns the running metric values (a Promise of them under
 * `keras.distribution.DataParallel` with several processes, where the gradients cross processes).
 */
export function trainStep(model: TrainerModel, x: Tensor[], y: Tensor[] | null, sw: Tensor[] | null): Logs | Promise<Logs> {
  const s = requireCompiled(model);
  model.buildFromData(x);
  const trainable = model.trainableWeights;
  const tape = new GradientTape();
  model.clearCallLosses();
  let yPred: Tensor[] = [];
  let loss!: Tensor;
  tape.run(() => {
    yPred = model.forward(x, true);
    loss = computeLoss(model, y, yPred, sw);
    if (s.optimizer) loss = s.optimizer.scaleLoss(loss);
  });
  s.lossTracker.updateState(s.optimizer?.lossScaleFactor ? ops.divide(loss, s.optimizer.lossScaleFactor) : loss, x[0]!.shape[0]!);
  if (trainable.length) {
    if (!s.optimizer) throw new ValueError('The model has trainable weights but no optimizer; pass `optimizer` to `compile()`.');
    // distribution: under DataParallel the gradients are summed across processes, bucket by bucket
    // while the backward pass goes on, before the update (src/distribution/gradient_reducer.ts)
    const reducer = activeDataParallel()?.gradientReducer();
    const grads = tape.gradient(loss, trainable, reducer?.outputGradient(loss), reducer?.onGradient);
    if (reducer) {
      const opt = s.optimizer;
      return reducer.reduced(grads).then((g) => {
        opt.apply(g, trainable);
        noGrad(() => updateMetrics(model, y, yPred, sw));
        return metricsResult(model);
      });
    }
    s.optimizer.apply(grads, trainable);
  } else {
    console.warn('The model does not have any trainable weights.');
  }
  noGrad(() => updateMetrics(model, y, yPred, sw));
  return metricsResult(model);
}

export function testStep(model: TrainerModel, x: Tensor[], y: Tensor[] | null, sw: Tensor[] | null): Logs {
  requireCompiled(model);
  return noGrad(() => {
    model.buildFromData(x);
    model.clearCallLosses();
    const yPred = model.forward(x, false);
    const loss = computeLoss(model, y, yPred, sw);
    model.trainerState!.lossTracker.updateState(loss, x[0]!.shape[0]!);
    updateMetrics(model, y, yPred, sw);
    return metricsResult(model);
  });
}

export function predictStep(model: TrainerModel, x: Tensor[]): Tensor[] {
  return noGrad(() => {
    model.buildFromData(x);
    return model.forward(x, false);
  });
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

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

export async function fit(model: TrainerModel, x: Data, y: Data | null | undefined, args: FitArgs = {}): Promise<History> {
  requireCompiled(model);
  const {batchSize = 32, epochs = 1, validationSplit = 0, shuffle = true, initialEpoch = 0, validationFreq = 1} = args;
  let xs = toTensorList(x, 'x');
  if (!xs) throw new ValueError('fit: `x` must be provided');
  let ys = toTensorList(y ?? null, 'y');
  let sws = sampleWeightsFor(ys, args.sampleWeight, args.classWeight);
  checkDataCardinality(xs, ys, sws);
  let valData: [Tensor[], Tensor[] | null, Tensor[] | null] | null = null;
  if (validationSplit && !args.validationData) {
    const [train, val] = trainValidationSplit([xs, ys, sws], validationSplit);
    [xs, ys, sws] = [train[0]!, train[1]!, train[2]!];
    valData = [val[0]!, val[1]!, val[2]!];
  }
  if (args.validationData) {
    const [vx, vy, vsw] = args.validationData as [Data, Data, Data | undefined];
    valData = [toTensorList(vx, 'validation_data x')!, toTensorList(vy, 'validation_data y'), toTensorList(vsw ?? null, 'validation_data sample_weight')];
  }
  const iterator = new EpochIterator(xs, ys, sws, {batchSize, stepsPerEpoch: args.stepsPerEpoch ?? null, shuffle});
  const dp = activeDataParallel(); // distribution: batches split by rank, rank 0 prints
  dp?.checkBatchSize(batchSize ?? 32);
  if (valData) dp?.checkBatchSize(args.validationBatchSize ?? batchSize ?? 32, 'validation_batch_size');
  // build the model and the optimizer before the first step (Keras's `_symbolic_build`)
  model.buildFromData(xs.map((t) => t));
  const s = model.trainerState!;
  if (s.optimizer && !s.optimizer.built) s.optimizer.build(model.trainableWeights);
  const verbose = dp && dp.processId !== 0 ? 0 : resolveVerbose(args.verbose);
  const callbacks = new CallbackList(args.callbacks ?? [], {
    addHistory: true, addProgbar: verbose !== 0, model: model as never, verbose, epochs, steps: iterator.numBatches,
  });
  model.stopTraining = false;
  let trainingLogs: Logs = {};
  // a callback may set the starting epoch in onTrainBegin (BackupAndRestore), as Keras reads it there
  model.initialEpoch = null;
  let r = callbacks.onTrainBegin();
  if (isThenable(r)) await r;
  let startEpoch = model.initialEpoch ?? initialEpoch;
  model.initialEpoch = null;
  // distribution: rank 0's weights, optimizer state and starting epoch (after a restore) to every rank
  if (dp) startEpoch = await dp.broadcastTrainingState([...(model.weights ?? model.trainableWeights), ...(s.optimizer?.variables ?? [])], startEpoch);
  for (let epoch = startEpoch; epoch < epochs; epoch++) {
    resetMetrics(model);
    r = callbacks.onEpochBegin(epoch);
    if (isThenable(r)) await r;
    let logs: Logs = {};
    for (const [begin, end, batch] of dp ? dp.shard(iterator) : iterator) {
      r = callbacks.onTrainBatchBegin(begin);
      if (isThenable(r)) await r;
      const step = trainStep(model, batch.x, batch.y, batch.sampleWeight);
      logs = step instanceof Promise ? await step : step;
      if (dp) logs = await dp.reduceLogs(modelMetrics(model), () => metricsResult(model));
      r = callbacks.onTrainBatchEnd(end, logs);
      if (isThenable(r)) await r;
      await tick();
      if (model.stopTraining) break;
    }
    const epochLogs: Logs = {...(dp ? await dp.reduceLogs(modelMetrics(model), () => metricsResult(model)) : metricsResult(model))};
    if (valData && shouldEval(epoch, validationFreq)) {
      const valLogs = (await evaluate(model, valData[0], valData[1], {
        sampleWeight: valData[2],
        batchSize: args.validationBatchSize ?? batchSize,
        steps: args.validationSteps ?? null,
        callbacks: [callbacks as unknown as Callback],
        returnDict: true,
        verbose: 0,
      }, true)) as Logs;
      for (const [k, v] of Object.entries(valLogs)) epochLogs[`val_${k}`] = v;
    }
    const sorted = pythonifyLogs(epochLogs);
    r = callbacks.onEpochEnd(epoch, sorted);
    if (isThenable(r)) await r;
    trainingLogs = sorted;
    if (model.stopTraining) break;
  }
  if (s.optimizer && epochs > 0) s.optimizer.finalizeVariableValues(model.trainableWeights);
  r = callbacks.onTrainEnd(trainingLogs);
  if (isThenable(r)) await r;
  return callbacks.history!;
}

/** Keras's `_flatten_metrics_in_order`: the loss, then the metrics in compile order. */
function flattenInOrder(model: TrainerModel, logs: Logs): number | number[] {
  const names = modelMetrics(model).map((m) => m.name);
  const out: number[] = [];
  for (const n of names) if (n in logs) out.push(logs[n]!);
  for (const k of Object.keys(logs).sort()) if (!names.includes(k)) out.push(logs[k]!);
  return out.length === 1 ? out[0]! : out;
}

export async function evaluate(
  model: TrainerModel,
  x: Data | Tensor[],
  y: Data | Tensor[] | null | undefined,
  args: Omit<EvaluateArgs, 'sampleWeight'> & {sampleWeight?: Data | Tensor[] | null} = {},
  inFit = false,
): Promise<number | number[] | Logs> {
  requireCompiled(model);
  const xs = toTensorList(x as Data, 'x')!;
  const ys = toTensorList((y ?? null) as Data | null, 'y');
  const sws = toTensorList((args.sampleWeight ?? null) as Data | null, 'sample_weight');
  const iterator = new EpochIterator(xs, ys, sws, {batchSize: args.batchSize ?? 32, stepsPerEpoch: args.steps ?? null, shuffle: false});
  const dp = activeDataParallel(); // distribution: batches split by rank, metrics summed, rank 0 prints
  dp?.checkBatchSize(args.batchSize ?? 32);
  const verbose = dp && dp.processId !== 0 ? 0 : resolveVerbose(args.verbose);
  let callbacks: CallbackList;
  if (inFit && args.callbacks?.[0] instanceof CallbackList) callbacks = args.callbacks[0];
  else {
    callbacks = new CallbackList(args.callbacks ?? [], {addProgbar: verbose !== 0, model: model as never, verbose, epochs: 1, steps: iterator.numBatches});
  }
  model.stopEvaluating = false;
  let r = callbacks.onTestBegin();
  if (isThenable(r)) await r;
  resetMetrics(model);
  let logs: Logs = {};
  for (const [begin, end, batch] of dp ? dp.shard(iterator) : iterator) {
    r = callbacks.onTestBatchBegin(begin);
    if (isThenable(r)) await r;
    logs = testStep(model, batch.x, batch.y, batch.sampleWeight);
    if (dp) logs = await dp.reduceLogs(modelMetrics(model), () => metricsResult(model));
    r = callbacks.onTestBatchEnd(end, logs);
    if (isThenable(r)) await r;
    await tick();
    if (model.stopEvaluating) break;
  }
  const built = model.trainerState!.compileLoss?.built || model.trainerState!.compileMetrics?.built || Object.keys(logs).length;
  if (built) logs = dp ? await dp.reduceLogs(modelMetrics(model), () => metricsResult(model)) : metricsResult(model);
  r = callbacks.onTestEnd(logs);
  if (isThenable(r)) await r;
  if (args.returnDict) return logs;
  return flattenInOrder(model, logs);
}

/** Concatenates per-batch outputs along the batch axis. */
function concatBatches(batches: Tensor[]): Tensor {
  if (batches.length === 1) return batches[0]!;
  return noGrad(() => ops.concatenate(batches, 0));
}

export async function predict(model: TrainerModel, x: Data, args: PredictArgs = {}): Promise<Tensor | Tensor[]> {
  const xs = toTensorList(x, 'x')!;
  const iterator = new EpochIterator(xs, null, null, {batchSize: args.batchSize ?? 32, stepsPerEpoch: args.steps ?? null, shuffle: false});
  const verbose = resolveVerbose(args.verbose);
  const callbacks = new CallbackList(args.callbacks ?? [], {addProgbar: verbose !== 0, model: model as never, verbose, epochs: 1, steps: iterator.numBatches});
  model.stopPredicting = false;
  let r = callbacks.onPredictBegin();
  if (isThenable(r)) await r;
  let outputs: Tensor[][] | null = null;
  for (const [begin, end, batch] of iterator) {
    r = callbacks.onPredictBatchBegin(begin);
    if (isThenable(r)) await r;
    const out = predictStep(model, batch.x);
    outputs ??= out.map(() => []);
    out.forEach((o, i) => outputs![i]!.push(o));
    r = callbacks.onPredictBatchEnd(end, {});
    if (isThenable(r)) await r;
    await tick();
    if (model.stopPredicting) break;
  }
  r = callbacks.onPredictEnd();
  if (isThenable(r)) await r;
  if (!outputs) return [];
  const merged = outputs.map(concatBatches);
  return merged.length === 1 ? merged[0]! : merged;
}

export function trainOnBatch(
  model: TrainerModel,
  x: Data,
  y: Data | null | undefined,
  {sampleWeight, classWeight, returnDict = false}: {sampleWeight?: Data | null; classWeight?: Record<number, number> | null; returnDict?: boolean} = {},
): number | number[] | Logs {
  const s = requireCompiled(model);
  const xs = toTensorList(x, 'x')!;
  const ys = toTensorList(y ?? null, 'y');
  const sws = sampleWeightsFor(ys, sampleWeight, classWeight);
  if (s.optimizer && !s.optimizer.built) {
    model.buildFromData(xs);
    s.optimizer.build(model.trainableWeights);
  }
  resetMetrics(model);
  if (activeDataParallel()) throw new ValueError('trainOnBatch is synchronous and cannot sum gradients across processes under DataParallel; use fit().');
  const logs = trainStep(model, xs, ys, sws) as Logs;
  return returnDict ? logs : flattenInOrder(model, logs);
}

export function testOnBatch(
  model: TrainerModel,
  x: Data,
  y: Data | null | undefined,
  {sampleWeight, returnDict = false}: {sampleWeight?: Data | null; returnDict?: boolean} = {},
): number | number[] | Logs {
  requireCompiled(model);
  resetMetrics(model);
  const logs = testStep(model, toTensorList(x, 'x')!, toTensorList(y ?? null, 'y'), toTensorList(sampleWeight ?? null, 'sample_weight'));
  return returnDict ? logs : flattenInOrder(model, logs);
}

export function predictOnBatch(model: TrainerModel, x: Data): Tensor | Tensor[] {
  const out = predictStep(model, toTensorList(x, 'x')!);
  return out.length === 1 ? out[0]! : out;
}

