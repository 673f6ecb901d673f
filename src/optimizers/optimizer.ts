/**
 * The optimizer base (Keras 3's `BaseOptimizer`): learning rate (number, schedule or function),
 * gradient clipping, decoupled weight decay, EMA of the weights, gradient accumulation, and the
 * per-variable slots created by `build`. Subclasses implement `updateStep` with `ops` and update
 * variables through `assign` (constraints are applied after each update); where a fused update
 * kernel covers the configuration (`fusedUpdate`: SGD, RMSprop, Adam, Adadelta), one kernel call
 * replaces the 8-12 elementwise ops, with the same results.
 *
 * ```ts
 * const opt = new SGD({learningRate: 0.1, momentum: 0.9});
 * opt.apply(grads, model.trainableWeights);
 * ```
 */
import {noGrad} from '../autodiff/engine.js';
import {Variable} from '../autodiff/variable.js';
import {floatx} from '../config.js';
import {ValueError} from '../errors.js';
import type {optimizerKernels} from '../kernels/defs/optimizer.js';
import type {AttrsOf} from '../kernels/index.js';
import {uniqueName} from '../layers/layer.js';
import {toSnakeCase} from '../serialization.js';
import * as ops from '../ops/index.js';
import {optimizerUpdate} from '../ops/optimizer_update.js';
import {failTrace, hostEffect, isTracing, replayBefore, replayRefresh} from '../plan/trace.js';
import type {DType, TypedArray} from '../tensor/dtype.js';
import {fmtShape} from '../tensor/shape.js';
import {full, scalar, Tensor} from '../tensor/tensor.js';
import {LearningRateSchedule, serialize as serializeSchedule, deserialize as deserializeSchedule} from './schedules.js';

export type LearningRate = number | LearningRateSchedule | (() => number);

/** Options every optimizer takes (Keras's base keyword arguments, camelCase). */
export interface OptimizerArgs {
  learningRate?: LearningRate;
  weightDecay?: number | null;
  clipnorm?: number | null;
  clipvalue?: number | null;
  globalClipnorm?: number | null;
  useEma?: boolean;
  emaMomentum?: number;
  emaOverwriteFrequency?: number | null;
  lossScaleFactor?: number | null;
  gradientAccumulationSteps?: number | null;
  name?: string;
}

const BASE_KEYS = new Set([
  'learningRate', 'weightDecay', 'clipnorm', 'clipvalue', 'globalClipnorm', 'useEma', 'emaMomentum',
  'emaOverwriteFrequency', 'lossScaleFactor', 'gradientAccumulationSteps', 'name',
]);

/** Throws Keras's error for keyword arguments an optimizer does not know. */
export function checkArgs(args: object, own: readonly string[], cls: string): void {
  const unknown = Object.keys(args).filter((k) => !BASE_KEYS.has(k) && !own.includes(k) && (args as Record<string, unknown>)[k] !== undefined);
  if (unknown.length) {
    const rec = Object.fromEntries(unknown.map((k) => [k, (args as Record<string, unknown>)[k]]));
    throw new ValueError(`${cls}: argument(s) not recognized: ${JSON.stringify(rec)}`);
  }
}

export abstract class Optimizer {
  static readonly className: string = 'Optimizer';

  name: string;
  weightDecay: number | null;
  clipnorm: number | null;
  clipvalue: number | null;
  globalClipnorm: number | null;
  useEma: boolean;
  emaMomentum: number;
  emaOverwriteFrequency: number | null;
  lossScaleFactor: number | null;
  gradientAccumulationSteps: number | null;
  built = false;
  /**
   * Whether `updateStep` may use the fused update kernel (`SGDUpdate`, `AdamUpdate`, ...) where it
   * applies. The results are the same as the composite ops' (bit for bit in float32); `false` forces
   * the composite ops (tests compare the two).
   */
  fusedUpdates = true;

