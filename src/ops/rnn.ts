import {recordsGradient} from '../autodiff/engine.js';
import {ValueError} from '../errors.js';
import {fmtShape} from '../tensor/shape.js';
import {zeros, type Tensor} from '../tensor/tensor.js';
import {concatenate, expandDims, reshape, split, transpose} from './array.js';
import {cast, runAll, toTensor, type TensorLike} from './core.js';
import {where} from './math.js';

function expectShape(op: string, arg: string, t: Tensor, want: readonly number[]): void {
  if (t.rank !== want.length || t.shape.some((d, i) => d !== want[i])) {
    throw new ValueError(`${op}: expected '${arg}' of shape ${fmtShape(want)}. Received: ${arg}.shape=${fmtShape(t.shape)}`);
  }
}

function sameFloat(op: string, ts: Record<string, Tensor>): void {
  const entries = Object.entries(ts);
  const d = entries[0]![1].dtype;
  for (const [name, t] of entries) {
    if (t.dtype !== d || (d !== 'float32' && d !== 'float64')) {
      throw new ValueError(
        `${op}: all inputs must share one float dtype. Received: ${entries.map(([n, x]) => `${n}.dtype=${x.dtype}`).join(', ')} (at '${name}')`,
      );
    }
  }
}

/**
 * One fused LSTM step with the default activations (`sigmoid` gates, `tanh` cell), Keras's gate
 * order `i, f, c, o`: `z` is the input projection `x @ kernel + bias` `[batch, 4 * units]`, `h` and
 * `c` the states `[batch, units]`, `recurrentKernel` `[units, 4 * units]`. Returns `[h', c']`.
 */
export function lstmStep(z: TensorLike, h: TensorLike, c: TensorLike, recurrentKernel: TensorLike): [Tensor, Tensor] {
  const op = 'lstmStep';
  const ht = toTensor(h, 'h', op);
  if (ht.rank !== 2) throw new ValueError(`${op}: expected 'h' of rank 2 [batch, units]. Received: h.shape=${fmtShape(ht.shape)}`);
  const [b, u] = ht.shape as [number, number];
  const zt = toTensor(z, 'z', op), ct = toTensor(c, 'c', op), rk = toTensor(recurrentKernel, 'recurrentKernel', op);
  expectShape(op, 'z', zt, [b, 4 * u]);
  expectShape(op, 'c', ct, [b, u]);
  expectShape(op, 'recurrentKernel', rk, [u, 4 * u]);
  sameFloat(op, {z: zt, h: ht, c: ct, recurrentKernel: rk});
  const [hn, cn] = runAll('LSTMStep', {z: zt, h: ht, c: ct, recurrentKernel: rk}, {});
  return [hn!, cn!];
}

export interface LSTMSequenceOptions {
  /** `[batch, timesteps]`, nonzero (true) where a step is used; masked steps carry the states. */
  mask?: Tensor | null;
  /** Process the sequence from its end; the outputs come back in processing order, as Keras. */
  goBackwards?: boolean;
  /** Masked steps output zeros instead of the previous output. */
  zeroOutputForMask?: boolean;
  /** `false`: the caller needs only the last states; `outputs` may then come back empty (time axis 0). */
  returnSequences?: boolean;
  /**
   * `lstmSequence` only: the recurrent dropout masks of the four gates side by side,
   * `[batch, 4 * units]` (`LSTMCell`'s per-gate masks): gate g uses `(h * m_g) @ recurrentKernel_g`.
   */
  recurrentMask?: Tensor | null;
}

/** `z` `[batch, T, gates * units]` and `h0` `[batch, units]` of a sequence kernel: ranks and a non-empty sequence checked. */
function sequenceInputs(op: string, z: TensorLike, h0: TensorLike, gates: number) {
  const ht = toTensor(h0, 'h0', op), zt = toTensor(z, 'z', op);
  if (ht.rank !== 2) throw new ValueError(`${op}: expected 'h0' of rank 2 [batch, units]. Received: h0.shape=${fmtShape(ht.shape)}`);
  if (zt.rank !== 3) throw new ValueError(`${op}: expected 'z' of rank 3 [batch, timesteps, ${gates} * units]. Received: z.shape=${fmtShape(zt.shape)}`);
  const [b, u] = ht.shape as [number, number];
  const t = zt.shape[1]!;
  if (t === 0) throw new ValueError(`${op}: the input sequence is empty. Received: z.shape=${fmtShape(zt.shape)}`);
  return {zt, ht, b, u, t};
}

/**
 * A whole LSTM sequence in one fused kernel (default activations, gate order `i, f, c, o`): `z` is
 * the input projection `x @ kernel + bias` of every step `[batch, T, 4 * units]`, `h0` and `c0` the
 * initial states `[batch, units]`, `recurrentKernel` `[units, 4 * units]`. Same semantics as
 * `rnn` over `lstmStep` (masking, `goBackwards`, `zeroOutputForMask`). Returns the outputs of every
 * step `[batch, T, units]` (processing order) and the last states `h`, `c`. With `recurrentMask`
 * (recurrent dropout) the gradient does not flow into the mask: it is a constant, as a dropout mask.
 */
