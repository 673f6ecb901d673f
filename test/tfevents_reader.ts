/**
 * An independent reader of TensorBoard event files for the tests: TFRecord frames checked with a
 * bitwise CRC-32C (not the writer's table), the records decoded by protobufjs from the published
 * .proto files in src/callbacks/proto/.
 */
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import protobuf from 'protobufjs';

const PROTO_DIR = fileURLToPath(new URL('../src/callbacks/proto/', import.meta.url));

let root: protobuf.Root | null = null;
function protoRoot(): protobuf.Root {
  if (root) return root;
  const r = new protobuf.Root();
  // the .proto files import each other as "tensorboard/compat/proto/<name>.proto"
  r.resolvePath = (_origin, target) => join(PROTO_DIR, target.split('/').pop()!);
  r.loadSync(['event.proto'], {keepCase: true});
  return (root = r);
}

/** Bit by bit, from the definition (polynomial 0x82F63B78, reflected). */
export function crc32cBitwise(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

function masked(data: Uint8Array): number {
  const c = crc32cBitwise(data);
  return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
}

/** Splits a TFRecord file into records, asserting both CRCs of each; returns the records and the CRCs checked. */
export function readRecords(bytes: Uint8Array): {records: Uint8Array[]; crcsChecked: number; trailing: number} {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let o = 0;
  let crcs = 0;
  while (o + 12 <= bytes.length) {
    const len = dv.getUint32(o, true) + dv.getUint32(o + 4, true) * 2 ** 32;
    if (o + 12 + len + 4 > bytes.length) break; // an incomplete last record
    assert.equal(dv.getUint32(o + 8, true), masked(bytes.subarray(o, o + 8)), `length CRC of the record at byte ${o}`);
    const data = bytes.subarray(o + 12, o + 12 + len);
    assert.equal(dv.getUint32(o + 12 + len, true), masked(data), `data CRC of the record at byte ${o}`);
    crcs += 2;
    records.push(data);
    o += 12 + len + 4;
  }
  return {records, crcsChecked: crcs, trailing: bytes.length - o};
}

export interface DecodedValue {
  tag: string;
  plugin: string;
  pluginContent: string;
  dtype: number;
  shape: number[];
  /** The float or double values of tensor_content. */
  numbers: number[];
  strings: Uint8Array[];
}
export interface DecodedEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  values: DecodedValue[];
}

export function decodeEvents(path: string): {events: DecodedEvent[]; crcsChecked: number} {
  const Event = protoRoot().lookupType('tensorboard.Event');
  const {records, crcsChecked, trailing} = readRecords(readFileSync(path));
  assert.equal(trailing, 0, `${path} ends in an incomplete record`);
  const events = records.map((r) => {
    const e = Event.toObject(Event.decode(r), {longs: Number, bytes: Array, defaults: false}) as Record<string, any>;
    const values: DecodedValue[] = (e['summary']?.value ?? []).map((v: Record<string, any>) => {
      const t = v['tensor'] ?? {};
      const content = Uint8Array.from(t['tensor_content'] ?? []);
      const cdv = new DataView(content.buffer);
      const numbers: number[] = [];
      if (t['dtype'] === 1) for (let i = 0; i < content.length; i += 4) numbers.push(cdv.getFloat32(i, true));
      if (t['dtype'] === 2) for (let i = 0; i < content.length; i += 8) numbers.push(cdv.getFloat64(i, true));
      return {
        tag: v['tag'],
        plugin: v['metadata']?.plugin_data?.plugin_name ?? '',
        pluginContent: Buffer.from(v['metadata']?.plugin_data?.content ?? []).toString('utf8'),
        dtype: t['dtype'] ?? 0,
        shape: (t['tensor_shape']?.dim ?? []).map((d: {size?: number}) => d.size ?? 0),
        numbers,
        strings: (t['string_val'] ?? []).map((s: number[]) => Uint8Array.from(s)),
      };
    });
    return {wallTime: e['wall_time'], step: e['step'] ?? 0, fileVersion: e['file_version'], values};
  });
  return {events, crcsChecked};
}

/** `{tag: [[step, value], ...]}` of the scalar summaries in a file. */
export function scalarsByTag(events: DecodedEvent[]): Record<string, [number, number][]> {
  const out: Record<string, [number, number][]> = {};
  for (const e of events) for (const v of e.values) if (v.plugin === 'scalars') (out[v.tag] ??= []).push([e.step, v.numbers[0]!]);
  return out;
}
