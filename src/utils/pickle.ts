/**
 * A restricted reader of Python pickles: enough for Keras's dataset files, and nothing that can run
 * code. It is an interpreter of pickle opcodes in which the only callables are four NumPy globals,
 * implemented here in TypeScript — exactly the set Keras's own `RestrictedUnpickler` allows:
 *
 *   numpy.ndarray, numpy.dtype, numpy.core.multiarray._reconstruct, numpy._core.multiarray._reconstruct
 *
 * plus `_codecs.encode(str, 'latin1')`, the pure function Python 3 uses to write bytes in protocol 2.
 * Any other global (`os.system`, `builtins.eval`, `subprocess.Popen` ...) and any opcode that builds
 * arbitrary objects (INST, OBJ, NEWOBJ, NEWOBJ_EX, extension codes, persistent ids, out-of-band
 * buffers) is refused with an error naming it. Nothing is ever executed.
 *
 * Python values map to: None → null, bool → boolean, int → number (must be a safe integer), float →
 * number, bytes / Python-2 str → Uint8Array, str → string, list → array, tuple → frozen array,
 * dict → Map (bytes keys are decoded as UTF-8, as Keras's CIFAR loader does), ndarray → `NdArray`.
 *
 * ```ts
 * const batch = unpickle(readFileSync('data_batch_1')) as Map<string, unknown>;
 * const data = batch.get('data') as NdArray; // shape [10000, 3072], kind 'u1'
 * ```
 */
import {ValueError} from '../errors.js';
import {decodeArrayBytes, parseDescr, sizeOfShape, type NdArray, type NdData, type NdKind} from './ndarray.js';

export class UnpicklingError extends ValueError {
  override name = 'UnpicklingError';
}

const ALLOWED_GLOBALS = new Set([
  'numpy.ndarray',
  'numpy.dtype',
  'numpy.core.multiarray._reconstruct',
  'numpy._core.multiarray._reconstruct',
  // Python 3 writes bytes in protocol 2 as _codecs.encode(str, 'latin1'): a pure function, done here
  '_codecs.encode',
]);

/** Opcodes that would build arbitrary Python objects or need a host: refused by name. */
const REFUSED: Record<number, string> = {
  0x69: 'INST',
  0x6f: 'OBJ',
  0x81: 'NEWOBJ',
  0x92: 'NEWOBJ_EX',
  0x82: 'EXT1',
  0x83: 'EXT2',
  0x84: 'EXT4',
  0x50: 'PERSID',
  0x51: 'BINPERSID',
  0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER',
  0x8f: 'EMPTY_SET',
  0x90: 'ADDITEMS',
  0x91: 'FROZENSET',
  0x53: 'STRING',
  0x56: 'UNICODE',
};

class GlobalRef {
  constructor(readonly qualname: string) {}
}

/** A NumPy dtype under construction: `numpy.dtype(code, align, copy)` then BUILD with its state. */
class PickledDtype {
  constructor(public code: string, public order = '|') {}
  descr(): string {
    return this.order + this.code;
  }
}

/** An ndarray made by `_reconstruct(ndarray, (0,), b'b')`, filled in place by BUILD. */
class PickledNdArray implements NdArray {
  kind: NdKind = 'u1';
  shape: readonly number[] = [0];
  data: NdData = new Uint8Array(0);
  built = false;
}

/** A copy with its own buffer (Buffer#slice would share node's pool). */
function copy(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}

export interface UnpickleOptions {
  /** Named in errors, e.g. the file being read. */
  source?: string;
}

