/**
 * A compiled step: the kernels of a trace in order, each with its inputs, attributes and outputs
 * resolved once, the intermediate tensors placed in an arena of buffers reused by liveness, and a
 * `run` that replays them on new inputs with no tape, closure or tensor made per step (views of a
 * rebound input, the random kernels' keys and the variables' new values aside).
 */
import type {Variable} from '../autodiff/variable.js';
import type {AnyKernelImpl, KernelTable} from '../backends/backend.js';
import {kernelListener} from '../backends/kernel_trace.js';
import {getBackend} from '../backends/registry.js';
import {referenceKernels} from '../backends/reference/index.js';
import {ValueError} from '../errors.js';
import {fusedKernels} from '../kernels/defs/fused.js';
import {randomKernels} from '../kernels/defs/random.js';
import {allocate, type TypedArray} from '../tensor/dtype.js';
import {maskKey, type Seed} from '../tensor/random.js';
import {shapesEqual} from '../tensor/shape.js';
import {Tensor} from '../tensor/tensor.js';
import {fusesOnHost, rewriteTrace} from './patterns.js';
import type {HostStep, Ref, Trace, TracedStep} from './trace.js';

/** A place a kernel reads a tensor from: `holder[key]`. */
interface Site {
  readonly holder: Record<string, Tensor | Tensor[]> | Tensor[];
  readonly key: string | number;
}

/** A tensor of the plan; those bound at each run (inputs, variables, views of them) carry the sites that read them. */
class Slot {
  readonly sites: Site[] = [];
  constructor(public current: Tensor) {}

  bind(t: Tensor): void {
    if (t === this.current) return;
    this.current = t;
    for (const s of this.sites) (s.holder as Record<string | number, Tensor>)[s.key] = t;
  }
}

/** An output the kernel writes into its variable's own tensor (the variable's input of a declared in-place pair). */
interface InPlaceOutput {
  readonly output: number;
  readonly variable: Variable;
  /** The variable's slot: the tensor the kernel reads it from. */
  readonly slot: Slot;
}

interface KernelOp {
  readonly kind: 'kernel';
  readonly name: string;
  readonly fast: AnyKernelImpl | undefined;
  readonly ref: AnyKernelImpl;
  readonly inputs: Record<string, Tensor | Tensor[]>;
  readonly attrs: Record<string, unknown>;
  readonly outputs: Tensor[];
  seed?: Seed;
  seeded: boolean;
  readonly inPlace: readonly InPlaceOutput[];
}

type Op =
  | KernelOp
  | {readonly kind: 'alias'; readonly src: Slot; readonly out: Slot; readonly shape: readonly number[]; readonly dtype: Tensor['dtype']}
  | {readonly kind: 'check'; readonly slot: Slot; readonly check: (t: Tensor) => void}
  | {readonly kind: 'host'; readonly step: HostStep; readonly inputs: Tensor[]; readonly outputs: Slot[]};

/** How many buffers a plan's arena holds and their bytes (for tests and benchmarks). */
interface ArenaStats {
  buffers: number;
  bytes: number;
  /** Bytes the intermediate tensors would take without reuse. */
  unsharedBytes: number;
}

export class Plan {
  private readonly ops: Op[] = [];
  private readonly inputSlots: Slot[];
  private readonly variableSlots: [Variable, Slot][] = [];
  private readonly outputSlots: (Slot | null)[];
  /** `run`'s result, refilled each run. */
  private readonly results: (Tensor | null)[];
  private readonly writes: [Variable, Slot][];
  readonly arena: ArenaStats;
  /** The storage of the arena's buffers. */
  private readonly buffers = new Set<ArrayBufferLike>();
  /** The tensors over those buffers, kernels' outputs (a GPU backend moves their storage to the device). */
  private readonly arenaTensors: Tensor[] = [];
  /** Kernel calls per run. */
  readonly kernelCount: number;
  /** The attributes rewritten before each run, with the function that rewrites them. */
  private readonly refreshes: [(attrs: Record<string, unknown>) => void, Record<string, unknown>][] = [];
  /** FusedDense attributes stamped with their kernel variable's version before each run (see `stampOf`). */
  private readonly stamps: [Record<string, unknown>, Variable][] = [];
  private readonly befores: readonly (() => void)[];
  private readonly effects: readonly (() => void)[];

