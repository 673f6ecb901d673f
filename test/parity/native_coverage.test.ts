/**
 * Which kernels actually ran compiled. The native and wasm backends fall back to the reference per
 * call (a missing kernel, or one that declines), so a parity suite could pass on `native` or `wasm`
 * while running reference code: this test wraps each one's kernel table, runs a Dense and a Conv2D
 * model's forward and backward pass, and asserts that the kernels doing the work ran compiled. It
 * also keeps `src/backends/native/KNOWN_GAPS.md` in step with both kernel tables.
 */
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {GradientTape} from '../../src/gradients/tape.js';
import type {AnyKernelImpl, Backend} from '../../src/backends/backend.js';
import {loadNativeBackend} from '../../src/backends/native/index.js';
import {loadWasmBackend} from '../../src/backends/wasm/index.js';
import {backendName, registerBackend, setBackend} from '../../src/backends/registry.js';
import {KERNELS} from '../../src/kernels/index.js';
import {Conv2D} from '../../src/layers/convolutional/conv2d.js';
import {Dense} from '../../src/layers/core/dense.js';
import {MaxPooling2D} from '../../src/layers/pooling/max_pooling2d.js';
import * as ops from '../../src/ops/index.js';
import {Tensor} from '../../src/tensor/tensor.js';

const backends = [['native', loadNativeBackend()], ['wasm', loadWasmBackend()]] as const;

const GAPS_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'backends', 'native', 'KNOWN_GAPS.md');

function knownGaps(): string[] {
  return readFileSync(GAPS_FILE, 'utf8').split('\n').flatMap((l) => /^\| `(\w+)` \|/.exec(l)?.[1] ?? []);
}

/** Runs `body` on a backend that forwards to `compiled` and records, per kernel, its calls and fallbacks. */
function recordKernels(compiled: Backend, body: () => void): {native: Map<string, number>; fallback: Map<string, number>} {
  const nativeBackend = compiled;
  const ran = new Map<string, number>(), fell = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const kernels: Record<string, AnyKernelImpl> = {};
  for (const name of Object.keys(KERNELS)) {
    const impl = (nativeBackend.kernels as Record<string, AnyKernelImpl | undefined>)[name];
    kernels[name] = (inputs, attrs, outputs) => {
      const r = impl ? impl(inputs, attrs, outputs) : false;
      bump(r === false ? fell : ran, name);
      return r;
    };
  }
  registerBackend('native-spy', () => ({name: 'native-spy', kernels}));
  const before = backendName();
  setBackend('native-spy');
  try {
    body();
  } finally {
    setBackend(before);
  }
  return {native: ran, fallback: fell};
}

function rand(shape: number[], seed: number): Tensor {
  let s = seed;
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(shape, 'float32', Float32Array.from({length: n}, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1));
}

for (const [name, loaded] of backends) {
  const skip = typeof loaded === 'string' ? `${name} backend not available: ${loaded}` : false;

  test(`KNOWN_GAPS.md lists exactly the kernels the ${name} backend lacks`, {skip}, () => {
    const native = (loaded as Backend).kernels as Record<string, unknown>;
    const missing = Object.keys(KERNELS).filter((k) => !(k in native)).sort();
    const listed = knownGaps().sort();
    assert.deepEqual(listed, missing, 'update src/backends/native/KNOWN_GAPS.md');
  });

  test(`a Dense and a Conv2D model: forward and backward kernels run on ${name}, none falls back`, {skip}, () => {
    const conv1 = new Conv2D(8, 3, {activation: 'relu'}), conv2 = new Conv2D(16, 3, {activation: 'relu'});
    const pool = new MaxPooling2D(2);
    const dense1 = new Dense(64, {activation: 'relu'}), dense2 = new Dense(10, {activation: 'tanh'});
    const x = rand([32, 12, 12, 1], 1); // 32 x 10 logits: above MIN_NATIVE_ELEMENTS
    const {native, fallback} = recordKernels(loaded as Backend, () => {
      const tape = new GradientTape();
      const loss = tape.run(() => {
        let h = pool.apply(conv2.apply(conv1.apply(x) as Tensor) as Tensor) as Tensor;
        h = ops.reshape(h, [32, h.size / 32]);
        const y = dense2.apply(dense1.apply(h) as Tensor) as Tensor;
        return ops.mean(ops.logSoftmax(y, -1));
      });
      const weights = [conv1, conv2, dense1, dense2].flatMap((l) => l.trainableWeights);
      const grads = tape.gradient(loss, weights);
      assert.ok(grads.every((g) => g !== null), 'every weight gets a gradient');
    });
    const mustBeNative = [
      'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'MaxPool', 'MaxPoolGrad', 'FusedDense', 'MatMul', 'ActivationGrad', 'Sum',
    ];
    for (const k of mustBeNative) {
      assert.ok((native.get(k) ?? 0) > 0, `${k} did not run on ${name} (native: ${[...native.keys()]}, fallback: ${[...fallback.keys()]})`);
      assert.equal(fallback.get(k) ?? 0, 0, `${k} fell back to the reference ${fallback.get(k)} time(s)`);
    }
    // the unfused kernels that the fused ones replace are not used by the layers any more
    for (const k of ['Conv2D', 'Relu', 'Tanh']) assert.equal((native.get(k) ?? 0) + (fallback.get(k) ?? 0), 0, `${k} ran`);
    // whatever else fell back is either a listed gap or a tiny op below MIN_NATIVE_ELEMENTS
    const gaps = new Set(knownGaps());
    for (const k of fallback.keys()) {
      assert.ok(gaps.has(k) || ['Mean', 'LogSoftmax', 'Sum', 'Add', 'Sub', 'Mul', 'Div', 'Neg', 'Exp'].includes(k), `unexpected fallback: ${k}`);
    }
  });
}
