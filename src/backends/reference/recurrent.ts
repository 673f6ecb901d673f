import type {Tensor} from '../../tensor/tensor.js';
import type {KernelTable} from '../backend.js';

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** `acc[j] = base[j] + sum_p h[p] * w[p, j]` for one batch row, accumulated in float64. */
function rowTimesMatrix(hv: Tensor['values'], hOff: number, units: number, wv: Tensor['values'], cols: number, acc: Float64Array): void {
  for (let p = 0; p < units; p++) {
    const s = hv[hOff + p]!;
    if (s === 0) continue;
    const wRow = p * cols;
    for (let j = 0; j < cols; j++) acc[j]! += s * wv[wRow + j]!;
  }
}

export const recurrentImpl = {
  LSTMStep: (
    {z, h, c, recurrentKernel}: {z: Tensor; h: Tensor; c: Tensor; recurrentKernel: Tensor},
    _a: unknown,
    [hOut, cOut, gOut]: Tensor[],
  ) => {
    const batch = h.shape[0]!, u = h.shape[1]!, g4 = 4 * u;
    const zv = z.values, hv = h.values, cv = c.values, wv = recurrentKernel.values;
    const ho = hOut!.values, co = cOut!.values, go = gOut!.values;
    const acc = new Float64Array(g4);
    for (let b = 0; b < batch; b++) {
      for (let j = 0; j < g4; j++) acc[j] = zv[b * g4 + j]!;
      rowTimesMatrix(hv, b * u, u, wv, g4, acc);
      for (let k = 0; k < u; k++) {
        const i = sigmoid(acc[k]!);
        const f = sigmoid(acc[u + k]!);
        const g = Math.tanh(acc[2 * u + k]!);
        const o = sigmoid(acc[3 * u + k]!);
        const cn = f * cv[b * u + k]! + i * g;
        co[b * u + k] = cn;
        ho[b * u + k] = o * Math.tanh(cn);
        const gb = b * g4;
        go[gb + k] = i;
        go[gb + u + k] = f;
        go[gb + 2 * u + k] = g;
        go[gb + 3 * u + k] = o;
      }
    }
  },
  GRUStep: (
    {z, h, recurrentKernel, recurrentBias}: {z: Tensor; h: Tensor; recurrentKernel: Tensor; recurrentBias: Tensor},
    _a: unknown,
    [hOut, rOut]: Tensor[],
  ) => {
    const batch = h.shape[0]!, u = h.shape[1]!, g3 = 3 * u;
    const zv = z.values, hv = h.values, wv = recurrentKernel.values, bv = recurrentBias.values;
    const ho = hOut!.values, ro = rOut!.values;
    const m = new Float64Array(g3);
    for (let b = 0; b < batch; b++) {
      for (let j = 0; j < g3; j++) m[j] = bv[j]!;
      rowTimesMatrix(hv, b * u, u, wv, g3, m);
      const zb = b * g3, rb = b * 4 * u;
      for (let k = 0; k < u; k++) {
        const zg = sigmoid(zv[zb + k]! + m[k]!);
        const r = sigmoid(zv[zb + u + k]! + m[u + k]!);
        const mh = m[2 * u + k]!;
        const hh = Math.tanh(zv[zb + 2 * u + k]! + r * mh);
        ho[b * u + k] = zg * hv[b * u + k]! + (1 - zg) * hh;
        ro[rb + k] = zg;
        ro[rb + u + k] = r;
        ro[rb + 2 * u + k] = hh;
        ro[rb + 3 * u + k] = mh;
      }
    }
  },
} satisfies Partial<KernelTable>;
