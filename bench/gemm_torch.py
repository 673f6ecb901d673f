"""PyTorch's float32 GEMM on the shapes of bench/gemm.ts, for the side-by-side in BENCHMARKS.md.

Usage: /usr/bin/python3 bench/gemm_torch.py THREADS M,K,N [M,K,N ...]
Prints one JSON object per shape: {"m", "k", "n", "threads", "mm", "onednn"}, GFLOP/s (best of
repeated runs) of two paths:
  mm      torch.mm on float32 tensors: what `a @ b` gives. Debian's python3-torch is built with
          BLAS_INFO=generic: it calls the system libblas.so.3 (OpenBLAS once libopenblas0-pthread
          is installed; netlib reference BLAS otherwise, ~6 GFLOP/s; bench/peers.ts checks which).
  onednn  the same product through oneDNN (torch.utils.mkldnn Linear on an mkldnn tensor), the
          fastest float32 GEMM this PyTorch build has.
"""
import json
import sys
import time

import torch
import torch.utils.mkldnn


def main():
    threads = int(sys.argv[1])
    torch.set_num_threads(threads)
    for spec in sys.argv[2:]:
        m, k, n = (int(v) for v in spec.split(","))
        a = torch.rand(m, k, dtype=torch.float32) - 0.5
        b = torch.rand(k, n, dtype=torch.float32) - 0.5
        lin = torch.nn.Linear(k, n, bias=False)
        with torch.no_grad():
            lin.weight.copy_(b.t())
        onednn = torch.utils.mkldnn.to_mkldnn(lin)
        a_onednn = a.to_mkldnn()
        flops = 2.0 * m * n * k
        result = {"m": m, "k": k, "n": n, "threads": threads}
        for name, fn in (("mm", lambda: torch.mm(a, b)), ("onednn", lambda: onednn(a_onednn))):
            with torch.no_grad():
                for _ in range(3):
                    fn()
                best = float("inf")
                deadline = time.perf_counter() + 1.0
                reps = 0
                while reps < 3 or time.perf_counter() < deadline:
                    t0 = time.perf_counter()
                    fn()
                    best = min(best, time.perf_counter() - t0)
                    reps += 1
            result[name] = flops / best / 1e9
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
