import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import * as keras from '../index.js';
import type {Layer} from '../layers/layer.js';
import type {Model} from '../models/model.js';
import {svgGraph} from '../../test/svg_readers.js';
import {dotAvailable} from './graphviz.js';
import {modelToDot, plotModel} from './model_visualization.js';

const L = keras.layers as unknown as Record<string, new (...a: unknown[]) => Layer>;
const apply = (l: Layer, x: unknown) => l.apply(x as never) as unknown;
const dir = mkdtempSync(join(tmpdir(), 'keras-ts-plot-'));
after(() => rmSync(dir, {recursive: true, force: true}));


function mlp(): Model {
  const m = new keras.models.Sequential();
  m.add(new L.Dense!(512, {inputShape: [784]}));
  m.add(new L.Activation!('relu'));
  m.add(new L.Dropout!(0.2));
  m.add(new L.Dense!(10, {activation: 'softmax'}));
  return m as unknown as Model;
}

/** Two inputs, a nested Sequential on one branch, a concatenation. */
function branched(): Model {
  const a = keras.Input({shape: [8], name: 'a'});
  const b = keras.Input({shape: [3], name: 'b'});
  const inner = new keras.models.Sequential([new L.Dense!(4, {inputShape: [8], activation: 'relu', name: 'inner_dense'}), new L.Dense!(2, {name: 'inner_out'})], {name: 'tower'});
  const t = apply(inner as unknown as Layer, a);
  const c = apply(new L.Concatenate!({name: 'concat'}), [t, b]);
  const out = apply(new L.Dense!(1, {name: 'head'}), c);
  return new keras.Model({inputs: [a, b], outputs: out, name: 'branched'}) as unknown as Model;
}

