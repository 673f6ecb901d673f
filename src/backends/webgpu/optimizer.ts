import type {AdadeltaUpdateAttrs, AdamUpdateAttrs, RMSpropUpdateAttrs, SGDUpdateAttrs} from '../../kernels/defs/optimizer.js';
import {optimizerSlotCount} from '../../kernels/defs/optimizer.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {Gpu, GpuData} from './device.js';
import type {GpuKernel} from './elementwise.js';
import {binding, f32bits, groups1d, main1d} from './wgsl.js';

interface UpdateInputs {
  variable: Tensor;
  gradient: Tensor;
  slots: Tensor[];
}

/**
 * The fused optimizer updates, in float32 in the order of the reference's (`backends/reference/
 * optimizer.ts`) rounded operations. The outputs are updated in place on the device: where an output
 * is not its input's own tensor, the input is copied into it first, so the shader always reads and
 * writes `w` and the slots `s0`, `s1` at the same index (and reads the gradient `g`).
 */
function update(name: 'SGDUpdate' | 'RMSpropUpdate' | 'AdamUpdate' | 'AdadeltaUpdate', body: (a: any, slots: number) => string, params: (a: any) => number[]): GpuKernel {
  return (gpu: Gpu) => (inp: UpdateInputs, a: any, outs: Tensor[]) => {
    const {variable, gradient, slots} = inp;
    const n = variable.size;
    if (variable.dtype !== 'float32' || gradient.dtype !== 'float32' || slots.length !== optimizerSlotCount(name, a)) return false;
    if ([gradient, ...slots, ...outs].some((t) => t.dtype !== 'float32' || t.size !== n)) return false;
    const sources = [variable, ...slots].map((t) => gpu.input(t));
    const g = gpu.input(gradient);
    const targets: GpuData[] = outs.map((o, k) => {
      const src = sources[k]!;
      if (o.device === src) return gpu.output(o);
      const d = gpu.output(o);
      gpu.copy(src, d);
      return d;
    });
    const names = ['w', ...slots.map((_, k) => `s${k}`)];
    const ps = params(a);
    const code =
      names.map((nm, k) => binding(k, nm, 'float32', 'read_write')).join('') +
      binding(names.length, 'g', 'float32', 'read') +
      binding(names.length + 1, 'P', 'u32', 'read') +
      main1d(n, ps.map((_, k) => `  let p${k} = bitcast<f32>(P[${k}]);\n`).join('') + `  let gi = g[i];\n` + body(a, slots.length));
    gpu.run(name, code, [...targets, g], ps.map(f32bits), groups1d(n));
  };
}

const sgd = update(
  'SGDUpdate',
  (a: SGDUpdateAttrs) =>
    a.momentum === 0
      ? '  w[i] = w[i] - gi * p0;'
      : '  let step = gi * p0;\n  let mi = s0[i] * p1 - step;\n  s0[i] = mi;\n' +
        (a.nesterov ? '  w[i] = w[i] + (mi * p1 - step);' : '  w[i] = w[i] + mi;'),
  (a: SGDUpdateAttrs) => [a.learningRate, a.momentum],
);

const rmsprop = update(
  'RMSpropUpdate',
  (a: RMSpropUpdateAttrs) =>
    '  let vi = s0[i] * p1 + (gi * gi) * p2;\n  s0[i] = vi;\n  let inc = (gi * p0) / sqrt(vi + p3);\n' +
    (a.momentum > 0 ? '  let mi = s1[i] * p4 + inc;\n  s1[i] = mi;\n  w[i] = w[i] - mi;' : '  w[i] = w[i] - inc;'),
  (a: RMSpropUpdateAttrs) => [a.learningRate, a.rho, 1 - a.rho, a.epsilon, a.momentum],
);

const adam = update(
  'AdamUpdate',
  () =>
    '  let m = s0[i];\n  let v = s1[i];\n  let mi = m + (gi - m) * p1;\n  let vi = v + ((gi * gi) - v) * p2;\n' +
    '  s0[i] = mi;\n  s1[i] = vi;\n  w[i] = w[i] - (mi * p0) / (sqrt(vi) + p3);',
  (a: AdamUpdateAttrs) => [a.alpha, 1 - a.beta1, 1 - a.beta2, a.epsilon],
);

const adadelta = update(
  'AdadeltaUpdate',
  () =>
    '  let egi = s0[i] * p1 + (gi * gi) * p2;\n  s0[i] = egi;\n  let edi = s1[i];\n' +
    '  let delta = -((sqrt(edi + p3) * gi) / sqrt(egi + p3));\n  s1[i] = edi * p1 + (delta * delta) * p2;\n  w[i] = w[i] + delta * p0;',
  (a: AdadeltaUpdateAttrs) => [a.learningRate, a.rho, 1 - a.rho, a.epsilon],
);

export const optimizerGpu: Record<string, GpuKernel> = {SGDUpdate: sgd, RMSpropUpdate: rmsprop, AdamUpdate: adam, AdadeltaUpdate: adadelta};
