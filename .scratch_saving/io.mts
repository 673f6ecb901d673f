import {readH5File, writeH5File, shutdownH5} from '../src/saving/h5_io.js';
import {listPaths, newGroup, ensureGroup, setChild, dataset} from '../src/saving/h5_tree.js';
const t0 = Date.now();
const t = await readH5File('/work/shared/fixtures/keras/dl4j_simple_lstm_k2_model.h5');
console.log(Date.now()-t0, listPaths(t), t.attrs.model_config.slice(0,100), (t.children.model_weights as any).attrs);
const root = newGroup();
const v = ensureGroup(root, 'layers/dense/vars', {name: 'dense'});
setChild(v, '0', dataset('float32', [2,2], new Float32Array([1,2,3,4])));
setChild(v, '1', dataset('int64', [], new Float64Array([7])));
await writeH5File('/tmp/h5t/w.h5', root);
const back = await readH5File('/tmp/h5t/w.h5');
console.log(JSON.stringify(back));
try { await readH5File('/etc/passwd'); } catch (e) { console.log(String(e)); }
await shutdownH5();
