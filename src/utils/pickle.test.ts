import {test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync, readFileSync, rmSync} from 'node:fs';
import {isNdArray, unpickle, UnpicklingError} from './pickle.js';

const fx = JSON.parse(readFileSync(new URL('../../test/fixtures/datasets_numpy.json', import.meta.url), 'utf8'));
const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
const PWNED = '/tmp/keras_ts_pwned';

test('a Python-2 CIFAR-10 batch (protocol 2, str as bytes) decodes to a dict with an ndarray', () => {
  const d = unpickle(b64(fx.cifar10Batch.pickle), {source: 'data_batch_1'}) as Map<string, unknown>;
  assert.ok(d instanceof Map);
  assert.deepEqual([...d.keys()].sort(), ['batch_label', 'data', 'filenames', 'labels']);
  assert.deepEqual(d.get('labels'), fx.cifar10Batch.labels);
  const data = d.get('data');
  assert.ok(isNdArray(data));
  assert.equal(data.kind, 'u1');
  assert.deepEqual(data.shape, [3, 3072]);
  assert.deepEqual(data.data, new Uint8Array(Buffer.from(fx.cifar10Batch.data, 'base64')));
  assert.equal(new TextDecoder().decode(d.get('batch_label') as Uint8Array), 'training batch 1 of 5');
});

test('the same batch pickled by Python 3 with protocol 4 (frames, MEMOIZE, STACK_GLOBAL) decodes the same', () => {
  const d = unpickle(b64(fx.cifarProto4)) as Map<string, unknown>;
  const data = d.get('data');
  assert.ok(isNdArray(data));
  assert.deepEqual(data.data, new Uint8Array(Buffer.from(fx.cifar10Batch.data, 'base64')));
  assert.deepEqual(d.get('labels'), fx.cifar10Batch.labels);
});

test('os.system / eval gadgets written by Python are refused and nothing runs', () => {
  rmSync(PWNED, {force: true});
  assert.throws(() => unpickle(b64(fx.evil.osSystemProto2), {source: 'evil2'}), (e: Error) => {
    assert.ok(e instanceof UnpicklingError);
    assert.match(e.message, /^evil2: refusing to load the global `posix\.system`/);
    return true;
  });
  assert.throws(() => unpickle(b64(fx.evil.osSystemProto4)), /refusing to load the global `posix\.system`/);
  assert.throws(() => unpickle(b64(fx.evil.evalProto0)), /refusing to load the global `(__builtin__|builtins)\.eval`/);
  assert.equal(existsSync(PWNED), false);
});

/** Hand-assembled pickle bytes: opcodes as in CPython's pickletools. */
function asm(...parts: (string | number[])[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'string') for (const c of p) out.push(c.charCodeAt(0));
    else out.push(...p);
  }
  return new Uint8Array(out);
}

test('hand-assembled malicious payloads: GLOBAL subprocess, REDUCE of a non-callable, object-building opcodes', () => {
  // protocol 2: c subprocess\nPopen\n ( X 'ls' t R .
  const popen = asm([0x80, 2], 'csubprocess\nPopen\n(', [0x58, 2, 0, 0, 0], 'lst', 'R.');
  assert.throws(() => unpickle(popen), /refusing to load the global `subprocess\.Popen`/);
  // STACK_GLOBAL spelling of os.system
  const sg = asm([0x80, 4, 0x8c, 2], 'os', [0x8c, 6], 'system', [0x93], '.');
  assert.throws(() => unpickle(sg), /refusing to load the global `os\.system`/);
  // INST / OBJ / NEWOBJ / EXT1 / PERSID are refused by opcode name, before anything is looked up
  assert.throws(() => unpickle(asm('(ios\nsystem\n.')), /refusing the pickle opcode INST/);
  assert.throws(() => unpickle(asm('(o.')), /refusing the pickle opcode OBJ/);
  assert.throws(() => unpickle(asm([0x80, 2], ')', ')', [0x81], '.')), /refusing the pickle opcode NEWOBJ/);
  assert.throws(() => unpickle(asm([0x82, 1], '.')), /refusing the pickle opcode EXT1/);
  assert.throws(() => unpickle(asm('P0\n.')), /refusing the pickle opcode PERSID/);
  // REDUCE of a plain value, BUILD on a dict, _reconstruct of something that is not ndarray
  assert.throws(() => unpickle(asm('K', [1], ')R.')), /REDUCE of number is not allowed/);
  assert.throws(() => unpickle(asm('}}b.')), /BUILD on a dict is not allowed/);
  assert.throws(() => unpickle(asm('cnumpy.core.multiarray\n_reconstruct\ncnumpy\ndtype\n)', [0x86], 'R.')), /_reconstruct may only build numpy\.ndarray/);
  // unknown opcode, truncated input, missing STOP
  assert.throws(() => unpickle(asm([0xff])), /unknown pickle opcode 0xff/);
  assert.throws(() => unpickle(asm('B', [10, 0, 0, 0], 'abc')), /truncated pickle/);
  assert.throws(() => unpickle(asm('N')), /no STOP opcode/);
});

test('plain values: ints of every width, floats, strings, tuples, nested lists, memo', () => {
  // [1, 300, -5, 2**40, 1.5, 'hé', (True, None), memo-shared list]
  const v = unpickle(
    asm(
      [0x80, 2], ']q', [0], '(K', [1], 'M', [44, 1], 'J', [0xfb, 0xff, 0xff, 0xff],
      [0x8a, 6, 0, 0, 0, 0, 0, 1], 'G', [0x3f, 0xf8, 0, 0, 0, 0, 0, 0],
      'X', [3, 0, 0, 0, 0x68, 0xc3, 0xa9], [0x88], 'N', [0x86], 'h', [0], 'e.',
    ),
  ) as unknown[];
  assert.equal(v.length, 8);
  assert.deepEqual(v.slice(0, 6), [1, 300, -5, 2 ** 40, 1.5, 'hé']);
  assert.deepEqual(v[6], [true, null]);
  assert.ok(Object.isFrozen(v[6]));
  assert.equal(v[7], v); // BINGET returns the memoised object itself
  assert.throws(() => unpickle(asm([0x8a, 8, 0, 0, 0, 0, 0, 0, 0, 0x7f], '.')), /too large for a JavaScript number/);
});