  private readonly _variables: Variable[] = [];
  private _trainableVariables: Variable[] = [];
  private readonly _indices = new Map<Variable, number>();
  private readonly _iterations: Variable;
  private _learningRate: Variable | LearningRateSchedule | (() => number);
  private _emaAverages: (Variable | null)[] = [];
  private _accumulated: Variable[] = [];
  private _excludeFromWeightDecay = new Set<Variable>();
  private _excludeFromWeightDecayPattern: RegExp | null = null;

  constructor(defaultLearningRate: number, args: OptimizerArgs = {}) {
    const cls = (this.constructor as typeof Optimizer).className;
    this.name = args.name ?? uniqueName(toSnakeCase(cls));
    this.weightDecay = args.weightDecay ?? null;
    this.clipnorm = args.clipnorm ?? null;
    this.clipvalue = args.clipvalue ?? null;
    this.globalClipnorm = args.globalClipnorm ?? null;
    this.useEma = args.useEma ?? false;
    this.emaMomentum = args.emaMomentum ?? 0.99;
    this.emaOverwriteFrequency = args.emaOverwriteFrequency ?? null;
    this.lossScaleFactor = args.lossScaleFactor ?? null;
    this.gradientAccumulationSteps = args.gradientAccumulationSteps ?? null;
    const steps = this.gradientAccumulationSteps;
    if (steps !== null && !(Number.isInteger(steps) && steps >= 2)) {
      throw new ValueError(`\`gradient_accumulation_steps\` must be an integer >= 2. Received: gradient_accumulation_steps=${steps}`);
    }
    if (this.useEma) {
      if (this.emaMomentum > 1 || this.emaMomentum < 0) {
        throw new ValueError(`\`ema_momentum\` must be in the range [0, 1]. Received: ema_momentum=${this.emaMomentum}`);
      }
      const f = this.emaOverwriteFrequency;
      if (f !== null && !(Number.isInteger(f) && f >= 1)) {
        throw new ValueError(`\`ema_overwrite_frequency\` must be an integer >= 1 or None. Received: ema_overwrite_frequency=${f}`);
      }
    }
    const clips = [this.clipnorm, this.clipvalue, this.globalClipnorm].filter((c) => c !== null).length;
    if (clips > 1) {
      throw new ValueError(
        'Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. ' +
          `Received: clipnorm=${this.clipnorm}, clipvalue=${this.clipvalue}, global_clipnorm=${this.globalClipnorm}`,
      );
    }
    this._iterations = this.track(new Variable(scalar(0, 'int32'), {name: 'iteration', trainable: false}));
    const lr = args.learningRate ?? defaultLearningRate;
    if (lr instanceof LearningRateSchedule || typeof lr === 'function') this._learningRate = lr;
    else if (typeof lr === 'number' && Number.isFinite(lr)) {
      this._learningRate = this.track(new Variable(scalar(lr, floatx()), {name: 'learning_rate', trainable: false}));
    } else {
      throw new ValueError(
        'Argument `learning_rate` should be float, or an instance of LearningRateSchedule, or a callable ' +
          '(that takes in the current iteration value and returns the corresponding learning rate value). ' +
          `Received instead: learning_rate=${String(lr)}`,
      );
    }
  }

  get className(): string {
    return (this.constructor as typeof Optimizer).className;
  }

  private track(v: Variable): Variable {
    v.path = `${this.name}/${v.name}`;
    this._variables.push(v);
    return v;
  }

  /** Every optimizer variable: `iteration`, `learning_rate` (unless a schedule), then the slots. */
  get variables(): Variable[] {
    return [...this._variables];
  }

  /** Update steps applied so far (divided by `gradientAccumulationSteps` when accumulating). */
  get iterations(): number {
    const n = this.iterationCount();
    return this.gradientAccumulationSteps ? Math.floor(n / this.gradientAccumulationSteps) : n;
  }

  /** The raw counter, read without handing its tensor out (so that `apply` can count on in place). */
  private iterationCount(): number {
    return (this._iterations.unsharedValue() ?? this._iterations.value).values[0]!;
  }

