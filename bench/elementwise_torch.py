"""The PyTorch half of bench/elementwise.ts: median microseconds of each math function on N floats,
1 thread, on the same inputs' ranges. Prints one JSON object {op: us}.
  /usr/bin/python3 bench/elementwise_torch.py N REPS"""
import json
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
n, reps = int(sys.argv[1]), int(sys.argv[2])
i = torch.arange(n, dtype=torch.float32)
x = torch.remainder(i * 7919, 1000) / 100 - 5 + 1e-3  # (-5, 5), as bench/elementwise.ts
p = torch.remainder(i * 7919, 1000) / 100 + 0.01  # (0, 10) for the logarithm
ops = {
    'Exp': lambda: torch.exp(x), 'Log': lambda: torch.log(p), 'Tanh': lambda: torch.tanh(x),
    'Sigmoid': lambda: torch.sigmoid(x), 'Elu': lambda: F.elu(x), 'Softplus': lambda: F.softplus(x),
}
out = {}
for name, f in ops.items():
    for _ in range(20):
        f()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    out[name] = round(ts[len(ts) // 2] * 1e6, 1)
print(json.dumps(out))
