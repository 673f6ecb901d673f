/**
 * `Sequential`: a stack of layers, each taking the previous one's output.
 *
 * ```ts
 * const model = new Sequential();
 * model.add(new Dense(512, {inputShape: [784]}));
 * model.add(new Activation('relu'));
 * model.add(new Dense(10, {activation: 'softmax'}));
 * model.summary();
 * ```
 * The model is built as soon as its input shape is known (the first layer's `inputShape`, an
 * `InputLayer`, `build(shape)`, or the first batch it sees); each layer's output shape is kept for
 * `summary()`.
 */
import {ValueError} from '../errors.js';
import {InputLayer} from '../layers/core/input_layer.js';
import {KerasTensor} from '../layers/keras_tensor.js';
import {Layer, type CallArgs, type ShapeLike} from '../layers/layer.js';
import {registerKerasSerializable} from '../serialization.js';
import type {DType} from '../tensor/dtype.js';
import type {Tensor} from '../tensor/tensor.js';
import {deserializeLayer, serializeLayer} from './graph_config.js';
import {Model} from './model.js';

export interface SequentialArgs {
  name?: string;
  trainable?: boolean;
}

export class Sequential extends Model {
  static override readonly className: string = 'Sequential';
  private _layers: Layer[] = [];
  /** `[batch, ...]` of the model's input, once known. */
  private _inputShape: ShapeLike | null = null;
  private _inputDtype: DType | null = null;
  private readonly _outputShapes = new Map<Layer, ShapeLike | ShapeLike[]>();

  constructor(layers: (Layer | KerasTensor)[] | SequentialArgs = [], args: SequentialArgs = {}) {
    const list = Array.isArray(layers) ? layers : [];
    const opts = Array.isArray(layers) ? args : layers;
    super({name: opts.name, trainable: opts.trainable});
    for (const l of list) this.add(l, false);
    if (list.length) this.maybeRebuild();
  }

  /** The layers, without the input layer (as Keras). */
  override get layers(): Layer[] {
    return [...this._layers];
  }

  /**
   * Appends a layer; builds the model when the input shape is known. `keras.Input(...)` (a symbolic
   * tensor made by an `InputLayer`) sets the input shape, as in Keras 3.
   */
  add(layerOrInput: Layer | KerasTensor, rebuild = true): void {
    let layer: unknown = layerOrInput;
    if (layerOrInput instanceof KerasTensor) {
      const origin = layerOrInput.keras?.layer;
      if (!(origin instanceof InputLayer)) {
        throw new ValueError(
          'Only `keras.Input` tensors can be added to a Sequential model; a tensor produced by a layer cannot. ' +
            `Received: ${layerOrInput.toString()}`,
        );
      }
      layer = origin;
    }
    if (!(layer instanceof Layer)) {
      throw new ValueError(`Only instances of \`keras.Layer\` can be added to a Sequential model. Received: ${String(layer)} (of type ${typeof layer})`);
    }
    if (this._layers.some((l) => l.name === layer.name && l !== layer)) {
      throw new ValueError(
        `All layers added to a Sequential model should have unique names. Name '${layer.name}' is already the name of a layer in this model. ` +
          'Update the `name` argument to pass a unique name.',
      );
    }
    if (layer instanceof InputLayer) {
      if (this._inputShape || this._layers.length) {
        throw new ValueError(
          `Sequential model '${this.name}' has already been configured to use input shape ${JSON.stringify(this._inputShape)}. You cannot add a different Input layer to it.`,
        );
      }
      this._inputShape = [...layer.batchShape];
      this._inputDtype = layer.dtype;
      return;
    }
    if (!this._layers.length && !this._inputShape && layer.batchInputShape) this._inputShape = [...layer.batchInputShape];
    this._layers.push(layer);
    this.built = false;
    if (rebuild) this.maybeRebuild();
  }