  constructor(traced: Trace) {
    const backend = getBackend();
    const trace = rewriteTrace(traced, backend);
    const {order, inPlace, fused} = fuse(trace, schedule(trace), backend.kernels, fusesOnHost(backend));
    const steps = order.map((i) => (typeof i === 'number' ? fused.get(i) ?? trace.steps[i]! : null));
    // --- liveness: the last position that reads each kernel output's storage (views extend their source's)
    const END = order.length;
    const rootOf = new Map<Tensor, Tensor>(); // a view's storage owner, for kernel outputs
    const lastUse = new Map<Tensor, number>();
    const use = (t: Tensor, at: number) => {
      const r = rootOf.get(t);
      if (r) lastUse.set(r, Math.max(lastUse.get(r) ?? -1, at));
    };
    // outputs written into their variable's own tensor take no buffer of the arena
    const inPlaceOut = new Set<Tensor>();
    for (const [i, pairs] of inPlace) for (const p of pairs) inPlaceOut.add(trace.steps[i]!.outputs[p.output]!);
    order.forEach((o, i) => {
      if (typeof o !== 'number') return use(o.tensor, i);
      const s = steps[i]!;
      forEachInput(s, (t) => use(t, i));
      if (s.host) return; // its outputs are the host's storage, not the arena's
      if (s.def.alias !== undefined) {
        const src = s.inputs[s.def.alias as string] as Tensor;
        const r = rootOf.get(src);
        if (r) rootOf.set(s.outputs[0]!, r);
      } else for (const out of s.outputs) {
        if (inPlaceOut.has(out)) continue;
        rootOf.set(out, out);
        lastUse.set(out, Math.max(lastUse.get(out) ?? -1, i));
      }
    });
    for (const r of trace.outputs) if (r?.kind === 'out') use(trace.steps[r.step]!.outputs[r.output]!, END);
    for (const [, r] of trace.writes) if (r.kind === 'out') use(trace.steps[r.step]!.outputs[r.output]!, END);

    // a host step's input it offers its own storage for (HostStep.place): a kernel output read by nothing after the step
    const placed = new Map<Tensor, TypedArray>();
    order.forEach((o, i) => {
      const h = typeof o === 'number' ? steps[i]!.host : undefined;
      if (!h?.place) return;
      (steps[i]!.inputs['inputs'] as Tensor[]).forEach((t, j) => {
        const v = h.place!(j);
        const fits = v && v.length === t.size && (t.dtype === 'float32' ? v instanceof Float32Array : t.dtype === 'float64' && v instanceof Float64Array);
        if (fits && rootOf.get(t) === t && lastUse.get(t) === i && !placed.has(t)) placed.set(t, v);
      });
    });

    // --- the arena: one buffer per (dtype, size) free list, taken at a kernel's step, returned after its last reader
    const free = new Map<string, TypedArray[]>();
    const bufferOf = new Map<Tensor, TypedArray>();
    const releaseAt = new Map<number, Tensor[]>();
    let buffers = 0, bytes = 0, unsharedBytes = 0;
    for (const [t, last] of lastUse) {
      if (last < END) {
        const list = releaseAt.get(last) ?? [];
        list.push(t);
        releaseAt.set(last, list);
      }
    }
    const keyOf = (t: Tensor) => `${t.dtype}:${t.size}`;
    steps.forEach((s, i) => {
      if (s && s.def.alias === undefined && !s.host) {
        for (const o of s.outputs) {
          if (inPlaceOut.has(o)) continue;
          const p = placed.get(o);
          if (p) {
            bufferOf.set(o, p);
            continue;
          }
          const list = free.get(keyOf(o));
          let buf = list?.pop();
          if (!buf) {
            buf = allocate(o.dtype, o.size);
            this.buffers.add(buf.buffer);
            buffers++;
            bytes += buf.byteLength;
          }
          unsharedBytes += buf.byteLength;
          bufferOf.set(o, buf);
        }
      }
      for (const t of releaseAt.get(i) ?? []) {
        if (placed.has(t)) continue;
        const k = keyOf(t);
        const list = free.get(k) ?? [];
        list.push(bufferOf.get(t)!);
        free.set(k, list);
      }
    });
    this.arena = {buffers, bytes, unsharedBytes};

    // --- slots: the plan's tensor for each traced one
    this.inputSlots = trace.inputs.map((t) => new Slot(t));
    const varSlots = new Map<Variable, Slot>();
    const slotOf = new Map<Tensor, Slot>();
    const planTensor = (t: Tensor): Slot => {
      const known = slotOf.get(t);
      if (known) return known;
      const r = trace.refOf(t);
      let slot: Slot;
      if (r.kind === 'input') slot = this.inputSlots[r.index]!;
      else if (r.kind === 'variable') {
        slot = varSlots.get(r.variable) ?? new Slot(t);
        if (!varSlots.has(r.variable)) {
          varSlots.set(r.variable, slot);
          this.variableSlots.push([r.variable, slot]);
        }
      } else slot = new Slot(t); // a constant (outputs are given slots below, before they are read)
      slotOf.set(t, slot);
      return slot;
    };
    let kernels = 0;
    const inPlaceVars = new Set<Variable>();
    order.forEach((o, i) => {
      if (typeof o !== 'number') {
        this.ops.push({kind: 'check', slot: planTensor(o.tensor), check: o.check});
        return;
      }
      const s = steps[i]!;
      if (s.host) {
        const inputs = (s.inputs['inputs'] as Tensor[]).map((t) => planTensor(t).current);
        (s.inputs['inputs'] as Tensor[]).forEach((t, j) => planTensor(t).sites.push({holder: inputs, key: j}));
        const outputs = s.outputs.map((out) => {
          const slot = new Slot(out);
          slotOf.set(out, slot);
          return slot;
        });
        this.ops.push({kind: 'host', step: s.host, inputs, outputs});
        return;
      }
      if (s.def.alias !== undefined) {
        const src = planTensor(s.inputs[s.def.alias as string] as Tensor);
        const out = s.outputs[0]!;
        const outSlot = new Slot(new Tensor(out.shape, out.dtype, src.current.storage));
        slotOf.set(out, outSlot);
        this.ops.push({kind: 'alias', src, out: outSlot, shape: out.shape, dtype: out.dtype});
        return;
      }
      const inputs: Record<string, Tensor | Tensor[]> = {};
      for (const [k, v] of Object.entries(s.inputs)) {
        if (Array.isArray(v)) {
          const list = v.map((t) => planTensor(t).current);
          v.forEach((t, j) => planTensor(t).sites.push({holder: list, key: j}));
          inputs[k] = list;
        } else {
          const slot = planTensor(v);
          inputs[k] = slot.current;
          slot.sites.push({holder: inputs, key: k});
        }
      }
      const pairs = (inPlace.get(o) ?? []).map((p) => {
        inPlaceVars.add(p.variable);
        return {output: p.output, variable: p.variable, slot: varSlots.get(p.variable)!};
      });
      const outputs = s.outputs.map((out, k) => {
        const p = pairs.find((q) => q.output === k);
        if (p) return p.slot.current; // rebound at each run, before the kernel
        const t = new Tensor(out.shape, out.dtype, bufferOf.get(out)!);
        if (!placed.has(out)) this.arenaTensors.push(t);
        slotOf.set(out, new Slot(t));
        return t;
      });
      const name = s.def.name as keyof KernelTable;
      const attrs = {...(s.attrs as Record<string, unknown>)};
      const refresh = trace.refreshes.get(o);
      if (refresh) this.refreshes.push([refresh, attrs]);
      const stamped = stampOf(s, trace);
      if (stamped) this.stamps.push([attrs, stamped]);
      kernels++;
      const op: KernelOp = {kind: 'kernel', name, fast: backend.kernels[name], ref: referenceKernels[name], inputs, attrs, outputs, seeded: false, inPlace: pairs};
      if (s.seed) {
        op.seeded = true;
        op.seed = s.seed.seed;
      }
      this.ops.push(op);
    });
    this.kernelCount = kernels;
    this.befores = trace.befores;
    this.effects = trace.effects;
    const slotOfRef = (r: Ref): Slot => {
      switch (r.kind) {
        case 'out': return slotOf.get(trace.steps[r.step]!.outputs[r.output]!)!;
        case 'input': return this.inputSlots[r.index]!;
        case 'variable': return varSlots.get(r.variable) ?? planTensor(r.variable.value);
        case 'const': return new Slot(r.tensor);
      }
    };
    this.outputSlots = trace.outputs.map((r) => (r ? slotOfRef(r) : null));
    this.writes = trace.writes.filter(([v]) => !inPlaceVars.has(v)).map(([v, r]) => [v, slotOfRef(r)]);
    this.results = this.outputSlots.map(() => null);
  }

