import type {DType} from '../tensor/dtype.js';
import {fmtShape} from '../tensor/shape.js';
import type {ShapeLike} from './input_spec.js';

/** Where a symbolic tensor came from: output `tensorIndex` of node `nodeIndex` of `layer`. */
export interface KerasHistory {
  readonly layer: LayerLike;
  readonly nodeIndex: number;
  readonly tensorIndex: number;
}

/** The little of `Layer` the graph needs (avoids an import cycle). */
export interface LayerLike {
  readonly name: string;
  readonly inboundNodes: Node[];
}

/**
 * A symbolic tensor: a shape (null = unknown, usually the batch) and a dtype, no data. Calling a
 * layer on it (`layer.apply(x)`) records a `Node` instead of computing.
 */
export class KerasTensor {
  readonly shape: ShapeLike;
  keras?: KerasHistory;
  constructor(
    shape: ShapeLike,
    readonly dtype: DType = 'float32',
    readonly name: string = 'keras_tensor',
    /** Whether the tensor carries a mask (Embedding with maskZero, Masking). */
    readonly hasMask = false,
  ) {
    this.shape = Object.freeze([...shape]);
  }
  get rank(): number {
    return this.shape.length;
  }
  toString(): string {
    return `<KerasTensor shape=${fmtShape(this.shape)}, dtype=${this.dtype}, name=${this.name}>`;
  }
}

/** One call of a layer on symbolic tensors: the edges of the functional graph. */
export class Node {
  constructor(
    readonly layer: LayerLike,
    readonly inputTensors: KerasTensor[],
    readonly outputTensors: KerasTensor[],
    /** The structure the layer was called with: one tensor, a list, or a dict of names. */
    readonly callArgs: {inputs: unknown; kwargs: Record<string, unknown>},
  ) {}

  /** The nodes that produced this node's inputs (none for an Input). */
  get parentNodes(): Node[] {
    return this.inputTensors.filter((t) => t.keras).map((t) => t.keras!.layer.inboundNodes[t.keras!.nodeIndex]!);
  }
  get isInput(): boolean {
    return this.inputTensors.length === 0;
  }
}
