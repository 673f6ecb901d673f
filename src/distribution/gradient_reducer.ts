/**
 * Averages one step's gradients across processes, bucket by bucket, while the backward pass runs.
 *
 * The tape reports each trainable variable's gradient as soon as it is final (`onGradient`), last
 * layer first. Gradients are packed in that order into fusion buffers; once a buffer holds
 * `KERAS_MPI_BUCKET_BYTES` (1 MiB by default) it is summed across processes in place on the binding's
 * communication thread, while this thread goes on with the backward pass of the earlier layers.
 * `reduced()` sends the last bucket, waits for all of them and returns the summed gradients as views
 * of the buffers (no copy back). A compiled step writes the gradients into the buffers in the first
 * place (the send step offers its buffer's slices as the gradients' storage, `HostStep.place`): no
 * copy either way.
 *
 * Compiled steps: packing and sending a bucket, and waiting for it, are host steps (plan/trace.ts's
 * `hostStep`): a traced step records them where they ran, between the backward pass's kernels, and
 * its plan runs them at the same places, so a compiled data-parallel step overlaps its all-reduces
 * with the rest of its backward pass as the eager one does. The steps read only this object's
 * buffers and handles, which outlive the step.
 *
 * Averaging: each process seeds its backward pass with `localRows / globalRows` instead of 1 (the
 * tape's output gradient), so the sum over processes is exactly the gradient of the loss over the
 * whole global batch, also when the last batch does not split evenly. With an even split the seed is
 * 1/N, a power of two for N = 2, 4, ...: the scaling itself is exact.
 *
 * The buffers are reused every step (the bucket layout is the same each step): the gradients returned
 * are valid until the next step's backward pass, which is how the optimizer uses them.
 *
 * Sharded optimizer update (`sharded`, ZeRO stage 1; `applySharded`): each bucket is only
 * reduce-scattered (the ring all-reduce's first half), so that each process holds the sum of one
 * segment of it (`Communicator.shardOf`); each process then runs the optimizer's fused update on the
 * weights and slots of its segment only (`Optimizer.updateSlice`), and the updated weights are
 * all-gathered (the ring's second half) straight into every process's variables. The same sums and
 * the same elementwise kernels run as on the all-reduce path, so the weights are the same bit for
 * bit; each process updates 1/N of the weights instead of all of them, and sends and receives as many
 * bytes as the all-reduce would. The slots (optimizer state) keep their full size on every process,
 * each process's current only in its segments: `gatherSlots` all-gathers them before they are read
 * (checkpoints at the end of an epoch).
 */
import {setStepObserver} from '../autodiff/engine.js';
import type {Variable} from '../autodiff/variable.js';
import type {Optimizer} from '../optimizers/optimizer.js';
import {full, Tensor} from '../tensor/tensor.js';
import {allocate as newArray, type TypedArray} from '../tensor/dtype.js';
import {hostStep, type HostStep} from '../plan/index.js';
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

/**
 * Fusion buffers kept between steps, by bucket number; from `allocate` (the communicator's: in the MPI
 * binding's shared window where it has one, so that the gradient kernels write where the other ranks
 * read them), else ordinary arrays.
 */
export class BucketBuffers {
  private readonly buffers: FloatArray[] = [];
  constructor(private readonly allocate: (dtype: 'float32' | 'float64', length: number) => FloatArray = (d, n) => newArray(d, n) as FloatArray) {}

  get(k: number, dtype: 'float32' | 'float64', length: number): FloatArray {
    let b = this.buffers[k];
    const ok = b && b.length === length && (dtype === 'float32' ? b instanceof Float32Array : b instanceof Float64Array);
    if (!ok) {
      b = this.allocate(dtype, length);
      this.buffers[k] = b;
    }
    return b!;
  }
}