  /**
   * Replays the step on `inputs` (the same shapes and dtypes as the traced ones) and the variables'
   * current values; writes the variables the step assigns; returns the outputs. A returned tensor
   * that lives in the arena is valid until the next `run`: copy what must outlive it. The array
   * itself is the plan's, refilled by the next run.
   */
  run(inputs: readonly Tensor[]): (Tensor | null)[] {
    if (inputs.length !== this.inputSlots.length) {
      throw new ValueError(`Plan.run: expected ${this.inputSlots.length} input tensors. Received: ${inputs.length}`);
    }
    for (const f of this.befores) f();
    for (const [refresh, attrs] of this.refreshes) refresh(attrs);
    for (let i = 0; i < inputs.length; i++) this.inputSlots[i]!.bind(inputs[i]!);
    // a value only its variable holds is read as is; reading `value` would mark it shared and make the next update copy it
    for (const [v, slot] of this.variableSlots) slot.bind(v.peekUnshared() ?? v.value);
    for (const [attrs, v] of this.stamps) attrs['kernelVersion'] = v.version;
    for (const op of this.ops) {
      if (op.kind === 'kernel') {
        if (op.seeded) {
          const [k0, k1] = maskKey(op.seed);
          op.attrs['k0'] = k0 >>> 0;
          op.attrs['k1'] = k1 >>> 0;
        }
        const n = op.inPlace.length;
        // in place when the variable's value is its own; a value handed out keeps its values, and the variable takes a new one
        for (let j = 0; j < n; j++) {
          const p = op.inPlace[j]!, cur = p.slot.current;
          op.outputs[p.output] = p.variable.unsharedValue() === cur ? cur : new Tensor(cur.shape, cur.dtype, allocate(cur.dtype, cur.size));
        }
        const listener = kernelListener, start = listener ? performance.now() : 0;
        const ran = op.fast !== undefined && op.fast(op.inputs, op.attrs, op.outputs) !== false;
        if (!ran) op.ref(op.inputs, op.attrs, op.outputs);
        if (listener) listener(op.name, start, performance.now(), !ran && op.fast !== op.ref);
        for (let j = 0; j < n; j++) {
          const p = op.inPlace[j]!, out = op.outputs[p.output]!;
          if (out !== p.slot.current) p.variable.adoptValue(out);
        }
      } else if (op.kind === 'alias') {
        // a view is made again only when its source was rebound (an input or a variable's new value)
        // (storage, not values: a GPU backend's source may have moved to device storage, never read here)
        if (op.out.current.storage !== op.src.current.storage) op.out.bind(new Tensor(op.shape, op.dtype, op.src.current.storage));
      } else if (op.kind === 'host') {
        const outs = op.step.run(op.inputs);
        for (let i = 0; i < op.outputs.length; i++) op.outputs[i]!.bind(outs[i]!);
      } else op.check(op.slot.current);
    }
    for (const [v, slot] of this.writes) {
      const t = slot.current;
      const own = v.unsharedValue();
      // values on a device are copied there (a copy on the GPU), never read back to the host
      if (own && own !== t && own.storage !== t.storage && !own.device && !t.device) own.values.set(t.values);
      else if (own !== t) v.adoptValue(t.clone());
    }
    for (const f of this.effects) f();
    for (let i = 0; i < this.results.length; i++) this.results[i] = this.outputSlots[i]?.current ?? null;
    return this.results;
  }

