import {noGrad, recordCustomGradient, runCollectingVariables} from '../autodiff/engine.js';
import {Variable} from '../autodiff/variable.js';
import {ValueError} from '../errors.js';
import {fmtShape} from '../tensor/shape.js';
import {Tensor} from '../tensor/tensor.js';
import {reshape} from './array.js';
import {toTensor} from './core.js';

/** What a custom-gradient function's `gradFn` receives after the upstream gradients when it read trainable variables. */
export interface CustomGradientOptions {
  /** The trainable variables the function read, in the order they were first read. */
  variables: Variable[];
}

/**
 * The gradient function: called with the gradient of each output (one argument per output). Returns
 * the gradient of each tensor argument (a single tensor when there is one argument, else an array;
 * `null` for no gradient). When the function read trainable variables, it is also given
 * `{variables}` and returns `[argumentGradients, variableGradients]`.
 */
export type GradFunction = (...upstream: any[]) => Tensor | null | readonly (Tensor | null | readonly (Tensor | null)[])[]; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * `keras.ops.custom_gradient`: wraps `f`, which returns `[result, gradFn]`, into a function whose
 * result is `result` and whose gradient is what `gradFn` says, not the derivative of the ops inside
 * `f` (those are not recorded). `result` is a tensor or an array of tensors; the tensor (and
 * Variable) arguments are the differentiated inputs, other arguments are passed through.
 *
 * ```ts
 * const log1pexp = keras.ops.customGradient((x: Tensor) => {
 *   const e = ops.exp(x);
 *   const grad = (upstream: Tensor) => ops.multiply(upstream, ops.subtract(1, ops.divide(1, ops.add(1, e))));
 *   return [ops.log(ops.add(1, e)), grad];
 * });
 * ```
 */
export function customGradient<A extends unknown[], R extends Tensor | Tensor[]>(
  f: (...args: A) => [R, GradFunction],
): (...args: A) => R {
  if (typeof f !== 'function') throw new ValueError(`customGradient expects a function returning [result, gradFn]. Received: ${typeof f}`);
  const name = f.name || 'function';
  return (...args: A): R => {
    const callArgs = args.map((a, i) => (a instanceof Variable ? toTensor(a, `args[${i}]`, 'customGradient') : a)) as A;
    const xs = callArgs.filter((a): a is Tensor => a instanceof Tensor);
    const {result: ret, variables} = runCollectingVariables(() => f(...callArgs));
    if (!Array.isArray(ret) || ret.length !== 2 || typeof ret[1] !== 'function') {
      throw new ValueError(`customGradient: ${name} must return [result, gradFn] (a tensor or array of tensors, and a function). Received: ${describeReturn(ret)}`);
    }
    const [result, gradFn] = ret;
    const single = result instanceof Tensor;
    const raw = single ? [result] : result;
    if (!Array.isArray(raw) || raw.length === 0 || !raw.every((o) => o instanceof Tensor)) {
      throw new ValueError(`customGradient: the result of ${name} must be a Tensor or a non-empty array of Tensors`);
    }
    // an output that is an input (an identity with a custom gradient) needs an identity of its own on the tape
    const ids = new Set(xs.map((x) => x.id));
    const outputs = raw.map((o) => (ids.has(o.id) ? noGrad(() => reshape(o, o.shape)) : o));
    const vars = [...variables.entries()].filter(([value]) => !ids.has(value.id));
    const varValues = vars.map(([value]) => value);
    const varObjects = vars.map(([, v]) => v as Variable);
    const backward = (dys: Tensor[]): (Tensor | null)[] => {
      const got = varObjects.length ? gradFn(...dys, {variables: varObjects}) : gradFn(...dys);
      let argGrads: unknown;
      let varGrads: unknown = [];
      if (varObjects.length) {
        if (!Array.isArray(got) || got.length !== 2 || !Array.isArray(got[1])) {
          throw new ValueError(
            `customGradient: ${name} read ${varObjects.length} trainable variable(s) (${varObjects.map((v) => v.path).join(', ')}), so its gradFn is given {variables} and must return [argumentGradients, variableGradients]`,
          );
        }
        [argGrads, varGrads] = got;
      } else argGrads = got;
      const list = (xs.length === 1 && !Array.isArray(argGrads) ? [argGrads] : argGrads) as unknown;
      check(list, xs, 'argument', name);
      check(varGrads, varValues, 'variable', name);
      return [...(list as (Tensor | null)[]), ...(varGrads as (Tensor | null)[])];
    };
    recordCustomGradient([...xs, ...varValues], outputs, backward, varValues);
    return (single ? outputs[0] : outputs) as R;
  };
}

function check(grads: unknown, targets: Tensor[], what: string, name: string): void {
  if (!Array.isArray(grads) || grads.length !== targets.length) {
    throw new ValueError(
      `customGradient: the gradFn of ${name} must return one gradient per ${what} (${targets.length}). Received: ${Array.isArray(grads) ? `${grads.length} gradients` : describeReturn(grads)}`,
    );
  }
  grads.forEach((g, i) => {
    if (g === null || g === undefined) return;
    if (!(g instanceof Tensor)) throw new ValueError(`customGradient: the gradient of ${what} ${i} returned by the gradFn of ${name} must be a Tensor or null. Received: ${describeReturn(g)}`);
    const t = targets[i]!;
    if (g.size !== t.size && g.rank < t.rank) {
      throw new ValueError(`customGradient: the gradient of ${what} ${i} of ${name} has shape ${fmtShape(g.shape)}; the ${what} has shape ${fmtShape(t.shape)}`);
    }
  });
}

function describeReturn(x: unknown): string {
  if (x === null || x === undefined) return String(x);
  if (x instanceof Tensor) return `Tensor of shape ${fmtShape(x.shape)}`;
  if (Array.isArray(x)) return `array of ${x.length}`;
  return typeof x === 'object' ? ((x as object).constructor?.name ?? 'object') : typeof x;
}