/** Reads one pickle from `bytes` and returns the value it describes (see the module doc). */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions = {}): unknown {
  const src = options.source ?? 'pickle';
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  const stack: unknown[] = [];
  const metastack: unknown[][] = [];
  let cur = stack;
  const memo = new Map<number, unknown>();
  const latin1 = new TextDecoder('latin1');
  const utf8 = new TextDecoder('utf-8', {fatal: true});

  const fail = (msg: string): never => {
    throw new UnpicklingError(`${src}: ${msg} (at byte ${pos})`);
  };
  const need = (n: number): void => {
    if (n < 0 || pos + n > bytes.length) fail(`truncated pickle: needs ${n} more bytes`);
  };
  const take = (n: number): Uint8Array => {
    need(n);
    const b = bytes.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  const u8 = (): number => {
    need(1);
    return bytes[pos++]!;
  };
  const u16 = (): number => {
    need(2);
    const v = dv.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = (): number => {
    need(4);
    const v = dv.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = (): number => {
    need(8);
    const v = dv.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(bytes.length)) fail(`length ${v} is larger than the whole pickle`);
    return Number(v);
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('truncated pickle: a text argument has no end of line');
    const s = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): unknown => {
    if (cur.length === 0) fail('stack underflow');
    return cur.pop();
  };
  const top = (): unknown => {
    if (cur.length === 0) fail('stack underflow');
    return cur[cur.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = cur;
    const prev = metastack.pop();
    if (!prev) fail('MARK expected on the stack');
    cur = prev!;
    return items;
  };
  const push = (v: unknown): void => {
    cur.push(v);
  };
  const tuple = (items: unknown[]): readonly unknown[] => Object.freeze(items);
  const toInt = (v: bigint): number => {
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      fail(`integer ${v} is too large for a JavaScript number`);
    }
    return Number(v);
  };
  const decodeLong = (b: Uint8Array): number => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
    return toInt(v);
  };
  const asList = (v: unknown, op: string): unknown[] => {
    if (!Array.isArray(v) || Object.isFrozen(v)) fail(`${op} needs a list on the stack`);
    return v as unknown[];
  };
  const asDict = (v: unknown, op: string): Map<unknown, unknown> => {
    if (!(v instanceof Map)) fail(`${op} needs a dict on the stack`);
    return v as Map<unknown, unknown>;
  };
  const dictKey = (k: unknown): unknown => (k instanceof Uint8Array ? utf8.decode(k) : k);
  const str = (b: Uint8Array): string => {
    try {
      return utf8.decode(b);
    } catch {
      return fail('invalid UTF-8 in a string');
    }
  };
  const resolveGlobal = (module: string, name: string): GlobalRef => {
    const q = `${module}.${name}`;
    if (!ALLOWED_GLOBALS.has(q)) {
      fail(
        `refusing to load the global \`${q}\`: only numpy.ndarray, numpy.dtype, numpy.core.multiarray._reconstruct (and _codecs.encode for bytes) ` +
          'are allowed in a Keras dataset file. The file may be corrupted or malicious',
      );
    }
    return new GlobalRef(q);
  };
  const textOf = (v: unknown): string => {
    if (typeof v === 'string') return v;
    if (v instanceof Uint8Array) return latin1.decode(v);
    return fail(`expected a string, received ${describe(v)}`);
  };

  const reduce = (fn: unknown, args: unknown): unknown => {
    if (!(fn instanceof GlobalRef)) fail(`REDUCE of ${describe(fn)} is not allowed`);
    if (!Array.isArray(args)) fail('REDUCE needs an argument tuple');
    const g = fn as GlobalRef;
    const a = args as unknown[];
    if (g.qualname.endsWith('._reconstruct')) {
      if (!(a[0] instanceof GlobalRef) || a[0].qualname !== 'numpy.ndarray') {
        fail('_reconstruct may only build numpy.ndarray');
      }
      return new PickledNdArray();
    }
    if (g.qualname === 'numpy.dtype') return new PickledDtype(textOf(a[0]));
    if (g.qualname === '_codecs.encode') {
      if (typeof a[0] !== 'string' || (a[1] !== 'latin1' && a[1] !== 'latin-1')) fail('_codecs.encode is only allowed as (str, "latin1")');
      const s = a[0] as string;
      const out = new Uint8Array(s.length);
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c > 255) fail('_codecs.encode: character outside latin-1');
        out[i] = c;
      }
      return out;
    }
    return fail(`calling \`${g.qualname}\` is not allowed`);
  };

  const build = (obj: unknown, state: unknown): void => {
    if (obj instanceof PickledDtype) {
      if (Array.isArray(state) && state.length >= 2) obj.order = textOf(state[1]);
      return;
    }
    if (obj instanceof PickledNdArray) {
      if (!Array.isArray(state) || (state.length !== 5 && state.length !== 4)) fail('ndarray state must be a tuple of 4 or 5 items');
      const s = state as unknown[];
      const [shape, dtype, fortran, raw] = s.length === 5 ? s.slice(1) : s;
      if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
        fail(`invalid ndarray shape ${describe(shape)}`);
      }
      if (!(dtype instanceof PickledDtype)) fail('ndarray state has no numpy.dtype');
      const dims = shape as number[];
      const {kind, bigEndian} = parseDescr((dtype as PickledDtype).descr(), src);
      if (kind === 'O') {
        if (!Array.isArray(raw)) fail('an object ndarray needs a list of its elements');
        const items = raw as unknown[];
        if (items.length !== sizeOfShape(dims, src)) fail(`object ndarray has ${items.length} elements for shape [${dims}]`);
        obj.data = items.slice();
        if (fortran === true && dims.length > 1) fail('Fortran-ordered object arrays are not supported');
        obj.kind = 'O';
        obj.shape = [...dims];
      } else {
        if (!(raw instanceof Uint8Array)) fail(`ndarray data must be bytes, received ${describe(raw)}`);
        const arr = decodeArrayBytes(raw as Uint8Array, kind, bigEndian, dims, fortran === true, src);
        obj.kind = arr.kind;
        obj.shape = arr.shape;
        obj.data = arr.data;
      }
      obj.built = true;
      return;
    }
    fail(`BUILD on ${describe(obj)} is not allowed`);
  };

  for (;;) {
    if (pos >= bytes.length) fail('truncated pickle: no STOP opcode');
    const op = bytes[pos++]!;
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail('unsupported pickle protocol');
        break;
      case 0x95: // FRAME: only a length prefix for buffered reads
        u64();
        break;
      case 0x2e: {
        // STOP
        const v = pop();
        return finish(v, src);
      }
      case 0x28: // MARK
        metastack.push(cur);
        cur = [];
        break;
      case 0x30: // POP
        if (cur.length) pop();
        else popMark();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x49: {
        // INT (text): "00"/"01" are False/True in protocol 0
        const s = line();
        if (s === '00') push(false);
        else if (s === '01') push(true);
        else if (/^[+-]?\d+$/.test(s)) push(toInt(BigInt(s)));
        else fail(`invalid INT ${JSON.stringify(s)}`);
        break;
      }
      case 0x4c: {
        // LONG (text)
        const s = line().replace(/L$/, '');
        if (!/^[+-]?\d+$/.test(s)) fail(`invalid LONG ${JSON.stringify(s)}`);
        push(toInt(BigInt(s)));
        break;
      }
      case 0x4a: // BININT
        need(4);
        push(dv.getInt32(pos, true));
        pos += 4;
        break;
      case 0x4b: // BININT1
        push(u8());
        break;
      case 0x4d: // BININT2
        push(u16());
        break;
      case 0x8a: // LONG1
        push(decodeLong(take(u8())));
        break;
      case 0x8b: {
        // LONG4
        need(4);
        const n = dv.getInt32(pos, true);
        pos += 4;
        if (n < 0) fail('negative LONG4 length');
        push(decodeLong(take(n)));
        break;
      }
      case 0x46: {
        // FLOAT (text)
        const s = line();
        const v = Number(s);
        if (Number.isNaN(v) && !/nan/i.test(s)) fail(`invalid FLOAT ${JSON.stringify(s)}`);
        push(v);
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        push(dv.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x55: // SHORT_BINSTRING: a Python 2 str, read as bytes (encoding="bytes")
      case 0x43: // SHORT_BINBYTES
        push(copy(take(u8())));
        break;
      case 0x54: {
        // BINSTRING
        need(4);
        const n = dv.getInt32(pos, true);
        pos += 4;
        if (n < 0) fail('negative BINSTRING length');
        push(copy(take(n)));
        break;
      }
      case 0x42: // BINBYTES
        push(copy(take(u32())));
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        push(copy(take(u64())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(str(take(u8())));
        break;
      case 0x58: // BINUNICODE
        push(str(take(u32())));
        break;
      case 0x8d: // BINUNICODE8
        push(str(take(u64())));
        break;
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x6c: // LIST
        push(popMark());
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        asList(top(), 'APPEND').push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const list = asList(top(), 'APPENDS');
        for (const v of items) list.push(v);
        break;
      }
      case 0x29: // EMPTY_TUPLE
        push(tuple([]));
        break;
      case 0x74: // TUPLE
        push(tuple(popMark()));
        break;
      case 0x85: // TUPLE1
        push(tuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        push(tuple([a, b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        push(tuple([a, b, c]));
        break;
      }
      case 0x7d: // EMPTY_DICT
        push(new Map());
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        if (items.length % 2) fail('DICT needs key/value pairs');
        const d = new Map<unknown, unknown>();
        for (let i = 0; i < items.length; i += 2) d.set(dictKey(items[i]), items[i + 1]);
        push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        asDict(top(), 'SETITEM').set(dictKey(k), v);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        if (items.length % 2) fail('SETITEMS needs key/value pairs');
        const d = asDict(top(), 'SETITEMS');
        for (let i = 0; i < items.length; i += 2) d.set(dictKey(items[i]), items[i + 1]);
        break;
      }
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        const name = line();
        push(resolveGlobal(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        push(resolveGlobal(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        push(reduce(fn, args));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        build(top(), state);
        break;
      }
      case 0x70: {
        // PUT (text)
        const s = line();
        if (!/^\d+$/.test(s)) fail(`invalid PUT index ${JSON.stringify(s)}`);
        memo.set(Number(s), top());
        break;
      }
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x67: {
        // GET (text)
        const s = line();
        if (!/^\d+$/.test(s) || !memo.has(Number(s))) fail(`GET of an unknown memo entry ${JSON.stringify(s)}`);
        push(memo.get(Number(s)));
        break;
      }
      case 0x68: {
        // BINGET
        const i = u8();
        if (!memo.has(i)) fail(`BINGET of an unknown memo entry ${i}`);
        push(memo.get(i));
        break;
      }
      case 0x6a: {
        // LONG_BINGET
        const i = u32();
        if (!memo.has(i)) fail(`LONG_BINGET of an unknown memo entry ${i}`);
        push(memo.get(i));
        break;
      }
      default: {
        pos--;
        const name = REFUSED[op];
        if (name) fail(`refusing the pickle opcode ${name} (0x${op.toString(16)}): it is not needed by Keras dataset files`);
        fail(`unknown pickle opcode 0x${op.toString(16).padStart(2, '0')}`);
      }
    }
  }
}

function finish(v: unknown, src: string): unknown {
  if (v instanceof GlobalRef || v instanceof PickledDtype) {
    throw new UnpicklingError(`${src}: the pickle holds a bare ${describe(v)}, not data`);
  }
  if (v instanceof PickledNdArray && !v.built) {
    throw new UnpicklingError(`${src}: an ndarray was reconstructed but never given its state`);
  }
  return v;
}

function describe(v: unknown): string {
  if (v === null) return 'None';
  if (v instanceof GlobalRef) return `the global ${v.qualname}`;
  if (v instanceof PickledDtype) return 'a numpy.dtype';
  if (v instanceof PickledNdArray) return 'a numpy.ndarray';
  if (v instanceof Uint8Array) return `bytes of length ${v.length}`;
  if (v instanceof Map) return 'a dict';
  if (Array.isArray(v)) return Object.isFrozen(v) ? 'a tuple' : 'a list';
  return typeof v;
}

/** True for the arrays `unpickle` returns for pickled ndarrays. */
export function isNdArray(v: unknown): v is NdArray {
  return v instanceof PickledNdArray;
}
