import {ValueError} from '../../errors.js';
import {fmtShape} from '../../tensor/shape.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {KernelTable} from '../backend.js';
import {axisLayout} from '../reference/util.js';
import type {Compiled} from './call.js';
import {checkAxis, checkStorage, isF32, isI32} from './checks.js';

/**
 * Transpose, Gather, ScatterAdd, Concat, Split: the copies and index kernels of an Embedding and of
 * the time loop (native/src/array.cpp, ops.cpp). float32 data only; below `minElements` they stay in
 * JavaScript.
 *
 * The ABI takes float32 buffers only, so int32 indices travel as a Float32Array view of their own
 * bytes (no copy, no conversion); the compiled side reads them back as int32 and rejects any index
 * outside `[0, n)` before it moves an element.
 */
export function arrayKernels({call, minElements}: Compiled): Partial<KernelTable> {
  /** The int32 indices' bytes as float32 lanes: the compiled side reads the bits back as int32. */
  const bits = (t: Tensor) => {
    const v = t.values;
    return new Float32Array(v.buffer, v.byteOffset, v.length);
  };

  const Transpose = ({x}: {x: Tensor}, a: {perm: number[]}, [y]: Tensor[]) => {
    if (!isF32(x, y!) || x.size < minElements) return false;
    const op = 'Transpose';
    const perm = a.perm;
    if (perm.length !== x.rank || [...perm].sort((p, q) => p - q).some((p, i) => p !== i)) {
      throw new ValueError(`${op}: perm must be a permutation of the ${x.rank} axes. Received: perm=${fmtShape(perm)}`);
    }
    checkStorage(op, 'x', x);
    checkStorage(op, 'output', y!, perm.map((p) => x.shape[p]!));
    call('Transpose', [x, y!], {rank: x.rank}, [...x.shape, ...perm]);
    return true;
  };

  const Gather = ({x, indices}: {x: Tensor; indices: Tensor}, a: {axis: number}, [y]: Tensor[]) => {
    if (!isF32(x, y!) || !isI32(indices) || y!.size < minElements) return false;
    const op = 'Gather';
    checkAxis(op, a.axis, x.rank, x.shape);
    checkStorage(op, 'x', x);
    checkStorage(op, 'indices', indices);
    checkStorage(op, 'output', y!, [...x.shape.slice(0, a.axis), ...indices.shape, ...x.shape.slice(a.axis + 1)]);
    const {outer, n, inner} = axisLayout(x.shape, a.axis);
    call('Gather', [x, bits(indices), y!], {outer, n, inner, m: indices.size});
    return true;
  };

  const ScatterAdd = ({indices, updates}: {indices: Tensor; updates: Tensor}, a: {shape: number[]; axis: number}, [y]: Tensor[]) => {
    if (!isF32(updates, y!) || !isI32(indices) || y!.size < minElements) return false;
    const op = 'ScatterAdd';
    const shape = a.shape;
    checkAxis(op, a.axis, shape.length, shape);
    checkStorage(op, 'indices', indices);
    checkStorage(op, 'updates', updates, [...shape.slice(0, a.axis), ...indices.shape, ...shape.slice(a.axis + 1)]);
    checkStorage(op, 'output', y!, shape);
    const {outer, n, inner} = axisLayout(shape, a.axis);
    call('ScatterAdd', [bits(indices), updates, y!], {outer, n, inner, m: indices.size});
    return true;
  };

  /** Checks that the pieces tile `whole` along `axis`; returns `outer` and each piece's row length. */
  const joinLayout = (op: string, pieceName: string, pieces: Tensor[], wholeName: string, whole: Tensor, axis: number) => {
    checkAxis(op, axis, whole.rank, whole.shape);
    checkStorage(op, wholeName, whole);
    let along = 0;
    pieces.forEach((p, i) => {
      const want = whole.shape.map((d, j) => (j === axis ? p.shape[axis]! : d));
      checkStorage(op, `${pieceName}[${i}]`, p, want);
      along += p.shape[axis]!;
    });
    if (along !== whole.shape[axis]) {
      throw new ValueError(`${op}: the pieces' lengths on axis ${axis} add up to ${along}, but ${wholeName}.shape=${fmtShape(whole.shape)}`);
    }
    const {outer, inner} = axisLayout(whole.shape, axis);
    return {outer, rows: pieces.map((p) => p.shape[axis]! * inner), rowTotal: whole.shape[axis]! * inner};
  };

  /** A call takes at most 24 buffers: more pieces go in groups, each at its column offset. */
  const GROUP = 15;
  const joinOrSplit = (kernel: 'Concat' | 'Split', pieces: Tensor[], whole: Tensor, layout: ReturnType<typeof joinLayout>) => {
    let offset = 0;
    for (let g = 0; g < pieces.length; g += GROUP) {
      const group = pieces.slice(g, g + GROUP), rows = layout.rows.slice(g, g + GROUP);
      const bufs = kernel === 'Concat' ? [...group, whole] : [whole, ...group];
      call(kernel, bufs, {outer: layout.outer, pieces: group.length, rowTotal: layout.rowTotal, offset}, rows);
      offset += rows.reduce((a, r) => a + r, 0);
    }
  };

  const Concat = ({xs}: {xs: Tensor[]}, a: {axis: number}, [y]: Tensor[]) => {
    if (xs.length === 0 || !isF32(...xs, y!) || y!.size < minElements) return false;
    joinOrSplit('Concat', xs, y!, joinLayout('Concat', 'xs', xs, 'output', y!, a.axis));
    return true;
  };

  const Split = ({x}: {x: Tensor}, a: {sizes: number[]; axis: number}, ys: Tensor[]) => {
    if (ys.length === 0 || !isF32(x, ...ys) || x.size < minElements) return false;
    if (ys.length !== a.sizes.length || ys.some((t, i) => t.shape[a.axis] !== a.sizes[i])) {
      throw new ValueError(`Split: expected ${a.sizes.length} outputs of lengths ${fmtShape(a.sizes)} on axis ${a.axis}. Received: ${ys.map((t) => fmtShape(t.shape)).join(', ')}`);
    }
    joinOrSplit('Split', ys, x, joinLayout('Split', 'output', ys, 'x', x, a.axis));
    return true;
  };

  return {Transpose, Gather, ScatterAdd, Concat, Split};
}
