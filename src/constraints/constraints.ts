/** The constraints of `keras.constraints`, and their base class. */
import {epsilon} from '../config.js';
import {ValueError} from '../errors.js';
import * as ops from '../ops/index.js';
import type {Tensor} from '../tensor/tensor.js';
import type {SerializedObject} from '../serialization.js';

/** Base class: `call(w)` returns the projected weight. */
export abstract class Constraint {
  static readonly className: string = 'Constraint';
  abstract call(w: Tensor): Tensor;
  getConfig(): Record<string, unknown> {
    return {};
  }
  get className(): string {
    return (this.constructor as typeof Constraint).className;
  }
  static fromConfig<T extends Constraint>(this: new (config: Record<string, unknown>) => T, config: Record<string, unknown>): T {
    return new this(config);
  }
}

export type ConstraintIdentifier = string | Constraint | SerializedObject;

type Axis = number | number[];

function norms(w: Tensor, axis: Axis): Tensor {
  return ops.sqrt(ops.sum(ops.square(w), axis, true));
}

/** Rescales each slice along `axis` whose L2 norm exceeds `maxValue` (default 2) down to it. */
export class MaxNorm extends Constraint {
  static override readonly className = 'MaxNorm';
  readonly maxValue: number;
  readonly axis: Axis;
  constructor({maxValue = 2, axis = 0}: {maxValue?: number; axis?: Axis} = {}) {
    super();
    this.maxValue = maxValue;
    this.axis = axis;
  }
  call(w: Tensor): Tensor {
    const n = norms(w, this.axis);
    const desired = ops.clip(n, 0, this.maxValue);
    return ops.multiply(w, ops.divide(desired, ops.add(n, epsilon())));
  }
  override getConfig(): Record<string, unknown> {
    return {maxValue: this.maxValue, axis: this.axis};
  }
}

/** Clamps negative weights to zero. */
export class NonNeg extends Constraint {
  static override readonly className = 'NonNeg';
  constructor(_args: Record<string, never> = {}) {
    super();
  }
  call(w: Tensor): Tensor {
    return ops.maximum(w, 0);
  }
}

/** Divides each slice along `axis` by its L2 norm. */
export class UnitNorm extends Constraint {
  static override readonly className = 'UnitNorm';
  readonly axis: Axis;
  constructor({axis = 0}: {axis?: Axis} = {}) {
    super();
    this.axis = axis;
  }
  call(w: Tensor): Tensor {
    return ops.divide(w, ops.add(norms(w, this.axis), epsilon()));
  }
  override getConfig(): Record<string, unknown> {
    return {axis: this.axis};
  }
}

/**
 * Moves each slice's norm towards `[minValue, maxValue]`:
 * `desired = rate * clip(norm, min, max) + (1 - rate) * norm`.
 */
export class MinMaxNorm extends Constraint {
  static override readonly className = 'MinMaxNorm';
  readonly minValue: number;
  readonly maxValue: number;
  readonly rate: number;
  readonly axis: Axis;
  constructor({minValue = 0.0, maxValue = 1.0, rate = 1.0, axis = 0}: {minValue?: number; maxValue?: number; rate?: number; axis?: Axis} = {}) {
    super();
    if (!(minValue <= maxValue)) {
      throw new ValueError(`MinMaxNorm: minValue must be <= maxValue. Received: minValue=${minValue}, maxValue=${maxValue}`);
    }
    this.minValue = minValue;
    this.maxValue = maxValue;
    this.rate = rate;
    this.axis = axis;
  }
  call(w: Tensor): Tensor {
    const n = norms(w, this.axis);
    const desired = ops.add(ops.multiply(ops.clip(n, this.minValue, this.maxValue), this.rate), ops.multiply(n, 1 - this.rate));
    return ops.multiply(w, ops.divide(desired, ops.add(n, epsilon())));
  }
  override getConfig(): Record<string, unknown> {
    return {minValue: this.minValue, maxValue: this.maxValue, rate: this.rate, axis: this.axis};
  }
}