  /** The kernels a run calls, in order (tests and benchmarks). */
  kernelNames(): string[] {
    return this.ops.flatMap((op) => (op.kind === 'kernel' ? [op.name] : []));
  }

  /** Whether `t`'s storage is one of the arena's buffers (rewritten by the next run). */
  owns(t: Tensor): boolean {
    // an arena tensor a GPU backend wrote keeps its device storage from run to run
    const d = t.device;
    if (d) return this.arenaTensors.some((a) => a.device === d);
    return this.buffers.has(t.values.buffer);
  }

  /**
   * Gives each of `variables` whose value lives in the arena (code after the step assigned it a view
   * of an output) a copy of its own, so the next run cannot change it. Returns how many it copied.
   */
  detach(variables: Iterable<Variable>): number {
    let n = 0;
    for (const v of variables) {
      const t = v.peekUnshared() ?? v.value;
      if (this.owns(t)) {
        v.adoptValue(t.clone());
        n++;
      }
    }
    return n;
  }
}

/**
 * The variable whose version a FusedDense step is stamped with (`FusedDenseAttrs.kernelVersion`): its
 * kernel is a variable's value that the step does not write (inference), so a backend may keep a
 * packed copy of it from run to run.
 */
function stampOf(s: TracedStep, trace: Trace): Variable | undefined {
  if (s.def.name !== 'FusedDense') return undefined;
  const r = trace.refOf(s.inputs['kernel'] as Tensor);
  if (r.kind !== 'variable' || trace.writes.some(([v]) => v === r.variable)) return undefined;
  return r.variable;
}

