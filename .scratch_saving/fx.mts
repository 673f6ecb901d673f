import '../src/index.js';
import * as models from '../src/models/index.js';
import {loadModel, shutdownH5} from '../src/saving/index.js';
const F = '/work/shared/fixtures/keras/';
for (const f of ['dl4j_sparse_xent_mlp_k2_model.h5', 'dl4j_cnn_batchnorm_k2_model.h5', 'dl4j_simple_lstm_k2_model.h5', 'fashion_cnn_k3.keras']) {
  try { const m = await loadModel(F + f); console.log(f, 'OK', m.className, m.layers.map((l) => l.className), (m as any).optimizer?.className); }
  catch (e) { console.log(f, 'FAIL', (e as Error).stack?.slice(0, 800)); }
}
await shutdownH5();
