/**
 * Averages one step's gradients across processes, bucket by bucket, while the backward pass runs.
 *
 * The tape reports each trainable variable's gradient as soon as it is final (`onGradient`), last
 * layer first. Gradients are packed in that order into fusion buffers; once a buffer holds
 * `KERAS_MPI_BUCKET_BYTES` (1 MiB by default) it is summed across processes in place
 * (MPI_Allreduce with MPI_IN_PLACE) on the binding's communication thread, while this thread goes on
 * with the backward pass of the earlier layers. `reduced()` sends the last bucket, waits for all of
 * them and returns the summed gradients as views of the buffers (no copy back).
 *
 * Averaging: each process seeds its backward pass with `localRows / globalRows` instead of 1 (the
 * tape's output gradient), so the sum over processes is exactly the gradient of the loss over the
 * whole global batch, also when the last batch does not split evenly. With an even split the seed is
 * 1/N, a power of two for N = 2, 4, ...: the scaling itself is exact.
 *
 * The buffers are reused every step (the bucket layout is the same each step): the gradients returned
 * are valid until the next step's backward pass, which is how the optimizer uses them.
 */
import {full, Tensor} from '../tensor/tensor.js';
import type {TypedArray} from '../tensor/dtype.js';
import type {Communicator} from './communicator.js';

type FloatArray = Float32Array | Float64Array;

interface Entry {
  index: number;
  offset: number;
  grad: Tensor;
}

class Bucket {
  readonly entries: Entry[] = [];
  length = 0;
  constructor(readonly dtype: 'float32' | 'float64') {}
}

/** Fusion buffers kept between steps, by bucket number. */
export class BucketBuffers {
  private readonly buffers: FloatArray[] = [];

  get(k: number, dtype: 'float32' | 'float64', length: number): FloatArray {
    let b = this.buffers[k];
    const ok = b && b.length === length && (dtype === 'float32' ? b instanceof Float32Array : b instanceof Float64Array);
    if (!ok) {
      b = dtype === 'float32' ? new Float32Array(length) : new Float64Array(length);
      this.buffers[k] = b;
    }
    return b!;
  }
}

export class GradientReducer {
  private current: Bucket | null = null;
  private sent = 0;
  private readonly inFlight: Promise<void>[] = [];
  private readonly packed: (Entry & {buffer: FloatArray})[] = [];
  private readonly seen = new Set<number>();

  constructor(
    private readonly comm: Communicator,
    private readonly buffers: BucketBuffers,
    private readonly capBytes: number,
    /** This process's share of the global batch: the backward pass's seed. */
    readonly weight: number,
  ) {}

  /** The tape's output gradient: `weight` instead of ones. */
  outputGradient(loss: Tensor): Tensor {
    return full(loss.shape, this.weight, loss.dtype);
  }

  /** Called by the tape with each source's final gradient (null where the loss does not depend on it). */
  readonly onGradient = (index: number, grad: Tensor | null): void => {
    if (this.seen.has(index)) return;
    this.seen.add(index);
    if (!grad) return;
    if (grad.dtype !== 'float32' && grad.dtype !== 'float64') return; // never for trainable weights; left as is
    if (this.current && this.current.dtype !== grad.dtype) this.send();
    const b = (this.current ??= new Bucket(grad.dtype));
    b.entries.push({index, offset: b.length, grad});
    b.length += grad.size;
    if (b.length * (grad.dtype === 'float32' ? 4 : 8) >= this.capBytes) this.send();
  };

  /** Packs the current bucket into its buffer and starts summing it across processes. */
  private send(): void {
    const b = this.current;
    this.current = null;
    if (!b || b.length === 0) return;
    const buffer = this.buffers.get(this.sent++, b.dtype, b.length);
    for (const e of b.entries) {
      buffer.set(e.grad.values as FloatArray, e.offset);
      this.packed.push({...e, buffer});
    }
    this.inFlight.push(this.comm.allreduce(buffer, true));
  }

  /**
   * The gradients summed over all processes, in the order of `grads`. Gradients the tape did not
   * report (an engine without the hook) are packed now, so the result is the same either way.
   */
  async reduced(grads: (Tensor | null)[]): Promise<(Tensor | null)[]> {
    grads.forEach((g, i) => this.onGradient(i, g));
    this.send();
    this.comm.awaitAll();
    await Promise.all(this.inFlight);
    const out: (Tensor | null)[] = grads.map((g) => (g && g.dtype !== 'float32' && g.dtype !== 'float64' ? g : null));
    for (const e of this.packed) {
      out[e.index] = new Tensor(e.grad.shape, e.grad.dtype, e.buffer.subarray(e.offset, e.offset + e.grad.size) as TypedArray);
    }
    return out;
  }

  /** How many buckets this step sent (for tests and benchmarks). */
  get bucketCount(): number {
    return this.sent;
  }
}
