import {ValueError} from '../errors.js';
import * as ops from '../ops/index.js';
import {isFloat} from '../tensor/dtype.js';
import {fmtShape, shapesEqual} from '../tensor/shape.js';
import {ones, Tensor, zeros} from '../tensor/tensor.js';
import {noGrad, popTape, pushTape, Tape} from '../autodiff/engine.js';
import {GRADIENTS} from './table.js';
import {Variable} from '../autodiff/variable.js';

/** Sums a broadcast gradient back to the shape of the input it flows into. This is the one place. */
function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const s = axes.length ? ops.sum(g, axes, true) : g;
  return ops.reshape(s, shape);
}

type Source = Tensor | Variable;

/**
 * Records the ops run inside `run(fn)` and differentiates through them, as `tf.GradientTape`.
 * Trainable variables read inside are watched automatically; other tensors need `watch`.
 *
 * ```ts
 * const tape = new GradientTape();
 * const loss = tape.run(() => ops.sum(ops.square(ops.matmul(x, w))));
 * const [dw] = tape.gradient(loss, [w]);
 * ```
 */
export class GradientTape {
  private readonly tape: Tape;
  private used = false;
  readonly persistent: boolean;

  constructor({persistent = false, watchAccessedVariables = true} = {}) {
    this.tape = new Tape(watchAccessedVariables);
    this.persistent = persistent;
  }

  watch(x: Source | Source[]): void {
    for (const s of Array.isArray(x) ? x : [x]) this.tape.watch(s instanceof Variable ? s.value : s);
  }

  /** Runs `fn` with this tape recording; may be called several times. */
  run<T>(fn: () => T): T {
    pushTape(this.tape);
    try {
      return fn();
    } finally {
      popTape(this.tape);
    }
  }

  /**
   * Gradients of `target` with respect to each source (`null` where the target does not depend
   * on it, as TensorFlow). `outputGradient` seeds the target's gradient (default ones).
   * `onGradient(i, g)`, when given, is told each source's gradient as soon as it is final, while the
   * backward pass goes on (data-parallel training starts summing it across processes then).
   */
  gradient(
    target: Tensor,
    sources: Source[],
    outputGradient?: Tensor,
    onGradient?: (index: number, grad: Tensor | null) => void,
  ): (Tensor | null)[] {
    if (this.used && !this.persistent) {
      throw new ValueError('GradientTape.gradient can only be called once on a non-persistent tape; pass {persistent: true} to call it again');
    }
    this.used = true;
    if (!isFloat(target.dtype)) throw new ValueError(`GradientTape.gradient: target must be a float tensor. Received dtype ${target.dtype}`);
    const ids = sources.map((s) => (s instanceof Variable ? s.value : s).id);
    const grads = backprop(this.tape, target, outputGradient ?? ones(target.shape, target.dtype), onGradient && {ids, onGradient});
    return ids.map((id) => grads.get(id) ?? null);
  }
}

/** Sources whose gradients are reported as soon as they are final (`GradientTape.gradient`'s `onGradient`). */
interface ReadyHook {
  ids: number[];
  onGradient: (index: number, grad: Tensor | null) => void;
}

