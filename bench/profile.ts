/**
 * Where a training step's time goes: wraps a compiled backend's kernels (native, or wasm) with timers (its calls,
 * and calls that fell back to the reference backend), runs `trainOnBatch` on one of bench/models.ts's
 * models, and prints time per kernel and the rest (JavaScript: tape, gradient rules, optimizer and
 * metric bookkeeping, allocation).
 *
 *   node --import tsx bench/profile.ts mlp|cnn|lstm [steps] [threads] [--wall] [--infer] [--backend native|wasm]
 *
 * `--infer` profiles `predictOnBatch` on the same batch instead of a training step.
 *
 * Times are CPU time of the process by default (robust on a shared machine at 1 thread).
 */
import type {AnyKernelImpl} from '../src/backends/backend.js';
import {referenceBackend} from '../src/backends/reference/index.js';
import {getBackend, registerBackend, setBackend} from '../src/backends/registry.js';
import {KERNELS} from '../src/kernels/index.js';
import {batchFor, buildModel, SPECS, type ModelName} from './models.js';

const name = (process.argv[2] ?? 'mlp') as ModelName;
const steps = Number(process.argv[3] ?? 10);
const threads = Number(process.argv[4] ?? 1);

const at = process.argv.indexOf('--backend');
const backendName = at > 0 ? process.argv[at + 1]! : 'native';
const native = setBackend(backendName);
native.setNumThreads!(threads);
// CPU time of the process (ms), not wall time: the machine is shared, and at 1 thread the work done
// is what we want to see; `--wall` measures wall-clock time instead
const wall = process.argv.includes('--wall');
const now = wall ? () => performance.now() : () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const stats = new Map<string, {n: number; ms: number; fallbackN: number; fallbackMs: number; elems: number}>();
const kernels: Record<string, AnyKernelImpl> = {};
for (const k of Object.keys(KERNELS)) {
  const fast = (native.kernels as Record<string, AnyKernelImpl | undefined>)[k];
  const ref = (referenceBackend.kernels as Record<string, AnyKernelImpl>)[k]!;
  kernels[k] = (inputs, attrs, outputs) => {
    const s = stats.get(k) ?? {n: 0, ms: 0, fallbackN: 0, fallbackMs: 0, elems: 0};
    stats.set(k, s);
    const t0 = now();
    if (fast && fast(inputs, attrs, outputs) !== false) {
      s.n++;
      s.ms += now() - t0;
    } else {
      ref(inputs, attrs, outputs);
      s.fallbackN++;
      s.fallbackMs += now() - t0;
    }
    s.elems += outputs.reduce((a, o) => a + o.size, 0);
  };
}
registerBackend(`${backendName}-profile`, () => ({name: `${backendName}-profile`, kernels}));

const model = buildModel(name);
const [x, y] = batchFor(name, SPECS[name].batch);
setBackend(`${backendName}-profile`);
const infer = process.argv.includes('--infer');
const step = infer ? () => model.predictOnBatch(x) : () => model.trainOnBatch(x, y);
for (let i = 0; i < 3; i++) step();
stats.clear();
const t0 = now();
for (let i = 0; i < steps; i++) step();
const total = (now() - t0) / steps;
void getBackend;

const rows = [...stats.entries()].sort((a, b) => b[1].ms + b[1].fallbackMs - a[1].ms - a[1].fallbackMs);
let kernelMs = 0;
console.log(`${name}, ${backendName}, ${threads} thread(s), ${wall ? 'wall' : 'CPU'} time: ${total.toFixed(2)} ms per ${infer ? 'predictOnBatch' : 'training step'} (${((SPECS[name].batch * 1000) / total).toFixed(0)} samples/s)`);
console.log(`| kernel | ${backendName} calls/step | ${backendName} ms/step | fallback calls/step | fallback ms/step | output MB/step |`);
console.log('|---|---|---|---|---|---|');
for (const [k, s] of rows) {
  kernelMs += (s.ms + s.fallbackMs) / steps;
  console.log(`| ${k} | ${(s.n / steps).toFixed(0)} | ${(s.ms / steps).toFixed(2)} | ${(s.fallbackN / steps).toFixed(0)} | ${(s.fallbackMs / steps).toFixed(2)} | ${((s.elems * 4) / steps / 1e6).toFixed(1)} |`);
}
console.log(`kernels: ${kernelMs.toFixed(2)} ms/step; outside kernels (JS: tape, rules, optimizer, allocation): ${(total - kernelMs).toFixed(2)} ms/step`);
