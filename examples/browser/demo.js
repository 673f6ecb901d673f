// The demo page's code: plain JavaScript on the public API, as a user of the package writes it.
import * as keras from 'keras-ts';

const $ = (id) => document.getElementById(id);
const state = {model: null, loaded: null, history: []};

// ?backend=webgpu (or keras.json in localStorage) picks the backend; a page's WebGPU device comes
// from a promise, hence prepareBackend; without an adapter it falls back with one console line
const asked = new URL(window.location.href).searchParams.get('backend');
if (asked) await keras.backend.prepareBackend(asked, {fallback: true});
$('backend').textContent = keras.backend.backendName();

// --- 1. training, with a live chart fed by a callback ------------------------------------------
function drawChart() {
  const c = $('chart'), g = c.getContext('2d');
  g.clearRect(0, 0, c.width, c.height);
  g.strokeStyle = '#ddd';
  g.strokeRect(30, 10, c.width - 40, c.height - 30);
  g.fillStyle = '#444';
  g.fillText('1', 18, 14);
  g.fillText('0', 18, c.height - 18);
  g.fillText('epoch', c.width - 40, c.height - 4);
  const h = state.history;
  if (!h.length) return;
  const n = Math.max(h.length, 2);
  const maxLoss = Math.max(...h.map((e) => e.loss), 1e-9);
  const series = [
    ['loss (scaled)', '#c33', (e) => e.loss / maxLoss],
    ['accuracy', '#36c', (e) => e.accuracy],
    ['val_accuracy', '#3a3', (e) => e.val_accuracy],
  ];
  series.forEach(([name, color, f], k) => {
    g.strokeStyle = color;
    g.beginPath();
    h.forEach((e, i) => {
      const x = 30 + (i / (n - 1)) * (c.width - 40), y = 10 + (1 - f(e)) * (c.height - 30);
      if (i) g.lineTo(x, y);
      else g.moveTo(x, y);
    });
    g.stroke();
    g.fillStyle = color;
    g.fillText(name, 40 + 110 * k, 24);
  });
}

async function train({epochs = Number($('epochs').value) || 20, seed = 1337} = {}) {
  keras.utils.setRandomSeed(seed);
  $('status').textContent = 'Loading the digits…';
  const [[xTrain, yTrain], [xTest, yTest]] = await keras.datasets.uciDigits.loadData();
  const x = keras.ops.divide(xTrain, 16), xt = keras.ops.divide(xTest, 16);
  const model = new keras.models.Sequential([
    new keras.layers.Dense(64, {activation: 'relu', inputShape: [64]}),
    new keras.layers.Dropout(0.2),
    new keras.layers.Dense(64, {activation: 'relu'}),
    new keras.layers.Dense(10, {activation: 'softmax'}),
  ]);
  model.compile({loss: 'sparse_categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy']});
  model.summary(); // to the console, as Keras prints it
  state.history = [];
  const ui = new keras.callbacks.LambdaCallback({
    onEpochEnd: (epoch, logs) => {
      state.history.push({...logs});
      $('status').textContent = `epoch ${epoch + 1}/${epochs}: loss ${logs.loss.toFixed(4)}, accuracy ${logs.accuracy.toFixed(4)}`;
      drawChart();
    },
  });
  await model.fit(x, yTrain, {epochs, batchSize: 32, validationData: [xt, yTest], callbacks: [ui], verbose: 2});
  const [, accuracy] = await model.evaluate(xt, yTest, {verbose: 0});
  $('accuracy').textContent = accuracy.toFixed(4);
  state.model = model;
  $('download').disabled = false;
  predictDrawing();
  return accuracy;
}

$('train').onclick = () => train().catch(showError);
$('download').onclick = () => state.model.save('digits.keras').catch(showError); // a download in a page

// --- 2. drawing ----------------------------------------------------------------------------------------
const pad = $('pad'), pg = pad.getContext('2d');
function clearPad() {
  pg.fillStyle = '#000';
  pg.fillRect(0, 0, pad.width, pad.height);
}
clearPad();
let drawing = false;
pad.onpointerdown = (e) => { drawing = true; stroke(e); };
pad.onpointermove = (e) => drawing && stroke(e);
pad.onpointerup = pad.onpointerleave = () => { if (drawing) { drawing = false; predictDrawing(); } };
function stroke(e) {
  const r = pad.getBoundingClientRect();
  pg.fillStyle = '#fff';
  pg.beginPath();
  pg.arc(e.clientX - r.left, e.clientY - r.top, 9, 0, 2 * Math.PI);
  pg.fill();
}
$('clear').onclick = () => { clearPad(); predictDrawing(); };

/** The drawing as `size`×`size` ink levels in [0, 1] (block averages). */
function drawingPixels(size) {
  const img = pg.getImageData(0, 0, pad.width, pad.height).data, block = pad.width / size;
  const out = new Float32Array(size * size);
  for (let y = 0; y < pad.height; y++) for (let x = 0; x < pad.width; x++) {
    out[Math.floor(y / block) * size + Math.floor(x / block)] += img[(y * pad.width + x) * 4] / 255 / (block * block);
  }
  return out;
}

/** Runs `model` on the drawing, resized to its input (8×8 digits, or 28×28 images). */
async function runOnDrawing(model) {
  const shape = model.inputShape;
  const dims = shape.slice(1);
  const n = dims.reduce((a, b) => a * b, 1);
  const side = Math.round(Math.sqrt(n));
  const pixels = drawingPixels(side);
  const y = await model.predict(keras.tensor(pixels, [1, ...dims]), {verbose: 0});
  return Array.from(await y.data()); // on webgpu a page reads the GPU only asynchronously
}

async function predictDrawing() {
  if (!state.model) return;
  const p = await runOnDrawing(state.model);
  const best = p.indexOf(Math.max(...p));
  $('prediction').textContent = String(best);
  $('probs').textContent = p.map((v, i) => `${i}: ${(100 * v).toFixed(0)}%`).join('  ');
}

// --- 3. loading a model file ---------------------------------------------------------------------------
async function load(source) {
  $('loaded').textContent = 'Loading…';
  const model = await keras.models.loadModel(source);
  state.loaded = model;
  const lines = [];
  model.summary({printFn: (s) => lines.push(s)});
  $('summary').textContent = lines.join('');
  const p = await runOnDrawing(model);
  $('loaded').textContent = `Loaded ${model.name}; on the drawing it predicts class ${p.indexOf(Math.max(...p))}.`;
  return model;
}
$('file').onchange = () => $('file').files[0] && load($('file').files[0]).catch(showError);
$('load').onclick = () => load($('url').value).catch(showError);

function showError(e) {
  $('loaded').innerHTML = '';
  const div = document.createElement('div');
  div.className = 'error';
  div.textContent = String(e.message ?? e);
  $('loaded').append(div);
}

drawChart();
// for the browser test, and for the curious in the console
window.kerasDemo = {keras, state, train, load, drawingPixels};