  /** Adds one to the iteration counter: in place when only the counter holds its tensor. */
  private countIteration(): void {
    const own = this._iterations.unsharedValue();
    if (own) own.values[0]! += 1;
    else this._iterations.adoptValue(scalar(this.iterationCount() + 1, 'int32'));
  }
  /** The iteration counter itself (for saving). */
  get iterationsVariable(): Variable {
    return this._iterations;
  }

  /** The current learning rate (a schedule is evaluated at the current iteration). */
  get learningRate(): number {
    const lr = this._learningRate;
    if (lr instanceof LearningRateSchedule) return lr.call(this.iterationCount());
    if (lr instanceof Variable) return lr.value.values[0]!;
    return lr();
  }
  set learningRate(value: LearningRate) {
    if (value instanceof LearningRateSchedule || typeof value === 'function') {
      const prev = this._learningRate;
      this._learningRate = value;
      if (prev instanceof Variable) this._variables.splice(this._variables.indexOf(prev), 1);
      return;
    }
    if (this._learningRate instanceof LearningRateSchedule) {
      throw new ValueError(
        'This optimizer was created with a `LearningRateSchedule` object as its `learning_rate` constructor argument, ' +
          'hence its learning rate is not settable. If you need the learning rate to be settable, you should ' +
          'instantiate the optimizer with a float `learning_rate` argument.',
      );
    }
    if (this._learningRate instanceof Variable) this._learningRate.assign(scalar(value, this._learningRate.dtype));
    else this._learningRate = this.track(new Variable(scalar(value, floatx()), {name: 'learning_rate', trainable: false}));
  }

  /** Creates a slot variable (Keras's `add_variable`). */
  addVariable(shape: readonly number[], {initializer = 0, dtype, name}: {initializer?: number; dtype?: DType; name?: string} = {}): Variable {
    return this.track(new Variable(full(shape, initializer, dtype ?? floatx()), {name: name ?? 'variable', trainable: false}));
  }

  /** A slot shaped like `ref`, named `{ref.path with / as _}_{name}` as Keras names them. */
  addVariableFromReference(ref: Variable, name = 'var', initializer = 0): Variable {
    return this.addVariable(ref.shape, {initializer, dtype: ref.dtype, name: `${ref.path.replaceAll('/', '_')}_${name}`});
  }

  /** One slot per variable and name, interleaved per variable as Keras creates them. */
  addOptimizerVariables(vars: Variable[], names: string[], initializers: number[] = names.map(() => 0)): Variable[][] {
    const out: Variable[][] = names.map(() => []);
    for (const v of vars) names.forEach((n, i) => out[i]!.push(this.addVariableFromReference(v, n, initializers[i])));
    return out;
  }

  /** Creates the slots for `vars`. Subclasses call `super.build(vars)` first, then add theirs. */
  build(vars: Variable[]): void {
    if (this.useEma) this._emaAverages = this.addOptimizerVariables(vars, ['average'])[0]!;
    vars.forEach((v, i) => this._indices.set(v, i));
    if (this.gradientAccumulationSteps) this._accumulated = this.addOptimizerVariables(vars, ['gradient_accumulator'])[0]!;
    this._trainableVariables = [...vars];
    this.built = true;
  }

  protected variableIndex(v: Variable): number {
    const i = this._indices.get(v);
    if (i === undefined) throw new ValueError(`Unknown variable: ${v.path}`);
    return i;
  }

  /** The value a slot or weight holds, for `updateStep` math. */
  protected assign(v: Variable, value: Tensor): void {
    v.assign(value);
  }
  protected assignAdd(v: Variable, value: Tensor): void {
    v.assign(ops.add(v.value, value));
  }
  protected assignSub(v: Variable, value: Tensor): void {
    v.assign(ops.subtract(v.value, value));
  }

