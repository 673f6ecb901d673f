import {ValueError} from '../errors.js';
import type {DType} from '../tensor/dtype.js';
import {fmtShape, shapesEqual} from '../tensor/shape.js';
import {tensor as makeTensor, Tensor} from '../tensor/tensor.js';
import {noteVariableRead} from './engine.js';

let variableCount = 0;

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
 */
export class Variable {
  private _value: Tensor;
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

  get shape(): readonly number[] {
    return this._value.shape;
  }
  get dtype(): DType {
    return this._value.dtype;
  }
  get size(): number {
    return this._value.size;
  }

  /** The current value, as ops read it (a tape watching accessed variables starts watching it). */
  read(): Tensor {
    noteVariableRead(this._value, this.trainable);
    return this._value;
  }

  /** The current value without notifying tapes (for saving, printing, optimizers' own math). */
  get value(): Tensor {
    return this._value;
  }

  /** Replaces the value; shape must match, dtype is converted. */
  assign(v: Tensor): void {
    if (!shapesEqual(v.shape, this._value.shape)) {
      throw new ValueError(
        `Variable "${this.path}": cannot assign a value of shape ${fmtShape(v.shape)} to a variable of shape ${fmtShape(this._value.shape)}`,
      );
    }
    this._value = v.dtype === this._value.dtype ? v : makeTensor(v, undefined, this._value.dtype);
  }

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
