import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {createServer, type Server} from 'node:http';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {gzipSync} from 'node:zlib';
import {cacheBase, getFile, hashFile, placeHint, validateFile} from './get_file.js';
import {writeTar} from './tar.js';
import {writeZip} from './zip.js';

const payload = new Uint8Array(200_000).map((_, i) => (i * 31 + 7) & 0xff);
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');
const tarGz = gzipSync(writeTar([{name: 'pkg', type: 'directory'}, {name: 'pkg/a.txt', data: new TextEncoder().encode('hello')}, {name: 'pkg/sub/b.bin', data: payload}]));
const slipTar = gzipSync(writeTar([{name: 'ok.txt', data: new Uint8Array([1])}, {name: '../../escaped.txt', data: new Uint8Array([2])}]));
const slipLink = writeTar([{name: 'link', type: 'symlink', linkName: '../../etc'}]);
const slipZip = writeZip([{name: 'fine.txt', data: new Uint8Array([1])}, {name: '../zip-escaped.txt', data: new Uint8Array([2])}]);

let server: Server;
let base = '';
const hits: Record<string, number> = {};
const ranges: string[] = [];
let corrupt = false;
const cutFirst = true;

before(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '';
    hits[path] = (hits[path] ?? 0) + 1;
    const send = (body: Uint8Array): void => {
      res.writeHead(200, {'Content-Length': body.length});
      res.end(body);
    };
    if (path === '/data.bin') return send(corrupt ? payload.map((v) => v ^ 1) : payload);
    if (path === '/redirect') {
      res.writeHead(302, {Location: '/data.bin'});
      return res.end();
    }
    if (path === '/flaky.bin') {
      const range = req.headers.range;
      if (range) {
        ranges.push(range);
        const from = Number(/bytes=(\d+)-/.exec(range)![1]);
        res.writeHead(206, {'Content-Length': payload.length - from, 'Content-Range': `bytes ${from}-${payload.length - 1}/${payload.length}`});
        return res.end(payload.subarray(from));
      }
      if (cutFirst) {
        // promise the whole file, send part of it, then drop the connection
        res.writeHead(200, {'Content-Length': payload.length});
        res.write(payload.subarray(0, 70_000), () => setTimeout(() => res.socket?.destroy(), 20));
        return;
      }
      return send(payload);
    }
    if (path === '/pkg.tar.gz') return send(tarGz);
    if (path === '/r416') {
      if (req.headers.range) {
        res.writeHead(416, {'Content-Range': `bytes */${payload.length}`});
        return res.end();
      }
      return send(payload);
    }
    if (path === '/slip.tar.gz') return send(slipTar);
    if (path === '/slip-link.tar') return send(slipLink);
    if (path === '/slip.zip') return send(slipZip);
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
after(() => server.close());

const tmp = (): string => mkdtempSync(join(tmpdir(), 'keras-ts-getfile-'));

/** A stream that says it is a terminal and keeps what was written. */
function fakeTty(): NodeJS.WritableStream & {text: string} {
  const s = {
    isTTY: true,
    text: '',
    write(chunk: string) {
      s.text += chunk;
      return true;
    },
  };
  return s as unknown as NodeJS.WritableStream & {text: string};
}

test('downloads into cacheDir/datasets, verifies SHA-256, draws progress on a TTY, and uses the cache after', async () => {
  const dir = tmp();
  const tty = fakeTty();
  const p = await getFile('data.bin', `${base}/data.bin`, {fileHash: sha(payload), cacheDir: dir, progress: tty});
  assert.equal(p, join(dir, 'datasets', 'data.bin'));
  assert.deepEqual(new Uint8Array(readFileSync(p)), payload);
  assert.match(tty.text, /Downloading data from http:\/\/127\.0\.0\.1:\d+\/data\.bin/);
  assert.match(tty.text, /\r200000\/200000 ━+ 100%/);
  const before = hits['/data.bin'];
  const again = await getFile('data.bin', `${base}/data.bin`, {fileHash: sha(payload), cacheDir: dir, progress: false});
  assert.equal(again, p);
  assert.equal(hits['/data.bin'], before, 'a valid cached file is not downloaded again');
  assert.equal(await hashFile(p), sha(payload));
  assert.equal(await validateFile(p, md5(payload)), true, 'a 32-hex hash is MD5');
  rmSync(dir, {recursive: true});
});

test('non-TTY progress is one summary line; fname defaults to the origin name; redirects are followed', async () => {
  const dir = tmp();
  const lines = {text: '', write(c: string) { lines.text += c; return true; }};
  const p = await getFile(null, `${base}/redirect`, {cacheDir: dir, cacheSubdir: 'x', progress: lines as unknown as NodeJS.WritableStream});
  assert.equal(p, join(dir, 'x', 'redirect'));
  assert.deepEqual(new Uint8Array(readFileSync(p)), payload);
  assert.doesNotMatch(lines.text, /\r/);
  assert.match(lines.text, /^200000\/200000 bytes in [\d.]+s$/m);
  await assert.rejects(getFile('a/b.bin', `${base}/data.bin`, {cacheDir: dir}), /Paths are no longer accepted as the `fname` argument/);
  rmSync(dir, {recursive: true});
});

test('a cached file with the wrong hash is downloaded again (MD5 too)', async () => {
  const dir = tmp();
  mkdirSync(join(dir, 'datasets'), {recursive: true});
  writeFileSync(join(dir, 'datasets', 'data.bin'), 'stale');
  const out = {text: '', write(c: string) { out.text += c; return true; }};
  const n = hits['/data.bin'] ?? 0;
  const p = await getFile('data.bin', `${base}/data.bin`, {md5Hash: md5(payload), cacheDir: dir, progress: out as unknown as NodeJS.WritableStream});
  assert.equal(hits['/data.bin'], n + 1);
  assert.match(out.text, /the md5 file hash does not match the original value of [0-9a-f]{32} so we will re-download the data/);
  assert.deepEqual(new Uint8Array(readFileSync(p)), payload);
  rmSync(dir, {recursive: true});
});

test('a download whose hash does not match leaves neither a cache file nor a partial one', async () => {
  const dir = tmp();
  corrupt = true;
  try {
    await assert.rejects(
      getFile('data.bin', `${base}/data.bin`, {fileHash: sha(payload), cacheDir: dir, progress: false}),
      /Incomplete or corrupted file detected\. The sha256 file hash does not match the provided value/,
    );
  } finally {
    corrupt = false;
  }
  assert.deepEqual(readdirSync(join(dir, 'datasets')), []);
  rmSync(dir, {recursive: true});
});

test('an interrupted transfer leaves no cache file; the next call resumes with a Range request', async () => {
  const dir = tmp();
  const target = join(dir, 'datasets', 'flaky.bin');
  await assert.rejects(
    getFile('flaky.bin', `${base}/flaky.bin`, {fileHash: sha(payload), cacheDir: dir, progress: false}),
    (e: Error) => {
      assert.match(e.message, /^URL fetch failure on http:\/\/127\.0\.0\.1:\d+\/flaky\.bin: /);
      assert.ok(e.message.includes(`Place flaky.bin in ${join(dir, 'datasets')}/ to skip the download (its sha256 is ${sha(payload)})`), e.message);
      assert.match(e.message, /partial download .*flaky\.bin\.part is resumed on the next call/);
      return true;
    },
  );
  assert.equal(existsSync(target), false, 'no corrupt cache file');
  assert.ok(existsSync(`${target}.part`));
  const p = await getFile('flaky.bin', `${base}/flaky.bin`, {fileHash: sha(payload), cacheDir: dir, progress: false});
  assert.equal(ranges.length, 1);
  assert.match(ranges[0]!, /^bytes=\d+-$/);
  assert.ok(Number(/\d+/.exec(ranges[0]!)![0]) > 0);
  assert.deepEqual(new Uint8Array(readFileSync(p)), payload);
  assert.equal(existsSync(`${target}.part`), false);
  rmSync(dir, {recursive: true});
});

test('offline: the error says which file to put where', async () => {
  const dir = tmp();
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as {port: number}).port;
  await new Promise<void>((r) => s.close(() => r()));
  await assert.rejects(
    getFile('mnist.npz', `http://127.0.0.1:${port}/tensorflow/mnist.npz`, {cacheDir: dir, progress: false}),
    (e: Error) => {
      assert.match(e.message, /ECONNREFUSED/);
      assert.ok(e.message.includes(`Place mnist.npz in ${join(dir, 'datasets')}/ to skip the download.`), e.message);
      return true;
    },
  );
  await assert.rejects(getFile('nope.bin', `${base}/nope.bin`, {cacheDir: dir, progress: false}), /URL fetch failure on .*nope\.bin: 404 -- Not Found/);
  rmSync(dir, {recursive: true});
});

