import assert from 'node:assert/strict';
import {test} from 'node:test';
import {setStepObserver} from '../../autodiff/engine.js';
import {availableBackends, backendName, setBackend} from '../../backends/registry.js';
import {GradientTape} from '../../gradients/tape.js';
import type {LSTMSequenceAttrs} from '../../kernels/defs/recurrent.js';
import {runAll} from '../../ops/core.js';
import * as ops from '../../ops/index.js';
import {randomNormal} from '../../tensor/random.js';
import {tensor, type Tensor} from '../../tensor/tensor.js';
import {assertClose} from '../../testing/gradcheck.js';
import {GRU, LSTM} from './layers.js';

// The LSTM and GRU layers' fused paths (one LSTMSequence / GRUSequence kernel for the whole time loop) against the generic
// cell loop, on what the layer tests elsewhere leave out: initial states, returnState,
// zeroOutputForMask with a masked last step, gradients into the initial states; and stateful batches.

const rand = (shape: number[], seed: number) => randomNormal(shape, {seed});

function run(layer: LSTM | GRU, x: Tensor, states: Tensor[], mask: Tensor | null): Tensor[] {
  const tape = new GradientTape();
  tape.watch([x, ...states]);
  let outs!: Tensor[];
  const loss = tape.run(() => {
    outs = layer.apply(x, {mask, initialState: states, training: true}) as Tensor[];
    // weigh every returned tensor differently so each one's gradient path counts
    return outs.map((o, i) => ops.sum(ops.multiply(o, ops.add(ops.multiply(rand([...o.shape], 50 + i), 0.5), 1)))).reduce((a, b) => ops.add(a, b));
  });
  return [...outs, ...tape.gradient(loss, [x, ...states, ...layer.trainableWeights]).map((g) => g!)];
}

test('LSTM and GRU fused sequence kernels = generic loop: initial states, returnState, zeroOutputForMask, masked last step', () => {
  const x = rand([3, 5, 4], 1), h0 = rand([3, 6], 2), c0 = rand([3, 6], 3);
  // row 1 masked at the end (the last output is zeros or repeated), row 2 at the start
  const mask = tensor([[1, 1, 1, 1, 1], [1, 1, 0, 1, 0], [0, 0, 1, 1, 1]].map((r) => r.map(Boolean)));
  for (const opts of [
    {returnSequences: true, returnState: true, zeroOutputForMask: true},
    {returnState: true, zeroOutputForMask: true},
    {returnState: true, goBackwards: true},
    {returnSequences: true, returnState: true, goBackwards: true, dropout: 0.3, seed: 5},
  ]) {
    for (const m of [null, mask]) {
      for (const Cls of [LSTM, GRU]) {
        const fused = new Cls(6, opts);
        const generic = new Cls(6, {...opts, useCudnn: false});
        fused.apply(x);
        generic.apply(x);
        generic.setWeights(fused.getWeights());
        const states = Cls === LSTM ? [h0, c0] : [h0];
        const a = run(fused, x, states, m), b = run(generic, x, states, m);
        a.forEach((t, i) => assertClose(t, b[i]!, {rtol: 1e-4, atol: 1e-5, label: `${Cls.name} ${JSON.stringify(opts)} mask=${!!m} [${i}]`}));
      }
    }
  }
});

test('stateful LSTM: the fused path carries the states across batches as the generic loop', () => {
  const fused = new LSTM(4, {stateful: true, returnSequences: true});
  const generic = new LSTM(4, {stateful: true, returnSequences: true, useCudnn: false});
  const x1 = rand([2, 3, 5], 7), x2 = rand([2, 3, 5], 8);
  fused.apply(x1);
  generic.apply(x1);
  generic.setWeights(fused.getWeights());
  fused.resetStates();
  generic.resetStates();
  for (const x of [x1, x2]) assertClose(fused.apply(x) as Tensor, generic.apply(x) as Tensor, {rtol: 1e-5, atol: 1e-6, label: 'stateful'});
});

test('LSTM recurrent dropout: the fused kernel (per-gate masks) = the generic cell loop with the same seed', () => {
  const mask = tensor([[1, 1, 1, 1, 1], [1, 1, 0, 1, 0], [0, 0, 1, 1, 1]].map((r) => r.map(Boolean)));
  for (const dtype of ['float64', 'float32'] as const) {
    const tol = dtype === 'float64' ? {rtol: 1e-10, atol: 1e-12} : {rtol: 1e-4, atol: 1e-5};
    const x = ops.cast(rand([3, 5, 4], 11), dtype), h0 = ops.cast(rand([3, 6], 12), dtype), c0 = ops.cast(rand([3, 6], 13), dtype);
    for (const opts of [
      {returnSequences: true, returnState: true, recurrentDropout: 0.4, seed: 9},
      {returnState: true, goBackwards: true, dropout: 0.3, recurrentDropout: 0.5, seed: 21},
      {returnSequences: true, returnState: true, zeroOutputForMask: true, dropout: 0.25, recurrentDropout: 0.3, seed: 4},
    ]) {
      for (const m of [null, mask]) {
        const label = `${dtype} ${JSON.stringify(opts)} mask=${!!m}`;
        const fused = new LSTM(6, {...opts, dtype});
        const generic = new LSTM(6, {...opts, dtype, useCudnn: false});
        const plain = new LSTM(6, {...opts, dtype, dropout: 0, recurrentDropout: 0});
        for (const l of [fused, generic, plain]) l.apply(x);
        generic.setWeights(fused.getWeights());
        plain.setWeights(fused.getWeights());
        assert.ok(fused.canFuse(true) && !generic.canFuse(true), `${label}: paths`);
        const a = run(fused, x, [h0, c0], m), b = run(generic, x, [h0, c0], m);
        assert.equal(a.length, b.length);
        a.forEach((t, i) => {
          assert.equal(t.dtype, dtype);
          assertClose(t, b[i]!, {...tol, label: `${label} [${i}]`});
        });
        // the masks do act: without dropout the outputs differ
        const p = run(plain, x, [h0, c0], m);
        assert.ok(a[0]!.values.some((v, i) => Math.abs(v - p[0]!.values[i]!) > 1e-3), `${label}: dropout had no effect`);
      }
    }
  }
});

