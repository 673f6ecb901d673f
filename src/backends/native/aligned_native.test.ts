/**
 * 64-byte-aligned float32 storage (native/node/addon.c's allocateAligned, tensor/dtype.ts's
 * setFloat32Allocator): what the addon returns, and that tensors' storage comes from it once the
 * native backend is loaded — a model's weights, its optimizer's slots and a compiled step's arena.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import * as keras from '../../index.js';
import {ALIGNED_MIN_FLOATS, allocate, setFloat32Allocator} from '../../tensor/dtype.js';
import {Plan} from '../../plan/plan.js';
import {traceStep} from '../../plan/trace.js';
import {nativeForTests} from '../../testing/kernel_test.js';
import type {NativeAddon} from '../compiled/abi.js';
import {getBackend, setBackend} from '../registry.js';

function build(): keras.Sequential {
  const model = new keras.Sequential([
    new keras.layers.Dense(32, {activation: 'relu', inputShape: [64]}),
    new keras.layers.Dense(10, {activation: 'softmax'}),
  ]);
  model.compile({optimizer: new keras.optimizers.RMSprop(), loss: 'categorical_crossentropy'});
  return model;
}

const {native, skip: noNative} = nativeForTests('aligned storage tests');
const skip = noNative || (native!.name !== 'native' && `${native!.name} keeps its buffers in its own memory`);

test('allocateAligned: zeroed Float32Arrays of the length asked, each 64-byte aligned, each its own', {skip}, () => {
  const {allocateAligned, byteAlignment} = native!.addon as Required<NativeAddon>;
  const made: Float32Array[] = [];
  for (const n of [0, 1, 15, 255, 256, 1000, 100003]) {
    const a = allocateAligned(n);
    assert.ok(a instanceof Float32Array);
    assert.equal(a.length, n);
    assert.equal(byteAlignment(a), 0, `${n} floats`);
    assert.ok(a.every((v) => v === 0), `${n} floats zeroed`);
    assert.ok(a.buffer.byteLength - a.byteOffset >= 4 * n);
    a.fill(n + 1);
    made.push(a);
  }
  // no two share storage: each still holds what was written into it
  made.forEach((a, i) => assert.ok(a.every((v) => v === a.length + 1), `array ${i}`));
  for (const bad of [-1, 1.5, Number.NaN, 2 ** 41]) {
    assert.throws(() => allocateAligned(bad), /allocateAligned: expected a length, an integer >= 0/, String(bad));
  }
  assert.throws(() => byteAlignment({} as ArrayBufferView), /byteAlignment: expected a typed array/);
});

test('with the native backend, float32 storage from ALIGNED_MIN_FLOATS floats is 64-byte aligned: weights, optimizer slots, a compiled step\'s arena', {skip}, () => {
  const byteAlignment = native!.addon.byteAlignment!;
  const previous = getBackend().name;
  setBackend('native');
  try {
    assert.equal(byteAlignment(allocate('float32', ALIGNED_MIN_FLOATS) as Float32Array), 0);
    assert.equal(byteAlignment(allocate('float32', 100_000) as Float32Array), 0);
    // below the threshold, and other dtypes: plain arrays
    const small = allocate('float32', ALIGNED_MIN_FLOATS - 1);
    assert.equal(small.byteOffset, 0);
    assert.equal(small.buffer.byteLength, 4 * (ALIGNED_MIN_FLOATS - 1));
    assert.ok(allocate('float64', 1000) instanceof Float64Array);
    assert.equal(allocate('int32', 1000).byteOffset, 0);

    keras.utils.setRandomSeed(3);
    const model = build();
    const x = keras.ops.convertToTensor(Float32Array.from({length: 32 * 64}, (_, i) => Math.sin(i)), 'float32');
    const xs = keras.ops.reshape(x, [32, 64]);
    const ys = keras.ops.oneHot(keras.ops.convertToTensor(Int32Array.from({length: 32}, (_, i) => i % 10), 'int32'), 10);
    for (let i = 0; i < 3; i++) model.trainOnBatch(xs, ys);
    const kernel = model.layers[0]!.weights[0]!; // 64 x 32
    assert.equal(byteAlignment(kernel.value.values), 0, 'a Dense kernel');
    const slots = (model.optimizer as unknown as {variables: {value: {values: ArrayBufferView; size: number}}[]}).variables.filter((v) => v.value.size >= ALIGNED_MIN_FLOATS);
    assert.ok(slots.length > 0);
    for (const v of slots) assert.equal(byteAlignment(v.value.values), 0, 'an optimizer slot');
    // a compiled step's arena: the product's buffer
    const traced = [xs, kernel.value];
    const {trace} = traceStep(traced, () => [keras.ops.relu(keras.ops.matmul(traced[0]!, traced[1]!))], (r) => r);
    const plan = new Plan(trace as Exclude<typeof trace, string>);
    const [product] = plan.run([xs, kernel.value]);
    assert.ok(plan.owns(product!));
    assert.equal(byteAlignment(product!.values), 0, 'an arena buffer');
    // the values are those of plain storage: the same model, trained again from the same seed with the
    // allocator off, gives the same weights bit for bit
    setFloat32Allocator(null);
    try {
      keras.utils.setRandomSeed(3);
      const plain = build();
      for (let i = 0; i < 3; i++) plain.trainOnBatch(xs, ys);
      assert.equal(plain.layers[0]!.weights[0]!.value.values.byteOffset, 0, 'plain storage');
      plain.layers.forEach((l, i) => l.weights.forEach((w, j) => assert.deepEqual(Array.from(w.value.values), Array.from(model.layers[i]!.weights[j]!.value.values), `layer ${i} weight ${j}`)));
    } finally {
      setFloat32Allocator(native!.addon.allocateAligned!.bind(native!.addon));
    }
  } finally {
    setBackend(previous);
  }
});
