// Loading is safe by default: no code from files (Lambda), no archive members outside the archive,
// no decompression bombs, clear errors for malformed files, and atomic saves (a process killed in the
// middle of `save` leaves the previous file intact).
import {after, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import * as keras from '../src/index.js';
import {ValueError} from '../src/errors.js';
import type {Layer} from '../src/layers/layer.js';
import {loadModel, shutdownH5} from '../src/saving/index.js';
import {readZip, writeZip} from '../src/utils/zip.js';

const L = keras.layers as unknown as Record<string, new (...a: unknown[]) => Layer>;
const dir = mkdtempSync(join(tmpdir(), 'keras-ts-security-'));
after(async () => {
  rmSync(dir, {recursive: true, force: true});
  await shutdownH5();
});

async function smallKeras(name: string): Promise<string> {
  const m = new keras.models.Sequential([new L.Dense!(3, {inputShape: [4]}), new L.Dense!(2)]) as unknown as {save(p: string): Promise<void>};
  const p = join(dir, name);
  await m.save(p);
  return p;
}

function rezip(path: string, edit: (files: {name: string; data: Uint8Array}[]) => {name: string; data: Uint8Array}[], out: string): string {
  const z = readZip(readFileSync(path));
  const files = z.entries.map((e) => ({name: e.name, data: z.read(e)}));
  writeFileSync(out, writeZip(edit(files)));
  return out;
}

const enc = (x: unknown) => new TextEncoder().encode(JSON.stringify(x));

describe('no code from files', () => {
  test('a .keras with a Lambda layer holding Python bytecode is refused (safe mode by default)', async () => {
    const src = await smallKeras('base.keras');
    const lambda = {
      module: 'keras.layers', class_name: 'Lambda', registered_name: null,
      config: {name: 'evil', function: {class_name: '__lambda__', config: {code: '4wEAAAAAAAAAAAAAAAEAAAADAAAAQwAAAHMEAAAAfABTACkBTqkAKQHaAXhyAQAAAHIBAAAA', defaults: null, closure: null}}, arguments: {}},
    };
    const out = rezip(src, (files) => files.map((f) => {
      if (f.name !== 'config.json') return f;
      const c = JSON.parse(new TextDecoder().decode(f.data));
      c.config.layers.splice(1, 0, lambda);
      return {name: f.name, data: enc(c)};
    }), join(dir, 'lambda.keras'));
    await assert.rejects(loadModel(out), (e: Error) => e instanceof ValueError && /Lambda layer \("evil"\).*bytecode.*not allowed/.test(e.message) && /safeMode: false/.test(e.message));
    // without safe mode, the function must still be given by name: the bytecode is never run
    await assert.rejects(loadModel(out, {safeMode: false}), /never runs code from a file.*customObjects.*"evil"/);
  });

  test('a legacy .h5 with a Keras 2 lambda is refused', async () => {
    const m = new keras.models.Sequential([new L.Dense!(3, {inputShape: [4]})]) as unknown as {save(p: string): Promise<void>};
    const p = join(dir, 'lambda.h5');
    await m.save(p);
    // rewrite model_config through the HDF5 layer: read the tree, edit, write
    const {readH5File, writeH5File} = await import('../src/saving/h5_io.js');
    const tree = await readH5File(p);
    const mc = JSON.parse(tree.attrs['model_config'] as string);
    mc.config.layers.push({class_name: 'Lambda', config: {name: 'lambda_1', function: ['4wEAAAAAAAAA', null, null], function_type: 'lambda', output_shape: null, arguments: {}}});
    tree.attrs['model_config'] = JSON.stringify(mc);
    await writeH5File(p, tree);
    await assert.rejects(loadModel(p), /Lambda layer \("lambda_1"\).*not allowed/);
  });

  test('an unknown class is a clear error naming it and how to register it', async () => {
    const src = await smallKeras('base2.keras');
    const out = rezip(src, (files) => files.map((f) => {
      if (f.name !== 'config.json') return f;
      const c = JSON.parse(new TextDecoder().decode(f.data));
      c.config.layers[1].class_name = 'MyFancyLayer';
      return {name: f.name, data: enc(c)};
    }), join(dir, 'custom.keras'));
    await assert.rejects(loadModel(out), /Unknown layer: 'MyFancyLayer'.*registerKerasSerializable\(MyFancyLayer\).*customObjects/);
  });
});

describe('archives', () => {
  test('members with ".." or absolute paths are refused, and nothing is written outside', async () => {
    const src = await smallKeras('base3.keras');
    for (const bad of ['../evil.txt', '/tmp/evil.txt', 'a/../../evil.txt', 'C:/evil.txt']) {
      const out = rezip(src, (files) => [...files, {name: bad, data: new TextEncoder().encode('x')}], join(dir, 'slip.keras'));
      await assert.rejects(loadModel(out), (e: Error) => e instanceof ValueError && /refusing archive member/.test(e.message), bad);
    }
    assert.equal(existsSync(resolve(dir, '../evil.txt')), false);
  });

  test('a member declaring far more bytes than it stores (zip bomb) is refused before inflating', async () => {
    const src = await smallKeras('base4.keras');
    const bytes = Buffer.from(readFileSync(src));
    // patch the central directory: config.json claims 3 GiB, deflated (method 8)
    const cd = bytes.lastIndexOf(Buffer.from('PK\x01\x02', 'latin1'));
    let p = bytes.indexOf(Buffer.from('PK\x01\x02', 'latin1'));
    while (p >= 0 && p <= cd) {
      const name = bytes.subarray(p + 46, p + 46 + bytes.readUInt16LE(p + 28)).toString();
      if (name === 'config.json') {
        bytes.writeUInt16LE(8, p + 10);
        bytes.writeUInt32LE(3 * 2 ** 30, p + 24);
      }
      p = bytes.indexOf(Buffer.from('PK\x01\x02', 'latin1'), p + 4);
    }
    const out = join(dir, 'bomb.keras');
    writeFileSync(out, bytes);
    await assert.rejects(loadModel(out), /decompression bomb/);
  });

  test('malformed files give clear errors', async () => {
    const cases: [string, Uint8Array | string, RegExp][] = [
      ['notzip.keras', 'hello, not a zip', /not a valid \.keras file \(it is not a zip archive\)/],
      ['empty.h5', '', /not an HDF5 file/],
      ['text.h5', 'plain text, not HDF5 at all', /not an HDF5 file/],
    ];
    for (const [name, data, re] of cases) {
      const p = join(dir, name);
      writeFileSync(p, data);
      await assert.rejects(loadModel(p), (e: Error) => e instanceof ValueError && re.test(e.message) && e.message.includes(p), name);
    }
    const src = await smallKeras('base5.keras');
    const badJson = rezip(src, (files) => files.map((f) => (f.name === 'config.json' ? {name: f.name, data: new TextEncoder().encode('{"class_name": "Sequential", "config": ')} : f)), join(dir, 'badjson.keras'));
    await assert.rejects(loadModel(badJson), /config\.json\): invalid JSON/);
    const noWeights = rezip(src, (files) => files.filter((f) => f.name !== 'model.weights.h5'), join(dir, 'noweights.keras'));
    await assert.rejects(loadModel(noWeights), /expected a model\.weights\.h5 member/);
    const truncated = join(dir, 'trunc.h5');
    const m = new keras.models.Sequential([new L.Dense!(3, {inputShape: [4]})]) as unknown as {save(p: string): Promise<void>};
    await m.save(truncated);
    const full = readFileSync(truncated);
    writeFileSync(truncated, full.subarray(0, Math.floor(full.length / 2)));
    await assert.rejects(loadModel(truncated), (e: Error) => e instanceof ValueError && /invalid HDF5 file/.test(e.message));
    await assert.rejects(loadModel(join(dir, 'missing.keras')), /File not found/);
  });
});

