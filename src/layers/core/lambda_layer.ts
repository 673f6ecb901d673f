import {ValueError} from '../../errors.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {ShapeLike} from '../input_spec.js';
import {Layer, type CallArgs, type LayerArgs} from '../layer.js';

/** The function a `Lambda` wraps: the inputs, then the layer's `arguments` (Python's keyword arguments). */
export type LambdaFunction = (inputs: any, args: Record<string, unknown>) => Tensor | Tensor[];

export interface LambdaArgs extends LayerArgs {
  /** The output shape (without the batch), or a function of the input shape; inferred by a call otherwise. */
  outputShape?: ShapeLike | ((inputShape: ShapeLike | ShapeLike[]) => ShapeLike | ShapeLike[]) | null;
  /** Extra values passed to the function as its second argument. */
  arguments?: Record<string, unknown>;
}

/**
 * Wraps a TypeScript function as a layer (Keras's `Lambda`): `new Lambda((x) => ops.square(x))`.
 * A Lambda has no weights. It serializes its function by name only — `{className: 'function',
 * config: 'myFunction'}` — and loading never runs code from a file: `loadModel` refuses a Lambda
 * unless it is given `safeMode: false` and the function in `customObjects` under that name.
 *
 * ```ts
 * function double(x: Tensor) { return ops.multiply(x, 2); }
 * const model = new Sequential([keras.Input({shape: [3]}), new Lambda(double)]);
 * ```
 */
export class Lambda extends Layer {
  static override readonly className: string = 'Lambda';
  readonly fn: LambdaFunction;
  readonly outputShapeArg: LambdaArgs['outputShape'];
  readonly arguments: Record<string, unknown>;

  constructor(fn: LambdaFunction, {outputShape = null, arguments: args = {}, ...layerArgs}: LambdaArgs = {}) {
    super(layerArgs);
    if (typeof fn !== 'function') {
      throw new ValueError(`Lambda: the first argument must be a function. Received: ${fn === null ? 'null' : typeof fn}`);
    }
    this.fn = fn;
    this.outputShapeArg = outputShape;
    this.arguments = args;
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[], kwargs: CallArgs = {}): Tensor | Tensor[] {
    void kwargs;
    return this.fn(inputs, this.arguments);
  }

  override computeOutputShape(inputShape: ShapeLike | ShapeLike[]): ShapeLike | ShapeLike[] {
    const s = this.outputShapeArg;
    if (typeof s === 'function') return s(inputShape);
    if (Array.isArray(s)) {
      const batch = Array.isArray(inputShape[0]) ? (inputShape as ShapeLike[])[0]![0] ?? null : (inputShape as ShapeLike)[0] ?? null;
      return [batch, ...s];
    }
    return super.computeOutputShape(inputShape);
  }

  override getConfig(): Record<string, unknown> {
    const name = this.fn.name;
    if (!name) {
      throw new ValueError(
        `Lambda "${this.name}": an anonymous function cannot be saved (it is serialized by name, never as code). ` +
          'Give it a name (`function myFn(x) {...}` or `const myFn = (x) => ...`) and pass it in customObjects when loading.',
      );
    }
    if (typeof this.outputShapeArg === 'function') {
      throw new ValueError(`Lambda "${this.name}": an outputShape function cannot be saved; give the output shape as an array.`);
    }
    return {
      ...super.getConfig(),
      function: {module: 'builtins', className: 'function', config: name, registeredName: name},
      outputShape: this.outputShapeArg ?? null,
      arguments: this.arguments,
    };
  }

  /** Rebuilds from a config whose `function` was resolved to a function (saving's safe mode does that). */
  static override fromConfig(config: Record<string, unknown>): Lambda {
    const {function: fn, outputShape, arguments: args, functionType, module, mask, ...rest} = config;
    void [functionType, module, mask];
    if (typeof fn !== 'function') {
      throw new ValueError(
        `Lambda "${String(config['name'])}": its function must be given in customObjects (with safeMode: false); keras-ts never runs code from a config or a file.`,
      );
    }
    return new this(fn as LambdaFunction, {...(rest as LayerArgs), outputShape: (outputShape as ShapeLike | null) ?? null, arguments: (args as Record<string, unknown>) ?? {}});
  }
}
registerKerasSerializable(Lambda, {pkg: 'keras'});
