import * as ops from '../../ops/index.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {GradTable} from '../grad_types.js';

const {add, subtract, multiply, matmul, concatenate, split, square} = ops;

/** `s * (1 - s)`: the derivative of a sigmoid, given its output. */
const dSigmoid = (s: Tensor) => multiply(s, subtract(1, s));

/**
 * Rules for the fused recurrent steps, written with ops. Every output's gradient is used, the reserve
 * outputs' included, so the rules stay exact whatever a caller does with those outputs.
 */
export const recurrentGrads = {
  LSTMStep: ({dys, inputs: {h, c, recurrentKernel}, outputs}) => {
    const [dh, dc, dGates] = dys as [Tensor, Tensor, Tensor];
    const [i, f, g, o] = split(outputs[2]!, 4, 1) as [Tensor, Tensor, Tensor, Tensor];
    const tc = ops.tanh(outputs[1]!);
    // c' feeds h' through tanh, so its total gradient has both paths
    const dcTotal = add(dc, multiply(multiply(dh, o), subtract(1, square(tc))));
    const dActivated = add(
      concatenate([multiply(dcTotal, g), multiply(dcTotal, c), multiply(dcTotal, i), multiply(dh, tc)], 1),
      dGates,
    );
    const slope = concatenate([dSigmoid(i), dSigmoid(f), subtract(1, square(g)), dSigmoid(o)], 1);
    const da = multiply(dActivated, slope);
    return {
      z: da,
      h: matmul(da, recurrentKernel, {transposeB: true}),
      c: multiply(dcTotal, f),
      recurrentKernel: matmul(h, da, {transposeA: true}),
    };
  },
  GRUStep: ({dys, inputs: {h, recurrentKernel}, outputs}) => {
    const [dh, dReserve] = dys as [Tensor, Tensor];
    const [zg, r, hh, mh] = split(outputs[1]!, 4, 1) as [Tensor, Tensor, Tensor, Tensor];
    const [dRz, dRr, dRhh, dRmh] = split(dReserve, 4, 1) as [Tensor, Tensor, Tensor, Tensor];
    const dzg = add(multiply(dh, subtract(h, hh)), dRz);
    const dhh = add(multiply(dh, subtract(1, zg)), dRhh);
    const dah = multiply(dhh, subtract(1, square(hh)));
    const dr = add(multiply(dah, mh), dRr);
    const dmh = add(multiply(dah, r), dRmh);
    const daz = multiply(dzg, dSigmoid(zg));
    const dar = multiply(dr, dSigmoid(r));
    const dm = concatenate([daz, dar, dmh], 1);
    return {
      z: concatenate([daz, dar, dah], 1),
      h: add(multiply(dh, zg), matmul(dm, recurrentKernel, {transposeB: true})),
      recurrentKernel: matmul(h, dm, {transposeA: true}),
      // [b, 3u] against a [3u] input: the tape sums the batch axis back
      recurrentBias: dm,
    };
  },
} satisfies Partial<GradTable>;
