/**
 * TensorBoard's event files: TFRecord framing (length, masked CRC32C of the length, data, masked
 * CRC32C of the data) around `tensorboard.Event` protos, as TensorFlow's `EventsWriter` writes them,
 * and the `Summary.Value`s that TensorFlow 2's `tf.summary.scalar/histogram/image/write` produce
 * (the value in a `TensorProto`, the plugin named in its metadata).
 *
 * The protos are encoded here by hand (a field is a tag and a varint, a double or bytes): about 60
 * lines against the 4 MB of protobufjs plus the .proto texts at run time (docs/visualization.md has
 * the measurements). The tests decode every file with protobufjs from the published .proto files
 * (src/callbacks/proto/), so the encoder is checked by an independent decoder.
 *
 * ```ts
 * const w = new EventFileWriter('logs/train');
 * w.addSummary([scalarValue('epoch_loss', 0.42)], 0);
 * w.flush();
 * ```
 */
import {appendFileSync, mkdirSync} from '../platform/index.js';
import {hostname} from '../platform/index.js';
import {join} from '../platform/index.js';
import {isChiefProcess} from '../distribution/state.js';

// --- CRC32C (Castagnoli), as TFRecord frames use it -------------------------------------------

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC-32C of `data` (the polynomial of iSCSI and TFRecord). */
export function crc32c(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC32C_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC: rotated right by 15 bits plus a constant, so a CRC of CRCs is not a CRC. */
function maskedCrc32c(data: Uint8Array): number {
  const c = crc32c(data);
  return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
}

/** One TFRecord: `uint64 length, uint32 masked_crc(length), data, uint32 masked_crc(data)`, little-endian. */
export function tfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length + 4);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length, true);
  dv.setUint32(4, Math.floor(data.length / 2 ** 32), true);
  dv.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  dv.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

// --- a protobuf encoder for the few field kinds these messages use -----------------------------

const utf8 = new TextEncoder();

