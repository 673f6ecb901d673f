/**
 * Dot product of two batched inputs along `axes` (Keras's `batch_dot`); with `normalize` the
 * samples are L2-normalized first, so the result is the cosine similarity.
 *
 * Shapes `[b, 3, 5]` and `[b, 10, 3]` with `axes: [1, 2]` give `[b, 5, 10]`; a result of rank 1 becomes
 * `[b, 1]`.
 *
 * ```ts
 * const sim = dot([a, b], {axes: 1, normalize: true}); // [null, 1]
 * ```
 */
import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import type {KerasTensor} from '../keras_tensor.js';
import type {LayerArgs, LayerInput} from '../layer.js';
import {isShapeList, Merge, pyShape as fmt} from './base_merge.js';

export interface DotArgs extends LayerArgs {
  axes?: number | [number, number];
  normalize?: boolean;
}


/** `x / sqrt(max(sum(x^2, axis), 1e-12))`, as `keras.utils.normalize` with order 2. */
function l2Normalize(x: Tensor, axis: number): Tensor {
  const ss = ops.sum(ops.square(x), axis, true);
  return ops.multiply(x, ops.rsqrt(ops.maximum(ss, 1e-12)));
}

/** Keras's `batch_dot` for inputs of rank >= 2 and non-negative axes (not the batch). */
function batchDot(x: Tensor, y: Tensor, axes: [number, number]): Tensor {
  if (x.rank < 2 || y.rank < 2) {
    throw new ValueError(`Cannot do batch_dot on inputs with rank < 2. Received inputs with shapes ${fmt(x.shape)} and ${fmt(y.shape)}.`);
  }
  if (x.shape[0] !== y.shape[0]) {
    throw new ValueError(`Cannot do batch_dot on inputs with different batch sizes. Received inputs with shapes ${fmt(x.shape)} and ${fmt(y.shape)}.`);
  }
  const [a0, a1] = axes;
  if (a0 === 0 || a1 === 0) throw new ValueError(`Cannot perform batch_dot over axis 0. Received axes=${fmt(axes)}`);
  if (x.shape[a0] !== y.shape[a1]) {
    throw new ValueError(`Cannot do batch_dot on inputs with shapes ${fmt(x.shape)} and ${fmt(y.shape)} with axes=${fmt(axes)}. x.shape[${a0}] != y.shape[${a1}] (${x.shape[a0]} != ${y.shape[a1]}).`);
  }
  const b = x.shape[0]!;
  const k = x.shape[a0]!;
  // x: [b, restX..., k]; y: [b, k, restY...]; then one batched matmul
  const xRest = [...x.shape.keys()].filter((i) => i !== 0 && i !== a0);
  const xt = ops.transpose(x, [0, ...xRest, a0]);
  const yPerm = [...y.shape.keys()].filter((i) => i !== 0 && i !== a1);
  const yt = ops.transpose(y, [0, a1, ...yPerm]);
  const restX = xRest.map((i) => x.shape[i]!);
  const restY = yPerm.map((i) => y.shape[i]!);
  const nX = restX.reduce((p, d) => p * d, 1);
  const nY = restY.reduce((p, d) => p * d, 1);
  const prod = ops.matmul(ops.reshape(xt, [b, nX, k]), ops.reshape(yt, [b, k, nY]));
  const outShape = [b, ...restX, ...restY];
  return ops.reshape(prod, outShape.length === 1 ? [b, 1] : outShape);
}

export class Dot extends Merge {
  static override readonly className: string = 'Dot';
  readonly axes: number | [number, number];
  readonly normalize: boolean;

