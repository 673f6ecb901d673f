"""Writes test/fixtures/elementwise_forward.json: reference values for the elementwise kernels.

Oracles: Python's `math` module (erf, erfc) and PyTorch in float64 (activations, rounding,
Python-style modulo). Run with `/usr/bin/python3 scripts/gen_elementwise_fixture.py`.
"""
import json
import math
import os

import torch
import torch.nn.functional as F

x = [-30.0, -6.0, -5.0, -2.5, -1.3, -0.7, -0.46875, -0.2, 0.0, 0.05, 0.3, 0.46875, 0.5, 0.9, 1.0, 1.7,
     2.5, 3.2, 4.0, 4.5, 6.0, 9.0, 26.0]
pos = [1e-6, 0.01, 0.3, 0.9, 1.0, 1.7, 3.2, 10.0, 1234.5]
t = torch.tensor(x, dtype=torch.float64)
p = torch.tensor(pos, dtype=torch.float64)


def L(v):
    return [float(a) for a in v]


erf_x = [i / 64 for i in range(-6 * 64, 6 * 64 + 1)] + [1.0, 0.3, 2.5, -5.0, 10.0, 20.0, 26.5, 1e-10, -1e-300]
out = {
    'erf': {'x': erf_x, 'erf': [math.erf(v) for v in erf_x], 'erfc': [math.erfc(v) for v in erf_x]},
    'x': x,
    'unary': {
        'tanh': L(torch.tanh(t)),
        'sigmoid': L(torch.sigmoid(t)),
        'softplus': L(torch.logaddexp(t, torch.zeros_like(t))),  # F.softplus is linear above 20
        'softsign': L(F.softsign(t)),
        'elu': L(F.elu(t, alpha=1.0)),
        'elu_0.5': L(F.elu(t, alpha=0.5)),
        'selu': L(F.selu(t)),
        'leaky_relu_0.2': L(F.leaky_relu(t, 0.2)),
        'gelu_tanh': L(F.gelu(t, approximate='tanh')),
        'gelu_erf': L(F.gelu(t)),
        'exp': L(torch.exp(t)),
        'expm1': L(torch.expm1(t)),
        'sin': L(torch.sin(t)),
        'cos': L(torch.cos(t)),
        'erf': L(torch.erf(t)),
    },
    'pos': pos,
    'unary_pos': {
        'log': L(torch.log(p)),
        'log1p': L(torch.log1p(p)),
        'sqrt': L(torch.sqrt(p)),
        'rsqrt': L(torch.rsqrt(p)),
        'reciprocal': L(torch.reciprocal(p)),
    },
    'round': {
        'x': [-3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 2.4, 2.6, -2.6],
    },
    'mod': {
        'a': [7.0, -7.0, 7.0, -7.0, 5.5, -5.5, 0.0, 3.0],
        'b': [3.0, 3.0, -3.0, -3.0, 2.0, 2.0, 3.0, 1.5],
    },
}
r = torch.tensor(out['round']['x'], dtype=torch.float64)
out['round']['y'] = L(torch.round(r))
a = torch.tensor(out['mod']['a'], dtype=torch.float64)
b = torch.tensor(out['mod']['b'], dtype=torch.float64)
out['mod']['mod'] = L(torch.remainder(a, b))
out['mod']['floor_div'] = L(torch.floor(a / b))

path = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'elementwise_forward.json')
with open(path, 'w') as f:
    json.dump(out, f, separators=(',', ':'))
print('wrote', os.path.normpath(path))
