/**
 * The base of the elementwise merge layers (`Add`, `Subtract`, `Multiply`, `Average`, `Maximum`,
 * `Minimum`): called on a list of tensors, it broadcasts them with Keras's rules — trailing axes are
 * matched, size 1 broadcasts, and inputs of lower rank get size-1 axes inserted after the batch.
 */
import {ValueError} from '../../errors.js';
import * as ops from '../../ops/index.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import {Layer, type CallArgs, type LayerArgs, type LayerInput} from '../layer.js';

/** A shape, or nested lists of them, as Python prints tuples: `(None, 3)`, `(3,)`. */
export function pyShape(s: unknown): string {
  if (s === null || s === undefined) return 'None';
  if (!Array.isArray(s)) return String(s);
  const items = s.map(pyShape);
  return `(${items.join(', ')}${items.length === 1 ? ',' : ''})`;
}
const fmt = pyShape;
const fmtList = (ss: readonly ShapeLike[]): string => `[${ss.map(fmt).join(', ')}]`;

export function isShapeList(s: unknown): s is ShapeLike[] {
  return Array.isArray(s) && s.length > 0 && s.every((d) => Array.isArray(d));
}

export class Merge extends Layer {
  static override readonly className: string = 'Merge';
  protected reshapeRequired = false;

  constructor(args: LayerArgs = {}) {
    super(args);
    this.supportsMasking = true;
  }

  /** Output shape (without the batch) of an elementwise op on two shapes (without the batch). */
  protected elemwiseShape(shape1: ShapeLike, shape2: ShapeLike): ShapeLike {
    if (shape1.length < shape2.length) return this.elemwiseShape(shape2, shape1);
    if (shape2.length === 0) return shape1;
    const out: (number | null)[] = [...shape1.slice(0, shape1.length - shape2.length)];
    shape1.slice(shape1.length - shape2.length).forEach((i, k) => {
      const j = shape2[k]!;
      if (i === null || j === null) out.push(null);
      else if (i === 1) out.push(j);
      else if (j === 1) out.push(i);
      else if (i !== j) throw new ValueError(`Inputs have incompatible shapes. Received shapes ${fmt(shape1)} and ${fmt(shape2)}`);
      else out.push(i);
    });
    return out;
  }

  protected checkList(inputShape: ShapeLike | ShapeLike[]): ShapeLike[] {
    if (!isShapeList(inputShape)) {
      throw new ValueError(`A merge layer should be called on a list of inputs. Received: input_shape=${fmt(inputShape as ShapeLike)} (not a list of shapes)`);
    }
    return inputShape;
  }

  override build(inputShape: ShapeLike | ShapeLike[]): void {
    const shapes = this.checkList(inputShape);
    const batches = new Set(shapes.map((s) => s[0]).filter((d) => d !== null && d !== undefined));
    if (batches.size > 1) throw new ValueError(`Cannot merge tensors with different batch sizes. Received tensors with shapes ${fmtList(shapes)}`);
    let out: ShapeLike = shapes[0]!.slice(1);
    for (const s of shapes.slice(1)) out = this.elemwiseShape(out, s.slice(1));
    this.reshapeRequired = new Set(shapes.map((s) => s.length)).size !== 1;
    this.built = true;
  }

  /** The elementwise function on inputs of equal rank. */
  protected mergeFunction(inputs: Tensor[], masks: (Tensor | null)[]): Tensor {
    void inputs;
    void masks;
    throw new ValueError(`${this.className}: mergeFunction is not implemented`);
  }

  override call(inputs: LayerInput, kwargs: CallArgs = {}): Tensor {
    if (!Array.isArray(inputs)) {
      throw new ValueError(`A merge layer should be called on a list of inputs. Received: inputs=Tensor(shape=${fmt(inputs.shape)}) (not a list of tensors)`);
    }
    const masks = Array.isArray(kwargs.mask) ? kwargs.mask : inputs.map(() => null);
    let xs = inputs;
    const maxRank = Math.max(...xs.map((x) => x.rank));
    if (xs.some((x) => x.rank !== maxRank)) {
      // lower-rank inputs get size-1 axes after the batch, so trailing axes line up as in Keras
      xs = xs.map((x) => {
        let y = x;
        while (y.rank < maxRank) y = ops.expandDims(y, 1);
        return y;
      });
    }
    return this.mergeFunction(xs, masks);
  }

  override computeOutputShape(inputShape: ShapeLike | ShapeLike[]): ShapeLike {
    const shapes = this.checkList(inputShape);
    let out: ShapeLike = shapes[0]!.slice(1);
    for (const s of shapes.slice(1)) out = this.elemwiseShape(out, s.slice(1));
    const batches = [...new Set(shapes.map((s) => s[0]).filter((d) => d !== null && d !== undefined))];
    return [batches.length === 1 ? batches[0]! : null, ...out];
  }

  /** The OR of the input masks (none when any input has no mask). */
  override computeMask(inputs: LayerInput, mask: Tensor | Tensor[] | null): Tensor | null {
    if (mask === null || mask === undefined) return null;
    if (!Array.isArray(mask)) throw new ValueError(`\`mask\` should be a list. Received: mask=${String(mask)}`);
    if (!Array.isArray(inputs)) throw new ValueError('`inputs` should be a list.');
    if (mask.length !== inputs.length) {
      throw new ValueError(`The lists \`inputs\` and \`mask\` should have the same length. Received: inputs of length ${inputs.length}, and mask of length ${mask.length}`);
    }
    if (mask.some((m) => !m)) return null;
    return mask.slice(1).reduce((a, m) => ops.logicalOr(a, m), mask[0]!);
  }
}
