"""PyTorch half of bench/models.ts: the same three models, trained and run on synthetic batches.

Usage: /usr/bin/python3 bench/models_torch.py THREADS STEPS [mlp] [cnn] [lstm]
A model's name may end in :BATCH (mlp:64) for another batch than the benchmark's (bench/data_parallel.ts
times the steps of half the batch).
Prints one JSON object per model: {"model", "batch", "threads", "train", "infer", "trainMsPerStep", "trainCpu"},
samples/s from the median step (after a warm-up of at least 3 steps and 0.5 s, bench/models.ts's
rule) and from the process's CPU time per step, as bench/models.ts measures keras-ts.

The models match keras-ts's (Keras defaults): PyTorch's Linear/Conv2d/LSTM/Embedding, the same
optimizers with Keras's default hyperparameters (RMSprop lr 1e-3 rho 0.9 eps 1e-7; Adadelta lr 1e-3
rho 0.95 eps 1e-7; Adam lr 1e-3), softmax + categorical crossentropy (as log_softmax + NLL on the
one-hot targets), sigmoid + binary crossentropy, and the accuracy Keras computes each step.
Channels-last images are permuted to NCHW once, outside the timed loop.
"""
import json
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.d1, self.d2, self.d3 = nn.Linear(784, 512), nn.Linear(512, 512), nn.Linear(512, 10)

    def forward(self, x):
        x = F.dropout(F.relu(self.d1(x)), 0.2, self.training)
        x = F.dropout(F.relu(self.d2(x)), 0.2, self.training)
        return self.d3(x)  # logits; softmax is in the loss


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(1, 32, 3), nn.Conv2d(32, 64, 3)
        self.d1, self.d2 = nn.Linear(64 * 12 * 12, 128), nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c2(F.relu(self.c1(x)))), 2)
        x = torch.flatten(F.dropout(x, 0.25, self.training), 1)
        x = F.dropout(F.relu(self.d1(x)), 0.5, self.training)
        return self.d2(x)


class LSTMNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(20000, 128)
        self.lstm = nn.LSTM(128, 128, batch_first=True)
        self.d = nn.Linear(128, 1)

    def forward(self, x):
        _, (h, _) = self.lstm(self.emb(x))
        return self.d(h[-1])  # logit; sigmoid is in the loss


def setup(name, batch=None):
    if name == "mlp":
        model, batch = MLP(), batch or 128
        x = torch.rand(batch, 784)
        labels = torch.randint(0, 10, (batch,))
        opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    elif name == "cnn":
        model, batch = CNN(), batch or 128
        x = torch.rand(batch, 28, 28, 1).permute(0, 3, 1, 2).contiguous()
        labels = torch.randint(0, 10, (batch,))
        opt = torch.optim.Adadelta(model.parameters(), lr=1e-3, rho=0.95, eps=1e-7)
    else:
        model, batch = LSTMNet(), batch or 32
        x = torch.randint(0, 20000, (batch, 80))
        labels = torch.randint(0, 2, (batch, 1)).float()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    return model, batch, x, labels, opt


def step(name, model, x, labels, opt):
    opt.zero_grad()
    out = model(x)
    if name == "lstm":
        loss = F.binary_cross_entropy_with_logits(out, labels)
        acc = ((out > 0).float() == labels).float().mean()
    else:
        loss = F.cross_entropy(out, labels)
        acc = (out.argmax(1) == labels).float().mean()
    loss.backward()
    opt.step()
    return loss.item(), acc.item()


WARMUP_S = 0.5


def warm_up(fn, least=3):
    """At least `least` untimed calls and at least WARMUP_S of them (bench/timing.ts's WARMUP_MS)."""
    until, i = time.perf_counter() + WARMUP_S, 0
    while i < least or time.perf_counter() < until:
        fn()
        i += 1


def median_ms(fn, n):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main():
    threads, steps = int(sys.argv[1]), int(sys.argv[2])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    for arg in sys.argv[3:]:
        name, _, b = arg.partition(":")
        if name not in ("mlp", "cnn", "lstm") or (b and not (b.isdigit() and int(b) > 0)):
            sys.exit(f"models_torch.py: expected mlp, cnn or lstm, optionally with :BATCH (a positive integer). Received: {arg}")
        model, batch, x, labels, opt = setup(name, int(b) if b else None)
        model.train()
        warm_up(lambda: step(name, model, x, labels, opt))
        c0 = time.process_time()
        train_ms = median_ms(lambda: step(name, model, x, labels, opt), steps)
        cpu_ms = (time.process_time() - c0) * 1000 / steps
        model.eval()
        with torch.no_grad():
            infer = lambda: model(x).sigmoid() if name == "lstm" else model(x).softmax(1)
            warm_up(infer, 1)
            infer_ms = median_ms(infer, max(3, steps))
        print(json.dumps({"model": name, "batch": batch, "threads": threads, "train": batch * 1000 / train_ms,
                          "infer": batch * 1000 / infer_ms, "trainMsPerStep": train_ms,
                          "trainCpu": batch * 1000 / cpu_ms}), flush=True)


if __name__ == "__main__":
    main()
