import {execute, storageOverlap} from '../backends/registry.js';
import {ValueError} from '../errors.js';
import type {KernelDef} from '../kernels/index.js';
import type {Tensor} from '../tensor/tensor.js';

/** One kernel call as a tape saw it. */
interface KernelNode {
  readonly def: KernelDef<any, any>;
  readonly inputs: Record<string, Tensor | Tensor[]>;
  readonly attrs: unknown;
  readonly outputs: Tensor[];
}

/**
 * A function with a gradient of its own (`keras.ops.customGradient`): the tape skipped the ops
 * inside; `backward` maps the outputs' gradients to the gradients of `inputs.xs` (the function's
 * tensor arguments, then the variables it read), `null` where none.
 */
interface CustomNode {
  readonly custom: true;
  readonly inputs: {xs: Tensor[]};
  readonly outputs: Tensor[];
  readonly backward: (dys: Tensor[]) => (Tensor | null)[];
}

export type TapeNode = KernelNode | CustomNode;

/**
 * The recording half of reverse mode: the nodes that depend on watched tensors, in order.
 * `GradientTape` (gradients/tape.ts) walks them backwards.
 */
export class Tape {
  readonly nodes: TapeNode[] = [];
  readonly tracked = new Set<number>();
  paused = 0;
  constructor(readonly watchAccessedVariables = true) {}

  watch(t: Tensor): void {
    this.tracked.add(t.id);
  }

  dependsOnWatched(inputs: Record<string, Tensor | Tensor[]>): boolean {
    for (const v of Object.values(inputs)) {
      if (Array.isArray(v)) {
        if (v.some((t) => this.tracked.has(t.id))) return true;
      } else if (this.tracked.has(v.id)) return true;
    }
    return false;
  }
}

const active: Tape[] = [];

/**
 * What a compiled step's tracer (plan/) is told while it records one eager run of the step: every
 * kernel call, every variable read and write, every host-side check of a tensor's values. Engine
 * code calls it only while one is installed: eager execution pays a null check.
 */
export interface StepObserver {
  kernel(def: KernelDef<any, any>, inputs: Record<string, Tensor | Tensor[]>, attrs: unknown, outputs: Tensor[], out: boolean): void;
  variableRead(value: Tensor, variable: object): void;
  /** `value` null: written in place (`writableValue`), which a trace cannot replay. */
  variableWrite(variable: object, value: Tensor | null): void;
  hostCheck(t: Tensor, check: (t: Tensor) => void): void;
}

let observer: StepObserver | null = null;

/** Installs (or, with null, removes) the observer of kernel calls; returns the one it replaces. */
export function setStepObserver(o: StepObserver | null): StepObserver | null {
  const prev = observer;
  observer = o;
  return prev;
}

/** Called when a variable's value is read (`read()` or `value`): a tracer binds that tensor to the variable. */
export function noteVariableAccess(value: Tensor, variable: object): void {
  observer?.variableRead(value, variable);
}

/** Called when a variable takes a new value (`value`) or is about to be written in place (null). */
export function noteVariableWrite(variable: object, value: Tensor | null): void {
  observer?.variableWrite(variable, value);
}

/**
 * A validation that reads `t`'s values on the host (token ids, labels in range): runs `check(t)`
 * now, and a compiled step reruns it on the tensor of each later step before replaying the kernels.
 */
export function hostCheck(t: Tensor, check: (t: Tensor) => void): void {
  // a page cannot wait for its GPU: a tensor there that the host has no copy of goes unchecked
  // (reading it would fail the step; out-of-range indices read zeros on a GPU, never out of bounds)
  if (t.hostValues === null && t.device?.syncUnavailable) return;
  check(t);
  observer?.hostCheck(t, check);
}

/** `hostCheck` for a check the caller has just made itself: only a compiled step's later runs make it. */
export function noteHostCheck(t: Tensor, check: (t: Tensor) => void): void {
  observer?.hostCheck(t, check);
}

export function pushTape(t: Tape): void {
  active.push(t);
}

