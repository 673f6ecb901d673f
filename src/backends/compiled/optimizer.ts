import {optimizerSlotCount, type AdadeltaUpdateAttrs, type AdamUpdateAttrs, type RMSpropUpdateAttrs, type SGDUpdateAttrs} from '../../kernels/defs/optimizer.js';
import {ValueError} from '../../errors.js';
import {fmtShape, shapesEqual} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {KernelTable} from '../backend.js';
import {OptimizerRule} from './abi.js';
import type {Compiled} from './call.js';
import {isF32} from './checks.js';

/**
 * The fused optimizer updates (native/src/optimizer.cpp): float32 only (float64 runs on the
 * reference backend), at every size: a step updates each small variable (a bias) once, too rarely
 * for the JavaScript loop to be optimized (~10 us for 10 elements in a step, against ~1 us for the
 * call). Every buffer is checked to hold exactly the variable's
 * elements before the call; the compiled side checks the lengths again. An output may be its own input's
 * buffer (the variable's, or its slot's: an update in place, as `execute` allows for the kernels'
 * declared pairs); the compiled side refuses any other overlap between an output and another buffer.
 */
export function optimizerKernels({call}: Compiled): Partial<KernelTable> {
  type Op = 'SGDUpdate' | 'RMSpropUpdate' | 'AdamUpdate' | 'AdadeltaUpdate';
  const update = <A extends object>(op: Op, rule: number, params: (a: A) => [number, number, number, number]) =>
    ({variable, gradient, slots}: {variable: Tensor; gradient: Tensor; slots: Tensor[]}, attrs: A, outs: Tensor[]) => {
      const all = [variable, gradient, ...slots, ...outs];
      if (!isF32(...all)) return false;
      const s = optimizerSlotCount(op, attrs as {momentum?: number});
      if (slots.length !== s || outs.length !== s + 1) {
        throw new ValueError(`${op}: expected ${s} slot tensor(s) and ${s + 1} outputs for these attributes. Received: ${slots.length} slots, ${outs.length} outputs`);
      }
      const n = variable.size;
      // plain loops: this runs for every variable of every training step
      for (let i = 0; i < all.length; i++) {
        const t = all[i]!;
        if (!shapesEqual(t.shape, variable.shape) || t.values.length !== n) {
          const names = ['variable', 'gradient', ...slots.map((_, k) => `slots[${k}]`), 'output variable', ...slots.map((_, k) => `output slots[${k}]`)];
          throw new ValueError(
            `${op}: ${names[i]} must have the variable's shape ${fmtShape(variable.shape)} and ${n} values. ` +
              `Received: ${names[i]}.shape=${fmtShape(t.shape)} with ${t.values.length} values`,
          );
        }
      }
      const [p0, p1, p2, p3] = params(attrs);
      call('OptimizerUpdate', all, {rule, n, p0, p1, p2, p3});
      return true;
    };

  return {
    SGDUpdate: update('SGDUpdate', OptimizerRule.SGD, (a: SGDUpdateAttrs) => [a.learningRate, a.momentum, +a.nesterov, 0]),
    RMSpropUpdate: update('RMSpropUpdate', OptimizerRule.RMSprop, (a: RMSpropUpdateAttrs) => [a.learningRate, a.rho, a.momentum, a.epsilon]),
    AdamUpdate: update('AdamUpdate', OptimizerRule.Adam, (a: AdamUpdateAttrs) => [a.alpha, a.beta1, a.beta2, a.epsilon]),
    AdadeltaUpdate: update('AdadeltaUpdate', OptimizerRule.Adadelta, (a: AdadeltaUpdateAttrs) => [a.learningRate, a.rho, a.epsilon, 0]),
  };
}
