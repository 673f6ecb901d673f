// Real model files from other projects (test/fixtures/third_party/README.md: sources, licences)
// load and reproduce the outputs recorded with them: the repository's own recorded predictions, or
// an independent NumPy forward pass (scripts/make_third_party_oracles.py).
import {after, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import '../src/index.js';
import {loadModel, readH5File, shutdownH5} from '../src/saving/index.js';
import {getGroup, childNames, type H5Dataset, type H5Group} from '../src/saving/h5_tree.js';
import {tensor, type Tensor} from '../src/tensor/tensor.js';

const DIR = 'test/fixtures/third_party';
const TOLERANCE = 1e-4;
after(() => shutdownH5());

type Predicts = {predict(x: Tensor, a?: object): Promise<Tensor>};

function only(g: H5Group | undefined, what: string): H5Dataset {
  assert.ok(g, `missing group ${what}`);
  const names = childNames(g);
  assert.equal(names.length, 1, `${what}: expected one dataset, found ${names.join(', ')}`);
  const d = g.children[names[0]!]!;
  assert.equal(d.kind, 'dataset');
  return d as H5Dataset;
}

async function maxAbsError(file: string, x: Tensor, want: ArrayLike<number>, wantShape: number[]): Promise<number> {
  const model = (await loadModel(join(DIR, file))) as unknown as Predicts;
  const y = await model.predict(x, {verbose: 0});
  assert.deepEqual(y.shape, wantShape);
  let err = 0;
  for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(y.values[i]! - want[i]!));
  return err;
}

const files = readdirSync(DIR).filter((f) => (f.endsWith('.h5') && !f.endsWith('_inputs_and_outputs.h5')) || f.endsWith('.keras')).sort();
const oracles = JSON.parse(readFileSync(join(DIR, 'oracles.json'), 'utf8')) as Record<string, {input: number[]; input_shape: number[]; output: number[]; output_shape: number[]}>;

describe('third-party Keras files', () => {
  test('at least ten files, both formats, each with outputs to reproduce', () => {
    assert.ok(files.length >= 10, `${files.length} files`);
    assert.ok(files.some((f) => f.endsWith('.keras')) && files.some((f) => f.endsWith('.h5')));
    for (const f of files) {
      const recorded = existsSync(join(DIR, f.replace(/_model\.h5$/, '_inputs_and_outputs.h5'))) && f.endsWith('_model.h5');
      assert.ok(recorded || f in oracles, `${f} has no outputs to compare with`);
    }
  });
  for (const file of files) {
    const io = file.replace(/_model\.h5$/, '_inputs_and_outputs.h5');
    if (file.endsWith('_model.h5') && existsSync(join(DIR, io))) {
      test(`${file}: the outputs its repository recorded`, async () => {
        const rec = await readH5File(join(DIR, io));
        const x = only(getGroup(rec, 'inputs'), 'inputs');
        const y = only(getGroup(rec, 'predictions'), 'predictions');
        const err = await maxAbsError(file, tensor(Float32Array.from(x.data as ArrayLike<number>), x.shape), y.data as ArrayLike<number>, y.shape);
        assert.ok(err <= TOLERANCE, `max abs error ${err}`);
      });
    } else {
      test(`${file}: an independent NumPy forward pass`, async () => {
        const o = oracles[file]!;
        const err = await maxAbsError(file, tensor(Float32Array.from(o.input), o.input_shape), o.output, o.output_shape);
        assert.ok(err <= TOLERANCE, `max abs error ${err}`);
      });
    }
  }
});

describe('Keras 2 optimizer state', () => {
  test('Keras 2.1 RMSprop accumulators (no iterations, no learning-rate variable) load into the slots', async () => {
    const {setWarn, warn} = await import('../src/saving/saving_lib.js');
    const seen: string[] = [];
    setWarn((m) => seen.push(m));
    try {
      const file = join(DIR, 'dl4j_simple_rnn_tf_keras_2_model.h5');
      const model = (await loadModel(file)) as unknown as {optimizer: {variables: {name: string; value: Tensor}[]}};
      assert.deepEqual(seen, []);
      const tree = await readH5File(file);
      const saved = getGroup(tree, 'optimizer_weights/training/RMSprop')!.children['Variable:0'] as H5Dataset;
      const slot = model.optimizer.variables.find((v) => v.name !== 'iteration' && v.name !== 'learning_rate')!;
      assert.deepEqual(Array.from(slot.value.values), Array.from(saved.data as Float32Array));
    } finally {
      setWarn(warn);
    }
  });
});