test('KERAS_HOME is the default cache folder', async () => {
  const dir = tmp();
  const old = process.env['KERAS_HOME'];
  process.env['KERAS_HOME'] = dir;
  try {
    const p = await getFile('data.bin', `${base}/data.bin`, {progress: false});
    assert.equal(p, join(dir, 'datasets', 'data.bin'));
  } finally {
    if (old === undefined) delete process.env['KERAS_HOME'];
    else process.env['KERAS_HOME'] = old;
  }
  rmSync(dir, {recursive: true});
});

test('extract: a tar.gz unpacks into a folder named after fname, once', async () => {
  const dir = tmp();
  const p = await getFile('pkg-target', `${base}/pkg.tar.gz`, {extract: true, fileHash: sha(tarGz), cacheDir: dir, progress: false});
  assert.equal(p, join(dir, 'datasets', 'pkg-target'));
  assert.equal(readFileSync(join(p, 'pkg', 'a.txt'), 'utf8'), 'hello');
  assert.deepEqual(new Uint8Array(readFileSync(join(p, 'pkg', 'sub', 'b.bin'))), payload);
  assert.ok(existsSync(join(dir, 'datasets', 'pkg-target_archive')));
  const n = hits['/pkg.tar.gz'];
  assert.equal(await getFile('pkg-target', `${base}/pkg.tar.gz`, {extract: true, fileHash: sha(tarGz), cacheDir: dir, progress: false}), p);
  assert.equal(hits['/pkg.tar.gz'], n);
  // a name with a dot: the archive keeps it, the folder is <stem>_extracted
  const q = await getFile('pkg.tar.gz', `${base}/pkg.tar.gz`, {extract: true, cacheDir: dir, progress: false});
  assert.equal(q, join(dir, 'datasets', 'pkg_extracted'));
  assert.equal(readFileSync(join(q, 'pkg', 'a.txt'), 'utf8'), 'hello');
  rmSync(dir, {recursive: true});
});

