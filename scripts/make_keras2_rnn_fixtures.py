#!/usr/bin/python3
"""Writes test/fixtures/rnn/keras2_numpy.json: float64 NumPy transcriptions of Keras's recurrent cells
for the variants that a Keras 2 file brings and PyTorch cannot check (its cells have no hard_sigmoid,
and its GRU is the reset_after=True form):

  lstm_k206_file:   the Keras 2.0.6 LSTM(50, recurrent_activation='hard_sigmoid') -> Dense(1) model of
                    ../shared/fixtures/keras/dl4j_simple_lstm_k2_model.h5, its weights read with h5py,
                    on the file's own 100 inputs (1 timestep) ...
  lstm_k206_seq:    ... and on a 7-step sequence, where the recurrent kernel matters (h0 = 0 hides it
                    on one step), with return_sequences.
  gru_reset_before: GRU(4, reset_after=False, recurrent_activation='hard_sigmoid') with random weights,
                    bias (3 * units,), on a 6-step sequence.
  gru_reset_before_sigmoid: the same with recurrent_activation='sigmoid' and a non-zero initial state.

hard_sigmoid: Keras 3 computes relu6(x + 3) / 6 = clip(x / 6 + 0.5, 0, 1), also when it loads a Keras 2
file; Keras 2 computed clip(0.2 x + 0.5, 0, 1). keras-ts follows Keras 3; the Keras 2 values are
stored too (`y_keras2`) to show that the two differ, not asserted.

Cells (Keras's recurrent.py, gates in Keras's order, kernels [input, 4U] / [units, 4U]):
  LSTM: z = x W + h U + b; i, f, c~, o = split(z); i = ra(i); f = ra(f); c = f c + i tanh(c~);
        o = ra(o); h = o tanh(c)
  GRU reset_after=False: x_z, x_r, x_h = x W + b; z = ra(x_z + h U_z); r = ra(x_r + h U_r);
        hh = tanh(x_h + (r h) U_h); h = z h + (1 - z) hh

Run: /usr/bin/python3 scripts/make_keras2_rnn_fixtures.py (Debian's python3-numpy, python3-h5py).
"""
import json
import os

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.environ.get('KERAS_TS_FIXTURES', os.path.join(HERE, '..', '..', 'shared', 'fixtures', 'keras'))
OUT = os.path.join(HERE, '..', 'test', 'fixtures', 'rnn', 'keras2_numpy.json')


def hard_sigmoid_k3(x):
    return np.clip(x / 6.0 + 0.5, 0.0, 1.0)


def hard_sigmoid_k2(x):
    return np.clip(0.2 * x + 0.5, 0.0, 1.0)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def lstm(x, W, U, b, ra, h0=None, c0=None):
    n, T, _ = x.shape
    u = U.shape[0]
    h = np.zeros((n, u)) if h0 is None else h0
    c = np.zeros((n, u)) if c0 is None else c0
    hs = []
    for t in range(T):
        z = x[:, t, :] @ W + h @ U + b
        i, f, cc, o = z[:, :u], z[:, u:2 * u], z[:, 2 * u:3 * u], z[:, 3 * u:]
        c = ra(f) * c + ra(i) * np.tanh(cc)
        h = ra(o) * np.tanh(c)
        hs.append(h)
    return np.stack(hs, 1), h, c


def gru_reset_before(x, W, U, b, ra, h0=None):
    n, T, _ = x.shape
    u = U.shape[0]
    h = np.zeros((n, u)) if h0 is None else h0
    hs = []
    for t in range(T):
        xw = x[:, t, :] @ W + b
        z = ra(xw[:, :u] + h @ U[:, :u])
        r = ra(xw[:, u:2 * u] + h @ U[:, u:2 * u])
        hh = np.tanh(xw[:, 2 * u:] + (r * h) @ U[:, 2 * u:])
        h = z * h + (1 - z) * hh
        hs.append(h)
    return np.stack(hs, 1), h


def f32(a):
    """float32 values (as the layer will hold them), returned as float64 for the computation."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def enc(a):
    a = np.asarray(a, dtype=np.float64)
    assert np.isfinite(a).all()
    return {'shape': list(a.shape), 'data': [float(v) for v in a.reshape(-1)]}


def main():
    rng = np.random.default_rng(20261203)
    cases = []
    with h5py.File(os.path.join(FIX, 'dl4j_simple_lstm_k2_model.h5'), 'r') as f:
        g = f['model_weights']
        W = f32(g['lstm_1/lstm_1/kernel:0'][()])
        U = f32(g['lstm_1/lstm_1/recurrent_kernel:0'][()])
        b = f32(g['lstm_1/lstm_1/bias:0'][()])
        Wd = f32(g['dense_1/dense_1/kernel:0'][()])
        bd = f32(g['dense_1/dense_1/bias:0'][()])
    with h5py.File(os.path.join(FIX, 'dl4j_simple_lstm_k2_inputs_and_outputs.h5'), 'r') as f:
        x_file = f32(f['inputs/lstm_1_input'][()])
    for name, x, seqs in [('lstm_k206_file', x_file, False), ('lstm_k206_seq', f32(rng.uniform(-2, 2, (4, 7, 1))), True)]:
        out3, h3, _ = lstm(x, W, U, b, hard_sigmoid_k3)
        out2, h2, _ = lstm(x, W, U, b, hard_sigmoid_k2)
        case = {'name': name, 'layer': 'LSTM', 'units': 50, 'recurrentActivation': 'hard_sigmoid', 'returnSequences': seqs, 'x': enc(x)}
        if seqs:
            case.update({'y': enc(out3), 'y_keras2': enc(out2)})
        else:
            # the whole model: LSTM -> Dense(1); weights come from the file
            case.update({'y': enc(h3 @ Wd + bd), 'y_keras2': enc(h2 @ Wd + bd), 'model': 'dl4j_simple_lstm_k2_model.h5'})
        cases.append(case)
    u, d = 4, 3
    for name, ra_name, ra, with_h0 in [('gru_reset_before', 'hard_sigmoid', hard_sigmoid_k3, False),
                                        ('gru_reset_before_sigmoid', 'sigmoid', sigmoid, True)]:
        W = f32(rng.normal(0, 0.6, (d, 3 * u)))
        U = f32(rng.normal(0, 0.6, (u, 3 * u)))
        b = f32(rng.normal(0, 0.3, (3 * u,)))
        x = f32(rng.normal(0, 1.5, (3, 6, d)))
        h0 = f32(rng.normal(0, 0.5, (3, u))) if with_h0 else None
        out, h = gru_reset_before(x, W, U, b, ra, h0)
        case = {'name': name, 'layer': 'GRU', 'units': u, 'recurrentActivation': ra_name, 'resetAfter': False, 'returnSequences': True,
                'x': enc(x), 'kernel': enc(W), 'recurrentKernel': enc(U), 'bias': enc(b), 'y': enc(out)}
        if with_h0:
            case['h0'] = enc(h0)
        if ra_name == 'hard_sigmoid':
            case['y_keras2'] = enc(gru_reset_before(x, W, U, b, hard_sigmoid_k2, h0)[0])
        cases.append(case)
    with open(OUT, 'w') as f:
        json.dump({'generator': 'scripts/make_keras2_rnn_fixtures.py', 'numpy': np.__version__, 'cases': cases}, f, separators=(',', ':'))
        f.write('\n')
    print(f'{OUT}: {len(cases)} cases, {os.path.getsize(OUT)} bytes')


if __name__ == '__main__':
    main()
