/**
 * Compiled steps (../shared/DESIGN.md, "Compiled steps"): a step traced into a plan, the kernels it
 * calls in order with attributes resolved and its intermediate tensors in an arena reused by
 * liveness, replayed with no tape. A plan knows kernels, never layers; eager execution stays the
 * semantics and the fallback. The trainers keep one `PlanCache` per compiled model:
 *
 * ```ts
 * const plans = new PlanCache('model "mlp"');
 * // the first two runs are eager and traced; later runs of the same key replay the plan
 * const [y] = plans.run(`predict|${x.shape}`, [x], () => [ops.relu(ops.matmul(x, w))]);
 * ```
 *
 * - trace.ts: the recording (kernels, variable reads and writes, random seeds, host checks, the
 *   attributes a replay refreshes and the host effects it repeats: an optimizer's learning rate and
 *   step count) and the comparison of two recordings of one signature;
 * - patterns.ts: rewrites of a trace before it is planned, subgraphs recognised by their kernels and
 *   wiring run as fused kernels with the same values (the crossentropy after a softmax and its
 *   gradient, an accuracy's argmax matches, a Dense's MatMul and bias Add);
 * - plan.ts: the replay (kernels nothing reads left out, adjacent kernels fused, variable updates
 *   written in place, the arena, rebinding of inputs and variables, fresh random keys);
 * - cache.ts: the bounded cache of plans by signature, and the eager fallback with its debug line.
 */
export {PlanCache, setPlanDebugSink} from './cache.js';
export {Plan} from './plan.js';
export {hostStep, type HostStep} from './trace.js';
