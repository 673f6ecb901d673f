import type {AdadeltaUpdateAttrs, AdamUpdateAttrs, RMSpropUpdateAttrs, SGDUpdateAttrs} from '../../kernels/defs/optimizer.js';
import {optimizerSlotCount} from '../../kernels/defs/optimizer.js';
import {ValueError} from '../../errors.js';
import {fmtShape} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {KernelTable} from '../backend.js';

/**
 * The fused optimizer updates, computed in the tensor's dtype exactly as the composite ops of
 * `optimizers/` compute them: in float32 every scalar and every intermediate is rounded to float32
 * (`Math.fround`) where a composite op would store it in a float32 tensor, so the two paths agree
 * bit for bit; in float64 nothing is rounded.
 */

type Round = (x: number) => number;
const identity: Round = (x) => x;
const roundFor = (t: Tensor): Round => (t.dtype === 'float32' ? Math.fround : identity);

export interface UpdateInputs {
  variable: Tensor;
  gradient: Tensor;
  slots: Tensor[];
}

/** Checks what the kernel reads: slot count, and every input and output the variable's size. */
function check(op: 'SGDUpdate' | 'RMSpropUpdate' | 'AdamUpdate' | 'AdadeltaUpdate', {variable, gradient, slots}: UpdateInputs, attrs: {momentum?: number}, outs: Tensor[]): void {
  const want = optimizerSlotCount(op, attrs);
  if (slots.length !== want) throw new ValueError(`${op}: expected ${want} slot tensor(s) for these attributes. Received: ${slots.length}`);
  const n = variable.size;
  const all: [string, Tensor][] = [['gradient', gradient], ...slots.map((s, i): [string, Tensor] => [`slots[${i}]`, s]), ...outs.map((o, i): [string, Tensor] => [`output ${i}`, o])];
  for (const [name, t] of all) {
    if (t.values.length !== n || variable.values.length !== n) {
      throw new ValueError(
        `${op}: ${name} must have the variable's ${n} elements (shape ${fmtShape(variable.shape)}). ` +
          `Received: ${name}.shape=${fmtShape(t.shape)} with ${t.values.length} values`,
      );
    }
  }
}

// Alias-safe for the kernels' in-place pairs (output k the very storage of the variable or slot
// k - 1): each loop reads element i of the variable and slots into locals before writing element i
// of the outputs, and reads no other index.
export const optimizerImpl = {
  SGDUpdate: (inp: UpdateInputs, a: SGDUpdateAttrs, outs: Tensor[]) => {
    check('SGDUpdate', inp, a, outs);
    const r = roundFor(inp.variable);
    const w = inp.variable.values, g = inp.gradient.values, w2 = outs[0]!.values;
    const lr = r(a.learningRate);
    if (a.momentum === 0) {
      for (let i = 0; i < w.length; i++) w2[i] = w[i]! - r(g[i]! * lr);
      return;
    }
    const mu = r(a.momentum);
    const m = inp.slots[0]!.values, m2 = outs[1]!.values;
    for (let i = 0; i < w.length; i++) {
      const step = r(g[i]! * lr);
      const mi = r(r(m[i]! * mu) - step);
      m2[i] = mi;
      w2[i] = a.nesterov ? w[i]! + r(r(mi * mu) - step) : w[i]! + mi;
    }
  },

  RMSpropUpdate: (inp: UpdateInputs, a: RMSpropUpdateAttrs, outs: Tensor[]) => {
    check('RMSpropUpdate', inp, a, outs);
    const r = roundFor(inp.variable);
    const w = inp.variable.values, g = inp.gradient.values, v = inp.slots[0]!.values;
    const w2 = outs[0]!.values, v2 = outs[1]!.values;
    const lr = r(a.learningRate), rho = r(a.rho), rho1 = r(1 - a.rho), eps = r(a.epsilon);
    const withMomentum = a.momentum > 0;
    const mu = r(a.momentum);
    const m = withMomentum ? inp.slots[1]!.values : null, m2 = withMomentum ? outs[2]!.values : null;
    for (let i = 0; i < w.length; i++) {
      const gi = g[i]!;
      const vi = r(r(v[i]! * rho) + r(r(gi * gi) * rho1));
      v2[i] = vi;
      const inc = r(r(gi * lr) / r(Math.sqrt(r(vi + eps))));
      if (m) {
        const mi = r(r(m[i]! * mu) + inc);
        m2![i] = mi;
        w2[i] = w[i]! - mi;
      } else {
        w2[i] = w[i]! - inc;
      }
    }
  },

  AdamUpdate: (inp: UpdateInputs, a: AdamUpdateAttrs, outs: Tensor[]) => {
    check('AdamUpdate', inp, {}, outs);
    const r = roundFor(inp.variable);
    const w = inp.variable.values, g = inp.gradient.values, m = inp.slots[0]!.values, v = inp.slots[1]!.values;
    const w2 = outs[0]!.values, m2 = outs[1]!.values, v2 = outs[2]!.values;
    const alpha = r(a.alpha), b1 = r(1 - a.beta1), b2 = r(1 - a.beta2), eps = r(a.epsilon);
    for (let i = 0; i < w.length; i++) {
      const gi = g[i]!;
      const mi = r(m[i]! + r(r(gi - m[i]!) * b1));
      const vi = r(v[i]! + r(r(r(gi * gi) - v[i]!) * b2));
      m2[i] = mi;
      v2[i] = vi;
      w2[i] = w[i]! - r(r(mi * alpha) / r(r(Math.sqrt(vi)) + eps));
    }
  },

  AdadeltaUpdate: (inp: UpdateInputs, a: AdadeltaUpdateAttrs, outs: Tensor[]) => {
    check('AdadeltaUpdate', inp, {}, outs);
    const r = roundFor(inp.variable);
    const w = inp.variable.values, g = inp.gradient.values, eg = inp.slots[0]!.values, ed = inp.slots[1]!.values;
    const w2 = outs[0]!.values, eg2 = outs[1]!.values, ed2 = outs[2]!.values;
    const lr = r(a.learningRate), rho = r(a.rho), rho1 = r(1 - a.rho), eps = r(a.epsilon);
    for (let i = 0; i < w.length; i++) {
      const gi = g[i]!;
      const egi = r(r(eg[i]! * rho) + r(r(gi * gi) * rho1));
      eg2[i] = egi;
      const edi = ed[i]!;
      const delta = -r(r(r(Math.sqrt(r(edi + eps))) * gi) / r(Math.sqrt(r(egi + eps))));
      ed2[i] = r(edi * rho) + r(r(delta * delta) * rho1);
      w2[i] = w[i]! + r(delta * lr);
    }
  },
} satisfies Partial<KernelTable>;
