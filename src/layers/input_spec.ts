import {ValueError} from '../errors.js';
import type {DType} from '../tensor/dtype.js';
import {fmtShape} from '../tensor/shape.js';

/** A possibly partly unknown shape, as symbolic tensors and `computeOutputShape` use: null = unknown. */
export type ShapeLike = readonly (number | null)[];

export interface InputSpecArgs {
  dtype?: DType;
  shape?: ShapeLike;
  ndim?: number;
  maxNdim?: number;
  minNdim?: number;
  /** Required sizes of some axes (negative counts from the end). */
  axes?: Record<number, number>;
  allowLastAxisSqueeze?: boolean;
  name?: string;
}

/** What a layer accepts, checked on every call with Keras's messages (`InputSpec`). */
export class InputSpec {
  dtype?: DType;
  shape?: ShapeLike;
  ndim?: number;
  maxNdim?: number;
  minNdim?: number;
  axes?: Record<number, number>;
  name?: string;
  constructor(args: InputSpecArgs = {}) {
    Object.assign(this, args);
    if (args.shape) this.ndim = args.shape.length;
  }
}

/** Throws Keras's error when `shape` does not fit `spec` (input `index` of layer `layerName`). */
export function assertInputCompatibility(spec: InputSpec | null | undefined, shape: ShapeLike, layerName: string, index = 0): void {
  if (!spec) return;
  const ndim = shape.length;
  const head = `Input ${index} of layer "${layerName}" is incompatible with the layer:`;
  const full = `Full shape received: ${fmtShape(shape)}`;
  if (spec.ndim !== undefined && ndim !== spec.ndim) {
    throw new ValueError(`${head} expected ndim=${spec.ndim}, found ndim=${ndim}. ${full}`);
  }
  if (spec.maxNdim !== undefined && ndim > spec.maxNdim) {
    throw new ValueError(`${head} expected max_ndim=${spec.maxNdim}, found ndim=${ndim}. ${full}`);
  }
  if (spec.minNdim !== undefined && ndim < spec.minNdim) {
    throw new ValueError(`${head} expected min_ndim=${spec.minNdim}, found ndim=${ndim}. ${full}`);
  }
  if (spec.axes) {
    for (const [k, v] of Object.entries(spec.axes)) {
      const axis = Number(k);
      const a = axis < 0 ? ndim + axis : axis;
      const d = shape[a];
      if (d !== null && d !== undefined && d !== v) {
        throw new ValueError(`${head} expected axis ${axis} of input shape to have value ${v}, but received input with shape ${fmtShape(shape)}`);
      }
    }
  }
  if (spec.shape) {
    spec.shape.forEach((want, i) => {
      const got = shape[i];
      if (want !== null && got !== null && got !== undefined && want !== got) {
        throw new ValueError(`${head} expected shape=${fmtShape(spec.shape!)}, found shape=${fmtShape(shape)}`);
      }
    });
  }
}
