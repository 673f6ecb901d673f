/** Initializers whose values do not depend on a seed: `Zeros`, `Ones`, `Constant`, `Identity`. */
import {ValueError} from '../errors.js';
import type {DType} from '../tensor/dtype.js';
import {fmtShape} from '../tensor/shape.js';
import {full, type Tensor, zeros} from '../tensor/tensor.js';
import {checkShape, dtypeOr, Initializer} from './initializer.js';

/** All zeros. */
export class Zeros extends Initializer {
  static override readonly className = 'Zeros';
  constructor(_args: Record<string, never> = {}) {
    super();
  }
  call(shape: readonly number[], dtype?: DType): Tensor {
    checkShape(shape, 'Zeros');
    return zeros(shape, dtypeOr(dtype));
  }
}

/** All ones. */
export class Ones extends Initializer {
  static override readonly className = 'Ones';
  constructor(_args: Record<string, never> = {}) {
    super();
  }
  call(shape: readonly number[], dtype?: DType): Tensor {
    checkShape(shape, 'Ones');
    return full(shape, 1, dtypeOr(dtype));
  }
}

/** Every element `value`: `new Constant(3)` or `new Constant({value: 3})`. */
export class Constant extends Initializer {
  static override readonly className = 'Constant';
  readonly value: number;
  constructor(value: number | {value?: number} = 0) {
    super();
    const v = typeof value === 'number' ? value : value.value ?? 0;
    if (typeof v !== 'number' || Number.isNaN(v)) {
      throw new ValueError(`Constant: value must be a number. Received: value=${JSON.stringify(v)}`);
    }
    this.value = v;
  }
  call(shape: readonly number[], dtype?: DType): Tensor {
    checkShape(shape, 'Constant');
    return full(shape, this.value, dtypeOr(dtype));
  }
  override getConfig(): Record<string, unknown> {
    return {value: this.value};
  }
}

/** `gain * eye(rows, cols)`, for 2-D weights only. */
export class Identity extends Initializer {
  static override readonly className = 'Identity';
  readonly gain: number;
  constructor({gain = 1.0}: {gain?: number} = {}) {
    super();
    this.gain = gain;
  }
  call(shape: readonly number[], dtype?: DType): Tensor {
    checkShape(shape, 'Identity');
    if (shape.length !== 2) {
      throw new ValueError(`Identity matrix initializer can only be used for 2D matrices. Received: shape=${fmtShape(shape)} of rank ${shape.length}.`);
    }
    const t = zeros(shape, dtypeOr(dtype));
    const [n, m] = shape as [number, number];
    for (let i = 0; i < Math.min(n, m); i++) t.values[i * m + i] = this.gain;
    return t;
  }
  override getConfig(): Record<string, unknown> {
    return {gain: this.gain};
  }
}
