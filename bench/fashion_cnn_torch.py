"""The seed's mnist_cnn recipe in PyTorch on the real Fashion-MNIST: the accuracy peer for
examples/mnist_cnn.ts (target: >= 0.90 in 3 epochs, as PyTorch with the same recipe reaches 0.902).

Keras's recipe, spelled out for PyTorch: Conv2D(32, 3x3, valid) - relu - Conv2D(FILTERS2, 3x3) - relu -
MaxPool 2x2 - Dropout 0.25 - Flatten - Dense 128 - relu - Dropout 0.5 - Dense 10 - softmax;
glorot_uniform weights and zero biases (Keras's defaults; PyTorch's own defaults differ);
categorical crossentropy; Adadelta with learning rate 1.0 and Keras's rho 0.95, epsilon 1e-7
(`--rho 0.9 --eps 1e-6` gives PyTorch's own Adadelta defaults); batch 128, shuffled every epoch.

  /usr/bin/python3 bench/fashion_cnn_torch.py [--filters2 32] [--epochs 3] [--seed 0] [--threads 1]
         [--rho 0.95] [--eps 1e-7] [--data /usr/share/datasets/fashion-mnist]

Prints the test accuracy after each epoch and the seconds per epoch.
"""
import argparse
import gzip
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    with gzip.open(path, 'rb') as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


class Net(nn.Module):
    def __init__(self, filters2):
        super().__init__()
        self.c1 = nn.Conv2d(1, 32, 3)
        self.c2 = nn.Conv2d(32, filters2, 3)
        self.d1 = nn.Linear(12 * 12 * filters2, 128)
        self.d2 = nn.Linear(128, 10)
        for m in (self.c1, self.c2, self.d1, self.d2):
            nn.init.xavier_uniform_(m.weight)  # = Keras glorot_uniform (same fans for conv kernels)
            nn.init.zeros_(m.bias)

    def forward(self, x):
        x = F.relu(self.c1(x))
        x = F.relu(self.c2(x))
        x = F.max_pool2d(x, 2)
        x = F.dropout(x, 0.25, self.training)
        # flatten in NHWC order as Keras does (only matters for loading weights; kept for fidelity)
        x = x.permute(0, 2, 3, 1).flatten(1)
        x = F.relu(self.d1(x))
        x = F.dropout(x, 0.5, self.training)
        return self.d2(x)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--filters2', type=int, default=32)
    p.add_argument('--epochs', type=int, default=3)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--rho', type=float, default=0.95)
    p.add_argument('--eps', type=float, default=1e-7)
    p.add_argument('--data', default='/usr/share/datasets/fashion-mnist')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    load = lambda n: read_idx(os.path.join(a.data, n))
    xtr = torch.from_numpy(load('train-images-idx3-ubyte.gz').astype(np.float32)[:, None] / 255)
    ytr = torch.from_numpy(load('train-labels-idx1-ubyte.gz').astype(np.int64))
    xte = torch.from_numpy(load('t10k-images-idx3-ubyte.gz').astype(np.float32)[:, None] / 255)
    yte = torch.from_numpy(load('t10k-labels-idx1-ubyte.gz').astype(np.int64))
    net = Net(a.filters2)
    opt = torch.optim.Adadelta(net.parameters(), lr=1.0, rho=a.rho, eps=a.eps)
    print(f'recipe: filters 32-{a.filters2}, Adadelta lr 1.0 rho {a.rho} eps {a.eps}, seed {a.seed}, threads {a.threads}', flush=True)
    for epoch in range(a.epochs):
        net.train()
        t0 = time.time()
        order = torch.from_numpy(rng.permutation(len(xtr)))
        for i in range(0, len(xtr), 128):
            idx = order[i:i + 128]
            opt.zero_grad()
            loss = F.cross_entropy(net(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
        secs = time.time() - t0
        net.eval()
        with torch.no_grad():
            acc = sum((net(xte[i:i + 1000]).argmax(1) == yte[i:i + 1000]).sum().item() for i in range(0, len(xte), 1000)) / len(xte)
        print(f'epoch {epoch + 1}: {secs:.0f} s, test accuracy {acc:.4f}', flush=True)


if __name__ == '__main__':
    main()