function forEachInput(s: TracedStep, f: (t: Tensor) => void): void {
  for (const v of Object.values(s.inputs)) {
    if (Array.isArray(v)) v.forEach(f);
    else f(v);
  }
}

type HostCheck = Trace['checks'][number];
type Schedule = ReturnType<typeof schedule>;

/** The kernels a gradient step fuses with an ActivationGrad relu after it, when the backend has the fused kernel. */
const RELU_FUSIONS: Record<string, 'MaxPoolGradRelu' | 'Conv2DBackpropInputRelu'> = {MaxPoolGrad: 'MaxPoolGradRelu', Conv2DBackpropInput: 'Conv2DBackpropInputRelu'};

/**
 * Fuses, in a schedule, a MaxPoolGrad or Conv2DBackpropInput whose output only an ActivationGrad relu
 * reads (as its `dy`) into one kernel that computes the same values (MaxPoolGradRelu,
 * Conv2DBackpropInputRelu: the relu output's mask applied while the gradient is in cache), at the
 * first kernel's place; only where the relu's `y` is made before that place (for MaxPoolGrad: is its
 * `x`). The trace's steps are not changed: the fused step, at the first one's number, has the
 * ActivationGrad's outputs, and the ActivationGrad leaves the order. Likewise a FusedConv2D and a
 * MaxPool of its output become FusedConv2DMaxPool (both outputs; the pooling while the output is in
 * cache), at the FusedConv2D's place, `pooledOnly` when nothing else reads the convolution's output
 * (inference: a backend need not store it), and where that is so and the convolution's input is the
 * output of a FusedConv2D that nothing else reads, both convolutions and the pooling become
 * FusedConv2DPairMaxPool (all three outputs, `pooledOnly`: a backend may keep each image's first two
 * in cache), at the second convolution's place, the first leaving the order; and an ActivationGrad
 * relu of a Mul that only it reads (a dropout's gradient), with a Sum of its output over the leading
 * axes (the bias's gradient), MulReluGradSum (both outputs), at the ActivationGrad's place, the Mul
 * and the Sum leaving the order.
 * And a BernoulliMask with the Mul right after it of its mask and a float tensor of the same shape
 * and dtype (dropout) become BernoulliMaskMul (both outputs; the product while the mask is in cache),
 * at the mask's place, with its seed (no other draw comes between, so the keys are drawn in the
 * same order), on a backend that computes on the host.
 */
