/**
 * Subnormal floats in the native optimizer updates on x86 (native/src/optimizer.cpp `FlushSubnormals`):
 * flushed to zero as TensorFlow's CPU kernels flush them, so that an optimizer slot decaying towards
 * zero does not slow every later update ~40x; other kernels, and JavaScript's own arithmetic after an
 * update, keep IEEE subnormals.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {Variable} from '../../autodiff/variable.js';
import {RMSprop} from '../../optimizers/index.js';
import {Tensor} from '../../tensor/tensor.js';
import {nativeForTests, runImpl, withThreads} from '../../testing/kernel_test.js';
import type {AnyKernelImpl} from '../backend.js';
import {referenceKernels} from '../reference/index.js';
import {getBackend, setBackend} from '../registry.js';

const {native, skip: noNative} = nativeForTests('subnormal tests');
const x86 = native !== null && /^avx/.test(native.isa);
const skip = noNative || (!x86 && `flushing subnormals is an x86 native mode; this backend runs ${native?.isa}`);

const N = 4096; // above the size where compiled kernels take over from JavaScript
const FLT_MIN = 1.1754943508222875e-38;
const full = (v: number) => new Tensor([N], 'float32', new Float32Array(N).fill(v));

test("RMSprop's running average of a gradient that stays zero decays to exactly 0 natively, through the subnormals on the reference backend", {skip}, () => {
  const previous = getBackend().name;
  const velocityAfter = (backend: string): Float32Array => {
    setBackend(backend);
    try {
      const w = new Variable(new Tensor([N], 'float32', new Float32Array(N).fill(1)), {name: 'w'});
      const opt = new RMSprop({learningRate: 1e-3});
      opt.applyGradients([[full(1e-17), w]]); // velocity 0.1 * 1e-34
      for (let i = 0; i < 120; i++) opt.applyGradients([[full(0), w]]); // * 0.9 each step: 1e-35 * 0.9^120 ~ 3e-41
      const velocity = opt.variables.find((v) => v.name.includes('velocity'));
      assert.ok(velocity, `RMSprop's variables: ${opt.variables.map((v) => v.name).join(', ')}`);
      return velocity.value.values as Float32Array;
    } finally {
      setBackend(previous);
    }
  };
  for (const threads of [1, 2]) {
    const flushed = withThreads(native!, threads, () => velocityAfter(native!.name));
    assert.ok(flushed.every((v) => v === 0), `${threads} thread(s): native velocity ${flushed[0]}`);
  }
  const ref = velocityAfter('reference');
  assert.ok(ref.every((v) => v > 0 && v < FLT_MIN), `reference velocity ${ref[0]}`);
  // other kernels keep subnormals (2e-38 * 0.25 = 5e-39), and so does JavaScript after an update
  const half = (k: AnyKernelImpl) => runImpl('Mul', k, {a: full(2e-38), b: full(0.25)}, {})[0]!.values as Float32Array;
  const product = Math.fround(Math.fround(2e-38) * 0.25);
  assert.ok(product > 0 && half(native!.kernels.Mul as AnyKernelImpl).every((v) => v === product));
  assert.ok(half(referenceKernels.Mul as AnyKernelImpl).every((v) => v === product));
  const f64 = new Float64Array([1e-310]);
  assert.ok(f64[0]! / 2 > 0);
});