/** One process's reducer: kept for the whole training (its buffers and handles outlive each step); `begin` starts a step. */
export class GradientReducer {
  private current: Bucket | null = null;
  private sent = 0;
  private readonly buckets: Bucket[] = [];
  private readonly seen = new Set<number>();
  /** The communicator's handle of each bucket's all-reduce, this step. */
  private readonly handles: number[] = [];
  /** Gradient values copied into the buckets so far (a compiled step's kernels write most of them there directly). */
  copied = 0;
  /** This process's share of the global batch: the backward pass's seed. */
  weight = 1;
  /**
   * Whether this step's optimizer update is sharded (`applySharded`): the buckets are then
   * reduce-scattered, not all-reduced. Set before the backward pass.
   */
  sharded = false;
  /** The all-gather of each bucket's updated weights, this step (sharded). */
  private readonly gathers: number[] = [];
  /** The step's learning rate, read once by the first bucket's update (sharded). */
  private learningRate = 0;
  /** The buckets' layout (variable index and size per entry) of the last sharded step, for `gatherSlots`. */
  private shardedLayout: {index: number; size: number}[][] = [];
  /** Steps whose update was sharded so far (for tests and benchmarks). */
  shardedSteps = 0;
  /** Whether the slots are current only in this process's segments (a sharded step ran since `gatherSlots`). */
  slotsPartial = false;

  constructor(
    private readonly comm: Communicator,
    private readonly buffers: BucketBuffers,
    private readonly capBytes: number,
  ) {}

  /** Starts a step whose rows are `weight` of the global batch's. */
  begin(weight: number): this {
    this.weight = weight;
    this.sharded = false;
    this.current = null;
    this.sent = 0;
    this.buckets.length = 0;
    this.seen.clear();
    return this;
  }

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

  /** Packs the current bucket into its buffer and starts summing it across processes (a host step). */
  private send(): void {
    const b = this.current;
    this.current = null;
    if (!b || b.length === 0) return;
    const k = this.sent++;
    this.buckets[k] = b;
    hostStep(this.sendStep(k, b), b.entries.map((e) => e.grad));
  }

  private sendStep(k: number, b: Bucket): HostStep {
    const offsets = b.entries.map((e) => e.offset);
    const sizes = b.entries.map((e) => e.grad.size);
    const {dtype, length} = b;
    const sharded = this.sharded;
    return {
      key: `${sharded ? 'reduce-scatter' : 'allreduce'} ${dtype}[${length}] bucket ${k}`,
      run: (inputs) => {
        const buffer = this.buffers.get(k, dtype, length);
        const at = buffer.byteOffset, elem = buffer.BYTES_PER_ELEMENT;
        for (let j = 0; j < inputs.length; j++) {
          const g = inputs[j]!.values as FloatArray;
          // a compiled step's gradient kernel wrote it here already (place)
          if (g.buffer === buffer.buffer && g.byteOffset === at + offsets[j]! * elem) continue;
          buffer.set(g, offsets[j]);
          this.copied += g.length;
        }
        this.handles[k] = sharded ? this.comm.startReduceScatter(buffer) : this.comm.startAllreduce(buffer);
        return [];
      },
      place: (j) => {
        const buffer = this.buffers.get(k, dtype, length);
        return buffer.subarray(offsets[j], offsets[j]! + sizes[j]!);
      },
    };
  }

  /** Waits for bucket `k`'s sum (a host step); its outputs are the summed gradients, views of the buffer. */
  private waitStep(k: number, b: Bucket): HostStep {
    const layout = b.entries.map((e) => ({offset: e.offset, shape: e.grad.shape}));
    const {dtype, length} = b;
    let views: {buffer: FloatArray; tensors: Tensor[]} | null = null;
    return {
      key: `wait bucket ${k}`,
      run: () => {
        this.comm.wait(this.handles[k]!);
        const buffer = this.buffers.get(k, dtype, length);
        if (views?.buffer !== buffer) {
          const tensors = layout.map(({offset, shape}) => new Tensor(shape, dtype, buffer.subarray(offset, offset + shape.reduce((a, c) => a * c, 1)) as TypedArray));
          views = {buffer, tensors};
        }
        return views.tensors;
      },
    };
  }

  /**
   * The gradients summed over all processes, in the order of `grads`. Gradients the tape did not
   * report (an engine without the hook) are packed now, so the result is the same either way.
   * Synchronous: the step waits for the last bucket (its backward pass is done).
   */
  reduced(grads: (Tensor | null)[]): (Tensor | null)[] {
    grads.forEach((g, i) => this.onGradient(i, g));
    this.send();
    const out: (Tensor | null)[] = grads.map((g) => (g && g.dtype !== 'float32' && g.dtype !== 'float64' ? g : null));
    for (let k = 0; k < this.sent; k++) {
      const b = this.buckets[k]!;
      const sums = hostStep(this.waitStep(k, b), []);
      b.entries.forEach((e, j) => (out[e.index] = sums[j]!));
    }
    return out;
  }

