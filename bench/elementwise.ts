/**
 * The native math kernels (Exp, Log, Tanh, Sigmoid, Elu, Softplus) on each instruction set of this CPU
 * against PyTorch's on one thread, in the same run: median microseconds per call on N floats (default
 * 65,536: what a layer's activation sees; inputs in (-5, 5), (0, 10) for Log), and PyTorch / keras-ts
 * from the medians.
 *
 *   node --import tsx bench/elementwise.ts [N] [REPS]
 */
import {spawnSync} from 'node:child_process';
import {forEachIsa, nativeForTests, runImpl} from '../src/testing/kernel_test.js';
import {Tensor} from '../src/tensor/tensor.js';
import {loadavg, median} from './timing.js';

const n = Number(process.argv[2] ?? 65536), reps = Number(process.argv[3] ?? 300);
const {native, skip} = nativeForTests('bench/elementwise.ts');
if (!native) throw new Error(String(skip));
native.setNumThreads(1);
const kernels = native.kernels as Record<string, (i: object, a: object, o: Tensor[]) => unknown>;
const values = (f: (i: number) => number) => new Tensor([n], 'float32', Float32Array.from({length: n}, (_, i) => f((i * 7919) % 1000)));
const x = values((r) => r / 100 - 5 + 1e-3), p = values((r) => r / 100 + 0.01);
const OPS: [string, object, Tensor][] = [['Exp', {}, x], ['Log', {}, p], ['Tanh', {}, x], ['Sigmoid', {}, x], ['Elu', {alpha: 1}, x], ['Softplus', {}, x]];

function medianUs(f: () => unknown): number {
  for (let i = 0; i < 20; i++) f();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f();
    ts.push(performance.now() - t0);
  }
  return median(ts) * 1000;
}

console.log(`# math kernels, ${n} floats, 1 thread, median us of ${reps} calls. ${new Date().toISOString()}; load average before: ${loadavg()}`);
const ours = new Map<string, Map<string, number>>();
forEachIsa(native, (isa) => {
  const row = new Map<string, number>();
  for (const [op, attrs, input] of OPS) {
    const out = runImpl(op as never, kernels[op] as never, {x: input}, attrs);
    row.set(op, medianUs(() => kernels[op]!({x: input}, attrs, out)));
  }
  ours.set(isa, row);
});
const py = spawnSync('/usr/bin/python3', [new URL('./elementwise_torch.py', import.meta.url).pathname, String(n), String(reps)], {encoding: 'utf8', env: {...process.env, OMP_NUM_THREADS: '1'}});
const torch = py.status === 0 ? (JSON.parse(py.stdout) as Record<string, number>) : null;
if (!torch) console.log(`# PyTorch unavailable: ${(py.stderr || py.error?.message || '').trim().split('\n').at(-1)}`);
const isas = [...ours.keys()];
console.log(`\n| op | ${isas.map((i) => `keras-ts ${i}`).join(' | ')} | PyTorch | PyTorch / keras-ts ${native.isa} |`);
console.log(`|---|${isas.map(() => '---|').join('')}---|---|`);
for (const [op] of OPS) {
  const t = torch?.[op], best = ours.get(native.isa)!.get(op)!;
  console.log(`| ${op} | ${isas.map((i) => ours.get(i)!.get(op)!.toFixed(1)).join(' | ')} | ${t?.toFixed(1) ?? '—'} | ${t ? (t / best).toFixed(2) : '—'} |`);
}
console.log(`# load average after: ${loadavg()}`);
