#!/usr/bin/python3
"""Writes test/fixtures/rnn/torch_rnn.json: forward outputs and gradients of SimpleRNN, LSTM and GRU
(with masks, go_backwards, return_sequences, return_state, initial states, and Bidirectional) computed
by PyTorch's nn.RNN / nn.LSTM / nn.GRU from weights in Keras's layout.

Run with Debian's python3-torch:  /usr/bin/python3 scripts/make_rnn_fixtures.py

Layout mapping (Keras -> torch):
  SimpleRNN: weight_ih = kernel.T, weight_hh = recurrent_kernel.T, bias_ih = bias, bias_hh = 0.
  LSTM: gates i, f, c(g), o in both; weight_ih = kernel.T, weight_hh = recurrent_kernel.T,
        bias_ih = bias, bias_hh = 0.
  GRU (reset_after=True): Keras gates z, r, h; torch r, z, n -> swap the first two blocks;
        bias[0] is the input bias (bias_ih), bias[1] the recurrent bias (bias_hh), which is exactly
        torch's two-bias GRU formulation.
Masking follows Keras's backend.rnn: a masked step keeps the states and repeats the previous output
(zeros before the first valid step), or outputs zeros with zero_output_for_mask (Bidirectional with
return_sequences). go_backwards returns the outputs in processing (reversed) order.
"""
import json
import os

import torch

torch.set_default_dtype(torch.float64)
torch.manual_seed(1234)

B, T, IN, U = 3, 5, 4, 3
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'rnn', 'torch_rnn.json')


def gate_swap(t, u, axis):
    """Swaps the first two gate blocks of size u along axis (Keras z,r,h <-> torch r,z,n)."""
    a, b, c = torch.split(t, u, dim=axis)
    return torch.cat([b, a, c], dim=axis)


def keras_weights(kind, units, in_dim):
    g = {'SimpleRNN': 1, 'LSTM': 4, 'GRU': 3}[kind]
    w = {
        'kernel': torch.randn(in_dim, g * units) * 0.5,
        'recurrent_kernel': torch.randn(units, g * units) * 0.5,
    }
    w['bias'] = torch.randn(2, 3 * units) * 0.3 if kind == 'GRU' else torch.randn(g * units) * 0.3
    return w


def torch_module(kind, w, units, in_dim):
    """A torch module holding the Keras weights; returns (module, {keras name: torch params})."""
    if kind == 'SimpleRNN':
        m = torch.nn.RNN(in_dim, units, batch_first=True, nonlinearity='tanh')
        with torch.no_grad():
            m.weight_ih_l0.copy_(w['kernel'].T)
            m.weight_hh_l0.copy_(w['recurrent_kernel'].T)
            m.bias_ih_l0.copy_(w['bias'])
            m.bias_hh_l0.zero_()
    elif kind == 'LSTM':
        m = torch.nn.LSTM(in_dim, units, batch_first=True)
        with torch.no_grad():
            m.weight_ih_l0.copy_(w['kernel'].T)
            m.weight_hh_l0.copy_(w['recurrent_kernel'].T)
            m.bias_ih_l0.copy_(w['bias'])
            m.bias_hh_l0.zero_()
    else:
        m = torch.nn.GRU(in_dim, units, batch_first=True)
        with torch.no_grad():
            m.weight_ih_l0.copy_(gate_swap(w['kernel'], units, 1).T)
            m.weight_hh_l0.copy_(gate_swap(w['recurrent_kernel'], units, 1).T)
            m.bias_ih_l0.copy_(gate_swap(w['bias'][0], units, 0))
            m.bias_hh_l0.copy_(gate_swap(w['bias'][1], units, 0))
    return m