function fuse(trace: Trace, {order, inPlace}: Schedule, kernels: Partial<KernelTable>, onHost: boolean): Schedule & {fused: Map<number, TracedStep>} {
  const steps = trace.steps, fused = new Map<number, TracedStep>(), gone = new Set<number>();
  const reads = new Map<Tensor, number>(), relu = new Map<Tensor, number>(), pool = new Map<Tensor, number>(), leading = new Map<Tensor, number>();
  const read = (t: Tensor) => reads.set(t, (reads.get(t) ?? 0) + 1);
  for (const r of [...trace.outputs, ...trace.writes.map(([, r]) => r)]) if (r?.kind === 'out') read(steps[r.step]!.outputs[r.output]!);
  for (const o of order) {
    if (typeof o !== 'number') {
      read(o.tensor);
      continue;
    }
    const s = steps[o]!;
    forEachInput(s, read);
    if (s.def.name === 'ActivationGrad' && (s.attrs as {activation: string}).activation === 'relu') relu.set(s.inputs['dy'] as Tensor, o);
    if (s.def.name === 'MaxPool' && !pool.has(s.inputs['x'] as Tensor)) pool.set(s.inputs['x'] as Tensor, o);
    const x = s.inputs['x'] as Tensor, a = s.attrs as {axes?: number[]; keepdims?: boolean};
    if (s.def.name === 'Sum' && !a.keepdims && x.rank >= 2 && a.axes?.length === x.rank - 1 && a.axes.every((d, i) => d === i)) leading.set(x, o);
  }
  // on the host only: a GPU backend runs a kernel without WGSL (this one) on the CPU, reading x back
  if (onHost && kernels.BernoulliMaskMul) {
    order.forEach((o, i) => {
      const next = order[i + 1];
      if (typeof o !== 'number' || typeof next !== 'number' || steps[o]!.def.name !== 'BernoulliMask' || steps[next]!.def.name !== 'Mul') return;
      const draw = steps[o]!, mul = steps[next]!, mask = draw.outputs[0]!, {a, b} = mul.inputs as {a: Tensor; b: Tensor};
      const x = a === mask ? b : a;
      const same = x !== mask && (a === mask || b === mask) && x.dtype === mask.dtype && (x.dtype === 'float32' || x.dtype === 'float64');
      if (!same || !shapesEqual(x.shape, mask.shape) || !draw.seed) return;
      fused.set(o, {def: randomKernels.BernoulliMaskMul, inputs: {x}, attrs: draw.attrs, outputs: [mul.outputs[0]!, mask], seed: draw.seed});
      gone.add(next);
    });
  }
  for (const o of order) {
    if (typeof o !== 'number') continue;
    const s = steps[o]!, name = RELU_FUSIONS[s.def.name], c = relu.get(s.outputs[0]!), p = pool.get(s.outputs[0]!);
    if (s.def.name === 'FusedConv2D' && p !== undefined && kernels.FusedConv2DMaxPool) {
      const m = steps[p]!;
      const pooledOnly = reads.get(s.outputs[0]!) === 1; // the pooling alone reads y
      // and the FusedConv2D that made x, when this convolution alone reads x (inference)
      const x = s.inputs['x'] as Tensor, r = trace.refOf(x), at = r.kind === 'out' ? r.step : -1, first = steps[at];
      if (pooledOnly && first?.def.name === 'FusedConv2D' && reads.get(x) === 1 && kernels.FusedConv2DPairMaxPool && !fused.has(at)) {
        const {x: x0, filter: filter0, bias: bias0} = first.inputs as Record<string, Tensor>;
        fused.set(o, {
          def: fusedKernels.FusedConv2DPairMaxPool, inputs: {x: x0!, filter0: filter0!, bias0: bias0!, filter: s.inputs['filter']!, bias: s.inputs['bias']!},
          attrs: {...(s.attrs as object), pool: m.attrs, first: first.attrs, pooledOnly}, outputs: [x, s.outputs[0]!, m.outputs[0]!],
        });
        gone.add(at);
      } else {
        fused.set(o, {def: fusedKernels.FusedConv2DMaxPool, inputs: s.inputs, attrs: {...(s.attrs as object), pool: m.attrs, pooledOnly}, outputs: [s.outputs[0]!, m.outputs[0]!]});
      }
      gone.add(p);
    }
    if (s.def.name === 'ActivationGrad' && (s.attrs as {activation: string}).activation === 'relu' && onHost && kernels.MulReluGradSum && !gone.has(o)) {
      const dy = s.inputs['dy'] as Tensor, g = s.outputs[0]!, sum = leading.get(g), r = trace.refOf(dy);
      const mul = r.kind === 'out' ? steps[r.step]! : null;
      const same = (t: Tensor) => t.shape.length === g.shape.length && t.shape.every((d, i) => d === g.shape[i]);
      if (sum !== undefined && mul?.def.name === 'Mul' && reads.get(dy) === 1 && same(mul.inputs['a'] as Tensor) && same(mul.inputs['b'] as Tensor)) {
        fused.set(o, {def: fusedKernels.MulReluGradSum, inputs: {a: mul.inputs['a']!, b: mul.inputs['b']!, y: s.inputs['y']!}, attrs: {}, outputs: [g, steps[sum]!.outputs[0]!]});
        gone.add(r.kind === 'out' ? r.step : -1).add(sum);
        continue;
      }
    }
    if (!name || !kernels[name] || c === undefined || reads.get(s.outputs[0]!) !== 1) continue;
    const act = steps[c]!, y = act.inputs['y'] as Tensor;
    if (name === 'MaxPoolGradRelu' ? y !== s.inputs['x'] : steps.slice(o).some((t) => t.outputs.includes(y))) continue;
    fused.set(o, {def: fusedKernels[name], inputs: name === 'MaxPoolGradRelu' ? s.inputs : {...s.inputs, y}, attrs: s.attrs, outputs: act.outputs});
    gone.add(c);
  }
  return {inPlace, fused, order: order.filter((o) => typeof o !== 'number' || !gone.has(o))};
}

