/**
 * `runLayerTest`: one call checks a layer's whole contract, as Keras's `run_layer_test`.
 *
 * ```ts
 * runLayerTest(Dense, {init: [3], options: {activation: 'relu'}, inputShape: [2, 4],
 *   expectedOutputShape: [2, 3], expectedNumTrainableWeights: 2, expectedNumNonTrainableWeights: 0});
 * ```
 *
 * It builds the layer on random inputs and checks: the output shape (and `computeOutputShape`,
 * with the batch known and unknown), the weight counts, seed generators, `supportsMasking`, the
 * config round trip (`getConfig` -> JSON -> `fromConfig` gives the same config, and the same output
 * once given the same weights), and a training step: a `GradientTape` on a weighted mean of the
 * outputs gives every trainable weight a finite gradient, and one SGD step changes every weight.
 */
import assert from 'node:assert/strict';
import {GradientTape} from '../gradients/tape.js';
import type {Layer, LayerArgs} from '../layers/layer.js';
import * as ops from '../ops/index.js';
import {isFloat, type DType} from '../tensor/dtype.js';
import {randomNormal, randomUniform, SeedGenerator} from '../tensor/random.js';
import {fmtShape} from '../tensor/shape.js';
import {Tensor} from '../tensor/tensor.js';

type LayerClass = (new (...args: any[]) => Layer) & {fromConfig(config: Record<string, unknown>): Layer; className: string};

export interface LayerTestArgs {
  /** Positional constructor arguments (`[32, [3, 3]]` for `new Conv2D(32, [3, 3], options)`). */
  init?: unknown[];
  /** The options object, passed after the positional arguments. */
  options?: LayerArgs & Record<string, unknown>;
  /** Full input shape, batch included. Ignored when `inputData` is given. */
  inputShape?: number[];
  inputDtype?: DType;
  /** Explicit input (otherwise random normal, or random integers in [0, 10) for int32); a list for layers of several inputs. */
  inputData?: Tensor | Tensor[];
  expectedOutputShape: readonly number[];
  expectedNumTrainableWeights?: number;
  expectedNumNonTrainableWeights?: number;
  expectedNumSeedGenerators?: number;
  /** Checked against `layer.supportsMasking` when given. */
  supportsMasking?: boolean;
  runTrainingCheck?: boolean;
  /** Layers whose output depends on randomness in training (Dropout) still check training, not equality. */
  trainingIsRandom?: boolean;
  /** Skip the `computeOutputShape` check (layers whose shape depends on values). */
  skipComputeOutputShape?: boolean;
  /** Tolerance of the output comparison after the config round trip. */
  atol?: number;
}

function makeInput(args: LayerTestArgs): Tensor | Tensor[] {
  if (args.inputData) return args.inputData;
  assert.ok(args.inputShape, 'runLayerTest: give inputShape or inputData');
  const dtype = args.inputDtype ?? 'float32';
  if (dtype === 'int32') return randomUniform(args.inputShape, {minval: 0, maxval: 10, dtype: 'int32', seed: 1337});
  if (dtype === 'bool') return ops.greater(randomNormal(args.inputShape, {seed: 1337}), 0);
  return randomNormal(args.inputShape, {dtype, seed: 1337});
}

function construct(cls: LayerClass, args: LayerTestArgs): Layer {
  return new cls(...(args.init ?? []), ...(args.options ? [args.options] : []));
}

function shapeOf(s: unknown): (number | null)[] {
  assert.ok(Array.isArray(s), `expected a shape, received ${JSON.stringify(s)}`);
  return [...(s as (number | null)[])];
}

function assertAllClose(a: Tensor, b: Tensor, atol: number, label: string): void {
  assert.deepEqual([...a.shape], [...b.shape], `${label}: shapes differ ${fmtShape(a.shape)} vs ${fmtShape(b.shape)}`);
  for (let i = 0; i < a.size; i++) {
    const x = a.values[i]!, y = b.values[i]!;
    assert.ok(Math.abs(x - y) <= atol + 1e-5 * Math.abs(y), `${label}: element ${i} differs: ${x} vs ${y}`);
  }
}

function countSeedGenerators(layer: Layer): number {
  let n = 0;
  for (const v of Object.values(layer)) if (v instanceof SeedGenerator) n++;
  for (const l of layer.sublayers) n += countSeedGenerators(l);
  return n;
}