export function lstmSequence(
  z: TensorLike,
  h0: TensorLike,
  c0: TensorLike,
  recurrentKernel: TensorLike,
  {mask = null, goBackwards = false, zeroOutputForMask = false, recurrentMask = null, returnSequences = true}: LSTMSequenceOptions = {},
): {outputs: Tensor; h: Tensor; c: Tensor} {
  const op = 'lstmSequence';
  const {zt, ht, b, u, t} = sequenceInputs(op, z, h0, 4);
  const ct = toTensor(c0, 'c0', op), rk = toTensor(recurrentKernel, 'recurrentKernel', op);
  expectShape(op, 'z', zt, [b, t, 4 * u]);
  expectShape(op, 'c0', ct, [b, u]);
  expectShape(op, 'recurrentKernel', rk, [u, 4 * u]);
  sameFloat(op, {z: zt, h0: ht, c0: ct, recurrentKernel: rk});
  const masks = sequenceMask(op, mask, b, t, zt.dtype);
  const rms: Tensor[] = [];
  if (recurrentMask) {
    const rm = toTensor(recurrentMask, 'recurrentMask', op);
    expectShape(op, 'recurrentMask', rm, [b, 4 * u]);
    sameFloat(op, {z: zt, recurrentMask: rm});
    rms.push(rm);
  }
  const inputs = {z: zt, h0: ht, c0: ct, recurrentKernel: rk, mask: masks, recurrentMask: rms};
  // the reserve (every step's gates and states), and y, only where a tape will ask for the gradient
  const keepReserve = recordsGradient(inputs);
  const [y, hn, cn] = runAll('LSTMSequence', inputs, {goBackwards, zeroOutputForMask, keepReserve, returnSequences: returnSequences || keepReserve});
  return {outputs: y!, h: hn!, c: cn!};
}

/**
 * A whole GRU sequence in one fused kernel, `gruStep`'s form (`reset_after`, default activations,
 * gates `z, r, h`): `z` `[batch, T, 3 * units]` (input projection plus input bias), `h0`
 * `[batch, units]`, `recurrentKernel` `[units, 3 * units]`, `recurrentBias` `[3 * units]`. Same
 * semantics as `rnn` over `gruStep`. Returns the outputs of every step `[batch, T, units]` and the
 * last state `h`.
 */
export function gruSequence(
  z: TensorLike,
  h0: TensorLike,
  recurrentKernel: TensorLike,
  recurrentBias: TensorLike,
  {mask = null, goBackwards = false, zeroOutputForMask = false, returnSequences = true}: LSTMSequenceOptions = {},
): {outputs: Tensor; h: Tensor} {
  const op = 'gruSequence';
  const {zt, ht, b, u, t} = sequenceInputs(op, z, h0, 3);
  const rk = toTensor(recurrentKernel, 'recurrentKernel', op), rb = toTensor(recurrentBias, 'recurrentBias', op);
  expectShape(op, 'z', zt, [b, t, 3 * u]);
  expectShape(op, 'recurrentKernel', rk, [u, 3 * u]);
  expectShape(op, 'recurrentBias', rb, [3 * u]);
  sameFloat(op, {z: zt, h0: ht, recurrentKernel: rk, recurrentBias: rb});
  const masks = sequenceMask(op, mask, b, t, zt.dtype);
  const inputs = {z: zt, h0: ht, recurrentKernel: rk, recurrentBias: rb, mask: masks};
  const keepReserve = recordsGradient(inputs);
  const [y, hn] = runAll('GRUSequence', inputs, {goBackwards, zeroOutputForMask, keepReserve, returnSequences: returnSequences || keepReserve});
  return {outputs: y!, h: hn!};
}

/** The sequence kernels' mask input: none, or the mask as 0/1 in `dtype` (what every backend reads). */
function sequenceMask(op: string, mask: Tensor | null, b: number, t: number, dtype: Tensor['dtype']): Tensor[] {
  if (!mask) return [];
  const m = toTensor(mask, 'mask', op);
  expectShape(op, 'mask', m, [b, t]);
  return [cast(m.dtype === 'bool' ? m : cast(m, 'bool'), dtype)];
}

/**
 * One fused GRU step, Keras's `reset_after=True` form with the default activations, gate order
 * `z, r, h`: `z` is `x @ kernel + inputBias` `[batch, 3 * units]`, `h` the state `[batch, units]`,
 * `recurrentKernel` `[units, 3 * units]`, `recurrentBias` `[3 * units]`. Returns `h'`.
 */
export function gruStep(z: TensorLike, h: TensorLike, recurrentKernel: TensorLike, recurrentBias: TensorLike): Tensor {
  const op = 'gruStep';
  const ht = toTensor(h, 'h', op);
  if (ht.rank !== 2) throw new ValueError(`${op}: expected 'h' of rank 2 [batch, units]. Received: h.shape=${fmtShape(ht.shape)}`);
  const [b, u] = ht.shape as [number, number];
  const zt = toTensor(z, 'z', op), rk = toTensor(recurrentKernel, 'recurrentKernel', op);
  const rb = toTensor(recurrentBias, 'recurrentBias', op);
  expectShape(op, 'z', zt, [b, 3 * u]);
  expectShape(op, 'recurrentKernel', rk, [u, 3 * u]);
  expectShape(op, 'recurrentBias', rb, [3 * u]);
  sameFloat(op, {z: zt, h: ht, recurrentKernel: rk, recurrentBias: rb});
  return runAll('GRUStep', {z: zt, h: ht, recurrentKernel: rk, recurrentBias: rb}, {})[0]!;
}

