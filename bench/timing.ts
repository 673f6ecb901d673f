/** What the benchmarks share: the load average, a best-of timer, the warm-up rule, random and zero tensors. */
import {readFileSync} from 'node:fs';
import * as keras from '../src/index.js';
import type {Tensor} from '../src/tensor/tensor.js';

/** The 1, 5 and 15 minute load averages, as /proc/loadavg prints them. */
export function loadavg(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/**
 * Milliseconds of the fastest of `reps` calls of `f` after one warm-up call: CPU time of the process
 * (robust on a shared machine at 1 thread) or wall time (`cpu = false`, for several threads).
 */
export function bestOf(reps: number, f: () => unknown, cpu: boolean): number {
  const now = cpu
    ? () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1000;
      }
    : () => performance.now();
  f();
  let b = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = now();
    f();
    b = Math.min(b, now() - t0);
  }
  return b;
}

/**
 * The warm-up before timed steps or calls (bench/models.ts, bench/inference.ts; bench/models_torch.py
 * keeps the same rule for PyTorch): at least `least` untimed runs and at least WARMUP_MS of them. A
 * fresh model's first tens of steps are not yet its steady state: the seed MLP's 2-thread step is
 * erratic for ~30 steps after the first 10 (2.2-4.0 ms, some 6, against a steady 2.1-2.3 ms), likely
 * V8 still optimizing on a background thread that takes a core from it.
 */
export const WARMUP_MS = 500;

export function warmUp(run: () => unknown, least: number): void {
  const until = performance.now() + WARMUP_MS;
  for (let i = 0; i < least || performance.now() < until; i++) run();
}

/** `warmUp` for a run that returns a promise (awaited before the next). */
export async function warmUpAsync(run: () => Promise<unknown>, least: number): Promise<void> {
  const until = performance.now() + WARMUP_MS;
  for (let i = 0; i < least || performance.now() < until; i++) await run();
}

/**
 * Median ms per call of each variant at each thread count, from `rounds` rounds that alternate the
 * thread counts and, at each, the variants, so that a drift of the machine's speed weighs on all
 * alike: per round `steps` timed calls of each, after 2 untimed (the pool of this count running
 * again); each warmed up (`warmUp`, at least 3 calls) in the first round. Keys `${variant}${threads}`.
 */
export function alternatedRounds(
  variants: readonly (readonly [string, () => unknown])[], threadCounts: readonly number[], setThreads: (n: number) => void,
  rounds: number, steps: number,
): Map<string, number> {
  const times = new Map<string, number[]>();
  for (let r = 0; r < rounds; r++) {
    for (const threads of threadCounts) {
      setThreads(threads);
      for (const [what, f] of variants) {
        if (r === 0) warmUp(f, 3);
        for (let i = 0; i < 2; i++) f();
        const key = `${what}${threads}`, list = times.get(key) ?? [];
        times.set(key, list);
        for (let i = 0; i < steps; i++) {
          const t0 = performance.now();
          f();
          list.push(performance.now() - t0);
        }
      }
    }
  }
  return new Map([...times].map(([k, v]) => [k, median(v)]));
}

/** The median of `xs` (the mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
/** Uniform values in [-0.5, 0.5). */
export const randTensor = (shape: number[]) => keras.tensor(Float32Array.from({length: sizeOf(shape)}, () => Math.random() - 0.5), shape) as unknown as Tensor;
export const zerosTensor = (shape: number[]) => keras.tensor(new Float32Array(sizeOf(shape)), shape) as unknown as Tensor;
