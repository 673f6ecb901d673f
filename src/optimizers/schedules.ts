/**
 * Learning-rate schedules (`keras.optimizers.schedules`): a function of the optimizer's step count.
 * Computed in double precision on the host: the learning rate is one number per step.
 *
 * ```ts
 * const lr = new ExponentialDecay(0.1, 1000, 0.96);
 * const opt = new SGD({learningRate: lr});
 * ```
 */
import {ValueError} from '../errors.js';
import {getRegisteredClass, registerKerasSerializable} from '../serialization.js';

export abstract class LearningRateSchedule {
  static readonly className: string = 'LearningRateSchedule';
  /** The learning rate at optimizer step `step` (0 for the first update). */
  abstract call(step: number): number;
  abstract getConfig(): Record<string, unknown>;
  get className(): string {
    return (this.constructor as typeof LearningRateSchedule).className;
  }
  static fromConfig<T extends LearningRateSchedule>(this: new (config: Record<string, unknown>) => T, config: Record<string, unknown>): T {
    return new this(config);
  }
}

function checkDecaySteps(n: number, arg = 'decay_steps'): void {
  if (!(n > 0)) throw new ValueError(`Argument \`${arg}\` must be > 0. Received: ${arg}=${n}`);
}

// Constructors take Keras's positional arguments, or one config object (fromConfig).
type Cfg = Record<string, unknown>;
function isCfg(x: unknown): x is Cfg {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export interface ExponentialDecayArgs {
  staircase?: boolean;
  name?: string;
}

/** What ExponentialDecay and InverseTimeDecay share: their arguments, config and decay progress. */
abstract class RateDecay extends LearningRateSchedule {
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly decayRate: number;
  readonly staircase: boolean;
  readonly name: string;
  constructor(defaultName: string, initialLearningRate: number | Cfg, decaySteps?: number, decayRate?: number, args: ExponentialDecayArgs = {}) {
    super();
    const c: Cfg = isCfg(initialLearningRate) ? initialLearningRate : {initialLearningRate, decaySteps, decayRate, ...args};
    this.initialLearningRate = c['initialLearningRate'] as number;
    this.decaySteps = c['decaySteps'] as number;
    this.decayRate = c['decayRate'] as number;
    this.staircase = (c['staircase'] as boolean) ?? false;
    this.name = (c['name'] as string) ?? defaultName;
    checkDecaySteps(this.decaySteps);
  }
  /** `step / decaySteps`, floored with `staircase`. */
  protected progress(step: number): number {
    const p = step / this.decaySteps;
    return this.staircase ? Math.floor(p) : p;
  }
  getConfig(): Cfg {
    return {
      initialLearningRate: this.initialLearningRate,
      decaySteps: this.decaySteps,
      decayRate: this.decayRate,
      staircase: this.staircase,
      name: this.name,
    };
  }
}

/** `initialLearningRate * decayRate ^ (step / decaySteps)` (the exponent floored with `staircase`). */
export class ExponentialDecay extends RateDecay {
  static override readonly className = 'ExponentialDecay';
  constructor(initialLearningRate: number | Cfg, decaySteps?: number, decayRate?: number, args: ExponentialDecayArgs = {}) {
    super('ExponentialDecay', initialLearningRate, decaySteps, decayRate, args);
  }
  call(step: number): number {
    return this.initialLearningRate * Math.pow(this.decayRate, this.progress(step));
  }
}

/** `values[i]` while `boundaries[i-1] < step <= boundaries[i]`. */
export class PiecewiseConstantDecay extends LearningRateSchedule {
  static override readonly className = 'PiecewiseConstantDecay';
  readonly boundaries: number[];
  readonly values: number[];
  readonly name: string;
  constructor(boundaries: number[] | Cfg, values?: number[], {name = 'PiecewiseConstant'}: {name?: string} = {}) {
    super();
    const c: Cfg = isCfg(boundaries) ? boundaries : {boundaries, values, name};
    this.boundaries = [...(c['boundaries'] as number[])];
    this.values = [...(c['values'] as number[])];
    this.name = (c['name'] as string) ?? 'PiecewiseConstant';
    if (this.boundaries.length !== this.values.length - 1) {
      throw new ValueError(
        'The length of boundaries should be 1 less than the length of values. ' +
          `Received: boundaries=${JSON.stringify(this.boundaries)} of length ${this.boundaries.length}, ` +
          `and values=${JSON.stringify(this.values)} of length ${this.values.length}.`,
      );
    }
  }
  call(step: number): number {
    const b = this.boundaries;
    if (b.length === 0 || step <= b[0]!) return this.values[0]!;
    if (step > b[b.length - 1]!) return this.values[this.values.length - 1]!;
    for (let i = 0; i < b.length - 1; i++) if (step > b[i]! && step <= b[i + 1]!) return this.values[i + 1]!;
    return this.values[0]!;
  }
  getConfig(): Cfg {
    return {boundaries: this.boundaries, values: this.values, name: this.name};
  }
}

export interface PolynomialDecayArgs {
  endLearningRate?: number;
  power?: number;
  cycle?: boolean;
  name?: string;
}

/** `(initial - end) * (1 - step / decaySteps) ^ power + end`, step capped at `decaySteps` (or cycled). */
export class PolynomialDecay extends LearningRateSchedule {
  static override readonly className = 'PolynomialDecay';
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly endLearningRate: number;
  readonly power: number;
  readonly cycle: boolean;
  readonly name: string;
  constructor(initialLearningRate: number | Cfg, decaySteps?: number, args: PolynomialDecayArgs = {}) {
    super();
    const c: Cfg = isCfg(initialLearningRate) ? initialLearningRate : {initialLearningRate, decaySteps, ...args};
    this.initialLearningRate = c['initialLearningRate'] as number;
    this.decaySteps = c['decaySteps'] as number;
    this.endLearningRate = (c['endLearningRate'] as number) ?? 0.0001;
    this.power = (c['power'] as number) ?? 1.0;
    this.cycle = (c['cycle'] as boolean) ?? false;
    this.name = (c['name'] as string) ?? 'PolynomialDecay';
    checkDecaySteps(this.decaySteps);
  }
  call(step: number): number {
    let decaySteps = this.decaySteps;
    let s = step;
    if (this.cycle) {
      const multiplier = s === 0 ? 1 : Math.ceil(s / this.decaySteps);
      decaySteps *= multiplier;
    } else {
      s = Math.min(s, decaySteps);
    }
    const p = s / decaySteps;
    return (this.initialLearningRate - this.endLearningRate) * Math.pow(1 - p, this.power) + this.endLearningRate;
  }
  getConfig(): Cfg {
    return {
      initialLearningRate: this.initialLearningRate,
      decaySteps: this.decaySteps,
      endLearningRate: this.endLearningRate,
      power: this.power,
      cycle: this.cycle,
      name: this.name,
    };
  }
}

/** `initialLearningRate / (1 + decayRate * step / decaySteps)` (floored with `staircase`). */
export class InverseTimeDecay extends RateDecay {
  static override readonly className = 'InverseTimeDecay';
  constructor(initialLearningRate: number | Cfg, decaySteps?: number, decayRate?: number, args: ExponentialDecayArgs = {}) {
    super('InverseTimeDecay', initialLearningRate, decaySteps, decayRate, args);
  }
  call(step: number): number {
    return this.initialLearningRate / (1 + this.decayRate * this.progress(step));
  }
}

export interface CosineDecayArgs {
  alpha?: number;
  name?: string;
  warmupTarget?: number | null;
  warmupSteps?: number;
}

/** Cosine decay from the initial rate to `alpha * rate` over `decaySteps`, after an optional linear warmup. */
export class CosineDecay extends LearningRateSchedule {
  static override readonly className = 'CosineDecay';
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly alpha: number;
  readonly name: string;
  readonly warmupTarget: number | null;
  readonly warmupSteps: number;
  constructor(initialLearningRate: number | Cfg, decaySteps?: number, args: CosineDecayArgs = {}) {
    super();
    const c: Cfg = isCfg(initialLearningRate) ? initialLearningRate : {initialLearningRate, decaySteps, ...args};
    this.initialLearningRate = c['initialLearningRate'] as number;
    this.decaySteps = c['decaySteps'] as number;
    this.alpha = (c['alpha'] as number) ?? 0;
    this.name = (c['name'] as string) ?? 'CosineDecay';
    this.warmupTarget = (c['warmupTarget'] as number | null) ?? null;
    this.warmupSteps = (c['warmupSteps'] as number) ?? 0;
    checkDecaySteps(this.decaySteps);
  }
  private decay(step: number, from: number): number {
    const cosineDecayed = 0.5 * (1 + Math.cos(Math.PI * (step / this.decaySteps)));
    return from * ((1 - this.alpha) * cosineDecayed + this.alpha);
  }
  call(step: number): number {
    if (this.warmupTarget === null) return this.decay(Math.min(step, this.decaySteps), this.initialLearningRate);
    const s = Math.min(step, this.decaySteps + this.warmupSteps);
    if (s < this.warmupSteps) {
      return (this.warmupTarget - this.initialLearningRate) * (s / this.warmupSteps) + this.initialLearningRate;
    }
    return this.decay(s - this.warmupSteps, this.warmupTarget);
  }
  getConfig(): Cfg {
    return {
      initialLearningRate: this.initialLearningRate,
      decaySteps: this.decaySteps,
      alpha: this.alpha,
      name: this.name,
      warmupTarget: this.warmupTarget,
      warmupSteps: this.warmupSteps,
    };
  }
}

export interface CosineDecayRestartsArgs {
  tMul?: number;
  mMul?: number;
  alpha?: number;
  name?: string;
}

/** SGDR: cosine decay restarted every period, periods growing by `tMul`, peaks scaled by `mMul`. */
export class CosineDecayRestarts extends LearningRateSchedule {
  static override readonly className = 'CosineDecayRestarts';
  readonly initialLearningRate: number;
  readonly firstDecaySteps: number;
  readonly tMul: number;
  readonly mMul: number;
  readonly alpha: number;
  readonly name: string;
  constructor(initialLearningRate: number | Cfg, firstDecaySteps?: number, args: CosineDecayRestartsArgs = {}) {
    super();
    const c: Cfg = isCfg(initialLearningRate) ? initialLearningRate : {initialLearningRate, firstDecaySteps, ...args};
    this.initialLearningRate = c['initialLearningRate'] as number;
    this.firstDecaySteps = c['firstDecaySteps'] as number;
    this.tMul = (c['tMul'] as number) ?? 2.0;
    this.mMul = (c['mMul'] as number) ?? 1.0;
    this.alpha = (c['alpha'] as number) ?? 0;
    this.name = (c['name'] as string) ?? 'SGDRDecay';
    checkDecaySteps(this.firstDecaySteps, 'first_decay_steps');
  }
  call(step: number): number {
    let fraction = step / this.firstDecaySteps;
    let iRestart: number;
    if (this.tMul === 1) {
      iRestart = Math.floor(fraction);
      fraction -= iRestart;
    } else {
      iRestart = Math.floor(Math.log(1 - fraction * (1 - this.tMul)) / Math.log(this.tMul));
      const sumR = (1 - Math.pow(this.tMul, iRestart)) / (1 - this.tMul);
      fraction = (fraction - sumR) / Math.pow(this.tMul, iRestart);
    }
    const mFac = Math.pow(this.mMul, iRestart);
    const cosineDecayed = 0.5 * mFac * (1 + Math.cos(Math.PI * fraction));
    return this.initialLearningRate * ((1 - this.alpha) * cosineDecayed + this.alpha);
  }
  getConfig(): Cfg {
    return {
      initialLearningRate: this.initialLearningRate,
      firstDecaySteps: this.firstDecaySteps,
      tMul: this.tMul,
      mMul: this.mMul,
      alpha: this.alpha,
      name: this.name,
    };
  }
}

for (const cls of [ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay, InverseTimeDecay, CosineDecay, CosineDecayRestarts]) {
  registerKerasSerializable(cls, {pkg: 'keras.optimizers.schedules'});
}

/** `keras.optimizers.schedules.serialize`. */
export function serialize(s: LearningRateSchedule): {className: string; config: Cfg} {
  return {className: s.className, config: s.getConfig()};
}

/** `keras.optimizers.schedules.deserialize`. */
export function deserialize(config: {className: string; config: Cfg}): LearningRateSchedule {
  const cls = getRegisteredClass(config.className);
  const obj = cls?.fromConfig(config.config);
  if (!(obj instanceof LearningRateSchedule)) {
    throw new ValueError(`Unknown learning rate schedule: ${JSON.stringify(config.className)}`);
  }
  return obj;
}
