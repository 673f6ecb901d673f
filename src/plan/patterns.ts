/**
 * Pattern rewrites of a trace, before a plan schedules it: a subgraph recognised by its kernels,
 * their attributes and their wiring is replaced by fused kernels that compute the same function
 * (the composite's operations in its order: rounding may differ only where a backend's fused kernel
 * rounds otherwise). Only the steps that produce the subgraph's results are replaced, each at its
 * own place; the intermediate kernels nothing reads any more are then left out by the schedule.
 *
 * - A MatMul and the Add of a bias to it (a Dense layer whose activation FusedDense lacks: softmax):
 *   one FusedDense, linear, on the compiled backends.
 * - An accuracy metric's ArgMax, ArgMax, Equal and Cast: one ArgMaxMatch.
 * - Crossentropy after a softmax (Keras's `categorical_crossentropy` on a `softmax` output, the
 *   composite of losses/losses.ts): the 7 kernels of the per-sample loss become one
 *   CategoricalCrossentropyProbs, and the ~25 of its gradient through the clip, the normalization
 *   and the softmax become one SoftmaxCrossentropyGrad.
 */
import type {Backend} from '../backends/backend.js';
import {fusedKernels} from '../kernels/defs/fused.js';
import type {Tensor} from '../tensor/tensor.js';
import type {Trace, TracedStep} from './trace.js';

/**
 * One kernel of a pattern: the name its first output binds, the kernel, its inputs by slot, and a
 * check of the step (attributes, shapes). An input is a name (bound by its first use, the same
 * tensor at every later use); `~name`, that tensor or a chain of Reshapes of it (an unbound name
 * binds the chain's start); `#name`, a float scalar constant equal to the number `name` (`#0`: 0).
 */
type Row = readonly [out: string, kernel: string, inputs: Readonly<Record<string, string>>, check?: (s: TracedStep, m: Match) => boolean];

