import {Worker} from 'node:worker_threads';
let t = Date.now();
const w = new Worker(`const t=Date.now(); import('h5wasm/node').then(() => import('tsx/esm/api')).then((m) => { m.register(); require('worker_threads').parentPort.postMessage('pre '+(Date.now()-t)); return import(${JSON.stringify(new URL('../src/saving/h5_worker.ts', import.meta.url).href)}); })`, {eval: true});
w.on('message', (m) => { console.log(m, Date.now()-t); if (m.ready) w.terminate(); });
