/**
 * Destinations (`out`) in the kernel execution path (`execute`, `runKernel`, `runAll`): a given
 * destination is the output, written in place; it is validated (count, shape, dtype, storage) with
 * an error naming the kernel; it may share storage with an input only exactly and only as a pair the
 * kernel declares (`inPlace`, the fused optimizer updates); never while a tape records the call; and
 * the native addon refuses overlapping optimizer buffers on its own. Runs on the active backend
 * (`KERAS_BACKEND`), plus the native addon directly where it is built.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {GradientTape} from '../gradients/tape.js';
import {Variable} from '../autodiff/variable.js';
import {KERNELS} from '../kernels/index.js';
import {runAll} from '../ops/core.js';
import {Tensor} from '../tensor/tensor.js';
import {KernelId, OptimizerRule} from './compiled/abi.js';
import {loadNativeBackend, type NativeBackend} from './native/index.js';
import {execute, storageOverlap} from './registry.js';

const f32 = (xs: number[], shape = [xs.length]) => new Tensor(shape, 'float32', Float32Array.from(xs));

test('execute writes a given destination and returns it; undefined entries are allocated', () => {
  const a = f32([1, 2, 3]), b = f32([10, 20, 30]);
  const dst = f32([0, 0, 0]);
  const [y] = execute(KERNELS.Add, {a, b}, {}, [dst]);
  assert.equal(y, dst);
  assert.deepEqual(Array.from(dst.values), [11, 22, 33]);
  const [z] = execute(KERNELS.Add, {a, b}, {}, [undefined]);
  assert.notEqual(z, dst);
  assert.deepEqual(Array.from(z!.values), [11, 22, 33]);
  // without out, behaviour is unchanged: a new tensor each call
  const [u] = execute(KERNELS.Add, {a, b}, {});
  assert.deepEqual(Array.from(u!.values), [11, 22, 33]);
});

test('destinations are validated: count, shape, dtype, storage', () => {
  const a = f32([1, 2, 3]), b = f32([1, 1, 1]);
  assert.throws(() => execute(KERNELS.Add, {a, b}, {}, []), /Add: out must list one destination \(or undefined\) per output: expected 1\. Received: 0/);
  assert.throws(() => execute(KERNELS.Add, {a, b}, {}, [f32([0, 0, 0, 0])]), /Add: out\[0\] must have the output's shape \[3\] and dtype float32\. Received: shape \[4\], dtype float32/);
  assert.throws(
    () => execute(KERNELS.Add, {a, b}, {}, [new Tensor([3], 'float64', new Float64Array(3))]),
    /Add: out\[0\] must have the output's shape \[3\] and dtype float32\. Received: shape \[3\], dtype float64/,
  );
  // a float32 tensor whose storage is not a Float32Array (a hand-made tensor): the cast makes the
  // wrong storage the type checker would refuse, which is what this test feeds execute
  assert.throws(
    () => execute(KERNELS.Add, {a, b}, {}, [new Tensor([3], 'float32', new Int32Array(3) as never)]),
    /Add: out\[0\] must be stored in a Float32Array of 3 elements\. Received: a Int32Array of 3 elements/,
  );
  assert.throws(() => execute(KERNELS.Add, {a, b}, {}, [{} as Tensor]), /Add: out\[0\] must be a Tensor or undefined/);
  // view kernels (Reshape) take no destination
  assert.throws(() => execute(KERNELS.Reshape, {x: a}, {shape: [3, 1]}, [f32([0, 0, 0], [3, 1])]), /Reshape: its output is a view of input 'x' and takes no destination/);
});

test('aliasing an input is refused for a kernel that does not declare it', () => {
  const a = f32([1, 2, 3]), b = f32([1, 1, 1]);
  assert.throws(() => execute(KERNELS.Add, {a, b}, {}, [a]), /Add: out\[0\] shares storage with input 'a', which Add does not declare safe to update in place/);
  // a view of an input's storage counts too
  const big = new Float32Array(6);
  const x = new Tensor([3], 'float32', big.subarray(0, 3));
  const partial = new Tensor([3], 'float32', big.subarray(2, 5));
  assert.throws(() => execute(KERNELS.Add, {a: x, b}, {}, [partial]), /Add: out\[0\] shares storage with input 'a'/);
  // disjoint views of one buffer are fine
  const disjoint = new Tensor([3], 'float32', big.subarray(3, 6));
  execute(KERNELS.Add, {a: x, b}, {}, [disjoint]);
  assert.deepEqual(Array.from(disjoint.values), [1, 1, 1]);
  assert.equal(storageOverlap(x, disjoint), 'none');
  assert.equal(storageOverlap(x, partial), 'partial');
  assert.equal(storageOverlap(x, new Tensor([3], 'float32', big.subarray(0, 3))), 'exact');
});

function adamInputs(n: number, dtype: 'float32' | 'float64') {
  const make = (f: (i: number) => number) => {
    const v = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = f(i);
    return new Tensor([n], dtype, v);
  };
  return {
    w: make((i) => Math.sin(i)),
    g: make((i) => Math.cos(3 * i) * 0.5),
    m: make((i) => Math.sin(7 * i) * 0.1),
    v: make((i) => 0.01 + Math.abs(Math.cos(5 * i)) * 0.1),
  };
}
const adamAttrs = {alpha: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7};

test('a declared in-place pair is accepted and gives the out-of-place values (AdamUpdate)', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const n of [7, 1000]) {
      const p = adamInputs(n, dtype), q = adamInputs(n, dtype);
      const fresh = runAll('AdamUpdate', {variable: p.w, gradient: p.g, slots: [p.m, p.v]}, adamAttrs);
      const outs = runAll('AdamUpdate', {variable: q.w, gradient: q.g, slots: [q.m, q.v]}, adamAttrs, [q.w, q.m, q.v]);
      assert.equal(outs[0], q.w);
      assert.equal(outs[1], q.m);
      assert.equal(outs[2], q.v);
      fresh.forEach((t, i) => assert.deepEqual(Array.from(outs[i]!.values), Array.from(t.values), `${dtype} n=${n} output ${i}`));
      // mixed: the variable to a new tensor, the slots in place
      const r = adamInputs(n, dtype);
      const mixed = runAll('AdamUpdate', {variable: r.w, gradient: r.g, slots: [r.m, r.v]}, adamAttrs, [undefined, r.m, r.v]);
      assert.notEqual(mixed[0], r.w);
      fresh.forEach((t, i) => assert.deepEqual(Array.from(mixed[i]!.values), Array.from(t.values), `${dtype} n=${n} mixed output ${i}`));
      assert.deepEqual(Array.from(r.w.values), Array.from(adamInputs(n, dtype).w.values), 'the variable input was not written');
    }
  }
});

test('an update kernel refuses pairs it does not declare: the gradient, a crossed slot, a partial view', () => {
  const p = adamInputs(300, 'float32');
  assert.throws(
    () => runAll('AdamUpdate', {variable: p.w, gradient: p.g, slots: [p.m, p.v]}, adamAttrs, [p.g, undefined, undefined]),
    /AdamUpdate: out\[0\] shares storage with input 'gradient', which AdamUpdate does not declare safe to update in place \(declared: variable -> out\[0\], slots -> out\[1\]\)/,
  );
  assert.throws(
    () => runAll('AdamUpdate', {variable: p.w, gradient: p.g, slots: [p.m, p.v]}, adamAttrs, [undefined, p.v, p.m]),
    /AdamUpdate: out\[1\] shares storage with input 'slots\[1\]'/,
  );
  assert.throws(
    () => runAll('AdamUpdate', {variable: p.w, gradient: p.g, slots: [p.m, p.v]}, adamAttrs, [undefined, p.m, p.m]),
    /AdamUpdate: out\[2\] shares storage with out\[1\]; destinations must be distinct/,
  );
  const buf = new Float32Array(301);
  const m = new Tensor([300], 'float32', buf.subarray(0, 300));
  const shifted = new Tensor([300], 'float32', buf.subarray(1, 301));
  assert.throws(
    () => runAll('AdamUpdate', {variable: p.w, gradient: p.g, slots: [m, p.v]}, adamAttrs, [undefined, shifted, undefined]),
    /AdamUpdate: out\[1\] shares storage with input 'slots\[0\]', but not exactly/,
  );
});

test('an in-place write is refused while a tape records the call', () => {
  const v = new Variable(f32([1, 2, 3]), {name: 'w'});
  const tape = new GradientTape();
  const g = f32([0.1, 0.1, 0.1]), m = f32([0, 0, 0]), s = f32([0, 0, 0]);
  assert.throws(
    () => tape.run(() => {
      const w = v.read();
      return runAll('AdamUpdate', {variable: w, gradient: g, slots: [m, s]}, adamAttrs, [w, undefined, undefined])[0]!;
    }),
    /AdamUpdate: cannot write an output into an input's storage \(in place\) while a GradientTape records the call/,
  );
});

const loaded = loadNativeBackend();
const native = typeof loaded === 'string' ? null : (loaded as NativeBackend);

test('the native addon refuses optimizer outputs that overlap another buffer', {skip: native ? false : 'native addon not built'}, () => {
  const n = 64;
  const buf = () => new Float32Array(n);
  const w = buf(), g = buf(), m = buf(), v = buf();
  const attrs = Float64Array.from([OptimizerRule.Adam, n, 0.001, 0.9, 0.999, 1e-7]);
  // every output its own input: accepted
  native!.addon.run(KernelId.OptimizerUpdate, [w, g, m, v, w, m, v], attrs);
  assert.throws(() => native!.addon.run(KernelId.OptimizerUpdate, [w, g, m, v, g, buf(), buf()], attrs), /output variable shares memory with gradient/);
  assert.throws(() => native!.addon.run(KernelId.OptimizerUpdate, [w, g, m, v, buf(), v, buf()], attrs), /output slot 0 shares memory with slot 1/);
  const big = new Float32Array(n + 1);
  assert.throws(
    () => native!.addon.run(KernelId.OptimizerUpdate, [w, g, big.subarray(0, n), v, buf(), big.subarray(1), buf()], attrs),
    /output slot 0 shares memory with slot 0/,
  );
});
