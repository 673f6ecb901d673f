import {maxPool3dArgmax} from '../backends/reference/nn3d.js';
import type {Conv3DAttrs, Pool3DAttrs} from '../kernels/defs/nn3d.js';
import * as ops from '../ops/index.js';
import {run} from '../ops/core.js';
import {Tensor} from '../tensor/tensor.js';
import type {GradTable} from './grad_types.js';

// The 3-D family follows the 2-D one (nn.ts): each backprop kernel is the adjoint of Conv3D in one
// argument, so every rule, second order included, is one of the three kernels.

export const nn3dGrads = {
  Conv3D: ({dy, inputs: {x, filter}, attrs}) => ({
    get x() { return run('Conv3DBackpropInput', {dy, filter}, {...conv(attrs), inputShape: [...x.shape]}); },
    get filter() { return run('Conv3DBackpropFilter', {x, dy}, {...conv(attrs), filterShape: [...filter.shape]}); },
  }),
  Conv3DBackpropInput: ({dy: g, inputs: {dy, filter}, attrs}) => ({
    get dy() { return run('Conv3D', {x: g, filter}, conv(attrs)); },
    get filter() { return run('Conv3DBackpropFilter', {x: g, dy}, {...conv(attrs), filterShape: [...filter.shape]}); },
  }),
  Conv3DBackpropFilter: ({dy: g, inputs: {x, dy}, attrs}) => ({
    get x() { return run('Conv3DBackpropInput', {dy, filter: g}, {...conv(attrs), inputShape: [...x.shape]}); },
    get dy() { return run('Conv3D', {x, filter: g}, conv(attrs)); },
  }),

  MaxPool3D: ({dy, inputs: {x}, attrs}) => ({x: run('MaxPool3DGrad', {x, dy}, pool(attrs))}),
  // linear in dy (a scatter to the arg-max cells), piecewise constant in x: the adjoint gathers
  MaxPool3DGrad: ({dy: g, inputs: {x, dy}, attrs}) => {
    const idx = new Tensor(dy.shape, 'int32', maxPool3dArgmax(x, attrs));
    return {x: null, dy: run('Gather', {x: ops.reshape(g, [g.size]), indices: idx}, {axis: 0})};
  },
  AvgPool3D: ({dy, inputs: {x}, attrs}) => ({x: run('AvgPool3DGrad', {dy}, {...pool(attrs), inputShape: [...x.shape]})}),
  // AvgPool3DGrad is AvgPool3D's adjoint, a linear map: its own adjoint is AvgPool3D
  AvgPool3DGrad: ({dy: g, attrs}) => ({dy: run('AvgPool3D', {x: g}, pool(attrs))}),
} satisfies Partial<GradTable>;

/** Only the forward attributes (drops inputShape/filterShape). */
function conv(a: Conv3DAttrs): Conv3DAttrs {
  return {strides: a.strides, padding: a.padding, dilations: a.dilations};
}

function pool(a: Pool3DAttrs): Pool3DAttrs {
  return {poolSize: a.poolSize, strides: a.strides, padding: a.padding};
}