/** One step of a recurrence: the input at time t and the states, to the output and the new states. */
export type StepFunction = (input: Tensor, states: Tensor[]) => [Tensor, Tensor[]];

export interface RnnOptions {
  /** Process the sequence from its end; the outputs come back in processing order (reversed), as Keras. */
  goBackwards?: boolean;
  /** `[batch, timesteps]`, true where a step is used. A masked step keeps the states and repeats the last output. */
  mask?: Tensor | null;
  /** Masked steps output zeros instead of the previous output. */
  zeroOutputForMask?: boolean;
  /** `false`: the caller needs only the last states; `outputs` may then come back empty (time axis 0). */
  returnSequences?: boolean;
  /** Return the outputs of every step (`[batch, timesteps, ...]`), else only the last one. */
  returnAllOutputs?: boolean;
}

export interface RnnResult {
  lastOutput: Tensor;
  /** `[batch, timesteps, ...]` when `returnAllOutputs`, else `[batch, 1, ...]`. */
  outputs: Tensor;
  states: Tensor[];
}

/** `[batch, T, ...]` -> the T steps `[batch, ...]`, with one Split (its gradient is one Concat). */
function unstackTime(x: Tensor): Tensor[] {
  const t = x.shape[1]!;
  const perm = [1, 0, ...x.shape.slice(2).map((_, i) => i + 2)];
  const timeMajor = transpose(x, perm);
  const pieces = t === 1 ? [timeMajor] : split(timeMajor, t, 0);
  const stepShape = [x.shape[0]!, ...x.shape.slice(2)];
  return pieces.map((p) => reshape(p, stepShape));
}

/** The steps `[batch, ...]` -> `[batch, T, ...]`. */
function stackTime(steps: Tensor[]): Tensor {
  return concatenate(steps.map((s) => expandDims(s, 1)), 1);
}

/**
 * Iterates `step` over the time axis of `inputs` `[batch, timesteps, ...]`, as Keras's
 * `backend.rnn`: masked steps carry the states through unchanged and repeat the previous output
 * (zeros before the first valid step), so the last output is that of the last valid step.
 */
/** A step's `[batch, 1]` mask shaped to broadcast against `t` (`[batch, 1, 1, 1]` for a convolutional state). */
function maskFor(m: Tensor, t: Tensor): Tensor {
  return t.rank > 2 ? reshape(m, [m.shape[0]!, ...new Array<number>(t.rank - 1).fill(1)]) : m;
}

export function rnn(step: StepFunction, inputs: Tensor, initialStates: Tensor[], options: RnnOptions = {}): RnnResult {
  const {goBackwards = false, mask = null, zeroOutputForMask = false, returnAllOutputs = true} = options;
  if (inputs.rank < 3) {
    throw new ValueError(`rnn: inputs must have rank >= 3 [batch, timesteps, ...]. Received: inputs.shape=${fmtShape(inputs.shape)}`);
  }
  const [batch, timesteps] = inputs.shape as [number, number];
  if (timesteps === 0) throw new ValueError(`rnn: the input sequence is empty. Received: inputs.shape=${fmtShape(inputs.shape)}`);
  let maskSteps: Tensor[] | null = null;
  if (mask) {
    if (mask.rank !== 2 || mask.shape[0] !== batch || mask.shape[1] !== timesteps) {
      throw new ValueError(`rnn: mask must have shape [batch, timesteps] = ${fmtShape([batch, timesteps])}. Received: mask.shape=${fmtShape(mask.shape)}`);
    }
    const m = mask.dtype === 'bool' ? mask : cast(mask, 'bool');
    maskSteps = unstackTime(reshape(m, [batch, timesteps, 1]));
  }
  const xs = unstackTime(inputs);
  let states = initialStates;
  let prevOutput: Tensor | null = null;
  const outputs: Tensor[] = [];
  for (let k = 0; k < timesteps; k++) {
    const t = goBackwards ? timesteps - 1 - k : k;
    let [out, next] = step(xs[t]!, states);
    if (maskSteps) {
      const m = maskSteps[t]!; // [batch, 1]: broadcasts against [batch, units]
      const fill = zeroOutputForMask ? 0 : (prevOutput ?? zeros(out.shape, out.dtype));
      out = where(maskFor(m, out), out, fill);
      next = next.map((s, i) => where(maskFor(m, s), s, states[i]!));
    }
    states = next;
    prevOutput = out;
    if (returnAllOutputs || k === timesteps - 1) outputs.push(out);
  }
  const lastOutput = prevOutput!;
  return {lastOutput, outputs: stackTime(outputs), states};
}
