import type {Tensor} from '../../tensor/tensor.js';
import type {LSTMSequenceAttrs, LSTMSequenceGradInputs} from '../../kernels/defs/recurrent.js';
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

/**
 * `rowTimesMatrix` of an LSTM with per-gate recurrent dropout masks: gate g's columns get
 * `sum_p h[p] * m[g * u + p] * w[p, j]`, where `m` is the row's `[4u]` mask at `mOff`.
 */
function maskedRowTimesMatrix(hv: Tensor['values'], hOff: number, u: number, mv: Tensor['values'], mOff: number, wv: Tensor['values'], acc: Float64Array): void {
  const g4 = 4 * u;
  for (let p = 0; p < u; p++) {
    const s = hv[hOff + p]!;
    if (s === 0) continue;
    const wRow = p * g4;
    for (let g = 0; g < 4; g++) {
      const sg = s * mv[mOff + g * u + p]!;
      if (sg === 0) continue;
      for (let j = g * u; j < (g + 1) * u; j++) acc[j]! += sg * wv[wRow + j]!;
    }
  }
}

/**
 * Which outputs of an LSTM sequence are the step's h (`1`) rather than zeros (`0`): every valid
 * step, and masked steps after the first valid one unless `zeroOutputForMask` (a masked step repeats
 * the previous output, which is then the carried h). `[b, T]` in processing order.
 */
function outputKeep(mask: Tensor | undefined, b: number, t: number, a: LSTMSequenceAttrs): Uint8Array {
  const keep = new Uint8Array(b * t).fill(1);
  if (!mask) return keep;
  const mv = mask.values;
  for (let r = 0; r < b; r++) {
    let seen = false;
    for (let k = 0; k < t; k++) {
      const tt = a.goBackwards ? t - 1 - k : k;
      const valid = mv[r * t + tt]! !== 0;
      keep[r * t + k] = valid || (seen && !a.zeroOutputForMask) ? 1 : 0;
      seen ||= valid;
    }
  }
  return keep;
}