  /**
   * The sharded update of `vars` (the model's trainable variables, `grads` matching them) by `opt`:
   * once the backward pass is done, for each bucket (host steps, replayed by a compiled step): wait
   * for its reduce-scatter, update this process's segment of its variables and their slots, start the
   * all-gather of the updated weights; then wait for the all-gathers. Every variable with a gradient
   * takes the same value as `opt.apply(reduced(grads), vars)` gives it. Only where
   * `opt.sliceUpdateBlocker(vars)` is null and `sharded` was set before the backward pass.
   */
  applySharded(opt: Optimizer, grads: (Tensor | null)[], vars: readonly Variable[]): void {
    const missing = vars.filter((_, i) => !grads[i]).map((v) => v.path);
    // as `apply` says it (those variables keep their values)
    if (missing.length) console.warn(`Gradients do not exist for variables ${JSON.stringify(missing)} when minimizing the loss.`);
    grads.forEach((g, i) => this.onGradient(i, g));
    this.send();
    for (let k = 0; k < this.sent; k++) hostStep(this.updateStep(k, this.buckets[k]!, opt, vars), []);
    for (let k = 0; k < this.sent; k++) {
      hostStep({key: `wait all-gather ${k}`, run: () => (this.comm.wait(this.gathers[k]!), [])}, []);
    }
    this.shardedLayout = this.buckets.slice(0, this.sent).map((b) => b.entries.map((e) => ({index: e.index, size: e.grad.size})));
    opt.finishSliceUpdates();
  }

  private updateStep(k: number, b: Bucket, opt: Optimizer, vars: readonly Variable[]): HostStep {
    const layout = b.entries.map((e) => ({variable: vars[e.index]!, offset: e.offset, size: e.grad.size}));
    const {dtype, length} = b;
    const [lo, hi] = this.comm.shardOf(length);
    return {
      key: `sharded update ${dtype}[${length}] bucket ${k}`,
      run: () => {
        this.comm.wait(this.handles[k]!);
        // the update writes the variables and slots in place: unseen by a trace, which replays this step whole
        const observer = setStepObserver(null);
        try {
          if (k === 0) {
            this.learningRate = opt.learningRate;
            this.shardedSteps++;
          }
          const buffer = this.buffers.get(k, dtype, length);
          for (const {variable, offset, size} of layout) {
            const a = Math.max(lo, offset), e = Math.min(hi, offset + size);
            if (a >= e) continue;
            const g = new Tensor([e - a], dtype, buffer.subarray(a, e) as TypedArray);
            opt.updateSlice(g, variable, a - offset, e - offset, this.learningRate);
          }
          // the weights' own storage (a copy first where a value was handed out) receives the others' segments
          this.gathers[k] = this.comm.startAllgather(layout.map(({variable}) => variable.writableValue().values as Float32Array | Float64Array));
        } finally {
          setStepObserver(observer);
        }
        this.slotsPartial = true;
        return [];
      },
    };
  }

  /**
   * After sharded steps: every process's segments of the slots of `opt` to every process, so that
   * each holds the whole optimizer state (as the all-reduce path keeps it). A collective: every
   * process calls it at the same point. Nothing to do when no sharded step ran since the last call.
   */
  gatherSlots(opt: Optimizer, vars: readonly Variable[]): void {
    if (!this.slotsPartial) return;
    this.slotsPartial = false;
    for (const bucket of this.shardedLayout) {
      const slots = bucket.map(({index}) => opt.slotsOf(vars[index]!));
      const n = Math.min(...slots.map((s) => s.length));
      for (let j = 0; j < n; j++) {
        this.comm.wait(this.comm.startAllgather(slots.map((s) => s[j]!.writableValue().values as Float32Array | Float64Array)));
      }
    }
  }

  /** How many buckets this step sent (for tests and benchmarks). */
  get bucketCount(): number {
    return this.sent;
  }
}