test('zip-slip: archives with members escaping the folder are refused and nothing is written', async () => {
  const dir = tmp();
  for (const [name, re] of [
    ['slip.tar.gz', /refusing to extract "\.\.\/\.\.\/escaped\.txt"/],
    ['slip.zip', /refusing to extract "\.\.\/zip-escaped\.txt"/],
    ['slip-link.tar', /refusing to extract the link "link" -> "\.\.\/\.\.\/etc"/],
  ] as const) {
    await assert.rejects(getFile(`${name.replace(/\W/g, '_')}`, `${base}/${name}`, {extract: true, cacheDir: dir, progress: false}), re);
  }
  const left = readdirSync(join(dir, 'datasets')).sort();
  assert.deepEqual(left, ['slip_link_tar_archive', 'slip_tar_gz_archive', 'slip_zip_archive'], 'only the downloaded archives, no extraction folders');
  assert.equal(existsSync(join(dir, 'escaped.txt')), false);
  assert.equal(existsSync(join(dir, 'zip-escaped.txt')), false);
  assert.equal(existsSync(join(dir, 'datasets', 'zip-escaped.txt')), false);
  rmSync(dir, {recursive: true});
});

test('extract: archives over the size limit are refused', async () => {
  const dir = tmp();
  await assert.rejects(
    getFile('big', `${base}/pkg.tar.gz`, {extract: true, cacheDir: dir, progress: false, extractLimits: {maxTotalBytes: 1000}}),
    /unpacks to more than 1000 bytes|cannot gunzip/,
  );
  rmSync(dir, {recursive: true});
});


test('placeHint names the origin file, the cache name when it differs, and the hash; unwritable cache falls back to a temp .keras', () => {
  assert.equal(
    placeHint('https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz', '/root/.keras/datasets/cifar-10-batches-py-target_archive', 'ab'.repeat(32)),
    `Place cifar-10-python.tar.gz as cifar-10-batches-py-target_archive in /root/.keras/datasets/ to skip the download (its sha256 is ${'ab'.repeat(32)}).`,
  );
  assert.equal(placeHint('https://x/y/imdb_word_index.json', '/k/datasets/imdb_word_index.json', 'c'.repeat(32)), `Place imdb_word_index.json in /k/datasets/ to skip the download (its md5 is ${'c'.repeat(32)}).`);
  assert.equal(cacheBase('/dev/null/keras'), '/tmp/.keras');
});

test('a partial file the server cannot resume (416) is discarded and downloaded whole', async () => {
  const dir = tmp();
  mkdirSync(join(dir, 'datasets'), {recursive: true});
  writeFileSync(join(dir, 'datasets', 'r416.bin.part'), Buffer.alloc(300_000, 1)); // longer than the file
  const p = await getFile('r416.bin', `${base}/r416`, {cacheDir: dir, progress: false});
  assert.deepEqual(new Uint8Array(readFileSync(p)), payload);
  rmSync(dir, {recursive: true});
});
