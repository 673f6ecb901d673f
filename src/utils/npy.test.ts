import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {readNpy, readNpz, readNpyHeader} from './npy.js';
import {ndarrayToTensor} from './ndarray.js';
import {readZip, writeZip} from './zip.js';

const fx = JSON.parse(readFileSync(new URL('../../test/fixtures/datasets_numpy.json', import.meta.url), 'utf8'));
const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

for (const which of ['npzStored', 'npzDeflated'] as const) {
  test(`readNpz decodes every dtype numpy wrote (${which})`, () => {
    const f = readNpz(b64(fx[which]), which);
    const exp = fx.npzExpected as Record<string, {shape: number[]; descr: string; values: (number | boolean)[]}>;
    assert.deepEqual([...f.keys()].sort(), Object.keys(exp).sort());
    for (const [k, e] of Object.entries(exp)) {
      const a = f.get(k)!;
      assert.deepEqual(a.shape, e.shape, k);
      const got = Array.from(a.data as ArrayLike<number>);
      const want = e.values.map((v) => (typeof v === 'boolean' ? Number(v) : v));
      if (a.kind === 'f4' || a.kind === 'f2') assert.deepEqual(got, want.map((v) => Math.fround(v)), k);
      else assert.deepEqual(got, want, k);
    }
    // the zip really used the compression the file name says
    const zip = readZip(b64(fx[which]));
    assert.ok(zip.entries.every((e) => e.method === (which === 'npzStored' ? 0 : 8)));
  });
}

test('ndarrayToTensor: ints become int32, floats float32 (or float64 on request)', () => {
  const f = readNpz(b64(fx.npzStored));
  const u1 = ndarrayToTensor(f.get('u1')!);
  assert.equal(u1.dtype, 'int32');
  assert.deepEqual(u1.shape, [2, 3]);
  assert.deepEqual(Array.from(u1.values), [0, 1, 255, 7, 8, 9]);
  const f8 = ndarrayToTensor(f.get('f8be')!, 'float64');
  assert.equal(f8.dtype, 'float64');
  assert.equal(f8.values[0], 1 / 3);
  assert.equal(ndarrayToTensor(f.get('f8')!).dtype, 'float32');
});

test('object arrays (ragged int lists) load through the restricted pickle reader, any protocol', () => {
  const f = readNpz(b64(fx.objectNpz));
  assert.deepEqual(f.get('x')!.data, fx.objectSeqs);
  assert.equal(f.get('x')!.kind, 'O');
  assert.deepEqual(Array.from(f.get('y')!.data as Int32Array), [1, 0, 1, 1, 0]);
  for (const k of ['objectNpyDefault', 'objectNpyProto2', 'objectNpyProto5']) {
    const a = readNpy(b64(fx[k]), k);
    assert.deepEqual(a.shape, [fx.objectSeqs.length], k);
    assert.deepEqual(a.data, fx.objectSeqs, k);
  }
});

test('an object .npy whose pickle calls os.system is refused, naming the global', () => {
  assert.throws(() => readNpy(b64(fx.evil.npy), 'evil.npy'), /evil\.npy.*refusing to load the global `posix\.system`/);
});

test('int64 values outside int32 are an error naming the value', () => {
  const hdr = "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }";
  const pad = hdr.padEnd(117) + '\n';
  const head = Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0, 118, 0]), Buffer.from(pad, 'latin1')]);
  const body = Buffer.alloc(16);
  body.writeBigInt64LE(1n, 0);
  body.writeBigInt64LE(3000000000n, 8);
  assert.throws(() => readNpy(Buffer.concat([head, body]), 'big.npy'), /big\.npy: int64 value 3000000000 at flat index 1 does not fit in int32/);
  assert.deepEqual(readNpyHeader(Buffer.concat([head, body])).shape, [2]);
});

test('readNpy rejects bad magic, structured dtypes and short data', () => {
  assert.throws(() => readNpy(Buffer.from('not numpy at all'), 'x.npy'), /x\.npy: not a \.npy file/);
  const mk = (hdr: string, body: Uint8Array): Buffer => {
    const pad = hdr.padEnd(117) + '\n';
    return Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0, 118, 0]), Buffer.from(pad, 'latin1'), body]);
  };
  assert.throws(() => readNpy(mk("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (1,), }", new Uint8Array(4))), /structured dtypes/);
  assert.throws(() => readNpy(mk("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", new Uint8Array(8))), /has 8 bytes but shape \[3\] of f4 needs 12/);
  assert.throws(() => readNpy(mk("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8))), /unsupported NumPy dtype "<c8"/);
});

test('writeZip round-trips through readZip; a corrupted byte fails the CRC check', () => {
  const data = new Uint8Array(1000).map((_, i) => (i * 7) % 251);
  for (const deflate of [false, true]) {
    const z = writeZip([{name: 'a.bin', data}, {name: 'dir/b.txt', data: new TextEncoder().encode('hello')}], {deflate});
    const r = readZip(z);
    assert.deepEqual(r.entries.map((e) => e.name), ['a.bin', 'dir/b.txt']);
    assert.deepEqual(new Uint8Array(r.read('a.bin')), data);
    if (!deflate) {
      const bad = z.slice();
      bad[40]! ^= 0xff; // inside a.bin's stored data
      assert.throws(() => readZip(bad, {source: 'bad.zip'}).read('a.bin'), /bad\.zip: CRC-32 mismatch in a\.bin/);
    }
  }
  assert.throws(() => readZip(new Uint8Array(100), {source: 'e.zip'}), /e\.zip: not a ZIP archive/);
});

test('a deflate entry that inflates past its declared size is refused (zip bomb)', () => {
  const big = new Uint8Array(1 << 20); // compresses to ~1 KiB
  const z = writeZip([{name: 'bomb', data: big}], {deflate: true});
  // lie in the central directory: declare 100 bytes
  const dv = new DataView(z.buffer, z.byteOffset, z.byteLength);
  const cd = dv.getUint32(z.length - 6, true);
  dv.setUint32(cd + 24, 100, true);
  assert.throws(() => readZip(z, {source: 'bomb.zip'}).read('bomb'), /bomb\.zip: cannot inflate bomb|inflates to/);
  assert.throws(() => readZip(writeZip([{name: 'x', data: big}]), {maxEntryBytes: 1000}).read('x'), /over the limit of 1000/);
});