def keras_grads(kind, m, units):
    """The gradients of the torch parameters, back in Keras's layout."""
    if kind == 'GRU':
        return {
            'kernel': gate_swap(m.weight_ih_l0.grad.T, units, 1),
            'recurrent_kernel': gate_swap(m.weight_hh_l0.grad.T, units, 1),
            'bias': torch.stack([gate_swap(m.bias_ih_l0.grad, units, 0), gate_swap(m.bias_hh_l0.grad, units, 0)]),
        }
    # bias_hh is held at zero and equals bias_ih in effect: the Keras bias gradient is bias_ih's
    return {
        'kernel': m.weight_ih_l0.grad.T,
        'recurrent_kernel': m.weight_hh_l0.grad.T,
        'bias': m.bias_ih_l0.grad,
    }


def run_layer(kind, m, x, states, mask, go_backwards, zero_output_for_mask):
    """Keras's loop over torch's own step (a length-1 sequence through the module each time)."""
    n_steps = x.shape[1]
    order = range(n_steps - 1, -1, -1) if go_backwards else range(n_steps)
    prev_out = torch.zeros(x.shape[0], m.hidden_size)
    outs = []
    for t in order:
        xt = x[:, t:t + 1, :]
        if kind == 'LSTM':
            y, (h, c) = m(xt, (states[0].unsqueeze(0), states[1].unsqueeze(0)))
            new_states = [h[0], c[0]]
        else:
            y, h = m(xt, states[0].unsqueeze(0))
            new_states = [h[0]]
        out = y[:, 0, :]
        if mask is not None:
            mt = mask[:, t:t + 1]
            out = torch.where(mt, out, torch.zeros_like(out) if zero_output_for_mask else prev_out)
            new_states = [torch.where(mt, s, ps) for s, ps in zip(new_states, states)]
        states = new_states
        prev_out = out
        outs.append(out)
    return prev_out, torch.stack(outs, 1), states


def full_sequence_check(kind, m, x, states):
    """Without masks, torch's whole-sequence call must agree with the step loop (a sanity check)."""
    with torch.no_grad():
        if kind == 'LSTM':
            y, _ = m(x, (states[0].unsqueeze(0), states[1].unsqueeze(0)))
        else:
            y, _ = m(x, states[0].unsqueeze(0))
        _, seq, _ = run_layer(kind, m, x, states, None, False, False)
    assert torch.allclose(y, seq, rtol=1e-12, atol=1e-12)


def tolist(t):
    return {'shape': list(t.shape), 'data': [float(v) for v in t.detach().reshape(-1).tolist()]}


def n_states(kind):
    return 2 if kind == 'LSTM' else 1


def make_case(name, kind, *, return_sequences=False, return_state=False, go_backwards=False, mask=None,
              initial_state=False):
    w = keras_weights(kind, U, IN)
    m = torch_module(kind, w, U, IN)
    x = torch.randn(B, T, IN, requires_grad=True)
    s0 = [torch.randn(B, U, requires_grad=True) if initial_state else torch.zeros(B, U) for _ in range(n_states(kind))]
    if mask is None:
        full_sequence_check(kind, m, x, s0)
    last, seq, states = run_layer(kind, m, x, s0, mask, go_backwards, False)
    output = seq if return_sequences else last
    wo = torch.randn(*output.shape)
    loss = (output * wo).sum()
    ws = []
    if return_state:
        ws = [torch.randn(B, U) for _ in states]
        loss = loss + sum((s * wsk).sum() for s, wsk in zip(states, ws))
    loss.backward()
    g = keras_grads(kind, m, U)
    case = {
        'name': name, 'layer': kind, 'units': U,
        'config': {'returnSequences': return_sequences, 'returnState': return_state, 'goBackwards': go_backwards},
        'x': tolist(x), 'mask': None if mask is None else mask.int().tolist(),
        'initialState': [tolist(s) for s in s0] if initial_state else None,
        'weights': {k: tolist(v) for k, v in w.items()},
        'outputWeight': tolist(wo), 'stateWeights': [tolist(s) for s in ws],
        'expected': {'output': tolist(output), 'states': [tolist(s) for s in states]},
        'grads': {'x': tolist(x.grad), **{k: tolist(v) for k, v in g.items()}},
    }
    if initial_state:
        case['grads']['initialState'] = [tolist(s.grad) for s in s0]
    return case


