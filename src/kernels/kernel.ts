import type {DType} from '../tensor/dtype.js';
import type {Shape} from '../tensor/shape.js';

/** What shape inference knows of a tensor: its shape and dtype, no data. */
export interface TensorMeta {
  readonly shape: Shape;
  readonly dtype: DType;
}

/** An input slot takes one tensor, or a list of them (`Concat`). */
type Slot = 'one' | 'many';
export type Slots = Record<string, Slot>;
/** The inputs of a kernel with slots `S`, each slot holding `T` (a meta, or a Tensor in backends). */
export type InputsFor<S extends Slots, T> = {[K in keyof S]: S[K] extends 'many' ? T[] : T};

/**
 * A kernel of the contract: a name, its named tensor inputs, its attributes (plain data) and the
 * shapes and dtypes of its outputs. Backends implement the forward computation only; the gradient
 * rule lives in `gradients/`, the validation with readable errors in `ops/`.
 */
export interface KernelDef<S extends Slots = Slots, Attrs = any> {
  readonly name: string;
  readonly inputs: S;
  /** The output shares the storage of input `alias` (reshape): no backend call, no copy. */
  readonly alias?: keyof S;
  /**
   * Input -> output pairs that may share storage exactly (a caller passes the input's own tensor as
   * that output's destination, `out`, to update it in place). Declare a pair only where every
   * implementation is elementwise per index for it: output element `i` depends on no input element
   * other than index `i`, and each element `i` of the input is read before element `i` of the output
   * is written. For a `'many'` slot, its `k`-th tensor pairs with output `output + k`. Any other
   * sharing between a destination and an input is refused.
   */
  readonly inPlace?: readonly InPlacePair<S>[];
  /** Output metas (most kernels have one output). Assumes ops already validated the inputs. */
  infer(inputs: InputsFor<S, TensorMeta>, attrs: Attrs): TensorMeta[];
}

/** One declared in-place pair: input slot `input` may be written as output `output` (see `KernelDef.inPlace`). */
export interface InPlacePair<S extends Slots = Slots> {
  readonly input: keyof S & string;
  readonly output: number;
}

export function defineKernel<const S extends Slots, Attrs = Record<string, never>>(
  name: string,
  spec: {
    inputs: S;
    alias?: keyof S;
    inPlace?: readonly InPlacePair<S>[];
    infer: (inputs: InputsFor<S, TensorMeta>, attrs: Attrs) => TensorMeta[];
  },
): KernelDef<S, Attrs> {
  return {name, ...spec};
}

export type SlotsOf<D> = D extends KernelDef<infer S, any> ? S : never;
export type AttrsOf<D> = D extends KernelDef<any, infer A> ? A : never;

export const meta = (shape: Shape, dtype: DType): TensorMeta => ({shape, dtype});
