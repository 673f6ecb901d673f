"""Is this PyTorch a peer a user would run? Its float32 GEMM speed on one thread says.

Usage: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/torch_blas.py
Prints one JSON object: {"gflops": best GFLOP/s of torch.mm on 128x784x512 over 5 runs of 50
products, from the process's CPU time, "wall": the same from wall time, "blas": the BLAS PyTorch was
built against, as torch.__config__ reports it}. CPU time (one thread) tells the library's speed
apart from the machine's load: on the shared 2-core machine, at load average 12, the best wall-time
figure of an OpenBLAS run fell to 43 GFLOP/s.

Debian's python3-torch calls whatever libblas.so.3 the system provides: netlib's reference BLAS
gives ~6 GFLOP/s here, OpenBLAS (`apt-get install libopenblas0-pthread`) 60-115. Ratios against the
former are not ones a user would see, so bench/peers.ts refuses to print them below 50 GFLOP/s.
"""
import json
import re
import time

import torch

torch.set_num_threads(1)
a, b = torch.rand(128, 784), torch.rand(784, 512)
for _ in range(10):
    a @ b
best, best_wall = 0.0, 0.0
flops = 2 * 128 * 784 * 512 * 50
for _ in range(5):
    c, t = time.process_time(), time.perf_counter()
    for _ in range(50):
        a @ b
    best = max(best, flops / max(time.process_time() - c, 1e-9) / 1e9)
    best_wall = max(best_wall, flops / (time.perf_counter() - t) / 1e9)
m = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
print(json.dumps({"gflops": round(best, 1), "wall": round(best_wall, 1), "blas": m.group(1) if m else "unknown"}))