test('LSTM recurrent dropout: useCudnn=true is accepted while training; inference ignores the masks', () => {
  const x = rand([2, 4, 3], 31);
  const l = new LSTM(5, {recurrentDropout: 0.5, useCudnn: true, seed: 3});
  const off = new LSTM(5, {});
  l.apply(x, {training: true});
  off.apply(x);
  off.setWeights(l.getWeights());
  assertClose(l.apply(x) as Tensor, off.apply(x) as Tensor, {rtol: 1e-6, atol: 1e-7, label: 'inference'});
});

test('LSTM and GRU inference keeps no reserve (keepReserve: false; nor y unless wanted), under a tape the kernel keeps it; the same outputs bit for bit', () => {
  const x = rand([5, 7, 3], 11);
  const mask = tensor([[1, 1, 1, 1, 1, 1, 1], [1, 1, 0, 1, 0, 1, 1], [0, 0, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 0], [1, 0, 1, 0, 1, 0, 1]].map((r) => r.map(Boolean)));
  for (const backend of availableBackends().filter((b) => b === 'reference' || b === 'native' || b === 'wasm')) {
    const prev = backendName();
    const calls: {name: string; keepReserve: unknown; returnSequences: unknown; reserve: number[]; y: number[]}[] = [];
    const observer = {
      kernel(def: {name: string}, _inputs: unknown, attrs: unknown, outputs: Tensor[]) {
        if (def.name === 'LSTMSequence' || def.name === 'GRUSequence') {
          const a = attrs as LSTMSequenceAttrs;
          calls.push({name: def.name, keepReserve: a.keepReserve, returnSequences: a.returnSequences, reserve: [...outputs.at(-1)!.shape], y: [...outputs[0]!.shape]});
        }
      },
      variableRead() {},
      variableWrite() {},
      hostCheck() {},
    };
    try {
      setBackend(backend, {fallback: true});
      if (backendName() !== backend) continue;
      for (const Cls of [LSTM, GRU]) {
        for (const m of [null, mask]) {
          // without a mask, only the last states are asked for: the inference call skips y as well
          const layer = new Cls(6, {returnSequences: m !== null, returnState: true, goBackwards: m !== null});
          calls.length = 0;
          const before = setStepObserver(observer);
          let inferred: Tensor[], taped: Tensor[];
          try {
            const tape = new GradientTape();
            const loss = tape.run(() => {
              taped = layer.apply(x, {mask: m}) as Tensor[];
              return ops.sum(taped[0]!);
            });
            const grads = tape.gradient(loss, layer.trainableWeights);
            assert.ok(grads.length === 3 && grads.every((g) => g !== null));
            inferred = layer.apply(x, {mask: m}) as Tensor[];
          } finally {
            setStepObserver(before);
          }
          const label = `${backend} ${Cls.name} mask=${m !== null}`;
          assert.deepEqual(calls.map((c) => [c.name, c.keepReserve, c.returnSequences, c.reserve, c.y]), [
            [`${Cls.name}Sequence`, true, true, [7, 5, 6], [5, 7, 6]],
            [`${Cls.name}Sequence`, false, m !== null, [0, 5, 6], [5, m !== null ? 7 : 0, 6]],
          ], label);
          inferred.forEach((t, i) => assert.deepEqual(Array.from(t.values), Array.from(taped[i]!.values), `${label} output ${i}`));
        }
      }
    } finally {
      setBackend(prev);
    }
  }
  // the gradient rule refuses a call that kept no reserve
  const tape = new GradientTape();
  const z = rand([2, 3, 16], 3), h0 = rand([2, 4], 4), c0 = rand([2, 4], 5), rk = rand([4, 16], 6);
  tape.watch([z]);
  const loss = tape.run(() =>
    ops.sum(runAll('LSTMSequence', {z, h0, c0, recurrentKernel: rk, mask: [], recurrentMask: []}, {goBackwards: false, zeroOutputForMask: false, keepReserve: false})[0]!),
  );
  assert.throws(() => tape.gradient(loss, [z]), /LSTMSequence: the gradient needs the reserve and y, which this call did not keep/);
});