/** Runs the checks; throws an assertion error naming the layer and the failed check. */
export function runLayerTest(cls: LayerClass, args: LayerTestArgs): {layer: Layer; output: Tensor} {
  const name = cls.className;
  const x = makeInput(args);
  const layer = construct(cls, args);

  // --- forward, output shape ---
  const y = layer.apply(x) as Tensor;
  assert.ok(y instanceof Tensor, `${name}: apply should return a Tensor`);
  assert.deepEqual([...y.shape], [...args.expectedOutputShape], `${name}: output shape ${fmtShape(y.shape)}, expected ${fmtShape(args.expectedOutputShape)}`);
  for (let i = 0; i < y.size; i++) assert.ok(Number.isFinite(y.values[i]!), `${name}: output element ${i} is not finite`);
  assert.ok(layer.built, `${name}: the layer should be built after its first call`);

  if (!args.skipComputeOutputShape) {
    const xs = Array.isArray(x) ? x : [x];
    const inShape = [...xs[0]!.shape];
    const pick = <T,>(shapes: T[]): T | T[] => (Array.isArray(x) ? shapes : shapes[0]!);
    const s = shapeOf(layer.computeOutputShape(pick(xs.map((t) => [...t.shape])) as number[]));
    assert.deepEqual(s, [...y.shape], `${name}: computeOutputShape(${fmtShape(inShape)}) = ${fmtShape(s)}, but the call gave ${fmtShape(y.shape)}`);
    const sNull = shapeOf(layer.computeOutputShape(pick(xs.map((t) => [null, ...t.shape.slice(1)])) as (number | null)[]));
    assert.deepEqual(sNull, [null, ...y.shape.slice(1)], `${name}: computeOutputShape with an unknown batch = ${fmtShape(sNull)}`);
  }

  // --- weights ---
  if (args.expectedNumTrainableWeights !== undefined) {
    assert.equal(layer.trainableWeights.length, args.expectedNumTrainableWeights, `${name}: number of trainable weights`);
  }
  if (args.expectedNumNonTrainableWeights !== undefined) {
    assert.equal(layer.nonTrainableWeights.length, args.expectedNumNonTrainableWeights, `${name}: number of non-trainable weights`);
  }
  assert.equal(layer.weights.length, layer.trainableWeights.length + layer.nonTrainableWeights.length, `${name}: weights = trainable + non-trainable`);
  if (args.expectedNumSeedGenerators !== undefined) {
    assert.equal(countSeedGenerators(layer), args.expectedNumSeedGenerators, `${name}: number of seed generators`);
  }
  if (args.supportsMasking !== undefined) assert.equal(layer.supportsMasking, args.supportsMasking, `${name}: supportsMasking`);

  // a second call reuses the weights
  const nWeights = layer.weights.length;
  const y2 = layer.apply(x) as Tensor;
  assert.equal(layer.weights.length, nWeights, `${name}: a second call must not create weights`);
  if (!args.trainingIsRandom) assertAllClose(y2, y, 0, `${name}: second call`);

  // --- config round trip, through JSON as a file would ---
  const config = layer.getConfig();
  const json = JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
  assert.deepEqual(json, config, `${name}: getConfig must be JSON-serializable without loss`);
  const revived = cls.fromConfig(json);
  assert.equal(revived.constructor, layer.constructor, `${name}: fromConfig must build the same class`);
  assert.deepEqual(revived.getConfig(), config, `${name}: fromConfig(getConfig()).getConfig() differs`);
  const y3 = revived.apply(x) as Tensor;
  revived.setWeights(layer.getWeights());
  const yA = layer.apply(x, {training: false}) as Tensor;
  const yB = revived.apply(x, {training: false}) as Tensor;
  void y3;
  assertAllClose(yB, yA, args.atol ?? 1e-6, `${name}: output after the config round trip`);

  // --- one training step ---
  if (args.runTrainingCheck ?? true) {
    const tw = layer.trainableWeights;
    const r = randomUniform(y.shape as number[], {minval: 0.5, maxval: 1.5, dtype: isFloat(y.dtype) ? y.dtype : 'float32', seed: 7});
    const floatInputs = (Array.isArray(x) ? x : [x]).filter((t) => isFloat(t.dtype));
    const floatInput = floatInputs.length > 0;
    const tape = new GradientTape();
    for (const t of floatInputs) tape.watch(t);
    const loss = tape.run(() => ops.mean(ops.multiply(layer.apply(x, {training: true}) as Tensor, r)));
    assert.ok(Number.isFinite(loss.item()), `${name}: the training loss is not finite`);
    const grads = tape.gradient(loss, [...tw, ...floatInputs]);
    tw.forEach((w, i) => {
      const g = grads[i];
      assert.ok(g, `${name}: trainable weight "${w.path}" got no gradient`);
      assert.deepEqual([...g.shape], [...w.shape], `${name}: gradient of "${w.path}" has the wrong shape`);
      for (let j = 0; j < g.size; j++) assert.ok(Number.isFinite(g.values[j]!), `${name}: gradient of "${w.path}" is not finite`);
      const before = w.value;
      w.assign(ops.subtract(before, ops.multiply(g, 0.1)));
      let changed = false;
      for (let j = 0; j < before.size && !changed; j++) changed = w.value.values[j] !== before.values[j];
      assert.ok(changed, `${name}: trainable weight "${w.path}" did not change after an SGD step`);
    });
    if (floatInput) {
      const gx = grads[tw.length];
      assert.ok(gx, `${name}: no gradient flows to the inputs`);
      for (let j = 0; j < gx.size; j++) assert.ok(Number.isFinite(gx.values[j]!), `${name}: input gradient is not finite`);
    }
  }
  return {layer, output: y};
}
