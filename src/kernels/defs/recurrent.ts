import type {Tensor} from '../../tensor/tensor.js';
import {defineKernel, meta, type InputsFor, type SlotsOf} from '../kernel.js';

/** Attributes of the sequence kernels (`LSTMSequence`, `GRUSequence` and their gradients). */
export interface LSTMSequenceAttrs {
  /** Process the sequence from its end (outputs in processing order, as Keras). */
  goBackwards: boolean;
  /** Masked steps output zeros instead of the previous output. */
  zeroOutputForMask: boolean;
  /**
   * Forward kernels only: whether to return the reserve the gradient reads (default true). `false`
   * (no gradient will be taken: inference) returns it empty, time axis 0, and the backend skips
   * writing it; the other outputs are the same bits.
   */
  keepReserve?: boolean;
  /** Forward kernels only: `false` returns `y` empty (time axis 0; the caller wants the last states alone). */
  returnSequences?: boolean;
}

/** The reserve's time axis: `timesteps`, or 0 when the caller keeps no reserve. */
const reserveSteps = (t: number, a: LSTMSequenceAttrs): number => (a.keepReserve === false ? 0 : t);

/**
 * Fused recurrent steps. The input projection `x @ kernel + bias` of every timestep is one large
 * matmul done before the time loop (as cuDNN does); the step kernel does what must stay in the loop:
 * the recurrent matmul, the gate nonlinearities and the state update. Gate layouts are Keras's.
 */
