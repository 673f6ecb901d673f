/** The regularizers of `keras.regularizers`, and their base class. */
import {ValueError} from '../errors.js';
import * as ops from '../ops/index.js';
import {eye, scalar, type Tensor} from '../tensor/tensor.js';
import type {SerializedObject} from '../serialization.js';

/** Base class: `call(x)` returns a scalar penalty. */
export abstract class Regularizer {
  static readonly className: string = 'Regularizer';
  abstract call(x: Tensor): Tensor;
  abstract getConfig(): Record<string, unknown>;
  get className(): string {
    return (this.constructor as typeof Regularizer).className;
  }
  static fromConfig<T extends Regularizer>(this: new (config: Record<string, unknown>) => T, config: Record<string, unknown>): T {
    return new this(config);
  }
}

export type RegularizerIdentifier = string | Regularizer | SerializedObject;

/** Keras's `validate_float_arg`: a finite, non-negative number. */
function validateFloatArg(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ValueError(`Invalid value for argument ${name}: expected a non-negative float. Received: ${name}=${value}`);
  }
  return value;
}

/** The factor given positionally (`new L1(0.01)`) or in a config (`new L1({l1: 0.01})`); undefined if absent. */
function pick<K extends string>(arg: number | {[k in K]?: number | null} | undefined | null, key: K): number | undefined {
  if (arg === undefined || arg === null) return undefined;
  if (typeof arg === 'number') return arg;
  return arg[key] ?? undefined;
}

/** `l1 * sum(|x|) + l2 * sum(x^2)`; both default to 0 here (Keras's `L1L2`). */
export class L1L2 extends Regularizer {
  static override readonly className: string = 'L1L2';
  readonly l1: number;
  readonly l2: number;
  constructor({l1 = 0.0, l2 = 0.0}: {l1?: number | null; l2?: number | null} = {}) {
    super();
    this.l1 = validateFloatArg(l1 ?? 0.0, 'l1');
    this.l2 = validateFloatArg(l2 ?? 0.0, 'l2');
  }
  call(x: Tensor): Tensor {
    let r: Tensor = scalar(0, x.dtype);
    if (this.l1 !== 0) r = ops.add(r, ops.multiply(ops.sum(ops.abs(x)), this.l1));
    if (this.l2 !== 0) r = ops.add(r, ops.multiply(ops.sum(ops.square(x)), this.l2));
    return r;
  }
  getConfig(): Record<string, unknown> {
    return {l1: this.l1, l2: this.l2};
  }
}

/** `l1 * sum(|x|)`, `l1 = 0.01` by default: `new L1(0.001)` or `new L1({l1: 0.001})`. */
export class L1 extends Regularizer {
  static override readonly className = 'L1';
  readonly l1: number;
  constructor(l1?: number | {l1?: number | null}) {
    super();
    this.l1 = validateFloatArg(pick(l1, 'l1') ?? 0.01, 'l1');
  }
  call(x: Tensor): Tensor {
    return ops.multiply(ops.sum(ops.abs(x)), this.l1);
  }
  getConfig(): Record<string, unknown> {
    return {l1: this.l1};
  }
}

/** `l2 * sum(x^2)`, `l2 = 0.01` by default: `new L2(0.001)` or `new L2({l2: 0.001})`. */
export class L2 extends Regularizer {
  static override readonly className = 'L2';
  readonly l2: number;
  constructor(l2?: number | {l2?: number | null}) {
    super();
    this.l2 = validateFloatArg(pick(l2, 'l2') ?? 0.01, 'l2');
  }
  call(x: Tensor): Tensor {
    return ops.multiply(ops.sum(ops.square(x)), this.l2);
  }
  getConfig(): Record<string, unknown> {
    return {l2: this.l2};
  }
}

/**
 * Encourages orthogonal rows (or columns) of a 2-D weight: `factor * 0.5 * sum(|P - diag(P)|) /
 * num_pairs`, with `P` the Gram matrix of the L2-normalized rows (columns).
 */
export class OrthogonalRegularizer extends Regularizer {
  static override readonly className = 'OrthogonalRegularizer';
  readonly factor: number;
  readonly mode: 'rows' | 'columns';
  constructor({factor = 0.01, mode = 'rows'}: {factor?: number; mode?: 'rows' | 'columns'} = {}) {
    super();
    this.factor = validateFloatArg(factor, 'factor');
    if (mode !== 'rows' && mode !== 'columns') {
      throw new ValueError(`Invalid value for argument \`mode\`. Expected one of {"rows", "columns"}. Received: mode=${mode}`);
    }
    this.mode = mode;
  }
  call(x: Tensor): Tensor {
    if (x.rank !== 2) {
      throw new ValueError(`Inputs to OrthogonalRegularizer must have rank 2. Received: inputs.shape=[${x.shape.join(', ')}]`);
    }
    const axis = this.mode === 'rows' ? 1 : 0;
    // Keras's `normalize(x, axis)`: x / max(||x||, 1e-12)... written as x * rsqrt(max(sum x^2, 1e-12^2))
    const sq = ops.sum(ops.square(x), axis, true);
    const n = ops.multiply(x, ops.rsqrt(ops.maximum(sq, 1e-24)));
    const product = this.mode === 'rows' ? ops.matmul(n, n, {transposeB: true}) : ops.matmul(n, n, {transposeA: true});
    const size = this.mode === 'rows' ? x.shape[0]! : x.shape[1]!;
    const offDiag = ops.multiply(product, ops.subtract(1, eye(size, size, x.dtype)));
    const numPairs = (size * (size - 1)) / 2;
    return ops.divide(ops.multiply(ops.sum(ops.abs(offDiag)), this.factor * 0.5), numPairs);
  }
  getConfig(): Record<string, unknown> {
    return {factor: this.factor, mode: this.mode};
  }
}
