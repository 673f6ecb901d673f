import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {gunzipSync, inflateSync} from 'node:zlib';
import {appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import * as keras from '../index.js';
import type {Layer} from '../layers/layer.js';
import {crc32cBitwise, decodeEvents, readRecords, scalarsByTag} from '../../test/tfevents_reader.js';
import {crc32c, EventFileWriter, histogramBuckets, scalarValue, tfRecord} from './tfevents.js';
import {TensorBoard, weightAsImages} from './tensorboard.js';
import {LambdaCallback} from './lambda_callback.js';
import {crc32} from '../utils/png.js';
import {kernelListener} from '../backends/kernel_trace.js';
import {KERNELS} from '../kernels/index.js';

const L = keras.layers as unknown as Record<string, new (...a: unknown[]) => Layer>;
const dir = mkdtempSync(join(tmpdir(), 'keras-ts-tb-'));
after(() => rmSync(dir, {recursive: true, force: true}));

type Fittable = {
  compile(a: object): void;
  fit(x: unknown, y: unknown, a: object): Promise<{history: Record<string, number[]>}>;
  evaluate(x: unknown, y: unknown, a: object): Promise<unknown>;
  optimizer: {iterations: number; learningRate: number};
  toJson(): string;
};

function classifier(): Fittable {
  const m = new keras.models.Sequential([new L.Dense!(6, {inputShape: [4], activation: 'relu'}), new L.Dense!(3, {activation: 'softmax'})]) as unknown as Fittable;
  m.compile({optimizer: new keras.optimizers.SGD({learningRate: 0.05}), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy']});
  return m;
}
const n = 40;
const x = keras.tensor(Float32Array.from({length: n * 4}, (_, i) => Math.sin(i * 0.7)), [n, 4]);
const y = keras.tensor(Float32Array.from({length: n}, (_, i) => i % 3), [n]);
const xv = keras.tensor(Float32Array.from({length: 16 * 4}, (_, i) => Math.cos(i * 0.3)), [16, 4]);
const yv = keras.tensor(Float32Array.from({length: 16}, (_, i) => (i * 2) % 3), [16]);

const files = (d: string) => readdirSync(d).filter((f) => f.startsWith('events.out.tfevents.')).map((f) => join(d, f));

test('CRC-32C and TFRecord framing against the standard check values', () => {
  const nine = new TextEncoder().encode('123456789');
  assert.equal(crc32c(nine), 0xe3069283); // the catalogue's check value for CRC-32C
  assert.equal(crc32cBitwise(nine), 0xe3069283);
  assert.equal(crc32(nine), 0xcbf43926); // CRC-32 (PNG, zip)
  const rec = tfRecord(Uint8Array.from([1, 2, 3]));
  assert.equal(rec.length, 12 + 3 + 4);
  const {records, crcsChecked} = readRecords(rec);
  assert.deepEqual(Array.from(records[0]!), [1, 2, 3]);
  assert.equal(crcsChecked, 2);
});

test('histogram buckets as TensorBoard computes them (30 equal buckets, last edge = max, a constant in the last bucket)', () => {
  const b = histogramBuckets([0, 1, 2, 3], 3);
  assert.deepEqual(Array.from(b), [0, 1, 1, 1, 2, 1, 2, 3, 2]);
  const c = histogramBuckets([5, 5, 5], 2);
  assert.deepEqual(Array.from(c), [5, 5, 0, 5, 5, 3]);
  assert.deepEqual(Array.from(histogramBuckets([], 2)), [0, 0, 0, 0, 0, 0]);
});

test('fit writes train/ and validation/ runs whose scalars equal History, with valid CRCs', async () => {
  const logDir = join(dir, 'run1');
  const m = classifier();
  const tb = new TensorBoard(logDir, {histogramFreq: 1, writeImages: true});
  const h = await m.fit(x, y, {epochs: 3, batchSize: 8, verbose: 0, validationData: [xv, yv], callbacks: [tb]});
  assert.deepEqual(readdirSync(logDir).sort(), ['train', 'validation']);
  const [trainFile] = files(join(logDir, 'train'));
  const [valFile] = files(join(logDir, 'validation'));
  assert.match(trainFile!, /events\.out\.tfevents\.\d+\..+\.\d+\.\d+\.v2$/);
  const train = decodeEvents(trainFile!);
  const val = decodeEvents(valFile!);
  assert.ok(train.crcsChecked > 10 && val.crcsChecked > 6);
  assert.equal(train.events[0]!.fileVersion, 'brain.Event:2');
  assert.equal(val.events[0]!.fileVersion, 'brain.Event:2');

  const ts = scalarsByTag(train.events);
  const vs = scalarsByTag(val.events);
  assert.deepEqual(Object.keys(ts).sort(), ['epoch_accuracy', 'epoch_learning_rate', 'epoch_loss']);
  for (const [tag, key] of [['epoch_loss', 'loss'], ['epoch_accuracy', 'accuracy']] as const) {
    assert.deepEqual(ts[tag]!.map(([s]) => s), [0, 1, 2]);
    ts[tag]!.forEach(([, v], e) => assert.ok(Math.abs(v - h.history[key]![e]!) <= 1e-6, `${tag}[${e}] ${v} vs ${h.history[key]![e]}`));
    vs[tag]!.forEach(([, v], e) => assert.ok(Math.abs(v - h.history[`val_${key}`]![e]!) <= 1e-6, `val ${tag}[${e}]`));
  }
  for (const [, v] of ts['epoch_learning_rate']!) assert.ok(Math.abs(v - 0.05) < 1e-6);
  // one evaluation per epoch, at the optimizer's iteration count (5 batches of 8 per epoch)
  assert.deepEqual(vs['evaluation_loss_vs_iterations']!.map(([s]) => s), [5, 10, 15]);
  vs['evaluation_loss_vs_iterations']!.forEach(([, v], e) => assert.ok(Math.abs(v - h.history['val_loss']![e]!) <= 1e-6));
  assert.ok(vs['evaluation_accuracy_vs_iterations']);

  // the graph: Keras's model config, tag `keras`, plugin graph_keras_model (content "1"), step 0
  const graph = train.events.flatMap((e) => e.values.map((v) => ({step: e.step, v}))).find(({v}) => v.tag === 'keras')!;
  assert.equal(graph.step, 0);
  assert.equal(graph.v.plugin, 'graph_keras_model');
  assert.equal(graph.v.pluginContent, '1');
  assert.equal(Buffer.from(graph.v.strings[0]!).toString('utf8'), m.toJson());
  assert.equal(JSON.parse(Buffer.from(graph.v.strings[0]!).toString('utf8')).class_name, 'Sequential');

  // histograms: every weight, float64 [30, 3], counts adding up to the weight's size
  const hist = train.events.filter((e) => e.step === 2).flatMap((e) => e.values).filter((v) => v.plugin === 'histograms');
  assert.equal(hist.length, 4);
  for (const v of hist) assert.match(v.tag, /^dense(_\d+)?\/(kernel|bias)\/histogram$/);
  const kernel = hist.find((v) => /kernel\/histogram$/.test(v.tag))!;
  assert.equal(kernel.dtype, 2);
  assert.deepEqual(kernel.shape, [30, 3]);
  const counts = kernel.numbers.filter((_, i) => i % 3 === 2).reduce((a, b) => a + b, 0);
  assert.equal(counts, 4 * 6);

  // images (writeImages): PNGs whose chunks and zlib stream are valid, [width, height, png...]
  const images = train.events.flatMap((e) => e.values).filter((v) => v.plugin === 'images');
  assert.equal(images.length, 4 * 3); // 4 weights x 3 epochs
  const img = images.find((v) => /kernel\/image$/.test(v.tag))!;
  const [w, hgt, png] = img.strings;
  assert.equal(Buffer.from(w!).toString(), '6'); // the 4x6 kernel: 4 rows, 6 columns
  assert.equal(Buffer.from(hgt!).toString(), '4');
  checkPng(png!, 6, 4);
});

function checkPng(png: Uint8Array, width: number, height: number): Uint8Array {
  assert.deepEqual(Array.from(png.subarray(0, 8)), [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let o = 8;
  let idat = new Uint8Array(0);
  while (o < png.length) {
    const len = dv.getUint32(o);
    const type = Buffer.from(png.subarray(o + 4, o + 8)).toString('latin1');
    const body = png.subarray(o + 8, o + 8 + len);
    // CRC-32 with node's zlib as the independent check
    assert.equal(dv.getUint32(o + 8 + len), crc32(png.subarray(o + 4, o + 8 + len)), `${type} CRC`);
    if (type === 'IHDR') {
      assert.equal(new DataView(body.buffer, body.byteOffset).getUint32(0), width);
      assert.equal(new DataView(body.buffer, body.byteOffset).getUint32(4), height);
    }
    if (type === 'IDAT') idat = Uint8Array.from(body);
    o += 12 + len;
  }
  const raw = inflateSync(idat);
  assert.equal(raw.length, height * (width + 1));
  return raw;
}

test('weights as images: Keras reshapes (vector, matrix transposed when tall, 3-D per last-axis slice) and pixel values', () => {
  // a tall matrix [3, 2] is shown transposed: 2 rows, 3 columns; pixel = trunc(clip(v * 255.5, 0, 255))
  const m = weightAsImages([0, 0.5, 1, -1, 0.25, 2], [3, 2])!;
  assert.equal(m.width, 3);
  assert.equal(m.height, 2);
  const raw = inflateSync(Buffer.from(m.pngs[0]!.subarray(33 + 8, m.pngs[0]!.length - 12 - 4)));
  assert.deepEqual(Array.from(raw), [0, 0, 255, 63, 0, 127, 0, 255]);
  const conv = weightAsImages(new Float32Array(3 * 3 * 1 * 5), [3, 3, 1, 5])!;
  assert.equal(conv.pngs.length, 3); // max_outputs
  assert.equal(weightAsImages(new Float32Array(3 * 3 * 2 * 5), [3, 3, 2, 5]), null);
});

test("updateFreq 'batch' / N writes batch_ scalars every N global batches; a crash leaves complete records", async () => {
  const logDir = join(dir, 'run2');
  const m = classifier();
  const tb = new TensorBoard({logDir, updateFreq: 2, writeGraph: false});
  const seen: {midRun?: ReturnType<typeof decodeEvents>} = {};
  const peek = new LambdaCallback({
    onEpochEnd: (epoch: number) => {
      // after the first epoch's flush, before onTrainEnd: the file is complete records only
      if (epoch === 0) seen.midRun = decodeEvents(files(join(logDir, 'train'))[0]!);
    },
  });
  await m.fit(x, y, {epochs: 2, batchSize: 8, verbose: 0, callbacks: [tb, peek]});
  assert.deepEqual(readdirSync(logDir), ['train']); // no validation data: no validation run
  const ts = scalarsByTag(decodeEvents(files(join(logDir, 'train'))[0]!).events);
  assert.deepEqual(ts['batch_loss']!.map(([s]) => s), [2, 4, 6, 8, 10]);
  assert.ok(ts['batch_accuracy']);
  assert.deepEqual(ts['epoch_loss']!.map(([s]) => s), [0, 1]);
  assert.ok(seen.midRun);
  assert.deepEqual(scalarsByTag(seen.midRun.events)['epoch_loss']!.map(([s]) => s), [0]);

  // a record cut short (a crash mid-write) leaves the ones before it readable
  const w = new EventFileWriter(join(dir, 'cut'));
  w.addSummary([scalarValue('a', 1)], 1);
  w.addSummary([scalarValue('a', 2)], 2);
  w.flush();
  appendFileSync(w.path, tfRecord(Uint8Array.from([8, 1, 16, 3])).subarray(0, 9));
  const {records, trailing} = readRecords(readFileSync(w.path));
  assert.equal(records.length, 3);
  assert.equal(trailing, 9);
});

test('a standalone evaluate() writes the evaluation scalars at the optimizer step, flushed', async () => {
  const logDir = join(dir, 'run3');
  const m = classifier();
  await m.fit(x, y, {epochs: 1, batchSize: 20, verbose: 0});
  const tb = new TensorBoard({logDir});
  const [loss] = (await m.evaluate(xv, yv, {verbose: 0, callbacks: [tb]})) as number[];
  const vs = scalarsByTag(decodeEvents(files(join(logDir, 'validation'))[0]!).events);
  assert.deepEqual(vs['evaluation_loss_vs_iterations']!.map(([s]) => s), [2]);
  assert.ok(Math.abs(vs['evaluation_loss_vs_iterations']![0]![1] - loss!) <= 1e-6);
  // writeGraph: the model config went to train/ when the callback was given the model
  assert.equal(decodeEvents(files(join(logDir, 'train'))[0]!).events[1]!.values[0]!.tag, 'keras');
});

test('bad arguments name what was expected', () => {
  assert.throws(() => new TensorBoard({updateFreq: 'sometimes' as never}), /expected "epoch", "batch" or a positive integer/);
  assert.throws(() => new TensorBoard({profileBatch: [5, 2]}), /profile_batch must be a non-negative integer/);
  assert.throws(() => new TensorBoard({histogramFreq: -1}), /histogramFreq must be a non-negative integer/);
});

test('profileBatch writes the kernels of those batches as a Chrome trace under train/plugins/profile/<run>/<host>.trace.json.gz', async () => {
  const logDir = join(dir, 'profile');
  const m = classifier();
  // 40 samples in batches of 10: 4 batches an epoch, 8 in two epochs; batches 3 to 6 span the epoch boundary
  const tb = new TensorBoard({logDir, profileBatch: [3, 6]});
  await m.fit(x, y, {epochs: 2, batchSize: 10, verbose: 0, callbacks: [tb]});
  assert.equal(kernelListener, null, 'the trace stops: no listener is left behind');
  assert.equal(tb.profileFiles.length, 1);
  const path = tb.profileFiles[0]!;
  assert.match(path.slice(logDir.length), /^[/\\]train[/\\]plugins[/\\]profile[/\\]\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d[/\\][^/\\]+\.trace\.json\.gz$/);
  const trace = JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as {traceEvents: {ph: string; name: string; tid: number; ts: number; dur: number}[]};
  const spans = trace.traceEvents.filter((e) => e.ph === 'X');
  const batches = spans.filter((e) => e.tid === 1), kernels = spans.filter((e) => e.tid === 2);
  assert.deepEqual(batches.map((b) => b.name), ['train batch 3', 'train batch 4', 'train batch 5', 'train batch 6']);
  assert.ok(trace.traceEvents.some((e) => e.ph === 'M' && e.name === 'thread_name'), 'rows are named');
  // every kernel is one of the contract and ran while tracing (in a batch, or between two: the
  // metrics that logs read), in order
  assert.ok(kernels.length >= 4 * 5, `${kernels.length} kernels`);
  const [first, last] = [batches[0]!, batches.at(-1)!];
  for (const k of kernels) {
    assert.ok(k.name in KERNELS, k.name);
    assert.ok(k.dur >= 0 && k.ts >= first.ts - 1e-3 && k.ts + k.dur <= last.ts + last.dur + 1e-3, `${k.name} at ${k.ts} outside the traced batches`);
  }
  for (let i = 1; i < kernels.length; i++) assert.ok(kernels[i]!.ts >= kernels[i - 1]!.ts);
  // each traced batch ran the same step (the training step's kernels, forward, backward and update)
  const perBatch = batches.map((b) => kernels.filter((k) => k.ts >= b.ts - 1e-3 && k.ts <= b.ts + b.dur).map((k) => k.name).join(' '));
  assert.equal(new Set(perBatch).size, 1, perBatch.join('\n'));
  // a range past the end of training writes what it traced, when training ends
  const late = new TensorBoard({logDir: join(dir, 'profile-late'), profileBatch: '7,100'});
  await classifier().fit(x, y, {epochs: 2, batchSize: 10, verbose: 0, callbacks: [late]});
  assert.equal(late.profileFiles.length, 1);
  assert.equal(kernelListener, null);
  const lateBatches = (JSON.parse(gunzipSync(readFileSync(late.profileFiles[0]!)).toString('utf8')) as {traceEvents: {ph: string; tid: number; name: string}[]}).traceEvents
    .filter((e) => e.ph === 'X' && e.tid === 1).map((e) => e.name);
  assert.deepEqual(lateBatches, ['train batch 7', 'train batch 8']);
});