export const recurrentKernels = {
  /**
   * One LSTM step with Keras's default activations (`sigmoid` gates, `tanh` cell):
   * `a = z + h @ recurrentKernel`, gates `i, f, c, o = split(a, 4)`,
   * `c' = sigmoid(f) * c + sigmoid(i) * tanh(c~)`, `h' = sigmoid(o) * tanh(c')`.
   * Inputs: `z [b, 4u]` (input projection plus bias), `h [b, u]`, `c [b, u]`,
   * `recurrentKernel [u, 4u]`. Outputs: `h' [b, u]`, `c' [b, u]`, and the activated gates
   * `[b, 4u]` (`sigmoid(i), sigmoid(f), tanh(c~), sigmoid(o)`), kept for the gradient.
   */
  LSTMStep: defineKernel('LSTMStep', {
    inputs: {z: 'one', h: 'one', c: 'one', recurrentKernel: 'one'},
    infer: ({z, h}) => [meta(h.shape, h.dtype), meta(h.shape, h.dtype), meta(z.shape, z.dtype)],
  }),
  /**
   * The backward pass of `LSTMStep` in one elementwise pass (its matmuls stay outside: the rule adds
   * `da @ recurrentKernel^T` and `h^T @ da`). From the gradients `dh`, `dc` `[b, u]` and `dGates`
   * `[b, 4u]` of the step's three outputs, the activated `gates` `[b, 4u]`, the new cell state `cNew`
   * and the old one `c` `[b, u]`: `dc~ = dc + dh * o * (1 - tanh(cNew)^2)`, the activated gates'
   * gradient `[dc~ * g, dc~ * c, dc~ * i, dh * tanh(cNew)] + dGates`, and outputs
   * `da [b, 4u]` (that times each gate's slope: the gradient of `z + h @ recurrentKernel`) and
   * `dcPrev = dc~ * f` `[b, u]`.
   */
  LSTMStepGrad: defineKernel('LSTMStepGrad', {
    inputs: {dh: 'one', dc: 'one', dGates: 'one', gates: 'one', cNew: 'one', c: 'one'},
    infer: ({gates, c}) => [meta(gates.shape, gates.dtype), meta(c.shape, c.dtype)],
  }),
  /**
   * A whole LSTM sequence in one kernel (the time loop inside the backend, as cuDNN): default
   * activations, Keras's gate order. Inputs: `z [b, T, 4u]` (the input projection plus bias of every
   * step), `h0`, `c0 [b, u]`, `recurrentKernel [u, 4u]`, and `mask`: empty, or one `[b, T]` tensor of
   * z's dtype holding 0 or 1, and `recurrentMask`: empty, or one `[b, 4u]` tensor of z's dtype, the
   * recurrent dropout masks of the four gates side by side (`LSTMCell`'s per-gate masks): gate g's
   * pre-activation is `z_g + (h ⊙ m_g) @ recurrentKernel_g`. Steps run in processing order `k` (time `T - 1 - k` with
   * `goBackwards`); a masked step carries h and c through unchanged and outputs the previous output
   * (zeros before the first valid step, or always with `zeroOutputForMask`), as `ops.rnn`.
   * Outputs: `y [b, T, u]` (every step's output, processing order), the last states `h [b, u]`,
   * `c [b, u]`, and the reserve for the gradient, time-major: activated `gates [T, b, 4u]` (zeros at
   * masked rows), cell states `cs [T, b, u]` and hidden states `hs [T, b, u]` after each step (time
   * axis 0 with `keepReserve: false`).
   */
  LSTMSequence: defineKernel<
    {z: 'one'; h0: 'one'; c0: 'one'; recurrentKernel: 'one'; mask: 'many'; recurrentMask: 'many'},
    LSTMSequenceAttrs
  >('LSTMSequence', {
    inputs: {z: 'one', h0: 'one', c0: 'one', recurrentKernel: 'one', mask: 'many', recurrentMask: 'many'},
    infer: ({z, h0}, a) => {
      const [b, t] = z.shape as [number, number];
      const u = h0.shape[1]!, d = z.dtype, r = reserveSteps(t, a);
      return [meta([b, a.returnSequences === false ? 0 : t, u], d), meta([b, u], d), meta([b, u], d), meta([r, b, 4 * u], d), meta([r, b, u], d), meta([r, b, u], d)];
    },
  }),
  /**
   * Backpropagation through time of `LSTMSequence`, from the gradients of its six outputs (`dy`,
   * `dh`, `dc`, `dGates`, `dCs`, `dHs`) and its reserve (`gates`, `cs`, `hs`) and inputs (`h0`, `c0`,
   * `recurrentKernel`, `mask`, `recurrentMask`). Outputs: `dz [b, T, 4u]`, `dh0`, `dc0 [b, u]` and
   * `dRecurrentKernel [u, 4u]` (one product over all steps).
   */
  LSTMSequenceGrad: defineKernel<
    {
      dy: 'one'; dh: 'one'; dc: 'one'; dGates: 'one'; dCs: 'one'; dHs: 'one'; gates: 'one'; cs: 'one'; hs: 'one';
      h0: 'one'; c0: 'one'; recurrentKernel: 'one'; mask: 'many'; recurrentMask: 'many';
    },
    LSTMSequenceAttrs
  >('LSTMSequenceGrad', {
    inputs: {
      dy: 'one', dh: 'one', dc: 'one', dGates: 'one', dCs: 'one', dHs: 'one', gates: 'one', cs: 'one', hs: 'one',
      h0: 'one', c0: 'one', recurrentKernel: 'one', mask: 'many', recurrentMask: 'many',
    },
    infer: ({dy, h0, recurrentKernel}) => {
      const [b, t] = dy.shape as [number, number];
      const u = h0.shape[1]!, d = dy.dtype;
      return [meta([b, t, 4 * u], d), meta([b, u], d), meta([b, u], d), meta(recurrentKernel.shape, d)];
    },
  }),
  /**
   * A whole GRU sequence in one kernel, `GRUStep`'s form (`reset_after`, default activations) and
   * `LSTMSequence`'s conventions (mask, `goBackwards`, `zeroOutputForMask`, processing order).
   * Inputs: `z [b, T, 3u]`, `h0 [b, u]`, `recurrentKernel [u, 3u]`, `recurrentBias [3u]`, `mask`
   * (empty or one 0/1 `[b, T]`). Outputs: `y [b, T, u]`, the last `h [b, u]`, and the reserve,
   * time-major: `reserve [T, b, 4u]` (`zg, r, hh, m_h` per step, zeros at masked rows) and the hidden
   * states `hs [T, b, u]` after each step (time axis 0 with `keepReserve: false`).
   */
  GRUSequence: defineKernel<
    {z: 'one'; h0: 'one'; recurrentKernel: 'one'; recurrentBias: 'one'; mask: 'many'},
    LSTMSequenceAttrs
  >('GRUSequence', {
    inputs: {z: 'one', h0: 'one', recurrentKernel: 'one', recurrentBias: 'one', mask: 'many'},
    infer: ({z, h0}, a) => {
      const [b, t] = z.shape as [number, number];
      const u = h0.shape[1]!, d = z.dtype, r = reserveSteps(t, a);
      return [meta([b, a.returnSequences === false ? 0 : t, u], d), meta([b, u], d), meta([r, b, 4 * u], d), meta([r, b, u], d)];
    },
  }),
  /**
   * Backpropagation through time of `GRUSequence` from the gradients of its four outputs (`dy`, `dh`,
   * `dReserve`, `dHs`), its reserve and inputs. Outputs: `dz [b, T, 3u]`, `dh0 [b, u]`,
   * `dRecurrentKernel [u, 3u]` and `dRecurrentBias [3u]`.
   */
  GRUSequenceGrad: defineKernel<
    {
      dy: 'one'; dh: 'one'; dReserve: 'one'; dHs: 'one'; reserve: 'one'; hs: 'one'; h0: 'one'; recurrentKernel: 'one';
      mask: 'many';
    },
    LSTMSequenceAttrs
  >('GRUSequenceGrad', {
    inputs: {
      dy: 'one', dh: 'one', dReserve: 'one', dHs: 'one', reserve: 'one', hs: 'one', h0: 'one', recurrentKernel: 'one',
      mask: 'many',
    },
    infer: ({dy, h0, recurrentKernel}) => {
      const [b, t] = dy.shape as [number, number];
      const u = h0.shape[1]!, d = dy.dtype;
      return [meta([b, t, 3 * u], d), meta([b, u], d), meta(recurrentKernel.shape, d), meta([3 * u], d)];
    },
  }),
  /**
   * One GRU step, Keras's `reset_after=True` form (cuDNN's and PyTorch's) with default activations:
   * `m = h @ recurrentKernel + recurrentBias`, `zg = sigmoid(z_z + m_z)`, `r = sigmoid(z_r + m_r)`,
   * `hh = tanh(z_h + r * m_h)`, `h' = zg * h + (1 - zg) * hh`.
   * Inputs: `z [b, 3u]` (input projection plus input bias, gates z, r, h), `h [b, u]`,
   * `recurrentKernel [u, 3u]`, `recurrentBias [3u]`. Outputs: `h' [b, u]` and a reserve
   * `[b, 4u]` = `zg, r, hh, m_h`, kept for the gradient.
   */
  GRUStep: defineKernel('GRUStep', {
    inputs: {z: 'one', h: 'one', recurrentKernel: 'one', recurrentBias: 'one'},
    infer: ({h}) => [meta(h.shape, h.dtype), meta([h.shape[0]!, 4 * h.shape[1]!], h.dtype)],
  }),
  /**
   * The backward pass of `GRUStep` in one elementwise pass (its matmuls stay outside). From the
   * gradients `dh` `[b, u]` and `dReserve` `[b, 4u]` of the step's outputs, the `reserve` (`zg, r, hh,
   * m_h`) and `h`: `dzg = dh * (h - hh) + dR_z`, `dhh = dh * (1 - zg) + dR_hh`, `dah = dhh * (1 - hh^2)`,
   * `dr = dah * m_h + dR_r`, `daz = dzg * zg(1 - zg)`, `dar = dr * r(1 - r)`, `dmh = dah * r + dR_mh`.
   * Outputs: `dz = [daz, dar, dah]` `[b, 3u]` (the input projection's gradient), `dm = [daz, dar, dmh]`
   * `[b, 3u]` (that of `h @ recurrentKernel + recurrentBias`) and `dhDirect = dh * zg` `[b, u]`.
   */
  GRUStepGrad: defineKernel('GRUStepGrad', {
    inputs: {dh: 'one', dReserve: 'one', reserve: 'one', h: 'one'},
    infer: ({h}) => {
      const g3 = meta([h.shape[0]!, 3 * h.shape[1]!], h.dtype);
      return [g3, g3, meta(h.shape, h.dtype)];
    },
  }),
};

/** The inputs an `LSTMSequenceGrad` implementation receives (every backend's). */
export type LSTMSequenceGradInputs = InputsFor<SlotsOf<typeof recurrentKernels.LSTMSequenceGrad>, Tensor>;
