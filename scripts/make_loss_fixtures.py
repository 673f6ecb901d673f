#!/usr/bin/python3
"""Writes test/fixtures/losses/losses.json: per-sample values of each Keras loss computed with
PyTorch (torch.nn.functional where it has the loss, else the formula written with torch ops in
float64, following Keras's definition: epsilon 1e-7 clipping for probabilities), and the gradient
of sum(values * w) with respect to y_pred (`w` = linspace(0.5, 1.5) over the samples) by autograd.

Run with Debian's torch: /usr/bin/python3 scripts/make_loss_fixtures.py
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(1)
EPS = 1e-7
OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'losses')
os.makedirs(OUT, exist_ok=True)
d = torch.float64

logits = torch.randn(4, 5, dtype=d) * 2
probs = torch.softmax(logits, -1)
labels = torch.tensor([0, 3, 4, 1])
onehot = F.one_hot(labels, 5).to(d)
soft = torch.softmax(torch.randn(4, 5, dtype=d), -1)
bin_true = torch.tensor([[0., 1., 1.], [1., 0., 0.], [0., 0., 1.], [1., 1., 0.]], dtype=d)
bin_logits = torch.randn(4, 3, dtype=d) * 3
bin_probs = torch.sigmoid(bin_logits)
reg_true = torch.rand(4, 3, dtype=d) * 2
reg_pred = torch.randn(4, 3, dtype=d) * 2
pos_pred = torch.rand(4, 3, dtype=d) * 3 + 0.1
pm_true = bin_true * 2 - 1
# every y_pred above is differentiated (the draws above are unchanged by this)
for t in (logits, bin_logits, reg_pred, pos_pred):
    t.requires_grad_(True)
probs = torch.softmax(logits, -1)
bin_probs = torch.sigmoid(bin_logits)

cases = {}

def add(name, fn, y_true, y_pred, args, values, how):
    w = torch.linspace(0.5, 1.5, values.shape[0], dtype=d)
    (grad,) = torch.autograd.grad((values * w).sum(), [y_pred], retain_graph=True)
    cases[name] = {'fn': fn, 'args': args, 'y_true': y_true.detach().tolist(), 'y_pred': y_pred.detach().tolist(),
                   'expected': values.detach().tolist(), 'oracle': how, 'w': w.tolist(), 'grad_y_pred': grad.tolist()}

add('cce_logits', 'categoricalCrossentropy', soft, logits, {'fromLogits': True},
    F.cross_entropy(logits, soft, reduction='none'), 'F.cross_entropy (soft targets)')
add('cce_probs', 'categoricalCrossentropy', onehot, probs, {},
    -(onehot * torch.log(torch.clamp(probs / probs.sum(-1, keepdim=True), EPS, 1 - EPS))).sum(-1), 'clip+log (Keras formula)')
ls = 0.1
add('cce_smoothing', 'categoricalCrossentropy', onehot, logits, {'fromLogits': True, 'labelSmoothing': ls},
    F.cross_entropy(logits, labels, reduction='none', label_smoothing=ls), 'F.cross_entropy label_smoothing')
add('scce_logits', 'sparseCategoricalCrossentropy', labels.to(d), logits, {'fromLogits': True},
    F.cross_entropy(logits, labels, reduction='none'), 'F.cross_entropy')
# Keras 3 (numpy and jax backends) normalizes the probabilities before clipping, as for categorical
# crossentropy: equal values for rows summing to 1, but the gradient has the normalization's term
add('scce_probs', 'sparseCategoricalCrossentropy', labels.to(d), probs, {},
    F.nll_loss(torch.log(torch.clamp(probs / probs.sum(-1, keepdim=True), EPS, 1 - EPS)), labels, reduction='none'), 'nll of clipped log of normalized probs')
add('bce_logits', 'binaryCrossentropy', bin_true, bin_logits, {'fromLogits': True},
    F.binary_cross_entropy_with_logits(bin_logits, bin_true, reduction='none').mean(-1), 'F.binary_cross_entropy_with_logits')
clipped = torch.clamp(bin_probs, EPS, 1 - EPS)
add('bce_probs', 'binaryCrossentropy', bin_true, bin_probs, {},
    F.binary_cross_entropy(clipped, bin_true, reduction='none').mean(-1), 'F.binary_cross_entropy on clipped probs')
add('bce_smoothing', 'binaryCrossentropy', bin_true, bin_logits, {'fromLogits': True, 'labelSmoothing': 0.2},
    F.binary_cross_entropy_with_logits(bin_logits, bin_true * 0.8 + 0.1, reduction='none').mean(-1), 'F.bce_with_logits, smoothed')
# Lin et al. 2017 focal loss, gamma 2 (and alpha balancing), on clipped probabilities as Keras
p_t = bin_true * clipped + (1 - bin_true) * (1 - clipped)
bce_el = F.binary_cross_entropy(clipped, bin_true, reduction='none')
add('binary_focal', 'binaryFocalCrossentropy', bin_true, bin_probs, {'gamma': 2.0},
    ((1 - (bin_true * bin_probs + (1 - bin_true) * (1 - bin_probs))) ** 2 * bce_el).mean(-1), 'focal formula (Lin et al.)')
alpha_t = bin_true * 0.25 + (1 - bin_true) * 0.75
add('binary_focal_balanced', 'binaryFocalCrossentropy', bin_true, bin_logits, {'fromLogits': True, 'applyClassBalancing': True},
    (alpha_t * (1 - (bin_true * bin_probs + (1 - bin_true) * (1 - bin_probs))) ** 2 * bce_el).mean(-1), 'focal formula, alpha 0.25')
pc = torch.clamp(probs / probs.sum(-1, keepdim=True), EPS, 1 - EPS)
add('categorical_focal', 'categoricalFocalCrossentropy', onehot, probs, {},
    (0.25 * (1 - pc) ** 2 * (-onehot * torch.log(pc))).sum(-1), 'focal formula (Lin et al.)')
add('mse', 'meanSquaredError', reg_true, reg_pred, {}, F.mse_loss(reg_pred, reg_true, reduction='none').mean(-1), 'F.mse_loss')
add('mae', 'meanAbsoluteError', reg_true, reg_pred, {}, F.l1_loss(reg_pred, reg_true, reduction='none').mean(-1), 'F.l1_loss')
add('mape', 'meanAbsolutePercentageError', reg_true, reg_pred, {},
    100 * (torch.abs(reg_true - reg_pred) / torch.clamp(torch.abs(reg_true), min=EPS)).mean(-1), 'formula')
add('msle', 'meanSquaredLogarithmicError', reg_true, pos_pred, {},
    F.mse_loss(torch.log1p(pos_pred), torch.log1p(reg_true), reduction='none').mean(-1), 'mse of log1p')
add('huber', 'huber', reg_true, reg_pred, {'delta': 1.0}, F.huber_loss(reg_pred, reg_true, reduction='none', delta=1.0).mean(-1), 'F.huber_loss')
add('huber_delta', 'huber', reg_true, reg_pred, {'delta': 0.5}, F.huber_loss(reg_pred, reg_true, reduction='none', delta=0.5).mean(-1), 'F.huber_loss')
add('log_cosh', 'logCosh', reg_true, reg_pred, {}, torch.log(torch.cosh(reg_pred - reg_true)).mean(-1), 'log(cosh)')
add('kld', 'klDivergence', soft, probs, {}, F.kl_div(torch.log(probs), soft, reduction='none').sum(-1), 'F.kl_div')
add('poisson', 'poisson', reg_true, pos_pred, {}, (pos_pred - reg_true * torch.log(pos_pred + EPS)).mean(-1), 'formula')
add('hinge', 'hinge', bin_true, reg_pred, {}, torch.clamp(1 - pm_true * reg_pred, min=0).mean(-1), 'F.relu(1 - y x), labels 0/1 -> -1/1')
add('squared_hinge', 'squaredHinge', bin_true, reg_pred, {}, (torch.clamp(1 - pm_true * reg_pred, min=0) ** 2).mean(-1), 'formula')
add('categorical_hinge', 'categoricalHinge', onehot, logits, {},
    torch.clamp(((1 - onehot) * logits).max(-1).values - (onehot * logits).sum(-1) + 1, min=0), 'formula')
add('cosine', 'cosineSimilarity', reg_true, reg_pred, {}, -F.cosine_similarity(reg_true, reg_pred, dim=-1), 'F.cosine_similarity')

with open(os.path.join(OUT, 'losses.json'), 'w') as f:
    json.dump({'torch': torch.__version__, 'cases': cases}, f)
print('wrote', len(cases), 'cases')
