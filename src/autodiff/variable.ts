import {ValueError} from '../errors.js';
import type {DType} from '../tensor/dtype.js';
import {fmtShape, shapesEqual} from '../tensor/shape.js';
import {tensor as makeTensor, Tensor} from '../tensor/tensor.js';
import {noteVariableAccess, noteVariableRead, noteVariableWrite} from './engine.js';

let variableCount = 0;
/** The last stamp handed to a variable's value (`Variable.version`): unique across all variables. */
let lastVersion = 0;

export interface VariableArgs {
  name?: string;
  trainable?: boolean;
  dtype?: DType;
  /** Applied after each optimizer update, as Keras's `constraint`. */
  constraint?: ((value: Tensor) => Tensor) | null;
}

/**
 * A mutable, named holder of a tensor: the weights of layers and the slots of optimizers. Ops read
 * it like a tensor; a `GradientTape` watches a trainable variable as soon as an op reads it.
 *
 * A tensor a user holds never changes under them: `value` and `read()` hand the current tensor out,
 * `assign` takes one in, and from then on the variable treats it as shared. Only a tensor the
 * variable made itself and never handed out (`writableValue`, `adoptValue`) may be updated in place,
 * as optimizers do with their slots; the first in-place update after a read copies once.
 */
export class Variable {
  private _value: Tensor;
  /**
   * Whether `_value` may be referenced outside this variable: it was handed out (`value`, `read()`)
   * or given to it (constructor, `assign`). Only an unshared value is ever written in place.
   */
  private _shared = true;
  private _version = ++lastVersion;
  name: string;
  /** The variable's full path (`dense/kernel`), set by the layer that owns it. */
  path: string;
  trainable: boolean;
  constraint: ((value: Tensor) => Tensor) | null;

  constructor(initial: Tensor, args: VariableArgs = {}) {
    const value = args.dtype && args.dtype !== initial.dtype ? makeTensor(initial, undefined, args.dtype) : initial;
    this._value = value;
    this.name = args.name ?? `variable_${variableCount++}`;
    this.path = this.name;
    this.trainable = args.trainable ?? true;
    this.constraint = args.constraint ?? null;
  }

  /**
   * Internal, not Keras API: a stamp, unique across variables, that changes whenever the value may
   * change: a new value (`assign`, `adoptValue`) or one handed out to be written in place
   * (`writableValue`, `unsharedValue`). The same value tensor with the same stamp holds the same
   * numbers, so what is derived from them (a GEMM's packed copy of a Dense kernel) may be kept.
   */
  get version(): number {
    return this._version;
  }

  get shape(): readonly number[] {
    return this._value.shape;
  }
  get dtype(): DType {
    return this._value.dtype;
  }
  get size(): number {
    return this._value.size;
  }

  /**
   * The current value, as ops read it: a tape watching accessed variables starts watching it, so
   * math on it is differentiated with respect to this variable (what a layer's `call` wants).
   */
  read(): Tensor {
    noteVariableRead(this._value, this.trainable, this);
    this._shared = true;
    return this._value;
  }

  /**
   * The current value WITHOUT notifying tapes (for saving, printing, optimizers' own math). Math on it
   * is not differentiated with respect to the variable: a layer's `call` that uses `kernel.value`
   * gets no gradient for `kernel` ("No gradients provided for any variable: .../kernel"). In `call`,
   * pass the Variable to ops, or use `read()`.
   */
  get value(): Tensor {
    noteVariableAccess(this._value, this);
    this._shared = true;
    return this._value;
  }

  /** Replaces the value; shape must match, dtype is converted. */
  assign(v: Tensor): void {
    this.checkShape(v);
    this._value = v.dtype === this._value.dtype ? v : makeTensor(v, undefined, this._value.dtype);
    this._shared = true;
    this._version = ++lastVersion;
    noteVariableWrite(this, this._value);
  }

  /**
   * Internal (optimizers), not Keras API: a tensor holding the current value that only this variable
   * references, to be written in place. The current tensor if it was never handed out or given in;
   * otherwise a copy, which becomes the value (the tensor handed out keeps its values).
   */
  writableValue(): Tensor {
    noteVariableWrite(this, null);
    this._version = ++lastVersion;
    if (this._shared) {
      const v = this._value;
      this._value = v.clone();
      this._shared = false;
    }
    return this._value;
  }

  /**
   * Internal (optimizers), not Keras API: the current tensor if only this variable references it
   * (`writableValue` would return it without copying), else null: for writing in place (a new
   * `version`). Hands nothing out.
   */
  unsharedValue(): Tensor | null {
    if (this._shared) return null;
    this._version = ++lastVersion; // the caller may write it in place
    return this._value;
  }

  /** Internal (compiled steps), not Keras API: `unsharedValue`, to be read only (the version stays). */
  peekUnshared(): Tensor | null {
    return this._shared ? null : this._value;
  }

  /**
   * Internal (optimizers), not Keras API: makes `v` the value and takes ownership of it, so later
   * updates may write it in place. The caller must hold the only reference to `v` (a kernel's fresh
   * output); shape and dtype must match.
   */
  adoptValue(v: Tensor): void {
    this.checkShape(v);
    if (v.dtype !== this._value.dtype) {
      throw new ValueError(`Variable "${this.path}": cannot adopt a ${v.dtype} tensor as the value of a ${this._value.dtype} variable`);
    }
    this._value = v;
    this._shared = false;
    this._version = ++lastVersion;
    noteVariableWrite(this, v);
  }

  private checkShape(v: Tensor): void {
    if (!shapesEqual(v.shape, this._value.shape)) {
      throw new ValueError(
        `Variable "${this.path}": cannot assign a value of shape ${fmtShape(v.shape)} to a variable of shape ${fmtShape(this._value.shape)}`,
      );
    }
  }

  // dataSync and arraySync copy the values: the tensor itself is not handed out
  dataSync() {
    return this._value.dataSync();
  }
  arraySync() {
    return this._value.arraySync();
  }
  toString(): string {
    return `<Variable path=${this.path}, shape=${fmtShape(this.shape)}, dtype=${this.dtype}>\n${this._value.toString()}`;
  }
}
