import {ValueError} from '../../errors.js';
import {fmtShape, sizeOf} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {KernelTable} from '../backend.js';
import {KernelId, type NativeAddon} from './abi.js';

/**
 * The native backward kernels of the recurrent steps and the index/copy kernels of an Embedding and
 * of the time loop (native/src/array.cpp): `LSTMStepGrad`, `GRUStepGrad`, `Gather`, `ScatterAdd`,
 * `Concat`, `Split`. float32 data only; copies below `minElements` stay in JavaScript.
 *
 * The addon's ABI takes float32 buffers only, so int32 indices travel as a Float32Array view of
 * their own bytes (no copy, no conversion); the addon reads them back as int32 and rejects any index
 * outside `[0, n)` before it moves an element. As for every native kernel, each buffer is checked
 * here to hold exactly the elements its shape implies, and the addon checks the lengths again.
 */
export function nativeRecurrentArrayKernels(addon: NativeAddon, minElements: number): Partial<KernelTable> {
  const run = (id: number, bufs: Float32Array[], attrs: readonly number[]) => addon.run(id, bufs, Float64Array.from(attrs));
  const f32 = (t: Tensor) => t.values as Float32Array;
  const isF32 = (...ts: Tensor[]) => ts.every((t) => t.dtype === 'float32' && t.values instanceof Float32Array);
  const isI32 = (t: Tensor) => t.dtype === 'int32' && t.values instanceof Int32Array;
  /** The int32 indices' bytes as float32 lanes: the addon reads the bits back as int32. */
  const bits = (t: Tensor) => {
    const v = t.values as Int32Array;
    return new Float32Array(v.buffer, v.byteOffset, v.length);
  };

  const check = (op: string, name: string, t: Tensor, shape: readonly number[]) => {
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new ValueError(`${op}: ${name} must have shape ${fmtShape(shape)}. Received: ${name}.shape=${fmtShape(t.shape)}`);
    }
    if (t.values.length !== sizeOf(shape)) {
      throw new ValueError(`${op}: ${name} has ${t.values.length} values in storage, but its shape ${fmtShape(shape)} needs ${sizeOf(shape)}`);
    }
  };
  const checkAll = (op: string, tensors: [string, Tensor, readonly number[]][]) => {
    for (const [name, t, shape] of tensors) check(op, name, t, shape);
  };
  const stateDims = (op: string, name: string, t: Tensor): [number, number] => {
    if (t.rank !== 2) throw new ValueError(`${op}: ${name} must have rank 2 [batch, units]. Received: ${name}.shape=${fmtShape(t.shape)}`);
    return t.shape as [number, number];
  };
  const checkAxis = (op: string, axis: number, rank: number, shape: readonly number[]) => {
    if (!Number.isInteger(axis) || axis < 0 || axis >= rank) {
      throw new ValueError(`${op}: axis must be an integer in [0, ${rank}). Received: axis=${axis} for shape ${fmtShape(shape)}`);
    }
  };

  // ---------------------------------------------------------------------------------------------
  // Recurrent steps, backward (elementwise part; the rules add the two matmuls)

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
    run(KernelId.LSTMStepGrad, [dh, dc, dGates, gates, cNew, c, da!, dcPrev!].map(f32), [b, u]);
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
    run(KernelId.GRUStepGrad, [dh, dReserve, reserve, h, dz!, dm!, dhDirect!].map(f32), [b, u]);
    return true;
  };

  // ---------------------------------------------------------------------------------------------
  // Gather / ScatterAdd along one axis with int32 indices

  const Gather = ({x, indices}: {x: Tensor; indices: Tensor}, a: {axis: number}, [y]: Tensor[]) => {
    if (!isF32(x, y!) || !isI32(indices) || y!.size < minElements) return false;
    const op = 'Gather';
    checkAxis(op, a.axis, x.rank, x.shape);
    check(op, 'x', x, x.shape);
    check(op, 'indices', indices, indices.shape);
    check(op, 'output', y!, [...x.shape.slice(0, a.axis), ...indices.shape, ...x.shape.slice(a.axis + 1)]);
    const outer = sizeOf(x.shape.slice(0, a.axis)), inner = sizeOf(x.shape.slice(a.axis + 1));
    run(KernelId.Gather, [f32(x), bits(indices), f32(y!)], [outer, x.shape[a.axis]!, inner, indices.size]);
    return true;
  };

  const ScatterAdd = (
    {indices, updates}: {indices: Tensor; updates: Tensor},
    a: {shape: number[]; axis: number},
    [y]: Tensor[],
  ) => {
    if (!isF32(updates, y!) || !isI32(indices) || y!.size < minElements) return false;
    const op = 'ScatterAdd';
    const shape = a.shape;
    checkAxis(op, a.axis, shape.length, shape);
    check(op, 'indices', indices, indices.shape);
    check(op, 'updates', updates, [...shape.slice(0, a.axis), ...indices.shape, ...shape.slice(a.axis + 1)]);
    check(op, 'output', y!, shape);
    const outer = sizeOf(shape.slice(0, a.axis)), inner = sizeOf(shape.slice(a.axis + 1));
    run(KernelId.ScatterAdd, [bits(indices), f32(updates), f32(y!)], [outer, shape[a.axis]!, inner, indices.size]);
    return true;
  };

  // ---------------------------------------------------------------------------------------------
  // Concat / Split along any axis: pure copies of [outer, rows] blocks

  /** Checks that the pieces tile `whole` along `axis`; returns `outer` and each piece's row length. */
  const joinLayout = (op: string, pieceName: string, pieces: Tensor[], wholeName: string, whole: Tensor, axis: number) => {
    checkAxis(op, axis, whole.rank, whole.shape);
    check(op, wholeName, whole, whole.shape);
    let along = 0;
    pieces.forEach((p, i) => {
      const want = whole.shape.map((d, j) => (j === axis ? p.shape[axis]! : d));
      check(op, `${pieceName}[${i}]`, p, want);
      along += p.shape[axis]!;
    });
    if (along !== whole.shape[axis]) {
      throw new ValueError(`${op}: the pieces' lengths on axis ${axis} add up to ${along}, but ${wholeName}.shape=${fmtShape(whole.shape)}`);
    }
    const outer = sizeOf(whole.shape.slice(0, axis)), inner = sizeOf(whole.shape.slice(axis + 1));
    return {outer, rows: pieces.map((p) => p.shape[axis]! * inner), rowTotal: whole.shape[axis]! * inner};
  };

  /** The addon takes at most 16 buffers a call: more pieces go in groups, each at its column offset. */
  const GROUP = 15;
  const joinOrSplit = (id: number, pieces: Tensor[], whole: Tensor, layout: ReturnType<typeof joinLayout>) => {
    let offset = 0;
    for (let g = 0; g < pieces.length; g += GROUP) {
      const group = pieces.slice(g, g + GROUP).map(f32), rows = layout.rows.slice(g, g + GROUP);
      const bufs = id === KernelId.Concat ? [...group, f32(whole)] : [f32(whole), ...group];
      run(id, bufs, [layout.outer, group.length, layout.rowTotal, offset, ...rows]);
      offset += rows.reduce((a, r) => a + r, 0);
    }
  };

  const Concat = ({xs}: {xs: Tensor[]}, a: {axis: number}, [y]: Tensor[]) => {
    if (xs.length === 0 || !isF32(...xs, y!) || y!.size < minElements) return false;
    joinOrSplit(KernelId.Concat, xs, y!, joinLayout('Concat', 'xs', xs, 'output', y!, a.axis));
    return true;
  };

  const Split = ({x}: {x: Tensor}, a: {sizes: number[]; axis: number}, ys: Tensor[]) => {
    if (ys.length === 0 || !isF32(x, ...ys) || x.size < minElements) return false;
    if (ys.length !== a.sizes.length || ys.some((t, i) => t.shape[a.axis] !== a.sizes[i])) {
      throw new ValueError(`Split: expected ${a.sizes.length} outputs of lengths ${fmtShape(a.sizes)} on axis ${a.axis}. Received: ${ys.map((t) => fmtShape(t.shape)).join(', ')}`);
    }
    joinOrSplit(KernelId.Split, ys, x, joinLayout('Split', 'output', ys, 'x', x, a.axis));
    return true;
  };

  return {LSTMStepGrad, GRUStepGrad, Gather, ScatterAdd, Concat, Split};
}
