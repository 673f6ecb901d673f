import * as activations from '../../activations/index.js';
import type {Variable} from '../../autodiff/variable.js';
import type {ConstraintIdentifier} from '../../constraints/index.js';
import {ValueError} from '../../errors.js';
import * as initializers from '../../initializers/index.js';
import * as ops from '../../ops/index.js';
import type {RegularizerIdentifier} from '../../regularizers/index.js';
import {registerKerasSerializable} from '../../serialization.js';
import type {Tensor} from '../../tensor/tensor.js';
import {InputSpec, type ShapeLike} from '../input_spec.js';
import {Layer, type LayerArgs} from '../layer.js';
import {getCon, getReg, kernelBiasConfig, serAct} from '../layer_utils.js';

export interface EinsumDenseArgs extends LayerArgs {
  activation?: activations.ActivationIdentifier;
  /** The output subscripts that get a bias (`'de'`); none when null. */
  biasAxes?: string | null;
  kernelInitializer?: initializers.InitializerIdentifier;
  biasInitializer?: initializers.InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  kernelConstraint?: ConstraintIdentifier | null;
  biasConstraint?: ConstraintIdentifier | null;
}

interface EinsumShapes {
  kernelShape: number[];
  biasShape: number[] | null;
  fullOutputShape: (number | null)[];
}

/**
 * A dense layer whose product is any `einsum` of the input with the kernel: `'ab,bc->ac'` is a
 * `Dense`, `'abc,cde->abde'` projects each position to `[heads, headDim]` (MultiHeadAttention's
 * query), `'...x,xy->...y'` applies over any leading axes.
 *
 * `output = activation(einsum(equation, inputs, kernel) + bias)`. `outputShape` is the output
 * without the batch axis (and without the axes an ellipsis covers); `null` entries are taken from
 * the input. The kernel's shape follows from the equation: each of its subscripts takes its size
 * from the output (or, if absent there, the input).
 *
 * ```ts
 * const layer = new EinsumDense('abc,cd->abd', [null, 64], {biasAxes: 'd'});
 * layer.apply(keras.ones([2, 32, 128])).shape; // [2, 32, 64]; kernel [128, 64], bias [64]
 * ```
 */
export class EinsumDense extends Layer {
  static override readonly className: string = 'EinsumDense';
  readonly equation: string;
  /** Keras's `partial_output_shape`: the `output_shape` argument as a list. */
  readonly partialOutputShape: (number | null)[];
  readonly biasAxes: string | null;
  readonly activation: activations.Activation;
  readonly kernelInitializer: initializers.Initializer;
  readonly biasInitializer: initializers.Initializer;
  readonly kernelRegularizer;
  readonly biasRegularizer;
  readonly kernelConstraint;
  readonly biasConstraint;
  kernel!: Variable;
  bias: Variable | null = null;

  constructor(equation: string, outputShape: number | readonly (number | null)[], args: EinsumDenseArgs = {}) {
    if (typeof equation !== 'string') throw new ValueError(`EinsumDense: equation must be a string such as 'ab,bc->ac'. Received: equation=${String(equation)}`);
    const partial = typeof outputShape === 'number' ? [outputShape] : Array.isArray(outputShape) ? [...outputShape] : null;
    if (!partial || !partial.every((d) => d === null || (Number.isInteger(d) && d > 0))) {
      throw new ValueError(`EinsumDense: output_shape must be a positive integer or a list of positive integers or null. Received: output_shape=${JSON.stringify(outputShape)}`);
    }
    super(args);
    this.equation = equation;
    this.partialOutputShape = partial;
    this.biasAxes = args.biasAxes ?? null;
    this.activation = activations.get(args.activation);
    this.kernelInitializer = initializers.get(args.kernelInitializer ?? 'glorot_uniform');
    this.biasInitializer = initializers.get(args.biasInitializer ?? 'zeros');
    this.kernelRegularizer = getReg(args.kernelRegularizer);
    this.biasRegularizer = getReg(args.biasRegularizer);
    this.kernelConstraint = getCon(args.kernelConstraint);
    this.biasConstraint = getCon(args.biasConstraint);
  }

  override build(inputShape: ShapeLike): void {
    const {kernelShape, biasShape} = analyzeEinsum(this.equation, this.biasAxes, inputShape, this.partialOutputShape, this.name);
    this.inputSpec = new InputSpec({ndim: inputShape.length});
    this.kernel = this.addWeight({
      name: 'kernel', shape: kernelShape, initializer: this.kernelInitializer,
      regularizer: this.kernelRegularizer, constraint: this.kernelConstraint,
    });
    if (biasShape) {
      this.bias = this.addWeight({
        name: 'bias', shape: biasShape, initializer: this.biasInitializer,
        regularizer: this.biasRegularizer, constraint: this.biasConstraint,
      });
    }
  }

  override call(inputs: Tensor): Tensor {
    let y = ops.einsum(this.equation, inputs, this.kernel.read());
    if (this.bias) y = ops.add(y, this.bias.read());
    return this.activation(y);
  }