function backprop(tape: Tape, target: Tensor, seed: Tensor, ready?: ReadyHook): Map<number, Tensor> {
  if (!shapesEqual(seed.shape, target.shape)) {
    throw new ValueError(`outputGradient shape ${fmtShape(seed.shape)} does not match target shape ${fmtShape(target.shape)}`);
  }
  const grads = new Map<number, Tensor>([[target.id, seed]]);
  const accumulate = (t: Tensor, g: Tensor) => {
    const prev = grads.get(t.id);
    grads.set(t.id, prev ? ops.add(prev, g) : g);
  };
  // a source's gradient is final once the first node that reads it (the last one visited) is done
  let pending: [number, number][] = [];
  if (ready) {
    const firstUse = new Map<number, number>(ready.ids.map((id) => [id, -1]));
    tape.nodes.forEach((node, n) => {
      for (const v of Object.values(node.inputs)) {
        for (const t of Array.isArray(v) ? v : [v]) if (firstUse.get(t.id) === -1) firstUse.set(t.id, n);
      }
    });
    pending = ready.ids.map((id, k): [number, number] => [firstUse.get(id)!, k]).sort((a, b) => a[0] - b[0]);
  }
  const flush = (done: number) => {
    while (pending.length && pending[pending.length - 1]![0] >= done) {
      const k = pending.pop()![1];
      ready!.onGradient(k, grads.get(ready!.ids[k]!) ?? null);
    }
  };
  // the tape does not record its own backward pass; outer tapes do (higher-order gradients)
  tape.paused++;
  try {
    for (let i = tape.nodes.length - 1; i >= 0; i--) {
      if (ready) flush(i + 1);
      const node = tape.nodes[i]!;
      if (!node.outputs.some((o) => grads.has(o.id))) continue;
      if ('custom' in node) {
        const dys = node.outputs.map((o) => grads.get(o.id) ?? zeros(o.shape, o.dtype));
        const gs = node.backward(dys);
        node.inputs.xs.forEach((x, j) => {
          const g = gs[j];
          if (g !== null && g !== undefined && tape.tracked.has(x.id) && isFloat(x.dtype)) accumulate(x, sumToShape(g, x.shape));
        });
        continue;
      }
      const rule = GRADIENTS[node.def.name as keyof typeof GRADIENTS];
      if (rule === undefined) {
        throw new ValueError(`No gradient rule for kernel "${node.def.name}"`);
      }
      if (rule === 'nondifferentiable') continue;
      const dys = node.outputs.map((o) => grads.get(o.id) ?? zeros(o.shape, o.dtype));
      const result = (rule as (ctx: unknown) => Record<string, Tensor | Tensor[] | null | undefined>)({
        dy: dys[0],
        dys,
        inputs: node.inputs,
        attrs: node.attrs,
        y: node.outputs[0],
        outputs: node.outputs,
        vjp,
      });
      for (const [name, value] of Object.entries(node.inputs)) {
        // a rule's result is read only for inputs that need a gradient, so a rule may return getters
        // and skip work nobody asked for (the input gradient of a model's first layer, say)
        if (!Array.isArray(value) && !(tape.tracked.has(value.id) && isFloat(value.dtype))) continue;
        const g = result[name];
        if (g === null || g === undefined) continue;
        if (Array.isArray(value)) {
          (g as Tensor[]).forEach((gi, j) => {
            if (tape.tracked.has(value[j]!.id) && isFloat(value[j]!.dtype)) accumulate(value[j]!, sumToShape(gi, value[j]!.shape));
          });
        } else if (tape.tracked.has(value.id) && isFloat(value.dtype)) {
          accumulate(value, sumToShape(g as Tensor, value.shape));
        }
      }
    }
    if (ready) flush(-1);
  } finally {
    tape.paused--;
  }
  return grads;
}

/** `GradContext.vjp`: the vector-Jacobian product of a composite, on a tape of its own. */
function vjp(xs: Tensor[], dys: Tensor[], f: () => Tensor[]): (Tensor | null)[] {
  const tape = new GradientTape();
  tape.watch(xs);
  const target = tape.run(() => f().map((o, i) => ops.sum(ops.multiply(o, dys[i]!))).reduce((p, q) => ops.add(p, q)));
  return tape.gradient(target, xs);
}

/**
 * `valueAndGrad(f)(...args)` returns `{value: f(...args), grads: [df/darg0, df/darg1, ...]}`: one
 * gradient per tensor argument (zeros where `f` does not depend on it), as `jax.value_and_grad` over
 * all arguments. Variables `f` reads get no gradient here: for those, use a `GradientTape` and ask
 * `tape.gradient(value, variables)`.
 */
export function valueAndGrad<A extends Tensor[]>(
  f: (...args: A) => Tensor,
): (...args: A) => {value: Tensor; grads: Tensor[]} {
  return (...args: A) => {
    const tape = new GradientTape();
    tape.watch(args);
    const value = tape.run(() => f(...args));
    const grads = tape.gradient(value, args).map((g, i) => g ?? zeros(args[i]!.shape, args[i]!.dtype));
    return {value, grads};
  };
}

/** `grad(f)(...args)`: the gradients of `f` with respect to its tensor arguments. */
export function grad<A extends Tensor[]>(f: (...args: A) => Tensor): (...args: A) => Tensor[] {
  const vg = valueAndGrad(f);
  return (...args: A) => vg(...args).grads;
}

/** `keras.ops.stop_gradient`: the value, with no gradient flowing back through it. */
export function stopGradient(x: Tensor): Tensor {
  return noGrad(() => ops.reshape(x, x.shape));
}
