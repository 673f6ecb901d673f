import {defineKernel, meta} from '../kernel.js';

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
};
