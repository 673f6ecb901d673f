#!/usr/bin/python3
"""Writes test/fixtures/optimizers/*.json: the first steps of each optimizer, from PyTorch where its
update rule matches Keras 3's exactly (with epsilon 0 where the two place epsilon differently), and
from a float64 transcription of the published algorithm where PyTorch has no equivalent (Ftrl, Lion).

Run with Debian's torch: /usr/bin/python3 scripts/make_optimizer_fixtures.py
"""
import json
import math
import os

import torch

torch.manual_seed(0)
OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'optimizers')
os.makedirs(OUT, exist_ok=True)

STEPS = 4
W0 = [torch.randn(3, 2, dtype=torch.float64), torch.randn(4, dtype=torch.float64)]
GRADS = [[torch.randn(3, 2, dtype=torch.float64), torch.randn(4, dtype=torch.float64)] for _ in range(STEPS)]


def run_torch(make):
    params = [w.clone().requires_grad_(True) for w in W0]
    opt = make(params)
    out = []
    for gs in GRADS:
        for p, g in zip(params, gs):
            p.grad = g.clone()
        opt.step()
        out.append([p.detach().flatten().tolist() for p in params])
    return out


def run_manual(step_fn, init_state):
    ws = [w.clone() for w in W0]
    states = [init_state(w) for w in ws]
    out = []
    for t, gs in enumerate(GRADS, start=1):
        for i, g in enumerate(gs):
            ws[i] = step_fn(ws[i], g, states[i], t)
        out.append([w.flatten().tolist() for w in ws])
    return out


def ftrl(lr=0.1, l1=0.01, l2=0.02, beta=0.1, init_acc=0.1):
    # McMahan et al. 2013, Algorithm 1 (FTRL-Proximal), per coordinate, with TF's initial accumulator
    def init(w):
        return {'z': torch.zeros_like(w), 'n': torch.full_like(w, init_acc)}

    def step(w, g, s, t):
        n_new = s['n'] + g * g
        sigma = (torch.sqrt(n_new) - torch.sqrt(s['n'])) / lr
        s['z'] = s['z'] + g - sigma * w
        s['n'] = n_new
        z = s['z']
        w_new = (torch.sign(z) * l1 - z) / ((beta + torch.sqrt(n_new)) / lr + 2 * l2)
        return torch.where(torch.abs(z) <= l1, torch.zeros_like(w), w_new)

    return run_manual(step, init)


def lion(lr=0.01, b1=0.9, b2=0.99):
    # Chen et al. 2023, Algorithm 2 (without weight decay)
    def init(w):
        return {'m': torch.zeros_like(w)}

    def step(w, g, s, t):
        c = b1 * s['m'] + (1 - b1) * g
        w = w - lr * torch.sign(c)
        s['m'] = b2 * s['m'] + (1 - b2) * g
        return w

    return run_manual(step, init)


CASES = {
    # name: (keras class, keras args (camelCase), oracle, how)
    'sgd': ('SGD', {'learningRate': 0.1}, lambda: run_torch(lambda p: torch.optim.SGD(p, lr=0.1)), 'torch'),
    'sgd_momentum': ('SGD', {'learningRate': 0.1, 'momentum': 0.9},
                     lambda: run_torch(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)), 'torch'),
    'sgd_nesterov': ('SGD', {'learningRate': 0.1, 'momentum': 0.9, 'nesterov': True},
                     lambda: run_torch(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True)), 'torch'),
    # epsilon 0: Keras adds epsilon inside the square root, PyTorch outside (tested separately)
    'rmsprop': ('RMSprop', {'learningRate': 0.01, 'epsilon': 0},
                lambda: run_torch(lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=0)), 'torch'),
    'rmsprop_centered_momentum': ('RMSprop', {'learningRate': 0.01, 'epsilon': 0, 'centered': True, 'momentum': 0.5},
                                  lambda: run_torch(lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=0, centered=True, momentum=0.5)),
                                  'torch'),
    # epsilon 0: Keras adds epsilon to sqrt(v), PyTorch to sqrt(v_hat)
    'adam': ('Adam', {'learningRate': 0.01, 'epsilon': 0},
             lambda: run_torch(lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.9, 0.999), eps=0)), 'torch'),
    'adam_amsgrad': ('Adam', {'learningRate': 0.01, 'epsilon': 0, 'amsgrad': True},
                     lambda: run_torch(lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.9, 0.999), eps=0, amsgrad=True)), 'torch'),
    'adamw': ('AdamW', {'learningRate': 0.01, 'epsilon': 0, 'weightDecay': 0.1},
              lambda: run_torch(lambda p: torch.optim.AdamW(p, lr=0.01, betas=(0.9, 0.999), eps=0, weight_decay=0.1)), 'torch'),
    'adadelta': ('Adadelta', {'learningRate': 1.0},
                 lambda: run_torch(lambda p: torch.optim.Adadelta(p, lr=1.0, rho=0.95, eps=1e-7)), 'torch'),
    'adagrad': ('Adagrad', {'learningRate': 0.1, 'epsilon': 0},
                lambda: run_torch(lambda p: torch.optim.Adagrad(p, lr=0.1, initial_accumulator_value=0.1, eps=0)), 'torch'),
    'adamax': ('Adamax', {'learningRate': 0.01, 'epsilon': 0},
               lambda: run_torch(lambda p: torch.optim.Adamax(p, lr=0.01, betas=(0.9, 0.999), eps=0)), 'torch'),
    # momentum_decay=1: PyTorch's schedule 0.96^(t * momentum_decay) becomes Keras's 0.96^t.
    # foreach=True: torch 1.13's single-tensor NAdam multiplies mu into mu_product_next twice (fixed
    # in later releases); its foreach path computes the published update.
    'nadam': ('Nadam', {'learningRate': 0.01, 'epsilon': 0},
              lambda: run_torch(lambda p: torch.optim.NAdam(p, lr=0.01, betas=(0.9, 0.999), eps=0, momentum_decay=1.0, foreach=True)),
              'torch (foreach)'),
    'ftrl': ('Ftrl', {'learningRate': 0.1, 'l1RegularizationStrength': 0.01, 'l2RegularizationStrength': 0.02, 'beta': 0.1},
             ftrl, 'McMahan et al. 2013, FTRL-Proximal, float64'),
    'lion': ('Lion', {'learningRate': 0.01}, lion, 'Chen et al. 2023, Lion, float64'),
}

for name, (cls, args, oracle, how) in CASES.items():
    data = {
        'optimizer': cls,
        'args': args,
        'oracle': how,
        'torch': torch.__version__,
        'shapes': [list(w.shape) for w in W0],
        'w0': [w.flatten().tolist() for w in W0],
        'grads': [[g.flatten().tolist() for g in gs] for gs in GRADS],
        'expected': oracle(),
    }
    with open(os.path.join(OUT, f'{name}.json'), 'w') as f:
        json.dump(data, f)
    print('wrote', name)