interface Match {
  readonly t: Map<string, Tensor>;
  readonly num: Map<string, number>;
  readonly steps: Map<string, number>;
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
/** A Sum over the last axis of the softmax's output (rank r). */
const lastAxis = (keepdims: boolean) => (s: TracedStep, m: Match) => {
  const a = s.attrs as {axes: number[]; keepdims: boolean}, r = m.t.get('p')!.rank;
  return a.keepdims === keepdims && a.axes.length === 1 && a.axes[0] === r - 1;
};
/** A BroadcastTo of a `[..., 1]` column to the softmax output's shape. */
const column = (s: TracedStep, m: Match) => {
  const p = m.t.get('p')!, x = s.inputs['x'] as Tensor;
  return sameShape(s.outputs[0]!.shape, p.shape) && sameShape(x.shape, [...p.shape.slice(0, -1), 1]);
};

/** The crossentropy from `p` (a Softmax's output over its last axis), as losses/losses.ts runs it. */
const CROSSENTROPY: readonly Row[] = [
  ['s', 'Sum', {x: 'p'}, lastAxis(true)],
  ['q', 'Div', {a: 'p', b: 's'}],
  ['c', 'Clip', {x: 'q'}, (s, m) => {
    const {min, max} = s.attrs as {min: number; max: number}, f = m.t.get('p')!.dtype === 'float32' ? Math.fround : Number;
    m.num.set('lo', f(min)).set('hi', f(max)).set('epsilon', min);
    return min >= 0 && min < 0.5 && max === 1 - min;
  }],
  ['l', 'Log', {x: 'c'}],
  ['m', 'Mul', {a: 'y', b: 'l'}, (_s, m) => sameShape(m.t.get('y')!.shape, m.t.get('p')!.shape)], // no broadcast target
  ['r', 'Sum', {x: 'm'}, lastAxis(false)],
  ['loss', 'Neg', {x: 'r'}],
];

/** Its gradient, as the tape records it: from dy (the loss's) back to the softmax's input. */
const CROSSENTROPY_GRAD: readonly Row[] = [
  ['dc', 'Div', {a: 'dl', b: 'c'}],
  ['dl', 'Mul', {a: 'dm', b: 'y'}],
  ['dm', 'BroadcastTo', {x: '~dr'}, column],
  ['dr', 'Neg', {x: 'dy'}, (s, m) => sameShape((s.inputs['x'] as Tensor).shape, m.t.get('loss')!.shape)],
  ['dq', 'Where', {condition: 'held', a: '#0', b: 'dc'}],
  ['held', 'LogicalOr', {a: 'below', b: 'above'}],
  ['below', 'Less', {a: 'q', b: '#lo'}],
  ['above', 'Greater', {a: 'q', b: '#hi'}],
  ['dp1', 'Div', {a: 'dq', b: 's'}],
  ['t', 'Mul', {a: 'dq', b: 'p'}],
  ['u', 'Div', {a: 't', b: 's2'}],
  ['s2', 'Square', {x: 's'}],
  ['v', 'Neg', {x: 'u'}],
  ['w', 'Sum', {x: 'v'}, lastAxis(true)],
  ['dp', 'Add', {a: 'dp1', b: 'wb'}],
  ['wb', 'BroadcastTo', {x: '~w'}, column],
  ['e', 'Mul', {a: 'dp', b: 'p'}],
  ['f', 'Sum', {x: 'e'}, lastAxis(true)],
  ['h', 'Sub', {a: 'dp', b: 'f'}],
  ['dz', 'Mul', {a: 'p', b: 'h'}],
];

/** A metric's matches (`accuracy`, `categorical_accuracy`): Equal of two ArgMax over the last axis, before a Cast to floats. */
const ARGMAX_MATCH: readonly Row[] = [
  ['eq', 'Equal', {a: 'ia', b: 'ib'}],
  ['ia', 'ArgMax', {x: 'a'}, (s) => lastArg(s)],
  ['ib', 'ArgMax', {x: 'b'}, (s, m) => lastArg(s) && sameShape(m.t.get('a')!.shape, m.t.get('b')!.shape)],
];
const lastArg = (s: TracedStep) => {
  const {axis, keepdims} = s.attrs as {axis: number; keepdims: boolean}, x = s.inputs['x'] as Tensor;
  return !keepdims && x.rank >= 1 && (axis === x.rank - 1 || axis === -1);
};

/**
 * Whether the backend runs the fused kernels of these rewrites and of the plan's MulReluGradSum where
 * its tensors live: the reference backend and the compiled ones (a GPU backend has no WGSL for them
 * and would read its tensors back to run them on the CPU).
 */
export function fusesOnHost(backend: Backend): boolean {
  return backend.name === 'reference' || 'addon' in backend;
}

/**
 * The trace with its recognised subgraphs replaced (the same trace when none is, or the backend
 * lacks the fused kernels).
 */
export function rewriteTrace(trace: Trace, backend: Backend): Trace {
  if (!fusesOnHost(backend)) return trace;
  const kernels = backend.kernels;
  const xent = kernels.CategoricalCrossentropyProbs && kernels.SoftmaxCrossentropyGrad;
  // the compiled backends' FusedDense (native, wasm: over an addon) adds the bias to the rounded
  // product, as MatMul then Add do; the reference one sums it into the product before it rounds, a
  // GPU's as its shader does (the same values only in exact arithmetic)
  const dense = kernels.FusedDense && 'addon' in backend;
  if (!xent && !kernels.ArgMaxMatch && !dense) return trace;
  const readers = new Map<Tensor, number[]>();
  trace.steps.forEach((s, i) => {
    for (const v of Object.values(s.inputs)) for (const t of Array.isArray(v) ? v : [v]) readers.set(t, [...(readers.get(t) ?? []), i]);
  });
  let steps: TracedStep[] | null = null;
  trace.steps.forEach((s, i) => {
    if (s.def.name !== 'Add' || s.host || !dense) return;
    const y = s.inputs['a'] as Tensor, bias = s.inputs['b'] as Tensor, r = trace.refOf(y), mm = r.kind === 'out' ? trace.steps[r.step]! : null;
    if (mm?.def.name !== 'MatMul' || mm.host) return;
    const x = mm.inputs['a'] as Tensor, kernel = mm.inputs['b'] as Tensor, t = mm.attrs as {transposeA: boolean; transposeB: boolean};
    const f32 = [x, kernel, bias, y].every((u) => u.dtype === 'float32');
    if (!f32 || t.transposeA || t.transposeB || x.rank !== 2 || kernel.rank !== 2 || bias.rank !== 1 || bias.size !== y.shape[1]) return;
    steps ??= [...trace.steps];
    steps[i] = {def: fusedKernels.FusedDense, inputs: {x, kernel, bias}, attrs: {activation: 'linear'}, outputs: s.outputs};
  });
  trace.steps.forEach((s, i) => {
    if (s.def.name !== 'Cast' || s.host || !kernels.ArgMaxMatch) return;
    const eq = s.inputs['x'] as Tensor, dtype = (s.attrs as {dtype: string}).dtype;
    if (eq.dtype !== 'bool' || (dtype !== 'float32' && dtype !== 'float64')) return;
    const m: Match = {t: new Map([['eq', eq]]), num: new Map(), steps: new Map()};
    if (!match(trace, readers, ARGMAX_MATCH, m, new Set([i]))) return;
    steps ??= [...trace.steps];
    steps[i] = {def: fusedKernels.ArgMaxMatch, inputs: {a: m.t.get('a')!, b: m.t.get('b')!}, attrs: {dtype}, outputs: s.outputs};
  });
  for (const s of trace.steps) {
    if (s.def.name !== 'Softmax' || s.host || !xent) continue;
    const p = s.outputs[0]!, axis = (s.attrs as {axis: number}).axis;
    if (p.dtype !== 'float32' && p.dtype !== 'float64') continue;
    if (axis !== p.rank - 1 && axis !== -1) continue;
    const m: Match = {t: new Map([['p', p]]), num: new Map([['0', 0]]), steps: new Map()}, used = new Set<number>();
    if (!match(trace, readers, CROSSENTROPY, m, used)) continue;
    const epsilon = m.num.get('epsilon')!, target = m.t.get('y')!;
    steps ??= [...trace.steps];
    const at = (name: string) => m.steps.get(name)!;
    steps[at('loss')] = {def: fusedKernels.CategoricalCrossentropyProbs, inputs: {target, output: p}, attrs: {epsilon}, outputs: [m.t.get('loss')!]};
    // without the gradient (an evaluation), or with more than this loss reaching p: the forward alone
    if (!match(trace, readers, CROSSENTROPY_GRAD, m, used)) continue;
    steps[at('dz')] = {def: fusedKernels.SoftmaxCrossentropyGrad, inputs: {target, output: p, dy: m.t.get('dy')!}, attrs: {epsilon}, outputs: [m.t.get('dz')!]};
  }
  return steps === null ? trace : {...trace, steps};
}

/**
 * Matches `rows` in order against the trace's steps, each step used once, adding to the bindings
 * `m`; false when a row finds no step (`m` then holds part of a match).
 */
function match(trace: Trace, readers: Map<Tensor, number[]>, rows: readonly Row[], m: Match, used: Set<number>): boolean {
  const producer = (t: Tensor): number | null => {
    const r = trace.refOf(t);
    return r.kind === 'out' && r.output === 0 ? r.step : null;
  };
  // the start of a Reshape chain that ends at t
  const unreshape = (t: Tensor, until?: Tensor): Tensor | null => {
    for (;;) {
      if (t === until) return t;
      const i = producer(t), s = i === null ? null : trace.steps[i]!;
      if (!s || s.def.name !== 'Reshape' || s.host) return until ? null : t;
      t = s.inputs['x'] as Tensor;
    }
  };
  // binds the inputs of step s to the row's inputs (into `bind`), or false
  const fits = (s: TracedStep, inputs: Readonly<Record<string, string>>, bind: Map<string, Tensor>): boolean => {
    const slots = Object.keys(s.inputs);
    if (slots.length !== Object.keys(inputs).length) return false;
    for (const [slot, spec] of Object.entries(inputs)) {
      const v = s.inputs[slot];
      if (!v || Array.isArray(v)) return false;
      if (spec.startsWith('#')) {
        const want = m.num.get(spec.slice(1));
        if (want === undefined || trace.refOf(v).kind !== 'const' || v.size !== 1 || (v.dtype !== 'float32' && v.dtype !== 'float64') || v.values[0] !== want) return false;
        continue;
      }
      const name = spec.replace('~', ''), known = bind.get(name) ?? m.t.get(name);
      const t = spec.startsWith('~') ? unreshape(v, known) : v;
      if (!t || (known && t !== known)) return false;
      bind.set(name, t);
    }
    return true;
  };
  for (const [out, kernel, inputs, check] of rows) {
    const bound = m.t.get(out);
    let candidates: number[];
    if (bound) {
      const i = producer(bound);
      candidates = i === null ? [] : [i];
    } else {
      const first = Object.values(inputs).find((spec) => /^\w/.test(spec) && m.t.has(spec));
      candidates = first ? readers.get(m.t.get(first)!) ?? [] : [];
    }
    let found = false;
    for (const i of candidates) {
      const s = trace.steps[i]!;
      if (used.has(i) || s.def.name !== kernel || s.host || s.outputs.length !== 1) continue;
      const bind = new Map<string, Tensor>();
      if (!fits(s, inputs, bind) || (bound && s.outputs[0] !== bound)) continue;
      for (const [k, t] of bind) m.t.set(k, t);
      m.t.set(out, s.outputs[0]!);
      if (check && !check(s, m)) return false;
      m.steps.set(out, i);
      used.add(i);
      found = true;
      break;
    }
    if (!found) return false;
  }
  return true;
}