/** An output's values, or (an empty reserve: `keepReserve: false`) a scratch array of its kind holding `n`. */
function reserveValues(t: Tensor, n: number): Tensor['values'] {
  const v = t.values;
  return v.length === n ? v : new (v.constructor as new (n: number) => Tensor['values'])(n);
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
  LSTMStepGrad: (
    {dh, dc, dGates, gates, cNew, c}: {dh: Tensor; dc: Tensor; dGates: Tensor; gates: Tensor; cNew: Tensor; c: Tensor},
    _a: unknown,
    [daOut, dcPrevOut]: Tensor[],
  ) => {
    const batch = c.shape[0]!, u = c.shape[1]!, g4 = 4 * u;
    const dhv = dh.values, dcv = dc.values, dgv = dGates.values, gv = gates.values, cnv = cNew.values, cv = c.values;
    const da = daOut!.values, dcp = dcPrevOut!.values;
    for (let b = 0; b < batch; b++) {
      for (let k = 0; k < u; k++) {
        const s = b * u + k, gb = b * g4 + k;
        const i = gv[gb]!, f = gv[gb + u]!, g = gv[gb + 2 * u]!, o = gv[gb + 3 * u]!;
        const tc = Math.tanh(cnv[s]!), dhk = dhv[s]!;
        const dct = dcv[s]! + dhk * o * (1 - tc * tc);
        da[gb] = (dct * g + dgv[gb]!) * i * (1 - i);
        da[gb + u] = (dct * cv[s]! + dgv[gb + u]!) * f * (1 - f);
        da[gb + 2 * u] = (dct * i + dgv[gb + 2 * u]!) * (1 - g * g);
        da[gb + 3 * u] = (dhk * tc + dgv[gb + 3 * u]!) * o * (1 - o);
        dcp[s] = dct * f;
      }
    }
  },
  LSTMSequence: (
    {z, h0, c0, recurrentKernel, mask, recurrentMask = []}: {
      z: Tensor; h0: Tensor; c0: Tensor; recurrentKernel: Tensor; mask: Tensor[]; recurrentMask?: Tensor[];
    },
    a: LSTMSequenceAttrs,
    [yOut, hOut, cOut, gOut, csOut, hsOut]: Tensor[],
  ) => {
    const rmv = recurrentMask[0]?.values;
    const [batch, T] = z.shape as [number, number];
    const u = h0.shape[1]!, g4 = 4 * u, bu = batch * u;
    const zv = z.values, wv = recurrentKernel.values, mv = mask[0]?.values;
    const y = yOut!.values, go = reserveValues(gOut!, T * batch * g4), cso = reserveValues(csOut!, T * bu), hso = reserveValues(hsOut!, T * bu);
    const keep = outputKeep(mask[0], batch, T, a);
    const acc = new Float64Array(g4);
    for (let k = 0; k < T; k++) {
      const t = a.goBackwards ? T - 1 - k : k;
      // the states before this step: the reserve of the previous one, or the initial states
      const hp = k > 0 ? hso : h0.values, hpOff = k > 0 ? (k - 1) * bu : 0;
      const cp = k > 0 ? cso : c0.values, cpOff = hpOff;
      for (let b = 0; b < batch; b++) {
        const sOff = k * bu + b * u, gOff = k * batch * g4 + b * g4, pOff = hpOff + b * u;
        if (mv && mv[b * T + t]! === 0) {
          for (let j = 0; j < u; j++) {
            hso[sOff + j] = hp[pOff + j]!;
            cso[sOff + j] = cp[cpOff + b * u + j]!;
          }
          go.fill(0, gOff, gOff + g4);
        } else {
          for (let j = 0; j < g4; j++) acc[j] = zv[(b * T + t) * g4 + j]!;
          if (rmv) maskedRowTimesMatrix(hp, pOff, u, rmv, b * g4, wv, acc);
          else rowTimesMatrix(hp, pOff, u, wv, g4, acc);
          for (let j = 0; j < u; j++) {
            const i = sigmoid(acc[j]!), f = sigmoid(acc[u + j]!), g = Math.tanh(acc[2 * u + j]!), o = sigmoid(acc[3 * u + j]!);
            const cn = f * cp[cpOff + b * u + j]! + i * g;
            cso[sOff + j] = cn;
            hso[sOff + j] = o * Math.tanh(cn);
            go[gOff + j] = i;
            go[gOff + u + j] = f;
            go[gOff + 2 * u + j] = g;
            go[gOff + 3 * u + j] = o;
          }
        }
        const yOff = (b * T + k) * u, on = keep[b * T + k]!;
        if (y.length) for (let j = 0; j < u; j++) y[yOff + j] = on ? hso[sOff + j]! : 0;
      }
    }
    hOut!.values.set(hso.subarray((T - 1) * bu, T * bu));
    cOut!.values.set(cso.subarray((T - 1) * bu, T * bu));
  },
  LSTMSequenceGrad: (
    inputs: LSTMSequenceGradInputs,
    a: LSTMSequenceAttrs,
    [dzOut, dh0Out, dc0Out, dwOut]: Tensor[],
  ) => {
    const {dy, dGates, dCs, dHs, gates, cs, hs, h0, c0, recurrentKernel, mask} = inputs;
    const rmv = inputs.recurrentMask?.[0]?.values;
    const [batch, T] = dy.shape as [number, number];
    const u = h0.shape[1]!, g4 = 4 * u, bu = batch * u;
    const dyv = dy.values, dgv = dGates.values, dcsv = dCs.values, dhsv = dHs.values, gv = gates.values;
    const csv = cs.values, hsv = hs.values, wv = recurrentKernel.values, mv = mask[0]?.values;
    const dz = dzOut!.values, dw = dwOut!.values;
    const keep = outputKeep(mask[0], batch, T, a);
    // the gradients of the states after step k, carried backwards; float64 accumulators
    let dh = Float64Array.from(inputs.dh.values), dc = Float64Array.from(inputs.dc.values);
    let dhPrev = new Float64Array(bu), dcPrev = new Float64Array(bu);
    const dwAcc = new Float64Array(u * g4);
    const da = new Float64Array(g4);
    for (let k = T - 1; k >= 0; k--) {
      const t = a.goBackwards ? T - 1 - k : k;
      const hp = k > 0 ? hsv : h0.values, cp = k > 0 ? csv : c0.values, pOff = k > 0 ? (k - 1) * bu : 0;
      for (let b = 0; b < batch; b++) {
        const s = b * u, sOff = k * bu + s, gOff = (k * batch + b) * g4, zOff = (b * T + t) * g4;
        const yOff = (b * T + k) * u, on = keep[b * T + k]!;
        for (let j = 0; j < u; j++) {
          dh[s + j]! += dhsv[sOff + j]! + (on ? dyv[yOff + j]! : 0);
          dc[s + j]! += dcsv[sOff + j]!;
        }
        if (mv && mv[b * T + t]! === 0) {
          // a masked row carries its states (and their gradients) through; its gates are constant zeros
          for (let j = 0; j < u; j++) {
            dhPrev[s + j] = dh[s + j]!;
            dcPrev[s + j] = dc[s + j]!;
          }
          dz.fill(0, zOff, zOff + g4);
          continue;
        }
        for (let j = 0; j < u; j++) {
          const i = gv[gOff + j]!, f = gv[gOff + u + j]!, g = gv[gOff + 2 * u + j]!, o = gv[gOff + 3 * u + j]!;
          const tc = Math.tanh(csv[sOff + j]!), dhk = dh[s + j]!;
          const dct = dc[s + j]! + dhk * o * (1 - tc * tc);
          da[j] = (dct * g + dgv[gOff + j]!) * i * (1 - i);
          da[u + j] = (dct * cp[pOff + s + j]! + dgv[gOff + u + j]!) * f * (1 - f);
          da[2 * u + j] = (dct * i + dgv[gOff + 2 * u + j]!) * (1 - g * g);
          da[3 * u + j] = (dhk * tc + dgv[gOff + 3 * u + j]!) * o * (1 - o);
          dcPrev[s + j] = dct * f;
        }
        for (let j = 0; j < g4; j++) dz[zOff + j] = da[j]!;
        if (rmv) {
          // per-gate recurrent dropout: dh_prev = sum_g m_g * (da_g @ W_g^T), dW_g += (h_prev * m_g)^T da_g
          const mOff = b * g4;
          for (let p = 0; p < u; p++) {
            const wRow = p * g4, hpv = hp[pOff + s + p]!;
            let total = 0;
            for (let g = 0; g < 4; g++) {
              const m = rmv[mOff + g * u + p]!, hm = hpv * m;
              let acc = 0;
              for (let j = g * u; j < (g + 1) * u; j++) {
                acc += da[j]! * wv[wRow + j]!;
                dwAcc[wRow + j]! += hm * da[j]!;
              }
              total += m * acc;
            }
            dhPrev[s + p] = total;
          }
          continue;
        }
        // dh_prev = da @ W^T, dW += h_prev^T da
        for (let p = 0; p < u; p++) {
          const wRow = p * g4, hpv = hp[pOff + s + p]!;
          let acc = 0;
          for (let j = 0; j < g4; j++) {
            acc += da[j]! * wv[wRow + j]!;
            dwAcc[wRow + j]! += hpv * da[j]!;
          }
          dhPrev[s + p] = acc;
        }
      }
      [dh, dhPrev] = [dhPrev, dh];
      [dc, dcPrev] = [dcPrev, dc];
    }
    dh0Out!.values.set(dh);
    dc0Out!.values.set(dc);
    dw.set(dwAcc);
  },
  GRUSequence: (
    {z, h0, recurrentKernel, recurrentBias, mask}: {z: Tensor; h0: Tensor; recurrentKernel: Tensor; recurrentBias: Tensor; mask: Tensor[]},
    a: LSTMSequenceAttrs,
    [yOut, hOut, rOut, hsOut]: Tensor[],
  ) => {
    const [batch, T] = z.shape as [number, number];
    const u = h0.shape[1]!, g3 = 3 * u, g4 = 4 * u, bu = batch * u;
    const zv = z.values, wv = recurrentKernel.values, bv = recurrentBias.values, mv = mask[0]?.values;
    const y = yOut!.values, ro = reserveValues(rOut!, T * batch * g4), hso = reserveValues(hsOut!, T * bu);
    const keep = outputKeep(mask[0], batch, T, a);
    const m = new Float64Array(g3);
    for (let k = 0; k < T; k++) {
      const t = a.goBackwards ? T - 1 - k : k;
      const hp = k > 0 ? hso : h0.values, pBase = k > 0 ? (k - 1) * bu : 0;
      for (let b = 0; b < batch; b++) {
        const sOff = k * bu + b * u, rOff = (k * batch + b) * g4, pOff = pBase + b * u;
        if (mv && mv[b * T + t]! === 0) {
          for (let j = 0; j < u; j++) hso[sOff + j] = hp[pOff + j]!;
          ro.fill(0, rOff, rOff + g4);
        } else {
          for (let j = 0; j < g3; j++) m[j] = bv[j]!;
          rowTimesMatrix(hp, pOff, u, wv, g3, m);
          const zOff = (b * T + t) * g3;
          for (let j = 0; j < u; j++) {
            const zg = sigmoid(zv[zOff + j]! + m[j]!);
            const r = sigmoid(zv[zOff + u + j]! + m[u + j]!);
            const mh = m[2 * u + j]!;
            const hh = Math.tanh(zv[zOff + 2 * u + j]! + r * mh);
            hso[sOff + j] = zg * hp[pOff + j]! + (1 - zg) * hh;
            ro[rOff + j] = zg;
            ro[rOff + u + j] = r;
            ro[rOff + 2 * u + j] = hh;
            ro[rOff + 3 * u + j] = mh;
          }
        }
        const yOff = (b * T + k) * u, on = keep[b * T + k]!;
        if (y.length) for (let j = 0; j < u; j++) y[yOff + j] = on ? hso[sOff + j]! : 0;
      }
    }
    hOut!.values.set(hso.subarray((T - 1) * bu, T * bu));
  },
  GRUSequenceGrad: (
    inputs: {
      dy: Tensor; dh: Tensor; dReserve: Tensor; dHs: Tensor; reserve: Tensor; hs: Tensor; h0: Tensor; recurrentKernel: Tensor;
      mask: Tensor[];
    },
    a: LSTMSequenceAttrs,
    [dzOut, dh0Out, dwOut, dbOut]: Tensor[],
  ) => {
    const {dy, dReserve, dHs, reserve, hs, h0, recurrentKernel, mask} = inputs;
    const [batch, T] = dy.shape as [number, number];
    const u = h0.shape[1]!, g3 = 3 * u, g4 = 4 * u, bu = batch * u;
    const dyv = dy.values, drv = dReserve.values, dhsv = dHs.values, rv = reserve.values, hsv = hs.values;
    const wv = recurrentKernel.values, mv = mask[0]?.values;
    const dz = dzOut!.values;
    const keep = outputKeep(mask[0], batch, T, a);
    let dh = Float64Array.from(inputs.dh.values), dhPrev = new Float64Array(bu);
    const dwAcc = new Float64Array(u * g3), dbAcc = new Float64Array(g3), dm = new Float64Array(g3);
    for (let k = T - 1; k >= 0; k--) {
      const t = a.goBackwards ? T - 1 - k : k;
      const hp = k > 0 ? hsv : h0.values, pBase = k > 0 ? (k - 1) * bu : 0;
      for (let b = 0; b < batch; b++) {
        const s = b * u, sOff = k * bu + s, rOff = (k * batch + b) * g4, zOff = (b * T + t) * g3, pOff = pBase + s;
        const yOff = (b * T + k) * u, on = keep[b * T + k]!;
        for (let j = 0; j < u; j++) dh[s + j]! += dhsv[sOff + j]! + (on ? dyv[yOff + j]! : 0);
        if (mv && mv[b * T + t]! === 0) {
          // a masked row carries its state (and its gradient) through; its reserve is constant zeros
          for (let j = 0; j < u; j++) dhPrev[s + j] = dh[s + j]!;
          dz.fill(0, zOff, zOff + g3);
          continue;
        }
        for (let j = 0; j < u; j++) {
          const zg = rv[rOff + j]!, r = rv[rOff + u + j]!, hh = rv[rOff + 2 * u + j]!, mh = rv[rOff + 3 * u + j]!, dhk = dh[s + j]!;
          const dzg = dhk * (hp[pOff + j]! - hh) + drv[rOff + j]!;
          const dhh = dhk * (1 - zg) + drv[rOff + 2 * u + j]!;
          const dah = dhh * (1 - hh * hh);
          const dr = dah * mh + drv[rOff + u + j]!;
          const daz = dzg * zg * (1 - zg), dar = dr * r * (1 - r);
          dz[zOff + j] = dm[j] = daz;
          dz[zOff + u + j] = dm[u + j] = dar;
          dz[zOff + 2 * u + j] = dah;
          dm[2 * u + j] = dah * r + drv[rOff + 3 * u + j]!;
          dhPrev[s + j] = dhk * zg;
        }
        // dh_prev += dm @ W^T, dW += h_prev^T dm, db += dm
        for (let j = 0; j < g3; j++) dbAcc[j]! += dm[j]!;
        for (let p = 0; p < u; p++) {
          const wRow = p * g3, hpv = hp[pOff + p]!;
          let acc = 0;
          for (let j = 0; j < g3; j++) {
            acc += dm[j]! * wv[wRow + j]!;
            dwAcc[wRow + j]! += hpv * dm[j]!;
          }
          dhPrev[s + p]! += acc;
        }
      }
      [dh, dhPrev] = [dhPrev, dh];
    }
    dh0Out!.values.set(dh);
    dwOut!.values.set(dwAcc);
    dbOut!.values.set(dbAcc);
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
  GRUStepGrad: (
    {dh, dReserve, reserve, h}: {dh: Tensor; dReserve: Tensor; reserve: Tensor; h: Tensor},
    _a: unknown,
    [dzOut, dmOut, dhOut]: Tensor[],
  ) => {
    const batch = h.shape[0]!, u = h.shape[1]!;
    const dhv = dh.values, drv = dReserve.values, rv = reserve.values, hv = h.values;
    const dz = dzOut!.values, dm = dmOut!.values, dhd = dhOut!.values;
    for (let b = 0; b < batch; b++) {
      for (let k = 0; k < u; k++) {
        const s = b * u + k, rb = b * 4 * u + k, zb = b * 3 * u + k;
        const zg = rv[rb]!, r = rv[rb + u]!, hh = rv[rb + 2 * u]!, mh = rv[rb + 3 * u]!, dhk = dhv[s]!;
        const dzg = dhk * (hv[s]! - hh) + drv[rb]!;
        const dhh = dhk * (1 - zg) + drv[rb + 2 * u]!;
        const dah = dhh * (1 - hh * hh);
        const dr = dah * mh + drv[rb + u]!;
        const daz = dzg * zg * (1 - zg), dar = dr * r * (1 - r);
        dz[zb] = dm[zb] = daz;
        dz[zb + u] = dm[zb + u] = dar;
        dz[zb + 2 * u] = dah;
        dm[zb + 2 * u] = dah * r + drv[rb + 3 * u]!;
        dhd[s] = dhk * zg;
      }
    }
  },
} satisfies Partial<KernelTable>;