/**
 * The order a plan runs a trace's kernels and host checks in, and which outputs it writes into
 * their variable's own tensor:
 * - a kernel none of whose outputs is read (by a kept kernel, a check, the step's outputs or a
 *   variable write) is left out, unless it draws random numbers (its draw moves the generator on);
 * - an output that is the step's last value of a variable, of a kernel that may write that input in
 *   place (`KernelDef.inPlace`: an optimizer update), is written into the variable's tensor when no
 *   later kernel reads the variable's old value and nothing else reads the output. (Moving such an
 *   update up to just after its gradient, while it is in cache, was tried: no gain was measured.)
 * The kernels that run, in the order they ran, and the values they read, are those of the trace.
 */
function schedule(trace: Trace): {order: (number | HostCheck)[]; inPlace: Map<number, {output: number; variable: Variable}[]>} {
  const steps = trace.steps;
  const N = steps.length;
  // --- kernels kept: walking back from what the step returns, writes and checks
  const needed = new Set<Tensor>();
  for (const r of trace.outputs) if (r?.kind === 'out') needed.add(steps[r.step]!.outputs[r.output]!);
  for (const [, r] of trace.writes) if (r.kind === 'out') needed.add(steps[r.step]!.outputs[r.output]!);
  for (const c of trace.checks) needed.add(c.tensor);
  const live = new Array<boolean>(N).fill(false);
  for (let i = N - 1; i >= 0; i--) {
    const s = steps[i]!;
    if (!s.seed && !s.host && !s.outputs.some((o) => needed.has(o))) continue; // host steps all run
    live[i] = true;
    forEachInput(s, (t) => needed.add(t));
  }
  // --- the last position that reads each tensor (N: the step returns it), and the variable each
  // tensor is the old value of (its value, or a view of it)
  const readAt = new Map<Tensor, number>();
  const read = (t: Tensor, at: number) => readAt.set(t, Math.max(readAt.get(t) ?? -1, at));
  const viewOf = new Map<Tensor, Variable>();
  const varOf = (t: Tensor): Variable | undefined => {
    const r = trace.refOf(t);
    return r.kind === 'variable' ? r.variable : viewOf.get(t);
  };
  steps.forEach((s, i) => {
    if (!live[i]) return;
    forEachInput(s, (t) => read(t, i));
    const v = s.def.alias !== undefined && varOf(s.inputs[s.def.alias as string] as Tensor);
    if (v) viewOf.set(s.outputs[0]!, v);
  });
  for (const c of trace.checks) read(c.tensor, c.at);
  for (const r of trace.outputs) if (r?.kind === 'out') read(steps[r.step]!.outputs[r.output]!, N);
  const lastRead = new Map<Variable, number>();
  for (const [t, at] of readAt) {
    const v = varOf(t);
    if (v) lastRead.set(v, Math.max(lastRead.get(v) ?? -1, at));
  }
  for (const r of trace.outputs) if (r?.kind === 'variable') lastRead.set(r.variable, N);
  const finalOf = new Map<Tensor, Variable>();
  for (const [v, r] of trace.writes) if (r.kind === 'out') finalOf.set(steps[r.step]!.outputs[r.output]!, v);
  // --- outputs written in place: the variable's last value, read by nothing else, its old value read by no later kernel
  const inPlace = new Map<number, {output: number; variable: Variable}[]>();
  steps.forEach((s, i) => {
    if (!live[i]) return;
    const pairs: {output: number; variable: Variable}[] = [];
    for (const pair of s.def.inPlace ?? []) {
      const v = s.inputs[pair.input];
      (Array.isArray(v) ? v : v ? [v] : []).forEach((t, j) => {
        const o = s.outputs[pair.output + j], r = trace.refOf(t);
        // the variable's own tensor, at this one position of the kernel (compiled kernels refuse other overlaps)
        let uses = 0;
        forEachInput(s, (x) => void (uses += +(x === t)));
        if (o && r.kind === 'variable' && finalOf.get(o) === r.variable && !readAt.has(o) && lastRead.get(r.variable) === i && uses === 1) {
          pairs.push({output: pair.output + j, variable: r.variable});
        }
      });
    }
    if (pairs.length) inPlace.set(i, pairs);
  });
  // --- the order: the kernels kept, each check before the step it preceded
  const seq: (number | HostCheck)[] = [];
  const checksAt = new Map<number, HostCheck[]>();
  for (const c of trace.checks) checksAt.set(c.at, [...(checksAt.get(c.at) ?? []), c]);
  for (let i = 0; i <= N; i++) {
    seq.push(...(checksAt.get(i) ?? []));
    if (i < N && live[i]) seq.push(i);
  }
  return {order: seq, inPlace};
}
