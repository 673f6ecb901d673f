/**
 * Recording one eager run of a step: every kernel call in order with its inputs, attributes and
 * outputs; which tensors were variables' values; which variables took new values; which seeds the
 * random kernels drew from; which host-side checks ran. Anything a replay could not reproduce (a
 * write into a destination, a variable written in place, a random draw on the host) makes the trace
 * fail with the reason, and the step stays eager.
 */
import {setStepObserver, type StepObserver} from '../autodiff/engine.js';
import type {Variable} from '../autodiff/variable.js';
import type {KernelDef} from '../kernels/index.js';
import {setDrawObserver, type Seed} from '../tensor/random.js';
import type {Tensor} from '../tensor/tensor.js';

/** Where a tensor of the trace comes from. */
export type Ref =
  | {readonly kind: 'input'; readonly index: number}
  | {readonly kind: 'variable'; readonly variable: Variable}
  | {readonly kind: 'const'; readonly tensor: Tensor}
  | {readonly kind: 'out'; readonly step: number; readonly output: number};

/**
 * Work on the host inside a step that a replay must do again at the same place: a collective across
 * processes (DataParallel's gradient all-reduce), say. `run` gets the tensors `inputs` are in that
 * run (a replay: the plan's) and returns the step's outputs, tensors whose storage is the caller's
 * (never the plan's arena), of the shapes and dtypes of the traced run. A plan keeps every host step,
 * in trace order, whether or not its outputs are read.
 */
export interface HostStep {
  /** Compared between the two traced runs: the same keys at the same places. */
  readonly key: string;
  run(inputs: readonly Tensor[]): Tensor[];
  /**
   * Storage the step offers for its input `j` (a gradient bucket's slice): a plan writes the kernel
   * output passed there into it when nothing reads that output after this step, so `run` finds it in
   * place instead of copying it. Values are the same either way.
   */
  place?(j: number): Float32Array | Float64Array | null;
}

/** The `def` of a traced host step (it is no kernel): its name says so in messages. */
const HOST_STEP: KernelDef<any, any> = {name: 'HostStep', inputs: {inputs: 'many'}, infer: () => []};

export interface TracedStep {
  readonly def: KernelDef<any, any>;
  /** A host step (def HOST_STEP, attrs {key}, inputs {inputs: [...]}). */
  readonly host?: HostStep;
  readonly inputs: Record<string, Tensor | Tensor[]>;
  readonly attrs: unknown;
  readonly outputs: Tensor[];
  /** For a random kernel: the seed its key was drawn from (drawn again at each replay). */
  readonly seed?: {readonly seed: Seed};
}

interface HostCheck {
  /** Runs before step `at` (after the steps before it). */
  readonly at: number;
  readonly tensor: Tensor;
  readonly check: (t: Tensor) => void;
}

/** A finished trace: the steps, and the step's inputs, outputs and variable writes as refs. */
export interface Trace {
  readonly steps: TracedStep[];
  /**
   * The steps whose attributes change from run to run (a learning rate, a bias correction), each
   * with the function that rewrites them before a replay (`replayRefresh`).
   */
  readonly refreshes: ReadonlyMap<number, (attrs: Record<string, unknown>) => void>;
  /** Host code a replay runs first, before its kernels (`replayBefore`), in order. */
  readonly befores: readonly (() => void)[];
  /** Host effects of the step a replay repeats last, after the variables are written (`hostEffect`), in order. */
  readonly effects: readonly (() => void)[];
  readonly inputs: readonly Tensor[];
  readonly outputs: (Ref | null)[];
  /** Variables that took a new value in the step, with the value they hold at its end. */
  readonly writes: [Variable, Ref][];
  readonly checks: HostCheck[];
  /** The ref of a tensor the steps read (their inputs), by tensor. */
  refOf(t: Tensor): Ref;
}

const RANDOM_KERNELS = new Set(['BernoulliMask']);

let recording: Recorder | null = null;

/**
 * Runs `step` on `inputs` now and returns its outputs; while a step is being traced, records it so
 * that the plan runs it at the same place (after the kernels so far, before the next ones).
 */
export function hostStep(step: HostStep, inputs: Tensor[]): Tensor[] {
  const outputs = step.run(inputs);
  recording?.host(step, inputs, outputs);
  return outputs;
}

/** Whether a step is being traced now: a step run inside it must run eagerly, so that the trace sees its kernels. */
export function isTracing(): boolean {
  return recording !== null;
}