  /**
   * Runs fused update kernel `kernel` on `variable`, its gradient and `slots`, and stores the new
   * values. A value only its variable references (a slot nobody read since the last update) is
   * updated in place; a value that was handed out (`value`, `read()`: the weights, which the forward
   * pass reads) gets a new tensor, which its variable then owns: a tensor a caller holds never
   * changes. Returns false, doing nothing, when the fused path does not apply: disabled, a dtype
   * other than float32/float64, or a gradient or slot whose dtype or shape differs from the
   * variable's; the caller then runs the composite ops.
   *
   * `refresh(attrs, lr)` sets the attributes that change from step to step from the step's learning
   * rate (and the optimizer's state, such as `iterations`): a compiled step (src/plan) records this
   * update once and calls `refresh` before each replay.
   */
  protected fusedUpdate<K extends keyof typeof optimizerKernels>(
    kernel: K,
    gradient: Tensor,
    variable: Variable,
    slots: Variable[],
    attrs: AttrsOf<(typeof optimizerKernels)[K]>,
    refresh: (attrs: AttrsOf<(typeof optimizerKernels)[K]>, learningRate: number) => void,
  ): boolean {
    this.fusedSlots.set(variable, slots);
    // a slice is never updated with composite ops (they would read its gradient against the whole variable)
    if (this.slice) return this.fusedSliceUpdate(kernel, gradient, variable, slots, attrs);
    if (!this.fusedUpdates) return false;
    const dtype = variable.dtype, shape = variable.shape;
    if (dtype !== 'float32' && dtype !== 'float64') return false;
    const same = (t: {dtype: DType; shape: readonly number[]}) =>
      t.dtype === dtype && t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]);
    if (!same(gradient) || !slots.every(same)) return false;
    const holders = [variable, ...slots];
    const tracing = isTracing();
    // traced: new tensors, which the plan then writes in place into the variables' own
    const owned = holders.map((h) => (tracing ? null : h.unsharedValue()));
    if (tracing) {
      this.fusedInTrace++;
      replayRefresh((a: AttrsOf<(typeof optimizerKernels)[K]>) => refresh(a, this.replayLearningRate));
    }
    // a value that is not owned was handed out already: reading `value` changes nothing
    const current = holders.map((h, i) => owned[i] ?? h.value);
    const outs = optimizerUpdate(kernel, {variable: current[0]!, gradient, slots: current.slice(1)}, attrs, owned);
    holders.forEach((h, i) => {
      if (outs[i] !== owned[i]) h.adoptValue(outs[i]!);
    });
    this.fusedInApply++;
    return true;
  }

  /**
   * `fusedUpdate` of elements [lo, hi) (`this.slice`) of `variable` and its slots, in place in their
   * own tensors (copied once first where they were handed out), from `gradient`, those elements'
   * gradient. The kernels are elementwise: each element gets the value a whole-variable update gives it.
   */
  private fusedSliceUpdate<K extends keyof typeof optimizerKernels>(
    kernel: K,
    gradient: Tensor,
    variable: Variable,
    slots: Variable[],
    attrs: AttrsOf<(typeof optimizerKernels)[K]>,
  ): boolean {
    const [lo, hi] = this.slice!;
    const dtype = variable.dtype;
    if ((dtype !== 'float32' && dtype !== 'float64') || gradient.dtype !== dtype || gradient.size !== hi - lo || slots.some((s) => s.dtype !== dtype || s.size !== variable.size)) {
      throw new ValueError(
        `${this.className}: cannot update elements [${lo}, ${hi}) of "${variable.path}" (${dtype}${fmtShape(variable.shape)}) ` +
          `from a ${gradient.dtype}${fmtShape(gradient.shape)} gradient with a fused kernel`,
      );
    }
    const views = [variable, ...slots].map((h) => {
      const t = h.writableValue();
      return new Tensor([hi - lo], dtype, t.values.subarray(lo, hi) as TypedArray);
    });
    optimizerUpdate(kernel, {variable: views[0]!, gradient, slots: views.slice(1)}, attrs, views);
    this.sliceDone = true;
    return true;
  }

  /** The slots each variable's fused update reads and writes (`slotsOf`). */
  private readonly fusedSlots = new Map<Variable, Variable[]>();

  /** The slot variables of `variable`, in the order its fused update takes them ([] before its first update). */
  slotsOf(variable: Variable): Variable[] {
    return this.fusedSlots.get(variable) ?? [];
  }

  /** Fused updates (whole variables) in the current `apply`. */
  private fusedInApply = 0;
  /** Whether the last `apply` updated every variable with a fused kernel (what `updateSlice` needs). */
  private lastApplyFused = false;
  /** While `updateSlice` runs: the elements it updates; and whether the fused kernel did. */
  private slice: [number, number] | null = null;
  private sliceDone = false;

  /**
   * Why this optimizer cannot update slices of its variables independently (`updateSlice`: the
   * sharded update of keras.distribution.DataParallel, where each process updates its share of the
   * elements), or null when it can: every variable's update must be one elementwise fused kernel
   * (seen in the last `apply`), with nothing that reads a whole variable or the step on the host
   * (clipping by norm, weight decay, EMA, gradient accumulation, constraints, loss scaling).
   */
  sliceUpdateBlocker(vars: readonly Variable[]): string | null {
    const blocker = this.planUpdateBlocker();
    if (blocker) return blocker;
    if (!this.built) return 'the optimizer is not built';
    if (this.clipnorm || this.clipvalue) return 'gradient clipping';
    if (this.lossScaleFactor !== null) return 'loss scaling';
    if (vars.some((v) => v.constraint)) return 'a constraint reads the whole variable';
    if (this.backendUpdateStep !== Optimizer.prototype.backendUpdateStep) return 'the update keeps state of its own per step';
    if (!this.lastApplyFused) return 'some variables are updated with composite ops';
    return null;
  }

  /**
   * Updates elements [lo, hi) of `variable` (flat, row-major) and of its slots, in place, from
   * `gradient` (those elements' gradient, 1-D), with the fused kernel the whole-variable update runs:
   * each element gets the same value. Only when `sliceUpdateBlocker` is null; `learningRate` is the
   * step's (read once per step), and `finishSliceUpdates` ends the step (the iteration count).
   */
  updateSlice(gradient: Tensor, variable: Variable, lo: number, hi: number, learningRate: number): void {
    this.slice = [lo, hi];
    this.sliceDone = false;
    try {
      noGrad(() => this.updateStep(gradient, variable, learningRate));
    } finally {
      this.slice = null;
    }
    if (!this.sliceDone) throw new ValueError(`${this.className}: the update of "${variable.path}" is not one fused kernel; it cannot be split into slices`);
  }

  /** After a step's `updateSlice` calls: counts the iteration (at the end of each replay, in a compiled step). */
  finishSliceUpdates(): void {
    hostEffect(() => this.countIteration());
  }

  /** Fused updates recorded by the trace of a compiled step (`apply` checks that every variable took one). */
  private fusedInTrace = 0;
  /** The learning rate of the step a compiled plan replays (set before its update kernels run). */
  private replayLearningRate = 0;

  /**
   * Why this optimizer's update cannot be recorded into a compiled step (src/plan), or null when it
   * can: a compiled step replays the fused update kernels with their learning rate and step count
   * refreshed from the optimizer at each replay; what computes numbers on the host from the step
   * (weight decay, EMA, gradient accumulation, global-norm clipping) stays eager. A configuration
   * whose updates turn out not to be fused (a centered RMSprop, an AMSGrad Adam, Nadam...) is caught
   * when the step is traced.
   */
  planUpdateBlocker(): string | null {
    if (!this.fusedUpdates) return 'fused updates are turned off';
    if (this.gradientAccumulationSteps) return 'gradient accumulation counts steps on the host';
    if (this.useEma) return 'the moving average of the weights depends on the step';
    if (this.weightDecay !== null) return 'weight decay scales by the learning rate on the host';
    if (this.globalClipnorm) return 'global-norm clipping reads the norm on the host';
    return null;
  }

  /** Updates one variable from its gradient. */
  abstract updateStep(gradient: Tensor, variable: Variable, learningRate: number): void;

  /** `apply_gradients([[grad, var], ...])`. */
  applyGradients(gradsAndVars: [Tensor | null, Variable][]): number {
    this.apply(gradsAndVars.map((p) => p[0]), gradsAndVars.map((p) => p[1]));
    return this.iterations;
  }

  /**
   * Applies one update. `grads` match `trainableVariables` one to one (a null gradient skips its
   * variable, with Keras's warning); the first call builds the slots.
   */
  apply(grads: (Tensor | null)[], trainableVariables?: Variable[]): void {
    if (grads.length === 0) return;
    let vars: Variable[];
    if (trainableVariables === undefined) {
      if (!this.built) {
        throw new ValueError(
          'When passing `grads` without `variables`, the optimizer must already be built on a list of variables. ' +
            'Call `optimizer.build(trainable_variables)` first. ',
        );
      }
      if (grads.length !== this._trainableVariables.length) {
        throw new ValueError(
          'When passing `grads` as a list of gradient tensors, the gradients must match `optimizer.variables` one-to-on. ' +
            `Received a list of ${grads.length} gradients, but the optimizer is tracking ${this._trainableVariables.length} trainable variables.`,
        );
      }
      vars = this._trainableVariables;
    } else {
      vars = [...trainableVariables];
      if (grads.length !== vars.length) {
        throw new ValueError(`${this.className}.apply: received ${grads.length} gradients for ${vars.length} variables`);
      }
      if (!this.built) this.build(vars);
      for (const v of vars) {
        if (!this._indices.has(v)) {
          throw new ValueError(
            `Unknown variable: ${v.path}. This optimizer can only be called for the variables it was originally built with. ` +
              'When working with a new set of variables, you should recreate a new optimizer instance.',
          );
        }
      }
    }
    noGrad(() => {
      let gs: Tensor[] = [];
      const vs: Variable[] = [];
      const missing: string[] = [];
      grads.forEach((g, i) => {
        if (g === null || g === undefined) missing.push(vars[i]!.path);
        else {
          if (g.shape.length !== vars[i]!.shape.length || g.shape.some((d, j) => d !== vars[i]!.shape[j])) {
            throw new ValueError(
              `${this.className}: gradient shape ${fmtShape(g.shape)} does not match variable "${vars[i]!.path}" of shape ${fmtShape(vars[i]!.shape)}`,
            );
          }
          gs.push(g);
          vs.push(vars[i]!);
        }
      });
      // a loss that reads a variable through `.value` (not `read()`) is the usual cause: tapes do not see it
      const hint =
        'A GradientTape sees a variable only when an op reads it (a Variable passed to an op, or `variable.read()`); ' +
        '`variable.value` reads it unseen. If using `model.compile()`, did you forget to provide a `loss` argument?';
      if (gs.length === 0) throw new ValueError(`No gradients provided for any variable: ${missing.join(', ')}. ${hint}`);
      if (missing.length) {
        console.warn(`Gradients do not exist for variables ${JSON.stringify(missing)} when minimizing the loss. ${hint}`);
      }
      if (this.lossScaleFactor !== null) gs = gs.map((g) => ops.divide(g, this.lossScaleFactor!));
      const n = this.iterationCount();
      if (this.gradientAccumulationSteps) {
        const steps = this.gradientAccumulationSteps;
        const acc = vs.map((v) => this._accumulated[this.variableIndex(v)]!);
        if ((n + 1) % steps === 0) {
          const merged = gs.map((g, i) => ops.divide(ops.add(g, acc[i]!.value), steps));
          this.updateAll(this.clipGradients(merged), vs);
          for (const a of acc) a.assign(ops.zerosLike(a.value));
        } else {
          gs.forEach((g, i) => acc[i]!.assign(ops.add(g, acc[i]!.value)));
        }
      } else if (isTracing()) {
        // a compiled step: the learning rate is read again before each replay; every update must be a fused kernel
        replayBefore(() => {
          this.replayLearningRate = this.learningRate;
        });
        this.fusedInTrace = 0;
        this.fusedInApply = 0;
        this.updateAll(this.clipGradients(gs), vs);
        this.lastApplyFused = this.fusedInApply === vs.length;
        if (this.fusedInTrace !== vs.length) failTrace(`${this.className} updates some variables with composite ops, whose learning rate a replay could not refresh`);
      } else {
        this.fusedInApply = 0;
        this.updateAll(this.clipGradients(gs), vs);
        this.lastApplyFused = this.fusedInApply === vs.length;
      }
      if (this.useEma) {
        this.updateEma();
        const f = this.emaOverwriteFrequency;
        if (f && (this.iterations + 1) % f === 0) this.overwriteWithAverages();
      }
      for (const v of vs) if (v.constraint) v.assign(v.constraint(v.value));
      hostEffect(() => this.countIteration());
    });
  }

  private updateAll(grads: Tensor[], vars: Variable[]): void {
    this.applyWeightDecay(vars);
    this.backendUpdateStep(grads, vars, this.learningRate);
  }

  /** Runs `updateStep` for every variable; optimizers with per-step state (Nadam) override it. */
  protected backendUpdateStep(grads: Tensor[], vars: Variable[], learningRate: number): void {
    grads.forEach((g, i) => this.updateStep(g, vars[i]!, learningRate));
  }

  protected clipGradients(grads: Tensor[]): Tensor[] {
    if (this.clipnorm && this.clipnorm > 0) return grads.map((g) => clipByNorm(g, this.clipnorm!));
    if (this.globalClipnorm && this.globalClipnorm > 0) return clipByGlobalNorm(grads, this.globalClipnorm);
    if (this.clipvalue && this.clipvalue > 0) return grads.map((g) => ops.clip(g, -this.clipvalue!, this.clipvalue!));
    return grads;
  }

  /** Keeps variables out of weight decay, by object or by a substring/regex of their name. */
  excludeFromWeightDecay({varList, varNames}: {varList?: Variable[]; varNames?: string[]} = {}): void {
    if (this.built) throw new ValueError('`exclude_from_weight_decay()` can only be configured before the optimizer is built.');
    this._excludeFromWeightDecay = new Set(varList ?? []);
    this._excludeFromWeightDecayPattern = varNames && varNames.length ? new RegExp([...new Set(varNames)].join('|')) : null;
  }

  protected useWeightDecay(v: Variable): boolean {
    if (this._excludeFromWeightDecay.has(v)) return false;
    if (this._excludeFromWeightDecayPattern && this._excludeFromWeightDecayPattern.test(v.name)) return false;
    return true;
  }

  protected applyWeightDecay(vars: Variable[]): void {
    if (this.weightDecay === null) return;
    const lr = this.learningRate;
    for (const v of vars) {
      if (this.useWeightDecay(v)) v.assign(ops.subtract(v.value, ops.multiply(v.value, this.weightDecay * lr)));
    }
  }

  private updateEma(): void {
    // the first step copies the weights (momentum 0), as Keras
    const momentum = this.iterations !== 0 ? this.emaMomentum : 0;
    this._trainableVariables.forEach((v, i) => {
      const avg = this._emaAverages[i];
      if (avg) avg.assign(movingAverage(avg.value, v.value, momentum));
    });
  }

  private overwriteWithAverages(): void {
    this._trainableVariables.forEach((v, i) => {
      const avg = this._emaAverages[i];
      if (avg) v.assign(avg.value);
    });
  }

  /** Called by `fit` at the end: with EMA, the weights become their moving averages. */
  finalizeVariableValues(vars: Variable[]): void {
    void vars;
    if (this.useEma) noGrad(() => this.overwriteWithAverages());
  }

  /** Multiplies the loss by `lossScaleFactor` before gradients are taken. */
  scaleLoss(loss: Tensor): Tensor {
    return this.lossScaleFactor !== null ? ops.multiply(loss, this.lossScaleFactor) : loss;
  }

  /** Sets every optimizer variable from tensors, in the order of `variables`. */
  setWeights(weights: Tensor[]): void {
    if (!this.built) {
      throw new ValueError(
        'You are calling `set_weights()` on an optimizer that has not yet been built. Please call ' +
          '`optimizer.build(trainable_variables)` to create the optimizer weights before calling `set_weights()`.',
      );
    }
    this._variables.forEach((v, i) => {
      const w = weights[i];
      if (!w) return;
      if (w.shape.length !== v.shape.length || w.shape.some((d, j) => d !== v.shape[j])) {
        throw new ValueError(`Optimizer variable ${v.path} has shape ${fmtShape(v.shape)} not compatible with provided weight shape ${fmtShape(w.shape)}.`);
      }
      v.assign(w);
    });
  }

  getConfig(): Record<string, unknown> {
    const lr = this._learningRate;
    return {
      name: this.name,
      learningRate: lr instanceof LearningRateSchedule ? serializeSchedule(lr) : lr instanceof Variable ? lr.value.values[0] : lr(),
      weightDecay: this.weightDecay,
      clipnorm: this.clipnorm,
      globalClipnorm: this.globalClipnorm,
      clipvalue: this.clipvalue,
      useEma: this.useEma,
      emaMomentum: this.emaMomentum,
      emaOverwriteFrequency: this.emaOverwriteFrequency,
      lossScaleFactor: this.lossScaleFactor,
      gradientAccumulationSteps: this.gradientAccumulationSteps,
    };
  }

  /** Rebuilds an optimizer of the class it is called on (`Adam.fromConfig(c)`) from `getConfig()`. */
  static fromConfig<T extends Optimizer>(this: new (args: Record<string, unknown>) => T, config: Record<string, unknown>): T {
    const c = {...config};
    const lr = c['learningRate'];
    if (lr && typeof lr === 'object') c['learningRate'] = deserializeSchedule(lr as {className: string; config: Record<string, unknown>});
    return new this(c);
  }

  toString(): string {
    return `<${this.className} name=${this.name}>`;
  }
}

