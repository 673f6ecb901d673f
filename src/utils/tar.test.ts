import {test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync, lstatSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {gzipSync} from 'node:zlib';
import {extractTar, readTar, writeTar} from './tar.js';
import {readIdx} from './idx.js';

/** A raw tar header block, for members writeTar cannot make (GNU long names, pax). */
function header(name: string, size: number, flag: string): Buffer {
  const h = Buffer.alloc(512);
  h.write(name.slice(0, 99), 0);
  h.write('0000644\0', 100);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h[156] = flag.charCodeAt(0);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}
const pad = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)]);

test('readTar: ustar files and folders, GNU long names, pax paths; gzipped or not', () => {
  const long = 'd/' + 'x'.repeat(150) + '.txt';
  const paxRec = (k: string, v: string): string => {
    let len = k.length + v.length + 3;
    len += String(len).length;
    return `${len} ${k}=${v}\n`;
  };
  const paxBody = Buffer.from(paxRec('path', 'pax/named.bin'));
  const tar = Buffer.concat([
    writeTar([{name: 'a', type: 'directory'}, {name: 'a/b.txt', data: Buffer.from('bee')}]).subarray(0, 1536),
    header('././@LongLink', long.length + 1, 'L'), pad(Buffer.from(long + '\0')), header('trunc', 3, '0'), pad(Buffer.from('lng')),
    header('PaxHeader', paxBody.length, 'x'), pad(paxBody), header('ignored', 2, '0'), pad(Buffer.from('px')),
    Buffer.alloc(1024),
  ]);
  for (const input of [tar, gzipSync(tar)]) {
    const e = readTar(input);
    assert.deepEqual(e.map((x) => [x.name, x.type]), [['a', 'directory'], ['a/b.txt', 'file'], [long, 'file'], ['pax/named.bin', 'file']]);
    assert.equal(Buffer.from(e[2]!.data).toString(), 'lng');
  }
  const dir = mkdtempSync(join(tmpdir(), 'keras-ts-tar-'));
  extractTar(tar, dir);
  assert.equal(readFileSync(join(dir, long), 'utf8'), 'lng');
  assert.equal(readFileSync(join(dir, 'pax/named.bin'), 'utf8'), 'px');
  rmSync(dir, {recursive: true});
});

test('extractTar: a symlink inside the folder is kept; escaping paths and links are refused before writing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keras-ts-tar-'));
  extractTar(writeTar([{name: 'real/f.txt', data: Buffer.from('x')}, {name: 'alias', type: 'symlink', linkName: 'real'}]), join(dir, 'ok'));
  assert.ok(lstatSync(join(dir, 'ok', 'alias')).isSymbolicLink());
  assert.equal(readFileSync(join(dir, 'ok', 'alias', 'f.txt'), 'utf8'), 'x');
  for (const [members, re] of [
    [[{name: 'fine', data: Buffer.from('1')}, {name: '/etc/evil', data: Buffer.from('2')}], /refusing to extract "\/etc\/evil"/],
    [[{name: 'fine', data: Buffer.from('1')}, {name: 'a/../../evil', data: Buffer.from('2')}], /refusing to extract "a\/\.\.\/\.\.\/evil"/],
    [[{name: 'up', type: 'symlink', linkName: '/etc'}], /refusing to extract the link "up" -> "\/etc"/],
  ] as const) {
    const target = join(dir, 'bad');
    assert.throws(() => extractTar(writeTar(members as never), target, {}, 'bad.tar'), re);
    assert.equal(existsSync(join(target, 'fine')), false, 'nothing written');
  }
  assert.throws(() => readTar(writeTar([{name: 'big', data: new Uint8Array(5000)}]), 'x.tar', {maxTotalBytes: 4096}), /unpacks to more than 4096 bytes/);
  assert.throws(() => readTar(writeTar([{name: 'a', data: new Uint8Array(600)}]).subarray(0, 700), 'cut.tar'), /member "a" is truncated/);
  rmSync(dir, {recursive: true});
});

test('readIdx: gzipped and raw IDX (big-endian dims and values), size checked', () => {
  const h = Buffer.from([0, 0, 0x0b, 2, 0, 0, 0, 2, 0, 0, 0, 1]);
  const body = Buffer.alloc(4);
  body.writeInt16BE(-300, 0);
  body.writeInt16BE(7, 2);
  for (const b of [Buffer.concat([h, body]), gzipSync(Buffer.concat([h, body]))]) {
    const a = readIdx(b);
    assert.deepEqual(a.shape, [2, 1]);
    assert.deepEqual(Array.from(a.data as Int16Array), [-300, 7]);
  }
  assert.throws(() => readIdx(Buffer.concat([h, body.subarray(0, 3)]), 'short.idx'), /short\.idx: IDX header says shape \[2, 1\] \(4 bytes of data\) but the file holds 3/);
  assert.throws(() => readIdx(Buffer.from([1, 2, 3, 4])), /not an IDX file/);
});
