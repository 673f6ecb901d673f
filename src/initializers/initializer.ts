/** The base class of `keras.initializers`, and the checks every initializer makes. */
import {floatx} from '../config.js';
import {ValueError} from '../errors.js';
import type {SerializedObject} from '../serialization.js';
import {isFloat, type DType} from '../tensor/dtype.js';
import type {Tensor} from '../tensor/tensor.js';

/** Base class: `call(shape, dtype)` returns a new tensor of that shape. */
export abstract class Initializer {
  static readonly className: string = 'Initializer';

  abstract call(shape: readonly number[], dtype?: DType): Tensor;

  getConfig(): Record<string, unknown> {
    return {};
  }

  get className(): string {
    return (this.constructor as typeof Initializer).className;
  }

  /** `new Cls(config)`: every initializer's constructor takes its own `getConfig()`. */
  static fromConfig<T extends Initializer>(this: new (config: Record<string, unknown>) => T, config: Record<string, unknown>): T {
    return new this(config);
  }

  /** A new initializer with the same configuration. */
  clone(): Initializer {
    return new (this.constructor as new (config: Record<string, unknown>) => Initializer)(this.getConfig());
  }
}

export type InitializerIdentifier = string | Initializer | SerializedObject;

export function dtypeOr(dtype: DType | undefined): DType {
  return dtype ?? (floatx() as DType);
}

export function checkShape(shape: readonly number[], who: string): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ValueError(`${who}: shape must be a list of non-negative integers. Received: shape=${JSON.stringify(shape)}`);
  }
}

export function checkFloatDtype(dtype: DType, who: string): void {
  if (!isFloat(dtype)) {
    throw new ValueError(`${who} only supports floating point dtypes. Received: dtype=${dtype}`);
  }
}