/**
 * While a step is traced: the attributes of the next kernel call change from step to step, and
 * `refresh` rewrites those fields (of the plan's copy) before each replay, after the `replayBefore`
 * functions ran. The traced values of those fields are then not compared between the two traced
 * runs. Outside a trace it does nothing.
 */
export function replayRefresh<A extends object>(refresh: (attrs: A) => void): void {
  // cast: the refresh was written for the attributes of the kernel it precedes, which the plan passes back
  recording?.refresh(refresh as unknown as (attrs: Record<string, unknown>) => void);
}

/** While a step is traced: `fn` runs at the start of each replay, before the attributes are refreshed. */
export function replayBefore(fn: () => void): void {
  recording?.befores.push(fn);
}

/**
 * A host-side effect of the step (an optimizer's iteration count): runs `fn` now, unrecorded, and,
 * when a step is being traced, at the end of each replay of its plan.
 */
export function hostEffect(fn: () => void): void {
  const rec = recording;
  if (!rec) return fn();
  const prev = setStepObserver(null);
  recording = null;
  try {
    fn();
  } finally {
    recording = rec;
    setStepObserver(prev);
  }
  rec.effects.push(fn);
}

/** While a step is traced: the step cannot be replayed, for `reason` (it stays eager). */
export function failTrace(reason: string): void {
  recording?.fail(reason);
}

/**
 * Runs `fn` (one eager run of a step, which it returns) while recording it; `inputs` are the step's
 * arguments, which a replay binds anew. Returns the trace of the outputs `select(result)` names,
 * or the reason the step cannot be replayed. `fn` throwing stops the recording and rethrows.
 */
export function traceStep<R>(inputs: readonly Tensor[], fn: () => R, select: (r: R) => (Tensor | null)[]): {result: R; trace: Trace | string} {
  const rec = new Recorder();
  recording = rec;
  const prev = setStepObserver(rec);
  setDrawObserver((seed) => rec.draw(seed));
  let result: R;
  try {
    result = fn();
  } finally {
    setStepObserver(prev);
    setDrawObserver(null);
    recording = null;
  }
  return {result, trace: rec.finish(inputs, select(result))};
}

class Recorder implements StepObserver {
  readonly steps: TracedStep[] = [];
  readonly checks: HostCheck[] = [];
  readonly refreshes = new Map<number, (attrs: Record<string, unknown>) => void>();
  readonly befores: (() => void)[] = [];
  readonly effects: (() => void)[] = [];
  private pendingRefresh: ((attrs: Record<string, unknown>) => void) | null = null;
  private failure: string | null = null;
  private pendingSeed: {seed: Seed} | null = null;
  /** The variable whose value each tensor was when an op first read it. */
  private readonly varOf = new Map<Tensor, Variable>();
  private readonly writes = new Map<Variable, Tensor>();
  private readonly producer = new Map<Tensor, {step: number; output: number}>();

  fail(reason: string): void {
    this.failure ??= reason;
  }

  refresh(fn: (attrs: Record<string, unknown>) => void): void {
    if (this.pendingRefresh) this.fail('two attribute refreshes were declared for one kernel');
    this.pendingRefresh = fn;
  }

  kernel(def: KernelDef<any, any>, inputs: Record<string, Tensor | Tensor[]>, attrs: unknown, outputs: Tensor[], out: boolean): void {
    if (out) this.fail(`kernel ${def.name} wrote into a given destination (an in-place update inside the step)`);
    let seed: {seed: Seed} | undefined;
    if (RANDOM_KERNELS.has(def.name)) {
      if (!this.pendingSeed) this.fail(`random kernel ${def.name} ran without a seed drawn for it`);
      seed = this.pendingSeed ?? undefined;
      this.pendingSeed = null;
    } else if (this.pendingSeed) {
      this.fail(`random numbers were drawn on the host (before kernel ${def.name}), which a replay would not draw again`);
    }
    // the lists of a 'many' slot are copied: the caller may reuse its array
    const own: Record<string, Tensor | Tensor[]> = {};
    for (const [k, v] of Object.entries(inputs)) own[k] = Array.isArray(v) ? [...v] : v;
    const step = this.steps.length;
    if (this.pendingRefresh) {
      this.refreshes.set(step, this.pendingRefresh);
      this.pendingRefresh = null;
    }
    outputs.forEach((o, i) => this.producer.set(o, {step, output: i}));
    this.steps.push(seed ? {def, inputs: own, attrs, outputs: [...outputs], seed} : {def, inputs: own, attrs, outputs: [...outputs]});
  }

