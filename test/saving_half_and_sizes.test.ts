// float16 / bfloat16 weights (mixed-precision and half-precision models) load as float32, and a
// config that asks for an absurd size fails with a ValueError naming the layer, the weight and the
// size, before anything is allocated.
import {after, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import * as keras from '../src/index.js';
import {loadModel, shutdownH5, type SavingModel} from '../src/saving/index.js';
import {ValueError} from '../src/errors.js';
import {readZip, writeZip} from '../src/utils/zip.js';
import {tensor, type Tensor} from '../src/tensor/tensor.js';

const FIX = 'test/fixtures/saving';
const dir = mkdtempSync(join(tmpdir(), 'keras-ts-half-'));
after(async () => {
  rmSync(dir, {recursive: true, force: true});
  await shutdownH5();
});

type M = SavingModel & {predict(x: Tensor, a?: object): Promise<Tensor>; save(p: string): Promise<void>};
const oracle = JSON.parse(readFileSync(join(FIX, 'half_precision.json'), 'utf8')) as Record<string, {x: number[][]; y: number[][]; kernel0: number[]}>;

describe('2-byte float weights', () => {
  for (const dtype of ['float16', 'bfloat16']) {
    test(`${dtype} weights load as float32 and reproduce a NumPy pass`, async () => {
      const o = oracle[dtype]!;
      const model = (await loadModel(join(FIX, `half_${dtype}.keras`))) as M;
      const kernel = model.layers[0]!.weights[0]!;
      assert.equal(kernel.dtype, 'float32');
      // widened exactly: the first values equal NumPy's float16/bfloat16 -> float32
      assert.deepEqual(Array.from(kernel.value.values.slice(0, 8)), o.kernel0);
      const y = await model.predict(tensor(Float32Array.from(o.x.flat()), [o.x.length, 6]), {verbose: 0});
      const want = o.y.flat();
      let err = 0;
      y.values.forEach((v, i) => (err = Math.max(err, Math.abs(v - want[i]!))));
      assert.ok(err < 1e-6, `max abs error ${err}`);
    });
  }
});

describe('absurd sizes in a config', () => {
  test('Dense units 2147483647: ValueError naming the layer, the weight and the size', async () => {
    const model = new keras.models.Sequential([new keras.layers.Dense(3, {inputShape: [4], name: 'huge'})]) as unknown as M;
    const p = join(dir, 'base.keras');
    await model.save(p);
    const zip = readZip(readFileSync(p));
    const members = zip.entries.map((e) => ({name: e.name, data: zip.read(e)}));
    const cfg = members.find((m) => m.name === 'config.json')!;
    cfg.data = new TextEncoder().encode(new TextDecoder().decode(cfg.data).replace('"units": 3', '"units": 2147483647').replace('"units":3', '"units":2147483647'));
    assert.match(new TextDecoder().decode(cfg.data), /2147483647/);
    const bad = join(dir, 'absurd.keras');
    writeFileSync(bad, writeZip(members));
    await assert.rejects(loadModel(bad), (e: Error) => {
      assert.ok(e instanceof ValueError, `${e.name}: ${e.message}`);
      assert.match(e.message, /Layer "huge" \(Dense\): weight "kernel" of shape \[4, 2147483647\] would hold 8589934588 values/);
      return true;
    });
  });
  test('the same check guards layers built in code', () => {
    const layer = new keras.layers.Embedding(2 ** 31, 8);
    assert.throws(() => layer.build([null, 3]), /weight "embeddings" of shape \[2147483648, 8\] would hold 17179869184 values/);
  });
});