def make_bidirectional(name, kind, merge_mode, *, return_sequences, mask=None):
    wf, wb = keras_weights(kind, U, IN), keras_weights(kind, U, IN)
    mf, mb = torch_module(kind, wf, U, IN), torch_module(kind, wb, U, IN)
    x = torch.randn(B, T, IN, requires_grad=True)
    s0 = [torch.zeros(B, U) for _ in range(n_states(kind))]
    # Keras's Bidirectional zeroes masked outputs when it returns sequences
    zero = return_sequences
    lf, sf, _ = run_layer(kind, mf, x, s0, mask, False, zero)
    lb, sb, _ = run_layer(kind, mb, x, s0, mask, True, zero)
    y, y_rev = (sf, torch.flip(sb, [1])) if return_sequences else (lf, lb)
    output = {'concat': lambda: torch.cat([y, y_rev], -1), 'sum': lambda: y + y_rev,
              'mul': lambda: y * y_rev, 'ave': lambda: (y + y_rev) / 2}[merge_mode]()
    wo = torch.randn(*output.shape)
    (output * wo).sum().backward()
    gf, gb = keras_grads(kind, mf, U), keras_grads(kind, mb, U)
    return {
        'name': name, 'layer': kind, 'units': U, 'bidirectional': True, 'mergeMode': merge_mode,
        'config': {'returnSequences': return_sequences, 'returnState': False, 'goBackwards': False},
        'x': tolist(x), 'mask': None if mask is None else mask.int().tolist(), 'initialState': None,
        'weights': {'forward': {k: tolist(v) for k, v in wf.items()}, 'backward': {k: tolist(v) for k, v in wb.items()}},
        'outputWeight': tolist(wo), 'stateWeights': [],
        'expected': {'output': tolist(output), 'states': []},
        'grads': {'x': tolist(x.grad), 'forward': {k: tolist(v) for k, v in gf.items()},
                  'backward': {k: tolist(v) for k, v in gb.items()}},
    }


def main():
    post = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 0, 0, 0, 0]], dtype=torch.bool)
    # leading masked steps, a hole in the middle, a trailing masked step
    holes = torch.tensor([[0, 0, 1, 1, 1], [1, 0, 1, 0, 1], [1, 1, 1, 1, 0]], dtype=torch.bool)
    cases = []
    for kind in ['SimpleRNN', 'LSTM', 'GRU']:
        k = kind.lower()
        cases += [
            make_case(f'{k}_last', kind),
            make_case(f'{k}_sequences', kind, return_sequences=True),
            make_case(f'{k}_backwards_sequences', kind, return_sequences=True, go_backwards=True),
            make_case(f'{k}_mask_post_sequences', kind, return_sequences=True, mask=post),
            make_case(f'{k}_mask_holes_backwards_last', kind, go_backwards=True, mask=holes),
            make_case(f'{k}_state_initial', kind, return_state=True, initial_state=True, mask=holes),
        ]
    cases += [
        make_bidirectional('bi_lstm_concat_sequences_mask', 'LSTM', 'concat', return_sequences=True, mask=post),
        make_bidirectional('bi_gru_sum_last', 'GRU', 'sum', return_sequences=False),
        make_bidirectional('bi_simple_rnn_mul_sequences', 'SimpleRNN', 'mul', return_sequences=True),
        make_bidirectional('bi_lstm_ave_last_mask', 'LSTM', 'ave', return_sequences=False, mask=holes),
    ]
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump({'generator': 'scripts/make_rnn_fixtures.py', 'torch': torch.__version__, 'dtype': 'float64',
                   'cases': cases}, f, separators=(',', ':'))
    print(f'wrote {len(cases)} cases to {os.path.normpath(OUT)}')


if __name__ == '__main__':
    main()
