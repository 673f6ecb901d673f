import type {LSTMSequenceAttrs} from '../../kernels/defs/recurrent.js';
import {ValueError} from '../../errors.js';
import {fmtShape, sizeOf} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {KernelTable} from '../backend.js';
import {KernelId, type NativeAddon} from './abi.js';

/**
 * The whole-sequence LSTM and GRU kernels (native/src/recurrent_seq.cpp): the time loop in C++, one GEMM per
 * step. float32 only. Every buffer is checked here to hold exactly the elements its shape implies
 * (the shapes derived from `z` and `h0`), and the addon checks the lengths again.
 */
export function nativeLSTMSequenceKernels(addon: NativeAddon): Partial<KernelTable> {
  const isF32 = (ts: Tensor[]) => ts.every((t) => t.dtype === 'float32' && t.values instanceof Float32Array);
  const check = (op: string, name: string, t: Tensor, shape: readonly number[]) => {
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new ValueError(`${op}: ${name} must have shape ${fmtShape(shape)}. Received: ${name}.shape=${fmtShape(t.shape)}`);
    }
    if (t.values.length !== sizeOf(shape)) {
      throw new ValueError(`${op}: ${name} has ${t.values.length} values in storage, but its shape ${fmtShape(shape)} needs ${sizeOf(shape)}`);
    }
  };
  /** `[batch, T, u]` from the sequence (rank 3) and state (rank 2) tensors that define them. */
  const dims = (op: string, seqName: string, seq: Tensor, h0: Tensor): [number, number, number] => {
    if (seq.rank !== 3) throw new ValueError(`${op}: ${seqName} must have rank 3 [batch, timesteps, ...]. Received: ${seqName}.shape=${fmtShape(seq.shape)}`);
    if (h0.rank !== 2) throw new ValueError(`${op}: h0 must have rank 2 [batch, units]. Received: h0.shape=${fmtShape(h0.shape)}`);
    return [seq.shape[0]!, seq.shape[1]!, h0.shape[1]!];
  };
  const maskOf = (op: string, mask: Tensor[], b: number, t: number): Tensor[] => {
    if (mask.length > 1) throw new ValueError(`${op}: expected at most one mask. Received: ${mask.length}`);
    if (mask[0]) check(op, 'mask', mask[0], [b, t]);
    return mask;
  };
  const attrsOf = (a: LSTMSequenceAttrs, b: number, t: number, u: number, hasMask: boolean) =>
    Float64Array.from([b, t, u, a.goBackwards ? 1 : 0, a.zeroOutputForMask ? 1 : 0, hasMask ? 1 : 0]);
  /** The LSTM's per-gate recurrent dropout masks: none or one `[b, 4u]`. */
  const recurrentMaskOf = (op: string, rm: Tensor[] | undefined, b: number, u: number): Tensor[] => {
    const m = rm ?? [];
    if (m.length > 1) throw new ValueError(`${op}: expected at most one recurrentMask. Received: ${m.length}`);
    if (m[0]) check(op, 'recurrentMask', m[0], [b, 4 * u]);
    return m;
  };
  const lstmAttrsOf = (a: LSTMSequenceAttrs, b: number, t: number, u: number, hasMask: boolean, hasRecurrentMask: boolean) =>
    Float64Array.from([...attrsOf(a, b, t, u, hasMask), hasRecurrentMask ? 1 : 0]);

  const LSTMSequence = (
    {z, h0, c0, recurrentKernel, mask, recurrentMask}: {
      z: Tensor; h0: Tensor; c0: Tensor; recurrentKernel: Tensor; mask: Tensor[]; recurrentMask?: Tensor[];
    },
    a: LSTMSequenceAttrs,
    outs: Tensor[],
  ) => {
    if (!isF32([z, h0, c0, recurrentKernel, ...mask, ...(recurrentMask ?? []), ...outs])) return false;
    const op = 'LSTMSequence';
    const [b, t, u] = dims(op, 'z', z, h0);
    const m = maskOf(op, mask, b, t);
    const rm = recurrentMaskOf(op, recurrentMask, b, u);
    const [y, h, c, gates, cs, hs] = outs as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
    const shapes: [string, Tensor, number[]][] = [
      ['z', z, [b, t, 4 * u]], ['h0', h0, [b, u]], ['c0', c0, [b, u]], ['recurrentKernel', recurrentKernel, [u, 4 * u]],
      ['output y', y, [b, t, u]], ['output h', h, [b, u]], ['output c', c, [b, u]], ['output gates', gates, [t, b, 4 * u]],
      ['output cs', cs, [t, b, u]], ['output hs', hs, [t, b, u]],
    ];
    for (const [name, x, shape] of shapes) check(op, name, x, shape);
    const bufs = [z, h0, c0, recurrentKernel, ...m, ...rm, y, h, c, gates, cs, hs].map((x) => x.values as Float32Array);
    addon.run(KernelId.LSTMSequence, bufs, lstmAttrsOf(a, b, t, u, m.length > 0, rm.length > 0));
    return true;
  };

  const LSTMSequenceGrad = (
    x: {
      dy: Tensor; dh: Tensor; dc: Tensor; dGates: Tensor; dCs: Tensor; dHs: Tensor; gates: Tensor; cs: Tensor; hs: Tensor;
      h0: Tensor; c0: Tensor; recurrentKernel: Tensor; mask: Tensor[]; recurrentMask?: Tensor[];
    },
    a: LSTMSequenceAttrs,
    outs: Tensor[],
  ) => {
    const ins = [x.dy, x.dh, x.dc, x.dGates, x.dCs, x.dHs, x.gates, x.cs, x.hs, x.h0, x.c0, x.recurrentKernel];
    if (!isF32([...ins, ...x.mask, ...(x.recurrentMask ?? []), ...outs])) return false;
    const op = 'LSTMSequenceGrad';
    const [b, t, u] = dims(op, 'dy', x.dy, x.h0);
    const m = maskOf(op, x.mask, b, t);
    const rm = recurrentMaskOf(op, x.recurrentMask, b, u);
    const [dz, dh0, dc0, dw] = outs as [Tensor, Tensor, Tensor, Tensor];
    const bu = [b, u], tbu = [t, b, u], tbg = [t, b, 4 * u], w = [u, 4 * u];
    const shapes: [string, Tensor, number[]][] = [
      ['dy', x.dy, [b, t, u]], ['dh', x.dh, bu], ['dc', x.dc, bu], ['dGates', x.dGates, tbg], ['dCs', x.dCs, tbu],
      ['dHs', x.dHs, tbu], ['gates', x.gates, tbg], ['cs', x.cs, tbu], ['hs', x.hs, tbu], ['h0', x.h0, bu], ['c0', x.c0, bu],
      ['recurrentKernel', x.recurrentKernel, w], ['output dz', dz, [b, t, 4 * u]], ['output dh0', dh0, bu],
      ['output dc0', dc0, bu], ['output dRecurrentKernel', dw, w],
    ];
    for (const [name, v, shape] of shapes) check(op, name, v, shape);
    const bufs = [...ins, ...m, ...rm, dz, dh0, dc0, dw].map((v) => v.values as Float32Array);
    addon.run(KernelId.LSTMSequenceGrad, bufs, lstmAttrsOf(a, b, t, u, m.length > 0, rm.length > 0));
    return true;
  };

  const GRUSequence = (
    {z, h0, recurrentKernel, recurrentBias, mask}: {z: Tensor; h0: Tensor; recurrentKernel: Tensor; recurrentBias: Tensor; mask: Tensor[]},
    a: LSTMSequenceAttrs,
    outs: Tensor[],
  ) => {
    if (!isF32([z, h0, recurrentKernel, recurrentBias, ...mask, ...outs])) return false;
    const op = 'GRUSequence';
    const [b, t, u] = dims(op, 'z', z, h0);
    const m = maskOf(op, mask, b, t);
    const [y, h, reserve, hs] = outs as [Tensor, Tensor, Tensor, Tensor];
    const shapes: [string, Tensor, number[]][] = [
      ['z', z, [b, t, 3 * u]], ['h0', h0, [b, u]], ['recurrentKernel', recurrentKernel, [u, 3 * u]],
      ['recurrentBias', recurrentBias, [3 * u]], ['output y', y, [b, t, u]], ['output h', h, [b, u]],
      ['output reserve', reserve, [t, b, 4 * u]], ['output hs', hs, [t, b, u]],
    ];
    for (const [name, x, shape] of shapes) check(op, name, x, shape);
    const bufs = [z, h0, recurrentKernel, recurrentBias, ...m, y, h, reserve, hs].map((x) => x.values as Float32Array);
    addon.run(KernelId.GRUSequence, bufs, attrsOf(a, b, t, u, m.length > 0));
    return true;
  };

  const GRUSequenceGrad = (
    x: {dy: Tensor; dh: Tensor; dReserve: Tensor; dHs: Tensor; reserve: Tensor; hs: Tensor; h0: Tensor; recurrentKernel: Tensor; mask: Tensor[]},
    a: LSTMSequenceAttrs,
    outs: Tensor[],
  ) => {
    const ins = [x.dy, x.dh, x.dReserve, x.dHs, x.reserve, x.hs, x.h0, x.recurrentKernel];
    if (!isF32([...ins, ...x.mask, ...outs])) return false;
    const op = 'GRUSequenceGrad';
    const [b, t, u] = dims(op, 'dy', x.dy, x.h0);
    const m = maskOf(op, x.mask, b, t);
    const [dz, dh0, dw, db] = outs as [Tensor, Tensor, Tensor, Tensor];
    const bu = [b, u], tbu = [t, b, u], tbr = [t, b, 4 * u], w = [u, 3 * u];
    const shapes: [string, Tensor, number[]][] = [
      ['dy', x.dy, [b, t, u]], ['dh', x.dh, bu], ['dReserve', x.dReserve, tbr], ['dHs', x.dHs, tbu], ['reserve', x.reserve, tbr],
      ['hs', x.hs, tbu], ['h0', x.h0, bu], ['recurrentKernel', x.recurrentKernel, w], ['output dz', dz, [b, t, 3 * u]],
      ['output dh0', dh0, bu], ['output dRecurrentKernel', dw, w], ['output dRecurrentBias', db, [3 * u]],
    ];
    for (const [name, v, shape] of shapes) check(op, name, v, shape);
    const bufs = [...ins, ...m, dz, dh0, dw, db].map((v) => v.values as Float32Array);
    addon.run(KernelId.GRUSequenceGrad, bufs, attrsOf(a, b, t, u, m.length > 0));
    return true;
  };

  return {LSTMSequence, LSTMSequenceGrad, GRUSequence, GRUSequenceGrad};
}
