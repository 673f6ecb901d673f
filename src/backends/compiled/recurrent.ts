import type {LSTMSequenceAttrs, LSTMSequenceGradInputs} from '../../kernels/defs/recurrent.js';
import {ValueError} from '../../errors.js';
import {fmtShape} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {KernelTable} from '../backend.js';
import type {AttrsOf} from './abi.js';
import type {Compiled} from './call.js';
import {checkAll, checkStorage, isF32, stateDims} from './checks.js';

/**
 * The recurrent kernels (native/src/recurrent_seq.cpp): whole LSTM and GRU sequences, the time loop
 * in C++ with one GEMM per step, their backward passes, and the elementwise backward part of one
 * step (`LSTMStepGrad`, `GRUStepGrad`, which the sequence gradients' own gradients use). float32 only.
 * Every buffer is checked to hold exactly the elements its shape implies (the shapes derived from the
 * sequence and the state), and the compiled side checks the lengths again. Forward calls without a
 * reserve (`keepReserve: false`: its outputs empty) pass `keepReserve: 0`.
 */
export function recurrentKernels({call}: Compiled): Partial<KernelTable> {
  /** `[batch, T, u]` from the sequence (rank 3) and state (rank 2) tensors that define them. */
  const dims = (op: string, seqName: string, seq: Tensor, h0: Tensor): [number, number, number] => {
    if (seq.rank !== 3) throw new ValueError(`${op}: ${seqName} must have rank 3 [batch, timesteps, ...]. Received: ${seqName}.shape=${fmtShape(seq.shape)}`);
    const [, u] = stateDims(op, 'h0', h0);
    return [seq.shape[0]!, seq.shape[1]!, u];
  };
  /** None or one tensor of `shape`. */
  const optional = (op: string, name: string, ts: Tensor[] | undefined, shape: readonly number[]): Tensor[] => {
    const m = ts ?? [];
    if (m.length > 1) throw new ValueError(`${op}: expected at most one ${name}. Received: ${m.length}`);
    if (m[0]) checkStorage(op, name, m[0], shape);
    return m;
  };
  /** The reserve's time axis: `timesteps`, or 0 without one (`keepReserve: false`). */
  const reserveSteps = (a: LSTMSequenceAttrs, timesteps: number): number => (a.keepReserve === false ? 0 : timesteps);
  const sequenceAttrs = (a: LSTMSequenceAttrs, batch: number, timesteps: number, units: number, mask: Tensor[]): AttrsOf<'GRUSequenceGrad'> => ({
    batch, timesteps, units, goBackwards: +a.goBackwards, zeroOutputForMask: +a.zeroOutputForMask, hasMask: mask.length,
  });

  const LSTMSequence = (
    {z, h0, c0, recurrentKernel, mask, recurrentMask}: {
      z: Tensor; h0: Tensor; c0: Tensor; recurrentKernel: Tensor; mask: Tensor[]; recurrentMask?: Tensor[];
    },
    a: LSTMSequenceAttrs,
    outs: Tensor[],
  ) => {
    if (!isF32(z, h0, c0, recurrentKernel, ...mask, ...(recurrentMask ?? []), ...outs)) return false;
    const op = 'LSTMSequence';
    const [b, t, u] = dims(op, 'z', z, h0);
    const m = optional(op, 'mask', mask, [b, t]);
    const rm = optional(op, 'recurrentMask', recurrentMask, [b, 4 * u]);
    const [y, h, c, gates, cs, hs] = outs as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
    const r = reserveSteps(a, t);
    checkAll(op, [
      ['z', z, [b, t, 4 * u]], ['h0', h0, [b, u]], ['c0', c0, [b, u]], ['recurrentKernel', recurrentKernel, [u, 4 * u]],
      ['output y', y, [b, a.returnSequences === false ? 0 : t, u]], ['output h', h, [b, u]], ['output c', c, [b, u]], ['output gates', gates, [r, b, 4 * u]],
      ['output cs', cs, [r, b, u]], ['output hs', hs, [r, b, u]],
    ]);
    call('LSTMSequence', [z, h0, c0, recurrentKernel, ...m, ...rm, y, h, c, gates, cs, hs],
      {...sequenceAttrs(a, b, t, u, m), hasRecurrentMask: rm.length, keepReserve: +(a.keepReserve !== false), returnSequences: +(a.returnSequences !== false)});
    return true;
  };

  const LSTMSequenceGrad = (
    x: LSTMSequenceGradInputs,
    a: LSTMSequenceAttrs,
    outs: Tensor[],
  ) => {
    const ins = [x.dy, x.dh, x.dc, x.dGates, x.dCs, x.dHs, x.gates, x.cs, x.hs, x.h0, x.c0, x.recurrentKernel];
    if (!isF32(...ins, ...x.mask, ...(x.recurrentMask ?? []), ...outs)) return false;
    const op = 'LSTMSequenceGrad';
    const [b, t, u] = dims(op, 'dy', x.dy, x.h0);
    const m = optional(op, 'mask', x.mask, [b, t]);
    const rm = optional(op, 'recurrentMask', x.recurrentMask, [b, 4 * u]);
    const [dz, dh0, dc0, dw] = outs as [Tensor, Tensor, Tensor, Tensor];
    const bu = [b, u], tbu = [t, b, u], tbg = [t, b, 4 * u], w = [u, 4 * u];
    checkAll(op, [
      ['dy', x.dy, [b, t, u]], ['dh', x.dh, bu], ['dc', x.dc, bu], ['dGates', x.dGates, tbg], ['dCs', x.dCs, tbu],
      ['dHs', x.dHs, tbu], ['gates', x.gates, tbg], ['cs', x.cs, tbu], ['hs', x.hs, tbu], ['h0', x.h0, bu], ['c0', x.c0, bu],
      ['recurrentKernel', x.recurrentKernel, w], ['output dz', dz, [b, t, 4 * u]], ['output dh0', dh0, bu],
      ['output dc0', dc0, bu], ['output dRecurrentKernel', dw, w],
    ]);
    call('LSTMSequenceGrad', [...ins, ...m, ...rm, dz, dh0, dc0, dw], {...sequenceAttrs(a, b, t, u, m), hasRecurrentMask: rm.length});
    return true;
  };

  const GRUSequence = (
    {z, h0, recurrentKernel, recurrentBias, mask}: {z: Tensor; h0: Tensor; recurrentKernel: Tensor; recurrentBias: Tensor; mask: Tensor[]},
    a: LSTMSequenceAttrs,
    outs: Tensor[],
  ) => {
    if (!isF32(z, h0, recurrentKernel, recurrentBias, ...mask, ...outs)) return false;
    const op = 'GRUSequence';
    const [b, t, u] = dims(op, 'z', z, h0);
    const m = optional(op, 'mask', mask, [b, t]);
    const [y, h, reserve, hs] = outs as [Tensor, Tensor, Tensor, Tensor];
    const r = reserveSteps(a, t);
    checkAll(op, [
      ['z', z, [b, t, 3 * u]], ['h0', h0, [b, u]], ['recurrentKernel', recurrentKernel, [u, 3 * u]],
      ['recurrentBias', recurrentBias, [3 * u]], ['output y', y, [b, a.returnSequences === false ? 0 : t, u]], ['output h', h, [b, u]],
      ['output reserve', reserve, [r, b, 4 * u]], ['output hs', hs, [r, b, u]],
    ]);
    call('GRUSequence', [z, h0, recurrentKernel, recurrentBias, ...m, y, h, reserve, hs],
      {...sequenceAttrs(a, b, t, u, m), keepReserve: +(a.keepReserve !== false), returnSequences: +(a.returnSequences !== false)});
    return true;
  };

  const GRUSequenceGrad = (
    x: {dy: Tensor; dh: Tensor; dReserve: Tensor; dHs: Tensor; reserve: Tensor; hs: Tensor; h0: Tensor; recurrentKernel: Tensor; mask: Tensor[]},
    a: LSTMSequenceAttrs,
    outs: Tensor[],
  ) => {
    const ins = [x.dy, x.dh, x.dReserve, x.dHs, x.reserve, x.hs, x.h0, x.recurrentKernel];
    if (!isF32(...ins, ...x.mask, ...outs)) return false;
    const op = 'GRUSequenceGrad';
    const [b, t, u] = dims(op, 'dy', x.dy, x.h0);
    const m = optional(op, 'mask', x.mask, [b, t]);
    const [dz, dh0, dw, db] = outs as [Tensor, Tensor, Tensor, Tensor];
    const bu = [b, u], tbu = [t, b, u], tbr = [t, b, 4 * u], w = [u, 3 * u];
    checkAll(op, [
      ['dy', x.dy, [b, t, u]], ['dh', x.dh, bu], ['dReserve', x.dReserve, tbr], ['dHs', x.dHs, tbu], ['reserve', x.reserve, tbr],
      ['hs', x.hs, tbu], ['h0', x.h0, bu], ['recurrentKernel', x.recurrentKernel, w], ['output dz', dz, [b, t, 3 * u]],
      ['output dh0', dh0, bu], ['output dRecurrentKernel', dw, w], ['output dRecurrentBias', db, [3 * u]],
    ]);
    call('GRUSequenceGrad', [...ins, ...m, dz, dh0, dw, db], sequenceAttrs(a, b, t, u, m));
    return true;
  };

  const LSTMStepGrad = (
    {dh, dc, dGates, gates, cNew, c}: {dh: Tensor; dc: Tensor; dGates: Tensor; gates: Tensor; cNew: Tensor; c: Tensor},
    _a: unknown,
    [da, dcPrev]: Tensor[],
  ) => {
    if (!isF32(dh, dc, dGates, gates, cNew, c, da!, dcPrev!)) return false;
    const op = 'LSTMStepGrad';
    const [b, u] = stateDims(op, 'c', c);
    checkAll(op, [
      ['dh', dh, [b, u]], ['dc', dc, [b, u]], ['dGates', dGates, [b, 4 * u]], ['gates', gates, [b, 4 * u]],
      ['cNew', cNew, [b, u]], ['c', c, [b, u]], ['output da', da!, [b, 4 * u]], ['output dcPrev', dcPrev!, [b, u]],
    ]);
    call('LSTMStepGrad', [dh, dc, dGates, gates, cNew, c, da!, dcPrev!], {batch: b, units: u});
    return true;
  };

  const GRUStepGrad = (
    {dh, dReserve, reserve, h}: {dh: Tensor; dReserve: Tensor; reserve: Tensor; h: Tensor},
    _a: unknown,
    [dz, dm, dhDirect]: Tensor[],
  ) => {
    if (!isF32(dh, dReserve, reserve, h, dz!, dm!, dhDirect!)) return false;
    const op = 'GRUStepGrad';
    const [b, u] = stateDims(op, 'h', h);
    checkAll(op, [
      ['dh', dh, [b, u]], ['dReserve', dReserve, [b, 4 * u]], ['reserve', reserve, [b, 4 * u]], ['h', h, [b, u]],
      ['output dz', dz!, [b, 3 * u]], ['output dm', dm!, [b, 3 * u]], ['output dhDirect', dhDirect!, [b, u]],
    ]);
    call('GRUStepGrad', [dh, dReserve, reserve, h, dz!, dm!, dhDirect!], {batch: b, units: u});
    return true;
  };

  return {LSTMSequence, LSTMSequenceGrad, GRUSequence, GRUSequenceGrad, LSTMStepGrad, GRUStepGrad};
}
