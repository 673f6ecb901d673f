/**
 * An HDF5 file as plain data: groups with attributes, datasets with a dtype, a shape and a typed
 * array. The HDF5 worker (`h5_worker.ts`) turns files into trees and trees into files; everything
 * Keras-specific happens on trees, in the main thread.
 *
 * ```ts
 * const root = newGroup();
 * const vars = ensureGroup(root, 'layers/dense/vars', {name: 'dense'});
 * vars.children['0'] = dataset('float32', [4, 3], new Float32Array(12));
 * ```
 */
import {ValueError} from '../errors.js';

/**
 * Element types a weights file uses. `float16` and `bfloat16` (as mixed-precision models save them;
 * Keras 3 stores bfloat16 as 2-byte opaque data with a `dtype` attribute) are read as float32 values.
 */
export type H5DType = 'float16' | 'bfloat16' | 'float32' | 'float64' | 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'string';

export type H5Data = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | string[];

/** Attribute values: strings (scalar or list, fixed-length `A<n>` when `fixed` is set) and numbers. */
export type H5AttrValue = string | string[] | number | number[] | {strings: string[]; fixed: true} | {values: number[]; dtype: 'float64' | 'int32'};

export interface H5Dataset {
  kind: 'dataset';
  dtype: H5DType;
  shape: number[];
  data: H5Data;
  attrs: Record<string, H5AttrValue>;
}

export interface H5Group {
  kind: 'group';
  attrs: Record<string, H5AttrValue>;
  /** Children in creation order (`keys()` order of the file when read). */
  children: Record<string, H5Node>;
  /** Child names in order: object keys that look like integers would otherwise sort first. */
  order: string[];
}

export type H5Node = H5Group | H5Dataset;

export function newGroup(attrs: Record<string, H5AttrValue> = {}): H5Group {
  return {kind: 'group', attrs, children: Object.create(null) as Record<string, H5Node>, order: []};
}

export function dataset(dtype: H5DType, shape: readonly number[], data: H5Data, attrs: Record<string, H5AttrValue> = {}): H5Dataset {
  return {kind: 'dataset', dtype, shape: [...shape], data, attrs};
}

export function setChild(g: H5Group, name: string, node: H5Node): void {
  if (!name || name.includes('/')) throw new ValueError(`HDF5: invalid child name ${JSON.stringify(name)}`);
  if (!(name in g.children)) g.order.push(name);
  g.children[name] = node;
}

export function childNames(g: H5Group): string[] {
  return g.order.filter((n) => n in g.children);
}

/** The node at `a/b/c`, or undefined. */
export function getPath(root: H5Group, path: string): H5Node | undefined {
  let cur: H5Node = root;
  for (const part of path.split('/').filter(Boolean)) {
    if (cur.kind !== 'group') return undefined;
    const next: H5Node | undefined = cur.children[part];
    if (!next) return undefined;
    cur = next;
  }
  return cur;
}

export function getGroup(root: H5Group, path: string): H5Group | undefined {
  const n = getPath(root, path);
  return n && n.kind === 'group' ? n : undefined;
}

/** Creates the groups along `path` (like `mkdir -p`) and returns the last one. */
export function ensureGroup(root: H5Group, path: string, attrs?: Record<string, H5AttrValue>): H5Group {
  let cur = root;
  for (const part of path.split('/').filter(Boolean)) {
    let next = cur.children[part];
    if (!next) {
      next = newGroup();
      setChild(cur, part, next);
    }
    if (next.kind !== 'group') throw new ValueError(`HDF5: ${path} crosses a dataset at "${part}"`);
    cur = next;
  }
  if (attrs) Object.assign(cur.attrs, attrs);
  return cur;
}

/** An attribute as a list of strings (Keras's `layer_names`, `weight_names`); empty lists may be stored as float arrays. */
export function attrStrings(value: H5AttrValue | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.length === 0 ? [] : value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
  if (typeof value !== 'object') return undefined;
  if ('strings' in value) return value.strings;
  if ('values' in value && value.values.length === 0) return [];
  return undefined;
}

export function attrString(value: H5AttrValue | undefined): string | undefined {
  if (typeof value === 'string') return value;
  const l = attrStrings(value);
  return l && l.length === 1 ? l[0] : undefined;
}

