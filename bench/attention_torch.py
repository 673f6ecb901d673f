"""The PyTorch half of bench/attention.ts: scaled dot-product attention on one thread.

Usage: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/attention_torch.py REPS B,T,N,H [B,T,N,H ...]
Prints one JSON object per shape: {"shape", "forward", "backward"}: the best CPU milliseconds over
REPS calls (after one warm-up) of the forward, and of forward + backward (gradients of query, key
and value for a given output gradient).

torch 1.13 has no scaled_dot_product_attention (it arrived in 2.0), so the peer is its definition,
softmax(q k^T / sqrt(H)) v, with q, k, v in Keras's [B, T, N, H] layout (moved to [B, N, T, H] and
back, as keras-ts's composite does) through torch.matmul and torch.softmax.
"""
import json
import math
import sys
import time

import torch

torch.set_num_threads(1)


def attention(q, k, v):
    qh, kh, vh = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
    p = torch.softmax(torch.matmul(qh * (1.0 / math.sqrt(q.shape[-1])), kh.transpose(-1, -2)), dim=-1)
    return torch.matmul(p, vh).transpose(1, 2)


def best_of(reps, f):
    f()
    best = math.inf
    for _ in range(reps):
        t = time.process_time()
        f()
        best = min(best, time.process_time() - t)
    return best * 1000


reps = int(sys.argv[1])
for spec in sys.argv[2:]:
    shape = [int(d) for d in spec.split(",")]
    q, k, v = (torch.rand(*shape) - 0.5 for _ in range(3))
    with torch.no_grad():
        fwd = best_of(reps, lambda: attention(q, k, v))
    qg, kg, vg = (t.clone().requires_grad_() for t in (q, k, v))
    dy = torch.rand(*shape) - 0.5

    def fwd_bwd():
        attention(qg, kg, vg).backward(dy)

    print(json.dumps({"shape": shape, "forward": round(fwd, 3), "backward": round(best_of(reps, fwd_bwd), 3)}), flush=True)