  host(step: HostStep, inputs: Tensor[], outputs: Tensor[]): void {
    if (this.pendingSeed) this.fail(`random numbers were drawn on the host (before host step ${step.key}), which a replay would not draw again`);
    if (this.pendingRefresh) this.fail(`an attribute refresh was declared before host step ${step.key}, which has no attributes`);
    const s = this.steps.length;
    outputs.forEach((o, i) => this.producer.set(o, {step: s, output: i}));
    this.steps.push({def: HOST_STEP, inputs: {inputs: [...inputs]}, attrs: {key: step.key}, outputs: [...outputs], host: step});
  }

  draw(seed: Seed): void {
    if (this.pendingSeed) this.fail('random numbers were drawn on the host, which a replay would not draw again');
    this.pendingSeed = {seed};
  }

  variableRead(value: Tensor, variable: object): void {
    if (!this.varOf.has(value)) this.varOf.set(value, variable as Variable);
  }

  variableWrite(variable: object, value: Tensor | null): void {
    const v = variable as Variable;
    if (value === null) this.fail(`variable "${v.path}" was written in place inside the step`);
    else this.writes.set(v, value);
  }

  hostCheck(t: Tensor, check: (t: Tensor) => void): void {
    this.checks.push({at: this.steps.length, tensor: t, check});
  }

  finish(inputs: readonly Tensor[], outputs: (Tensor | null)[]): Trace | string {
    if (this.pendingSeed) this.fail('random numbers were drawn on the host, which a replay would not draw again');
    if (this.pendingRefresh) this.fail('an attribute refresh was declared with no kernel after it');
    if (this.failure) return this.failure;
    const inputIndex = new Map<Tensor, number>();
    inputs.forEach((t, i) => {
      if (!inputIndex.has(t)) inputIndex.set(t, i);
    });
    const refOf = (t: Tensor): Ref => {
      const p = this.producer.get(t);
      if (p) return {kind: 'out', step: p.step, output: p.output};
      const i = inputIndex.get(t);
      if (i !== undefined) return {kind: 'input', index: i};
      const v = this.varOf.get(t);
      if (v) return {kind: 'variable', variable: v};
      return {kind: 'const', tensor: t};
    };
    const writes: [Variable, Ref][] = [];
    for (const [v, t] of this.writes) {
      const r = refOf(t);
      if (r.kind === 'const') return `variable "${v.path}" took a value computed on the host, not by a kernel of the step`;
      writes.push([v, r]);
    }
    return {
      steps: this.steps, refreshes: this.refreshes, befores: this.befores, effects: this.effects,
      inputs, outputs: outputs.map((o) => (o ? refOf(o) : null)), writes, checks: this.checks, refOf,
    };
  }
}

/**
 * Why two traces of one signature differ (the step's JS reads values on the host and branches, or
 * builds constants from data), or null when they are the same program: same kernels in the same
 * order, same attributes (random keys aside), same wiring, equal constants, same variables and seeds.
 */
