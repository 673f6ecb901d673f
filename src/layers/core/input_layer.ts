import {floatx} from '../../config.js';
import {ValueError} from '../../errors.js';
import {registerKerasSerializable} from '../../serialization.js';
import {isDType, type DType} from '../../tensor/dtype.js';
import {fmtShape} from '../../tensor/shape.js';
import type {ShapeLike} from '../input_spec.js';
import {KerasTensor, Node} from '../keras_tensor.js';
import {Layer, type CallArgs, type LayerInput, type LayerOutput} from '../layer.js';

export interface InputLayerArgs {
  /** Shape of one sample, without the batch (`shape`). */
  shape?: ShapeLike;
  batchSize?: number | null;
  /** Full shape with the batch; exclusive with `shape`. */
  batchShape?: ShapeLike;
  dtype?: DType | null;
  name?: string;
  sparse?: boolean | null;
  ragged?: boolean | null;
  optional?: boolean;
  /** Deprecated spelling of `shape`. */
  inputShape?: ShapeLike;
  /** Deprecated spelling of `batchShape`. */
  batchInputShape?: ShapeLike;
}

/**
 * The entry of a model: holds the symbolic input tensor (`layer.output`) of shape `batchShape`.
 * `new InputLayer({shape: [784]})`; in a `Sequential`, usually created from the first layer's
 * `inputShape`.
 */
export class InputLayer extends Layer {
  static override readonly className: string = 'InputLayer';
  readonly batchShape: ShapeLike;
  readonly sparse: boolean;
  readonly ragged: boolean;
  readonly optional: boolean;
  readonly inputTensor: KerasTensor;

  constructor(args: InputLayerArgs = {}) {
    let {shape, batchShape} = args;
    if (args.inputShape !== undefined && shape === undefined) shape = args.inputShape;
    if (args.batchInputShape !== undefined && batchShape === undefined) batchShape = args.batchInputShape;
    const dtype = args.dtype ?? floatx();
    if (!isDType(dtype)) throw new ValueError(`InputLayer: unknown dtype ${JSON.stringify(dtype)}. Expected one of float32, float64, int32, bool, string`);
    super({name: args.name, dtype});
    if (shape !== undefined && shape !== null && batchShape !== undefined && batchShape !== null) {
      throw new ValueError('You cannot pass both `shape` and `batch_shape` at the same time.');
    }
    if (args.batchSize !== undefined && args.batchSize !== null && batchShape !== undefined && batchShape !== null) {
      throw new ValueError('You cannot pass both `batch_size` and `batch_shape` at the same time.');
    }
    if ((shape === undefined || shape === null) && (batchShape === undefined || batchShape === null)) {
      throw new ValueError('You must pass a `shape` argument.');
    }
    const full: (number | null)[] = batchShape ? [...batchShape] : [args.batchSize ?? null, ...shape!];
    for (const d of full) {
      if (d !== null && (!Number.isInteger(d) || d < 0)) {
        throw new ValueError(`InputLayer: shape dimensions must be non-negative integers or null. Received: batch_shape=${fmtShape(full)}`);
      }
    }
    if (args.sparse) throw new ValueError('`sparse=True` is not supported by keras-ts');
    if (args.ragged) throw new ValueError('`ragged=True` is not supported by keras-ts');
    this.batchShape = Object.freeze(full);
    this.sparse = false;
    this.ragged = false;
    this.optional = args.optional ?? false;
    this.inputTensor = new KerasTensor(full, dtype, this.name);
    this.inputTensor.keras = {layer: this, nodeIndex: 0, tensorIndex: 0};
    this.inboundNodes.push(new Node(this, [], [this.inputTensor], {inputs: null, kwargs: {}}));
    this.built = true;
  }

  override call(inputs: LayerInput, _kwargs: CallArgs = {}): LayerOutput {
    return inputs;
  }

  override computeOutputShape(_inputShape: ShapeLike): ShapeLike {
    return this.batchShape;
  }

  override getConfig(): Record<string, unknown> {
    return {batchShape: [...this.batchShape], dtype: this.dtype, sparse: this.sparse, ragged: this.ragged, name: this.name, optional: this.optional};
  }
}
registerKerasSerializable(InputLayer, {pkg: 'keras'});