  override computeOutputShape(inputShape: ShapeLike): ShapeLike {
    return analyzeEinsum(this.equation, this.biasAxes, inputShape, this.partialOutputShape, this.name).fullOutputShape;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      outputShape: [...this.partialOutputShape],
      equation: this.equation,
      activation: serAct(this.activation),
      biasAxes: this.biasAxes,
      ...kernelBiasConfig(this),
    };
  }

  static override fromConfig(config: Record<string, unknown>): EinsumDense {
    // Keras 3.x writes quantization_config (null unless quantized); LoRA is not supported here
    const {equation, outputShape, quantizationConfig, loraRank, loraAlpha, ...rest} = config;
    if (quantizationConfig !== undefined && quantizationConfig !== null) throw new ValueError('EinsumDense: quantized layers (quantization_config) are not supported');
    if (loraRank !== undefined && loraRank !== null) throw new ValueError('EinsumDense: LoRA (lora_rank) is not supported');
    void loraAlpha;
    return new this(equation as string, outputShape as (number | null)[], rest as EinsumDenseArgs);
  }
}
registerKerasSerializable(EinsumDense, {pkg: 'keras'});

/**
 * The kernel, bias and output shapes of an EinsumDense, as Keras's `_analyze_einsum_string`: the
 * equation is `X,Y->Z`, `...X,Y->...Z` or `X...,Y->Z...` with letters only elsewhere.
 */
function analyzeEinsum(equation: string, biasAxes: string | null, inputShape: ShapeLike, outputShape: (number | null)[], layer: string): EinsumShapes {
  const s = equation.replace(/\.\.\./g, '0');
  let m = /^([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$/.exec(s);
  let leftElided = false;
  if (!m) {
    m = /^0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)$/.exec(s);
    leftElided = m !== null;
  }
  m ??= /^([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0$/.exec(s);
  if (!m) {
    throw new ValueError(`Layer "${layer}": invalid einsum equation '${equation}'. Equations must be in the form [X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....`);
  }
  // every group of the patterns above takes part in a match: `?? ''` only satisfies the index checks
  const [inputSpec, weightSpec, outputSpec] = [m[1] ?? '', m[2] ?? '', m[3] ?? ''];
  const elided = inputShape.length - inputSpec.length;
  if (elided < 0 || (elided > 0 && !s.includes('0'))) {
    throw new ValueError(`Layer "${layer}": the equation '${equation}' names ${inputSpec.length} input axes but the input has rank ${inputShape.length}. Received: input_shape=${JSON.stringify(inputShape)}`);
  }
  const out: (number | null)[] = [...outputShape];
  out.unshift(inputShape[0] ?? null);
  if (elided > 0 && leftElided) for (let i = 1; i < elided; i++) out.splice(1, 0, inputShape[i] ?? null);
  else if (elided > 0) for (let i = inputShape.length - elided; i < inputShape.length; i++) out.push(inputShape[i] ?? null);
  const inputIndex = (c: string): number => (leftElided ? inputSpec.indexOf(c) + elided : inputSpec.indexOf(c));
  const outputIndex = (c: string): number => (leftElided ? outputSpec.indexOf(c) + elided : outputSpec.indexOf(c));
  if (out.length !== (leftElided ? elided : 0) + outputSpec.length + (leftElided ? 0 : elided)) {
    throw new ValueError(`Layer "${layer}": output_shape ${JSON.stringify(outputShape)} does not fit the output "${outputSpec}" of the equation '${equation}' (expected ${outputSpec.length - (leftElided ? 0 : 1)} entries: the output without its batch axis and the axes the ellipsis covers)`);
  }
  for (const c of inputSpec) {
    if (!outputSpec.includes(c)) continue;
    const inDim = inputShape[inputIndex(c)] ?? null, outDim = out[outputIndex(c)] ?? null;
    if (outDim !== null && inDim !== null && outDim !== inDim) {
      throw new ValueError(`Layer "${layer}": input shape and output shape do not match at shared dimension '${c}'. Input shape is ${inDim}, and output shape is ${outDim}.`);
    }
    if (outDim === null) out[outputIndex(c)] = inDim;
  }
  for (const c of outputSpec) {
    if (!inputSpec.includes(c) && !weightSpec.includes(c)) {
      throw new ValueError(`Layer "${layer}": dimension '${c}' was specified in the output '${outputSpec}' but has no corresponding dim in the input spec '${inputSpec}' or weight spec '${weightSpec}'`);
    }
  }
  const kernelShape = [...weightSpec].map((c) => {
    const d = outputSpec.includes(c) ? out[outputIndex(c)] : inputSpec.includes(c) ? inputShape[inputIndex(c)] : undefined;
    if (d === undefined) {
      throw new ValueError(`Layer "${layer}": weight dimension '${c}' did not have a match in either the input spec '${inputSpec}' or the output spec '${outputSpec}'. For this layer, the weight must be fully specified.`);
    }
    if (d === null) throw new ValueError(`Layer "${layer}": the size of the kernel's axis '${c}' is unknown: give it in output_shape or the input shape. Received: input_shape=${JSON.stringify(inputShape)}`);
    return d;
  });
  let biasShape: number[] | null = null;
  if (biasAxes !== null) {
    for (const c of biasAxes) {
      if (!outputSpec.includes(c)) throw new ValueError(`Layer "${layer}": bias dimension '${c}' was requested, but is not part of the output spec '${outputSpec}'`);
    }
    const first = Math.min(...[...biasAxes].map((c) => outputSpec.indexOf(c)));
    biasShape = [...outputSpec.slice(first)].map((c) => {
      if (!biasAxes.includes(c)) return 1;
      const d = out[outputIndex(c)];
      if (d === null || d === undefined) throw new ValueError(`Layer "${layer}": the size of the bias axis '${c}' is unknown`);
      return d;
    });
    if (!leftElided) for (let i = 0; i < elided; i++) biasShape.push(1);
  }
  return {kernelShape, biasShape, fullOutputShape: out};
}