describe('atomic saves', () => {
  test('killing the process in the middle of save() leaves the previous file intact', async () => {
    const target = join(dir, 'killed.keras');
    const script = join(dir, 'saver.mts');
    const root = resolve('.');
    writeFileSync(
      script,
      `import * as keras from ${JSON.stringify(join(root, 'src/index.ts'))};
const L: any = keras.layers;
const m: any = new keras.models.Sequential([new L.Dense(512, {inputShape: [512]}), new L.Dense(512), new L.Dense(512), new L.Dense(10)]);
let i = 0;
for (;;) {
  // every save writes a different, complete model: the first kernel's [0,0] entry is the save number
  const w = m.getWeights(); const k = w[0].values.slice(); k[0] = i; w[0] = keras.tensor(k, w[0].shape); m.setWeights(w);
  await m.save(${JSON.stringify(target)});
  process.stdout.write('saved ' + i + '\\n');
  i++;
}
`,
    );
    const kills = 4;
    for (let round = 0; round < kills; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', script], {stdio: ['ignore', 'pipe', 'inherit'], cwd: root});
      let out = '';
      await new Promise<void>((res) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          // kill at a different moment of a later save each round
          if ((out.match(/saved/g) ?? []).length >= 2) setTimeout(() => child.kill('SIGKILL'), 3 + round * 7);
        });
        child.on('exit', () => res());
      });
      const done = (out.match(/saved (\d+)/g) ?? []).map((s) => Number(s.split(' ')[1]));
      const model = (await loadModel(target)) as unknown as {getWeights(): {values: Float32Array}[]};
      const n = model.getWeights()[0]!.values[0]!;
      assert.ok(done.includes(n) || n === Math.max(...done) + 1, `the file holds save #${n}; completed saves: ${done.join(', ')}`);
    }
    // temp files of killed saves may remain (dot-files beside the target); the target is always whole
    assert.ok(readdirSync(dir).includes('killed.keras'));
  });
});
