/**
 * The PyTorch the benchmarks compare against must be one a user would run: Debian's python3-torch
 * loads whatever `libblas.so.3` is installed, and with netlib's reference BLAS its GEMM runs at
 * ~6 GFLOP/s, so every ratio against it would flatter keras-ts. `torchPeer()` measures torch.mm on
 * 128x784x512 (bench/torch_blas.py, from CPU time so that the machine's load does not decide) and says
 * whether ratios may be printed.
 */
import {spawnSync} from 'node:child_process';

/** torch.mm on one thread must reach this (OpenBLAS gives 60-115 here, netlib 6). */
export const MIN_TORCH_GFLOPS = 50;

export interface TorchPeer {
  ok: boolean;
  /** One line for the benchmark's header: the measured speed, and why ratios are withheld if they are. */
  line: string;
}

export function torchPeer(): TorchPeer {
  const r = spawnSync('/usr/bin/python3', [new URL('./torch_blas.py', import.meta.url).pathname], {
    encoding: 'utf8',
    env: {...process.env, OPENBLAS_NUM_THREADS: '1'},
    timeout: 120_000,
  });
  if (r.status !== 0) return {ok: false, line: `PyTorch unavailable: ${(r.stderr || r.error?.message || 'failed').trim().split('\n').at(-1)}`};
  const {gflops, wall, blas} = JSON.parse(r.stdout) as {gflops: number; wall: number; blas: string};
  const ok = gflops >= MIN_TORCH_GFLOPS;
  const line = ok
    ? `PyTorch peer: torch.mm 128x784x512 at ${gflops} GFLOP/s on 1 thread, CPU time (${wall} by wall time; built with BLAS_INFO=${blas}; libblas.so.3 as installed)`
    : `PyTorch runs torch.mm 128x784x512 at ${gflops} GFLOP/s (< ${MIN_TORCH_GFLOPS}): it is on a slow BLAS (netlib?), not a peer a user would run; ` +
      'ratios against it are not printed. Install OpenBLAS (apt-get install libopenblas0-pthread) and run again.';
  return {ok, line};
}

/** Environment for a PyTorch peer run on `threads` threads: OpenBLAS keeps its own pool, which torch.set_num_threads does not bound. */
export function torchEnv(threads: number): NodeJS.ProcessEnv {
  return {...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads)};
}