/** Accumulates one message's fields in wire format. */
class ProtoWriter {
  private readonly parts: number[] = [];
  private readonly chunks: Uint8Array[] = [];
  private flushParts(): void {
    if (this.parts.length) this.chunks.push(Uint8Array.from(this.parts.splice(0)));
  }
  private varint(v: number): void {
    // non-negative integers up to 2^53 (field tags, lengths, steps, enum values)
    while (v >= 0x80) {
      this.parts.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.parts.push(v);
  }
  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }
  uint(field: number, v: number): this {
    if (v !== 0) {
      this.tag(field, 0);
      this.varint(v);
    }
    return this;
  }
  double(field: number, v: number): this {
    this.tag(field, 1);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    this.parts.push(...b);
    return this;
  }
  bytes(field: number, v: Uint8Array | string, always = false): this {
    const b = typeof v === 'string' ? utf8.encode(v) : v;
    if (!b.length && !always) return this;
    this.tag(field, 2);
    this.varint(b.length);
    this.flushParts();
    this.chunks.push(b);
    return this;
  }
  message(field: number, m: ProtoWriter | null): this {
    return m ? this.bytes(field, m.finish(), true) : this;
  }
  finish(): Uint8Array {
    this.flushParts();
    const n = this.chunks.reduce((a, c) => a + c.length, 0);
    const out = new Uint8Array(n);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

// --- tensorboard.Summary.Value as TensorFlow 2's summary ops write them --------------------------

/** `tensorboard.DataType` values used here. */
const DT_FLOAT = 1;
const DT_DOUBLE = 2;
const DT_STRING = 7;

/** A `Summary.Value`, already encoded. */
export type SummaryValue = Uint8Array;

function tensorShape(dims: number[]): ProtoWriter {
  const s = new ProtoWriter();
  for (const d of dims) s.message(2, new ProtoWriter().uint(1, d)); // TensorShapeProto.dim { size }
  return s;
}

function metadata(pluginName: string, content: Uint8Array | string = ''): ProtoWriter {
  const plugin = new ProtoWriter().bytes(1, pluginName).bytes(2, content);
  return new ProtoWriter().message(1, plugin); // SummaryMetadata.plugin_data
}

function value(tag: string, meta: ProtoWriter, tensor: ProtoWriter): SummaryValue {
  // Summary.Value: tag = 1, tensor = 8, metadata = 9
  return new ProtoWriter().bytes(1, tag).message(9, meta).message(8, tensor).finish();
}

/** `tf.summary.scalar(tag, v)`: a float32 scalar tensor for the `scalars` plugin. */
export function scalarValue(tag: string, v: number): SummaryValue {
  const content = new Uint8Array(4);
  new DataView(content.buffer).setFloat32(0, v, true);
  const tensor = new ProtoWriter().uint(1, DT_FLOAT).message(2, tensorShape([])).bytes(4, content);
  return value(tag, metadata('scalars'), tensor);
}

/**
 * `tf.summary.histogram(tag, data)` with TensorBoard's default 30 buckets: a float64 `[k, 3]`
 * tensor of `[left, right, count]` rows, equal-width buckets from min to max (the last edge exactly
 * max); one value repeated gives edges all equal to it and its count in the last bucket.
 */
export function histogramBuckets(data: ArrayLike<number>, bucketCount = 30): Float64Array {
  const n = data.length;
  const out = new Float64Array(bucketCount * 3);
  if (n === 0 || bucketCount <= 0) return out;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = data[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const range = max - min;
  if (range === 0) {
    for (let b = 0; b < bucketCount; b++) out.set([max, max, b === bucketCount - 1 ? n : 0], b * 3);
    return out;
  }
  const width = range / bucketCount;
  const counts = new Float64Array(bucketCount);
  for (let i = 0; i < n; i++) counts[Math.min(Math.floor((data[i]! - min) / width), bucketCount - 1)]! += 1;
  for (let b = 0; b < bucketCount; b++) {
    // tf.linspace(min, max, k + 1): min + b * (range / k)
    const left = min + b * (range / bucketCount);
    const right = b === bucketCount - 1 ? max : min + (b + 1) * (range / bucketCount);
    out.set([left, right, counts[b]!], b * 3);
  }
  return out;
}

export function histogramValue(tag: string, data: ArrayLike<number>, bucketCount = 30): SummaryValue {
  const buckets = histogramBuckets(data, bucketCount);
  const k = buckets.length / 3;
  const tensor = new ProtoWriter()
    .uint(1, DT_DOUBLE)
    .message(2, tensorShape([k, 3]))
    .bytes(4, new Uint8Array(buckets.buffer, buckets.byteOffset, buckets.byteLength));
  return value(tag, metadata('histograms'), tensor);
}

/** `tf.summary.image(tag, ...)`: a string tensor `[width, height, png...]` for the `images` plugin. */
export function imageValue(tag: string, width: number, height: number, pngs: Uint8Array[]): SummaryValue {
  const tensor = new ProtoWriter().uint(1, DT_STRING).message(2, tensorShape([2 + pngs.length]));
  tensor.bytes(8, String(width), true).bytes(8, String(height), true);
  for (const p of pngs) tensor.bytes(8, p, true);
  return value(tag, metadata('images'), tensor);
}

/** A scalar string tensor under a named plugin (Keras's model config: plugin `graph_keras_model`, content `1`). */
export function stringValue(tag: string, text: string, pluginName: string, content = ''): SummaryValue {
  const tensor = new ProtoWriter().uint(1, DT_STRING).message(2, tensorShape([])).bytes(8, text, true);
  return value(tag, metadata(pluginName, content), tensor);
}

/**
 * `tensorboard.Event`: wall_time = 1, step = 2, file_version = 3, summary = 5, source_metadata = 10.
 * @public (bench/visualization.ts imports it in a child process)
 */
export function encodeEvent(e: {wallTime: number; step?: number; fileVersion?: string; summary?: SummaryValue[]; writer?: string}): Uint8Array {
  const w = new ProtoWriter().double(1, e.wallTime).uint(2, e.step ?? 0);
  if (e.fileVersion !== undefined) w.bytes(3, e.fileVersion, true);
  if (e.summary) {
    const s = new ProtoWriter();
    for (const v of e.summary) s.bytes(1, v, true);
    w.message(5, s);
  }
  if (e.writer) w.message(10, new ProtoWriter().bytes(1, e.writer));
  return w.finish();
}

// --- the file writer ------------------------------------------------------------------------------

let writerCount = 0;

/**
 * Appends events to `<logDir>/events.out.tfevents.<seconds>.<host>.<pid>.<n>.v2` (the name TF 2's
 * `create_file_writer` gives). Records are buffered and appended whole on `flush()` (the callback
 * flushes at each epoch's end and at the end of training), so a crash leaves only complete records.
 */
export class EventFileWriter {
  readonly path: string;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private closed = false;
  /** distribution: only rank 0 writes event files; on other ranks the writer keeps nothing. */
  private readonly chief = isChiefProcess();

  constructor(
    readonly logDir: string,
    /** Buffered bytes past which `add` flushes by itself. */
    readonly maxPendingBytes = 1 << 20,
  ) {
    const now = Date.now() / 1000;
    const pid = typeof process !== 'undefined' ? process.pid : 0;
    this.path = join(logDir, `events.out.tfevents.${Math.floor(now)}.${hostname()}.${pid}.${writerCount++}.v2`);
    if (!this.chief) return;
    mkdirSync(logDir, {recursive: true});
    // the first record names the format, as EventsWriter's
    appendFileSync(this.path, tfRecord(encodeEvent({wallTime: now, fileVersion: 'brain.Event:2', writer: 'keras-ts'})));
  }

  /** Queues one event holding `values` at `step`. */
  addSummary(values: SummaryValue[], step: number, wallTime = Date.now() / 1000): void {
    if (this.closed) throw new Error(`EventFileWriter: ${this.path} is closed; create a new writer to write more events`);
    if (!this.chief) return;
    const rec = tfRecord(encodeEvent({wallTime, step, summary: values}));
    this.pending.push(rec);
    this.pendingBytes += rec.length;
    if (this.pendingBytes > this.maxPendingBytes) this.flush();
  }

  /** Appends the queued records to the file. */
  flush(): void {
    if (!this.pending.length) return;
    const all = new Uint8Array(this.pendingBytes);
    let o = 0;
    for (const r of this.pending) {
      all.set(r, o);
      o += r.length;
    }
    this.pending = [];
    this.pendingBytes = 0;
    appendFileSync(this.path, all);
  }

  close(): void {
    this.flush();
    this.closed = true;
  }
}