test("modelToDot: Keras's graph attributes, one node per layer with Keras's label, edges of a chain", () => {
  const dot = modelToDot(mlp(), {showShapes: true, showLayerActivations: true, showDtype: true, showTrainable: true});
  assert.match(dot, /^digraph G \{\nrankdir=TB;\nconcentrate=True;\ndpi=200;\nsplines=ortho;\nnode \[shape=record\];\n/);
  const nodes = dot.split('\n').filter((l) => / \[label=</.test(l));
  assert.equal(nodes.length, 4);
  assert.match(nodes[0]!, /<b>dense(_\d+)?<\/b> \(Dense\)/);
  assert.match(nodes[0]!, /colspan="4"/); // dtype + trainable + 2 for shapes
  assert.match(nodes[0]!, /Activation: <b>linear<\/b>/);
  assert.match(nodes[0]!, /Input shape: <b>\(None, 784\)<\/b>.*Output shape: <b>\(None, 512\)<\/b>.*Output dtype: <b>float32<\/b>.*<b>Trainable<\/b>/);
  assert.doesNotMatch(nodes[2]!, /Trainable|Activation/); // Dropout: no weights, no activation
  assert.match(nodes[0]!, /, fontname=Helvetica, border=0, margin=0\];$/);
  assert.deepEqual(dot.split('\n').filter((l) => l.includes('->')), ['1 -> 2  [penwidth=2];', '2 -> 3  [penwidth=2];', '3 -> 4  [penwidth=2];']);
  // plotModel's default hides names (Keras 3): only the class
  assert.match(modelToDot(mlp(), {showLayerNames: false}), /<font point-size="16" color="white"><b>Dense<\/b><\/font>/);
});

test('modelToDot: a functional graph with a nested model, collapsed and expanded into a cluster', () => {
  const m = branched();
  const flat = modelToDot(m, {showShapes: true});
  const labels = flat.split('\n').filter((l) => / \[label=</.test(l));
  // Keras's `_operations`: the input layers, the nested model as one node, concat, head
  assert.equal(labels.length, 5);
  assert.match(flat, /<b>tower<\/b> \(Sequential\).*Input shape: <b>\(None, 8\)<\/b>.*Output shape: <b>\(None, 2\)<\/b>/);
  assert.match(flat, /<b>concat<\/b> \(Concatenate\).*Input shape: <b>\[\(None, 2\), \(None, 3\)\]<\/b>.*Output shape: <b>\(None, 5\)<\/b>/);
  assert.match(flat, /<b>a<\/b> \(InputLayer\)<\/font><\/td><\/tr><tr><td bgcolor="white"><font point-size="14">Output shape: <b>\(None, 8\)<\/b>/);
  const id = (text: string, dot: string) => /^(\d+) \[label=/.exec(dot.split('\n').find((l) => l.includes(`<b>${text}</b>`))!)![1];
  const edges = (dot: string) => new Set(dot.split('\n').filter((l) => l.includes('->')).map((l) => l.replace('  [penwidth=2];', '')));
  assert.deepEqual(edges(flat), new Set([`${id('a', flat)} -> ${id('tower', flat)}`, `${id('tower', flat)} -> ${id('concat', flat)}`, `${id('b', flat)} -> ${id('concat', flat)}`, `${id('concat', flat)} -> ${id('head', flat)}`]));

  const nested = modelToDot(m, {showShapes: true, expandNested: true});
  assert.match(nested, /subgraph cluster_tower \{\nstyle=dashed;\nlabel=tower;\nlabeljust=l;\n/);
  assert.doesNotMatch(nested, /<b>tower<\/b>/);
  assert.match(nested, /<b>inner_dense<\/b> \(Dense\).*Input shape: <b>\(None, 8\)<\/b>.*Output shape: <b>\(None, 4\)<\/b>/);
  // edges go into the cluster's first layer and out of its last
  assert.deepEqual(
    edges(nested),
    new Set([
      `${id('inner_dense', nested)} -> ${id('inner_out', nested)}`,
      `${id('a', nested)} -> ${id('inner_dense', nested)}`,
      `${id('inner_out', nested)} -> ${id('concat', nested)}`,
      `${id('b', nested)} -> ${id('concat', nested)}`,
      `${id('concat', nested)} -> ${id('head', nested)}`,
    ]),
  );
});

test('modelToDot: a Functional nested in a Functional (edges into its InputLayer, out of its output layer); a subclassed model is one node', () => {
  const i = keras.Input({shape: [5], name: 'inner_in'});
  const inner = new keras.Model({inputs: i, outputs: apply(new L.Dense!(3, {name: 'inner_dense2'}), i), name: 'inner_fn'}) as unknown as Layer;
  const o = keras.Input({shape: [5], name: 'outer_in'});
  const outer = new keras.Model({inputs: o, outputs: apply(new L.Dense!(1, {name: 'outer_head'}), apply(inner, o)), name: 'outer_fn'}) as unknown as Model;
  const dot = modelToDot(outer, {expandNested: true, showShapes: true, showTrainable: true});
  const id = (text: string) => /^(\d+) \[label=/.exec(dot.split('\n').find((l) => l.includes(`<b>${text}</b>`))!)![1];
  assert.match(dot, /subgraph cluster_inner_fn \{/);
  const edges = new Set(dot.split('\n').filter((l) => l.includes('->')).map((l) => l.replace('  [penwidth=2];', '')));
  assert.deepEqual(edges, new Set([`${id('inner_in')} -> ${id('inner_dense2')}`, `${id('outer_in')} -> ${id('inner_in')}`, `${id('inner_dense2')} -> ${id('outer_head')}`]));
  assert.match(dot, /<b>outer_head<\/b> \(Dense\).*Input shape: <b>\(None, 3\)<\/b>.*<td bgcolor="forestgreen">/);

  class Custom extends keras.Model {
    readonly d = new L.Dense!(2);
    override call(x: never) {
      return this.d.apply(x) as never;
    }
  }
  const c = new Custom({name: 'custom'}) as unknown as Model;
  c.built = true;
  const one = modelToDot(c, {showShapes: true});
  assert.equal(one.split('\n').filter((l) => / \[label=</.test(l)).length, 1);
  assert.match(one, /<b>custom<\/b> \(Custom\).*Output shape: <b>\?<\/b>/);
});

test('modelToDot: an unbuilt model and unknown options are errors', async () => {
  const unbuilt = new keras.models.Sequential([new L.Dense!(3)]) as unknown as Model;
  assert.throws(() => modelToDot(unbuilt), /This model has not yet been built/);
  await assert.rejects(plotModel(mlp(), {toFile: join(dir, 'x.svg'), layerRange: ['a', 'b']} as never), /Unrecognized keyword arguments: \["layerRange"\]/);
});

const skipDot = dotAvailable() ? false : 'Graphviz `dot` is not on the PATH (apt-get install graphviz)';

test('plotModel: the WebAssembly Graphviz without `dot` on the PATH gives the same nodes and edges as `dot`', {skip: skipDot}, async () => {
  const m = branched();
  const opts = {showShapes: true, showLayerNames: true, expandNested: true};
  const viaDot = await plotModel(m, {...opts, toFile: join(dir, 'dot.svg'), graphviz: 'dot'});
  const path = process.env['PATH'];
  process.env['PATH'] = '/nonexistent';
  let viaWasm: string;
  let png: string;
  try {
    assert.equal(dotAvailable(), false);
    viaWasm = await plotModel(m, {...opts, toFile: join(dir, 'wasm.svg')}); // 'auto' falls back to wasm
    png = await plotModel(m, {...opts, toFile: join(dir, 'wasm.png')}); // rasterized by resvg
  } finally {
    process.env['PATH'] = path;
  }
  const a = svgGraph(readFileSync(viaDot, 'utf8'));
  const b = svgGraph(readFileSync(viaWasm, 'utf8'));
  assert.ok(readFileSync(viaWasm, 'utf8').includes('Generated by graphviz version 1')); // the wasm build (>= 10), not Debian's 2.43
  assert.equal(a.nodes.size, 6);
  assert.deepEqual([...b.nodes.keys()].sort(), [...a.nodes.keys()].sort());
  for (const [k, texts] of a.nodes) assert.deepEqual(b.nodes.get(k), texts, `texts of node ${k}`);
  assert.deepEqual([...b.edges].sort(), [...a.edges].sort());
  assert.equal(a.edges.size, 5);
  assert.deepEqual(Array.from(readFileSync(png).subarray(0, 4)), [0x89, 0x50, 0x4e, 0x47]);
});

test('plotModel writes .png with dot, and .dot text', {skip: skipDot}, async () => {
  const png = await plotModel(mlp(), {toFile: join(dir, 'mlp.png'), showShapes: true, dpi: 72});
  assert.deepEqual(Array.from(readFileSync(png).subarray(0, 4)), [0x89, 0x50, 0x4e, 0x47]);
  const dot = await plotModel(mlp(), {toFile: join(dir, 'mlp.dot')});
  assert.match(readFileSync(dot, 'utf8'), /^digraph G \{/);
});