  /** Removes and returns the last layer. */
  pop(rebuild = true): Layer {
    const layer = this._layers.pop();
    if (!layer) throw new ValueError('There are no layers in the model.');
    this._outputShapes.delete(layer);
    this.built = false;
    if (rebuild) this.maybeRebuild();
    return layer;
  }

  private maybeRebuild(): void {
    this.built = false;
    if (this._inputShape && this._layers.length) this.build(this._inputShape);
  }

  /** Builds every layer in turn from `inputShape` (batch dimension included, `null` when unknown). */
  override build(inputShape: ShapeLike | ShapeLike[]): void {
    if (!this._layers.length) {
      throw new ValueError(`Sequential model ${this.name} cannot be built because it has no layers. Call \`model.add(layer)\`.`);
    }
    let shape = inputShape as ShapeLike;
    this._inputShape = [...shape];
    this.buildInputShape = [...shape];
    for (const layer of this._layers) {
      layer.maybeBuild(shape);
      const out = layer.computeOutputShape(shape);
      this._outputShapes.set(layer, out);
      shape = out as ShapeLike;
    }
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[], kwargs: CallArgs = {}): Tensor | Tensor[] {
    let x: unknown = inputs;
    for (const layer of this._layers) x = layer.apply(x, {training: kwargs.training});
    return x as Tensor | Tensor[];
  }

  override computeOutputShape(inputShape: ShapeLike | ShapeLike[]): ShapeLike | ShapeLike[] {
    let s = inputShape;
    for (const l of this._layers) s = l.computeOutputShape(s);
    return s;
  }

  /**
   * The dtype of the model's input: its `keras.Input`'s, else what the first layer reads (`string`
   * for TextVectorization), else the first layer's dtype.
   */
  get inputDtype(): DType {
    const first = this._layers[0] as (Layer & {inputDtype?: DType}) | undefined;
    return this._inputDtype ?? first?.inputDtype ?? first?.dtype ?? this.dtype;
  }

  /** The model's input shape (`[null, ...]`), once known. */
  get inputShape(): ShapeLike {
    if (!this._inputShape) throw new ValueError(`Sequential model '${this.name}' has no defined input shape yet.`);
    return this._inputShape;
  }

  override get outputShape(): ShapeLike | ShapeLike[] {
    const last = this._layers[this._layers.length - 1];
    const s = last && this._outputShapes.get(last);
    if (!s) throw new ValueError(`Sequential model '${this.name}' has no defined output shape yet.`);
    return s;
  }

  protected override layerOutputShape(layer: Layer): ShapeLike | ShapeLike[] | null {
    return this._outputShapes.get(layer) ?? super.layerOutputShape(layer);
  }

  override getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = {
      name: this.name,
      trainable: this.trainable,
      // as Keras's `serialize_keras_object`: module, className, config, registeredName, buildConfig
      layers: this._layers.map((l) => serializeLayer(l)),
    };
    if (this.built && this._inputShape) c['buildInputShape'] = [...this._inputShape];
    return c;
  }

  /**
   * Rebuilds a Sequential from `getConfig()` (or a config read from a file by `saving/`). Each layer's
   * class comes from `customObjects` (by class name or registered name) or the registry.
   */
  static override fromConfig(config: Record<string, unknown>, customObjects: Record<string, unknown> = {}): Sequential {
    if (!Array.isArray(config['layers'])) {
      throw new ValueError(`A Sequential model configuration must be a dictionary containing a 'layers' list. Received: config=${JSON.stringify(config)?.slice(0, 500)}`);
    }
    const name = typeof config['name'] === 'string' ? config['name'] : undefined;
    const model = new this({name, trainable: config['trainable'] as boolean | undefined});
    for (const entry of config['layers'] as Record<string, unknown>[]) model.add(deserializeLayer(entry, customObjects));
    const bis = config['buildInputShape'];
    if (!model.built && Array.isArray(bis)) model.build(bis as ShapeLike);
    return model;
  }
}
registerKerasSerializable(Sequential, {pkg: 'keras'});
