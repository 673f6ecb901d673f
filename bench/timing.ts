/** What the kernel benchmarks share: the load average, a best-of timer, random and zero tensors. */
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

export const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
/** Uniform values in [-0.5, 0.5). */
export const randTensor = (shape: number[]) => keras.tensor(Float32Array.from({length: sizeOf(shape)}, () => Math.random() - 0.5), shape) as unknown as Tensor;
export const zerosTensor = (shape: number[]) => keras.tensor(new Float32Array(sizeOf(shape)), shape) as unknown as Tensor;