  constructor(axes: number | [number, number] | DotArgs, args: DotArgs = {}) {
    if (typeof axes === 'object' && !Array.isArray(axes)) [axes, args] = [axes.axes as number, axes];
    const {axes: _a, normalize = false, ...rest} = args;
    void _a;
    super(rest);
    if (typeof axes !== 'number') {
      if (!Array.isArray(axes)) throw new ValueError(`Invalid type for argument \`axes\`: it should be a list or an int. Received: axes=${JSON.stringify(axes)}`);
      if (axes.length !== 2) throw new ValueError(`Invalid format for argument \`axes\`: it should contain two elements. Received: axes=${fmt(axes)}`);
      if (!Number.isInteger(axes[0]) || !Number.isInteger(axes[1])) {
        throw new ValueError(`Invalid format for argument \`axes\`: list elements should be integers. Received: axes=${fmt(axes)}`);
      }
    } else if (!Number.isInteger(axes)) {
      throw new ValueError(`Invalid type for argument \`axes\`: it should be a list or an int. Received: axes=${axes}`);
    }
    this.axes = Array.isArray(axes) ? [axes[0], axes[1]] : axes;
    this.normalize = normalize;
  }

  private resolveAxes(r1: number, r2: number): [number, number] {
    const m = (a: number, r: number) => ((a % r) + r) % r;
    if (typeof this.axes === 'number') return this.axes < 0 ? [m(this.axes, r1), m(this.axes, r2)] : [this.axes, this.axes];
    return [this.axes[0] < 0 ? m(this.axes[0], r1) : this.axes[0], this.axes[1] < 0 ? m(this.axes[1], r2) : this.axes[1]];
  }

  override build(inputShape: ShapeLike | ShapeLike[]): void {
    if (!isShapeList(inputShape) || inputShape.length !== 2) {
      throw new ValueError(`A \`Dot\` layer should be called on a list of 2 inputs. Received: input_shape=${fmt(inputShape)}`);
    }
    const [s1, s2] = inputShape as [ShapeLike, ShapeLike];
    const [a0, a1] = this.resolveAxes(s1.length, s2.length);
    if (s1[a0] !== s2[a1]) {
      throw new ValueError(`Incompatible input shapes: axis values ${s1[a0]} (at axis ${a0}) != ${s2[a1]} (at axis ${a1}). Full input shapes: ${fmt(s1)}, ${fmt(s2)}`);
    }
    this.built = true;
  }

  override call(inputs: LayerInput): Tensor {
    if (!Array.isArray(inputs) || inputs.length !== 2) throw new ValueError('A `Dot` layer should be called on exactly 2 inputs.');
    let [x1, x2] = inputs as [Tensor, Tensor];
    const axes = this.resolveAxes(x1.rank, x2.rank);
    if (this.normalize) {
      x1 = l2Normalize(x1, axes[0]);
      x2 = l2Normalize(x2, axes[1]);
    }
    return batchDot(x1, x2, axes);
  }

  override computeOutputShape(inputShape: ShapeLike | ShapeLike[]): ShapeLike {
    if (!isShapeList(inputShape) || inputShape.length !== 2) {
      throw new ValueError(`A \`Dot\` layer should be called on a list of 2 inputs. Received: input_shape=${fmt(inputShape)}`);
    }
    const s1 = [...inputShape[0]!];
    const s2 = [...inputShape[1]!];
    const [a0, a1] = this.resolveAxes(s1.length, s2.length);
    s1.splice(a0, 1);
    s2.splice(a1, 1);
    s2.shift();
    const out = [...s1, ...s2];
    return out.length === 1 ? [...out, 1] : out;
  }

  override computeMask(): null {
    return null;
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), axes: Array.isArray(this.axes) ? [...this.axes] : this.axes, normalize: this.normalize};
  }

  static override fromConfig(config: Record<string, unknown>): Dot {
    return new Dot(config as DotArgs);
  }
}
registerKerasSerializable(Dot, {pkg: 'keras'});

/** `keras.layers.dot(inputs, axes, normalize=False)`. */
export function dot(inputs: (Tensor | KerasTensor)[], args: DotArgs & {axes: number | [number, number]}): any {
  return new Dot(args).apply(inputs);
}