export function compareTraces(a: Trace, b: Trace): string | null {
  if (a.steps.length !== b.steps.length) return `the two traced runs ran ${a.steps.length} and ${b.steps.length} kernels`;
  if (a.befores.length !== b.befores.length || a.effects.length !== b.effects.length) return 'the two traced runs declared different host code for the replays';
  if ([...a.refreshes.keys()].join() !== [...b.refreshes.keys()].join()) return 'the two traced runs refresh the attributes of different kernels';
  const refKey = (t: Trace, r: Ref | null, ids: Map<unknown, number>): string => {
    if (r === null) return 'null';
    switch (r.kind) {
      case 'input': return `i${r.index}`;
      case 'out': return `o${r.step}.${r.output}`;
      case 'variable': return `v${idOf(ids, r.variable)}`;
      case 'const': return `c${r.tensor.dtype}[${r.tensor.shape.join(',')}]`;
    }
    void t;
  };
  // objects (variables, seeds) are numbered by first appearance in each trace; the same object must appear at the same place
  const idsA = new Map<unknown, number>(), idsB = new Map<unknown, number>();
  const consts: [Tensor, Tensor][] = [];
  const slots = (t: Trace, s: TracedStep, ids: Map<unknown, number>): string =>
    Object.entries(s.inputs)
      .map(([k, v]) => `${k}=` + (Array.isArray(v) ? v : [v]).map((x) => refKey(t, t.refOf(x), ids)).join('|'))
      .join(',');
  for (let i = 0; i < a.steps.length; i++) {
    const sa = a.steps[i]!, sb = b.steps[i]!;
    if (sa.def !== sb.def) return `kernel ${i} is ${sa.def.name} in one traced run and ${sb.def.name} in the other`;
    if (!a.refreshes.has(i) && attrKey(sa) !== attrKey(sb)) return `kernel ${i} (${sa.def.name}) has different attributes in the two traced runs`;
    if (sa.seed && sb.seed && seedKey(sa.seed.seed, idsA) !== seedKey(sb.seed.seed, idsB)) return `kernel ${i} (${sa.def.name}) draws from different seeds`;
    if (slots(a, sa, idsA) !== slots(b, sb, idsB)) return `kernel ${i} (${sa.def.name}) reads different tensors in the two traced runs`;
    const metas = (s: TracedStep) => s.outputs.map((o) => `${o.dtype}[${o.shape.join(',')}]`).join(';');
    if (metas(sa) !== metas(sb)) return `kernel ${i} (${sa.def.name}) has outputs of different shapes`;
    for (const [k, v] of Object.entries(sa.inputs)) {
      const la = Array.isArray(v) ? v : [v];
      const vb = sb.inputs[k]!;
      const lb = Array.isArray(vb) ? vb : [vb];
      la.forEach((x, j) => {
        const ra = a.refOf(x);
        if (ra.kind === 'const') consts.push([x, lb[j]!]);
      });
    }
  }
  for (const [x, y] of consts) {
    if (x === y) continue;
    if (x.strings !== y.strings && (x.strings === null || y.strings === null || x.strings.some((t, i) => t !== y.strings![i]))) {
      return 'a constant of the step (a string tensor made on the host) differs between the two traced runs';
    }
    const u = x.values, w = y.values;
    for (let i = 0; i < u.length; i++) {
      if (!Object.is(u[i], w[i])) return 'a constant of the step (a tensor made on the host) differs between the two traced runs: its values depend on the data or on the step';
    }
  }
  const outs = (t: Trace, ids: Map<unknown, number>) => t.outputs.map((r) => refKey(t, r, ids)).join(',');
  if (outs(a, idsA) !== outs(b, idsB)) return 'the step returned different tensors in the two traced runs';
  for (const [o, p] of a.outputs.map((r, i) => [r, b.outputs[i]] as const)) {
    if (o?.kind === 'const' && p?.kind === 'const' && o.tensor !== p.tensor) return 'the step returned a constant made on the host';
  }
  const writes = (t: Trace, ids: Map<unknown, number>) => t.writes.map(([v, r]) => `${idOf(ids, v)}<-${refKey(t, r, ids)}`).join(',');
  if (writes(a, idsA) !== writes(b, idsB)) return 'the step wrote different variables in the two traced runs';
  const checks = (t: Trace, ids: Map<unknown, number>) => t.checks.map((c) => `${c.at}:${refKey(t, t.refOf(c.tensor), ids)}`).join(',');
  if (checks(a, idsA) !== checks(b, idsB)) return 'the step checked different tensors in the two traced runs';
  // the variables must be the very same objects in both runs (ids are per trace; compare the objects in order)
  const objsA = [...idsA.keys()], objsB = [...idsB.keys()];
  if (objsA.length !== objsB.length || objsA.some((o, i) => typeof o === 'object' && o !== objsB[i])) return 'the two traced runs read different variables or seed generators';
  return null;
}

function idOf(ids: Map<unknown, number>, o: unknown): number {
  let i = ids.get(o);
  if (i === undefined) ids.set(o, (i = ids.size));
  return i;
}

function seedKey(seed: Seed, ids: Map<unknown, number>): string {
  if (seed === undefined) return 'global';
  if (typeof seed === 'number') return `n${seed}`;
  return `g${idOf(ids, seed)}`;
}

/** The attributes as text; a random kernel's key (`k0`, `k1`) is left out: each run draws its own. */
function attrKey(s: TracedStep): string {
  return JSON.stringify(s.attrs, (k, v: unknown) => {
    if (s.seed && (k === 'k0' || k === 'k1')) return undefined;
    // cast: attribute arrays are typed arrays (never a DataView), which are ArrayLike<number>
    if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
    return v;
  });
}
