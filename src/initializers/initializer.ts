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

  static fromConfig(config: Record<string, unknown>): Initializer {
    return new (this as unknown as new (c: Record<string, unknown>) => Initializer)(config);
  }

  /** A new initializer with the same configuration. */
  clone(): Initializer {
    return (this.constructor as typeof Initializer).fromConfig(this.getConfig());
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
