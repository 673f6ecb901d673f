/**
 * The plans of one model: a bounded cache from a step's signature (its kind, the input shapes and
 * dtypes, the backend; the caller builds the key) to its plan. A signature is traced twice: the
 * first two runs are eager and recorded, and the plan is built only when both recordings are the
 * same program, which catches JS that reads values on the host and branches on them; a signature
 * that cannot be replayed stays eager, with one debug line saying why.
 */
import {getEnv} from '../platform/index.js';
import type {Tensor} from '../tensor/tensor.js';
import {Plan} from './plan.js';
import {compareTraces, isTracing, traceStep, type Trace} from './trace.js';

interface Entry {
  trace?: Trace;
  plan?: Plan;
  eager?: string;
  /**
   * The inputs both traced runs had, when they had equal values: the two runs could not tell data
   * dependence from a fixed program, so the plan replays only those inputs until a run with other
   * values is traced and compared too.
   */
  provisional?: readonly Tensor[];
}

/** Whether two lists of tensors hold the same values (the same tensors, or equal shapes, dtypes and elements). */
function sameValues(a: readonly Tensor[], b: readonly Tensor[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    if (x === y) continue;
    if (x.dtype !== y.dtype || x.size !== y.size || x.shape.some((d, j) => d !== y.shape[j])) return false;
    if (!sameElements(x.values, y.values)) return false;
  }
  return true;
}

/**
 * Whether two arrays hold the same elements: typed float arrays compared by their bits (a cheap integer
 * loop; two NaNs with other payloads count as different, which only costs one more trace), the rest
 * with `Object.is`.
 */
function sameElements(u: Tensor['values'], w: Tensor['values']): boolean {
  if (u.length !== w.length) return false;
  if (ArrayBuffer.isView(u) && ArrayBuffer.isView(w)) {
    // views of the same bytes (the same rows of one array, batched again): equal without reading them
    if (u.buffer === w.buffer && u.byteOffset === w.byteOffset && u.BYTES_PER_ELEMENT === w.BYTES_PER_ELEMENT && u.constructor === w.constructor) return true;
  }
  if (ArrayBuffer.isView(u) && ArrayBuffer.isView(w) && u.BYTES_PER_ELEMENT === w.BYTES_PER_ELEMENT && u.BYTES_PER_ELEMENT % 4 === 0) {
    const n = (u.length * u.BYTES_PER_ELEMENT) / 4;
    const a = new Int32Array(u.buffer, u.byteOffset, n), b = new Int32Array(w.buffer, w.byteOffset, n);
    for (let k = 0; k < n; k++) if (a[k] !== b[k]) return false;
    return true;
  }
  for (let k = 0; k < u.length; k++) if (!Object.is(u[k], w[k])) return false;
  return true;
}

/** Where the debug lines go: stderr-like `console.debug` when `KERAS_TS_DEBUG` is set, nowhere otherwise. */
let debugSink: ((line: string) => void) | null = null;

/** Redirects the plan's debug lines (tests); null restores the default. */
export function setPlanDebugSink(sink: ((line: string) => void) | null): void {
  debugSink = sink;
}

function debug(line: string): void {
  if (debugSink) debugSink(line);
  else if (getEnv('KERAS_TS_DEBUG')) console.debug(line);
}

export class PlanCache {
  private readonly entries = new Map<string, Entry>();
  /** Steps run from a plan, steps run eagerly (traced runs included): for tests and benchmarks. */
  readonly counts = {planned: 0, eager: 0};
  /** The plan the last `run` replayed (null when it ran eagerly): its outputs live in that plan's arena. */
  last: Plan | null = null;

  /** `maxPlans`: signatures kept (least recently used dropped first), `label`: the model's name in debug lines. */
  constructor(readonly label: string, readonly maxPlans = 8) {}

  get size(): number {
    return this.entries.size;
  }

  /** The plans held, by signature (tests). */
  plans(): Plan[] {
    return [...this.entries.values()].flatMap((e) => (e.plan ? [e.plan] : []));
  }

  /**
   * Runs the step of signature `key`: from its plan when there is one (`inputs` bound anew), else
   * `eager()` (recorded while the signature is being traced). Returns the step's outputs: from a
   * plan they live in its arena until the next run of that plan. `what` names the step in the debug
   * line said when its signature falls back to eager.
   */
  run(key: string, inputs: readonly Tensor[], eager: () => (Tensor | null)[], what = 'the step'): (Tensor | null)[] {
    this.last = null;
    // inside another step's trace (a model called by a custom loss, say): eager, so that trace records the kernels
    if (isTracing()) return eager();
    let entry = this.entries.get(key);
    if (entry) {
      // most recently used last
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    if (entry?.plan && (!entry.provisional || sameValues(entry.provisional, inputs))) {
      this.counts.planned++;
      this.last = entry.plan;
      return entry.plan.run(inputs);
    }
    this.counts.eager++;
    if (entry?.eager !== undefined) return eager();
    const {result, trace} = traceStep(inputs, eager, (r) => r);
    if (!entry) {
      entry = {};
      this.entries.set(key, entry);
      while (this.entries.size > this.maxPlans) this.entries.delete(this.entries.keys().next().value!);
    }
    if (typeof trace === 'string') {
      delete entry.plan;
      delete entry.trace;
      this.fallBack(entry, trace, what);
    } else if (!entry.trace) entry.trace = trace;
    else {
      const diff = compareTraces(entry.trace, trace);
      if (diff) {
        delete entry.plan;
        delete entry.trace;
        this.fallBack(entry, diff, what);
      } else if (sameValues(entry.trace.inputs, trace.inputs)) {
        // equal inputs: keep the first trace to compare with a run on other values
        entry.plan ??= new Plan(trace);
        entry.provisional = trace.inputs;
      } else {
        entry.plan = entry.plan && entry.provisional ? entry.plan : new Plan(trace);
        delete entry.provisional;
        delete entry.trace;
      }
    }
    return result;
  }

  /** Marks a signature eager, with the debug line. */
  private fallBack(entry: Entry, reason: string, what: string): void {
    entry.eager = reason;
    debug(`keras-ts: ${this.label}: running ${what} eagerly: ${reason}`);
  }

  /** Whether signature `key` was found not to be replayable (it runs eagerly). */
  isEager(key: string): boolean {
    return this.entries.get(key)?.eager !== undefined;
  }

  /** For what the caller knows cannot be traced (a custom trainStep): says it once, returns false. */
  refuse(reason: string): false {
    this.sayOnce(`running the step eagerly: ${reason}`);
    return false;
  }

  /** For an optimizer update the caller knows cannot be part of the plan: says it once. */
  updateAfter(reason: string): void {
    this.sayOnce(`the optimizer update runs after the plan: ${reason}`);
  }

  private said = new Set<string>();
  private sayOnce(line: string): void {
    if (!this.said.has(line)) {
      this.said.add(line);
      debug(`keras-ts: ${this.label}: ${line}`);
    }
  }
}