/** The `refresh` of a fused update whose only per-step attribute is the learning rate. */
export function refreshLearningRate(attrs: {learningRate: number}, learningRate: number): void {
  attrs.learningRate = learningRate;
}

/** `average * decay + value * (1 - decay)`: one step of an exponential moving average. */
export function movingAverage(average: Tensor, value: Tensor, decay: number): Tensor {
  return ops.add(ops.multiply(average, decay), ops.multiply(value, 1 - decay));
}

/** `g * clipnorm / max(||g||, clipnorm)`, with a zero gradient left as it is. */
export function clipByNorm(g: Tensor, clipnorm: number): Tensor {
  const l2sum = ops.sum(ops.square(g), null, true);
  const l2norm = ops.sqrt(l2sum);
  return ops.divide(ops.multiply(g, clipnorm), ops.maximum(l2norm, clipnorm));
}

/** Scales all gradients by `clipNorm / max(globalNorm, clipNorm)`. */
export function clipByGlobalNorm(grads: Tensor[], clipNorm: number): Tensor[] {
  let sq = 0;
  for (const g of grads) sq += ops.sum(ops.square(g)).item();
  const norm = Math.sqrt(sq);
  const scale = clipNorm * Math.min(1 / norm, 1 / clipNorm);
  return grads.map((g) => ops.multiply(g, Number.isFinite(norm) ? scale : NaN));
}