export function popTape(t: Tape): void {
  const i = active.lastIndexOf(t);
  if (i >= 0) active.splice(i, 1);
}

/** Collectors of the trainable variables read while a custom-gradient function runs (innermost last). */
const variableReads: Map<Tensor, object>[] = [];

/** Called when a trainable variable is read by an op: tapes that watch accessed variables watch it. */
export function noteVariableRead(value: Tensor, trainable: boolean, variable?: object): void {
  if (variable !== undefined) observer?.variableRead(value, variable);
  if (!trainable) return;
  if (variable !== undefined) for (const c of variableReads) c.set(value, variable);
  for (const t of active) if (t.watchAccessedVariables && t.paused === 0) t.watch(value);
}

/**
 * Runs one kernel on the active backend and records it on every tape it depends on. `out`: the
 * destinations `execute` takes (tensors the caller owns); one that is also an input (an in-place
 * update) is refused while a tape records the call, since the tape keeps the inputs for the gradient.
 */
export function runKernel(
  def: KernelDef<any, any>,
  inputs: Record<string, Tensor | Tensor[]>,
  attrs: unknown,
  out?: readonly (Tensor | null | undefined)[],
): Tensor[] {
  if (out && active.some((tape) => tape.paused === 0 && tape.dependsOnWatched(inputs))) {
    for (const v of Object.values(inputs)) {
      for (const t of Array.isArray(v) ? v : [v]) {
        if (out.some((o) => o && storageOverlap(o, t) !== 'none')) {
          throw new ValueError(`${def.name}: cannot write an output into an input's storage (in place) while a GradientTape records the call`);
        }
      }
    }
  }
  const outputs = execute(def, inputs, attrs, out);
  observer?.kernel(def, inputs, attrs, outputs, out !== undefined && out.some((o) => o));
  for (const tape of active) {
    if (tape.paused === 0 && tape.dependsOnWatched(inputs)) {
      tape.nodes.push({def, inputs, attrs, outputs});
      for (const o of outputs) tape.tracked.add(o.id);
    }
  }
  return outputs;
}

/**
 * Whether a kernel call on `inputs` made now would be recorded by some tape (its gradient may be
 * asked for): kernels that keep a reserve only for their gradient skip it when not.
 */
export function recordsGradient(inputs: Record<string, Tensor | Tensor[]>): boolean {
  return active.some((tape) => tape.paused === 0 && tape.dependsOnWatched(inputs));
}

/** Runs `fn` with every tape paused: nothing inside is differentiated (Keras's `stop_gradient` scope). */
export function noGrad<T>(fn: () => T): T {
  for (const t of active) t.paused++;
  try {
    return fn();
  } finally {
    for (const t of active) t.paused--;
  }
}

/**
 * Runs `fn` with every tape paused and returns what it returned with the trainable variables it read
 * (each variable with the value tensor it read). For `keras.ops.customGradient`.
 */
export function runCollectingVariables<T>(fn: () => T): {result: T; variables: Map<Tensor, object>} {
  const reads = new Map<Tensor, object>();
  variableReads.push(reads);
  try {
    return {result: noGrad(fn), variables: reads};
  } finally {
    variableReads.splice(variableReads.lastIndexOf(reads), 1);
  }
}

/**
 * Records a function with a gradient of its own on every tape that records and depends on `xs`;
 * `variables`: values of trainable variables among `xs` that tapes watching accessed variables
 * start watching (the reads happened while the tapes were paused).
 */
export function recordCustomGradient(
  xs: Tensor[],
  outputs: Tensor[],
  backward: (dys: Tensor[]) => (Tensor | null)[],
  variables: readonly Tensor[] = [],
): void {
  for (const tape of active) {
    if (tape.paused !== 0) continue;
    if (tape.watchAccessedVariables) for (const v of variables) tape.watch(v);
    if (!tape.dependsOnWatched({xs})) continue;
    tape.nodes.push({custom: true, inputs: {xs}, outputs, backward});
    for (const o of outputs) tape.tracked.add(o.id);
  }
}
