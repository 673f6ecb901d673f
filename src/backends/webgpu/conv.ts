import {conv2dGeometry, type Conv2DGeometry} from '../../kernels/conv_util.js';
import type {FusedConv2DAttrs} from '../../kernels/defs/fused.js';
import type {Conv2DAttrs, PoolAttrs} from '../../kernels/defs/nn.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {Gpu} from './device.js';
import type {GpuKernel} from './elementwise.js';
import {binding, groups1d, main1d, SPECIALS} from './wgsl.js';

/**
 * NHWC convolutions and pooling, direct: one thread per output element walks its window (the
 * filter gradient, a sum over the whole batch per element, takes a workgroup per element). Filters
 * are `[kh, kw, cin, cout]`; `same` padding and dilations as `kernels/conv_util.ts` computes them.
 */

/** WGSL lets for the geometry's numbers (as i32), so the bodies read like the formulas. */
function consts(g: Conv2DGeometry): string {
  const v: Record<string, number> = {
    N: g.batch, H: g.inH, W: g.inW, C: g.inC, OH: g.outH, OW: g.outW, CO: g.outC, KH: g.kH, KW: g.kW,
    SH: g.strideH, SW: g.strideW, DH: g.dilH, DW: g.dilW, PT: g.padTop, PL: g.padLeft,
  };
  return Object.entries(v).map(([k, n]) => `const ${k} = ${n}i;\n`).join('');
}

const ACT: Record<string, string> = {linear: 'v', relu: 'select(0.0, v, v > 0.0)'};

/** `y[n, oh, ow, co] = act(sum x[n, oh*SH + kh*DH - PT, ow*SW + kw*DW - PL, ci] * f[kh, kw, ci, co] + bias[co])`. */
function conv2d(gpu: Gpu, x: Tensor, filter: Tensor, bias: Tensor | null, a: Conv2DAttrs, activation: string, y: Tensor, label: string): void {
  const [kh, kw, , cout] = filter.shape as [number, number, number, number];
  const g = conv2dGeometry(x.shape, kh, kw, cout, a.strides, a.padding, a.dilations);
  const body =
    `  let ii = i32(i);\n  let co = ii % CO;\n  let ow = (ii / CO) % OW;\n  let oh = (ii / (CO * OW)) % OH;\n  let n = ii / (CO * OW * OH);\n` +
    `  var acc = 0.0;\n` +
    `  for (var kh = 0; kh < KH; kh++) {\n    let ih = oh * SH + kh * DH - PT;\n    if (ih < 0 || ih >= H) { continue; }\n` +
    `    for (var kw = 0; kw < KW; kw++) {\n      let iw = ow * SW + kw * DW - PL;\n      if (iw < 0 || iw >= W) { continue; }\n` +
    `      let xb = ((n * H + ih) * W + iw) * C;\n      let fb = (kh * KW + kw) * C * CO + co;\n` +
    `      for (var ci = 0; ci < C; ci++) { acc += X[xb + ci] * F[fb + ci * CO]; }\n    }\n  }\n` +
    `  let v = acc${bias ? ' + B[co]' : ''};\n  y[i] = ${ACT[activation]};`;
  const code =
    consts(g) +
    binding(0, 'X', 'float32', 'read') +
    binding(1, 'F', 'float32', 'read') +
    (bias ? binding(2, 'B', 'float32', 'read') + binding(3, 'y', 'float32', 'read_write') : binding(2, 'y', 'float32', 'read_write')) +
    main1d(y.size, body);
  const bufs = [gpu.input(x), gpu.input(filter), ...(bias ? [gpu.input(bias)] : []), gpu.output(y)];
  gpu.run(label, code, bufs, [], groups1d(y.size));
}

const conv: GpuKernel = (gpu) => ({x, filter}: {x: Tensor; filter: Tensor}, a: Conv2DAttrs, [y]: Tensor[]) => {
  if (x.dtype !== 'float32' || filter.dtype !== 'float32') return false;
  conv2d(gpu, x, filter, null, a, 'linear', y!, 'Conv2D');
};

const fusedConv: GpuKernel = (gpu) => ({x, filter, bias}: {x: Tensor; filter: Tensor; bias: Tensor}, a: FusedConv2DAttrs, [y]: Tensor[]) => {
  if (x.dtype !== 'float32' || filter.dtype !== 'float32' || bias.dtype !== 'float32' || !(a.activation in ACT)) return false;
  conv2d(gpu, x, filter, bias, a, a.activation, y!, 'FusedConv2D');
};

/** `dx[n, ih, iw, ci] = sum over (kh, kw, co) with ih = oh*SH + kh*DH - PT (same for w) of dy[n, oh, ow, co] * f[kh, kw, ci, co]`. */
const backpropInput: GpuKernel = (gpu) => ({dy, filter}: {dy: Tensor; filter: Tensor}, a: Conv2DAttrs & {inputShape: number[]}, [dx]: Tensor[]) => {
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32') return false;
  const [kh, kw, , cout] = filter.shape as [number, number, number, number];
  const g = conv2dGeometry(a.inputShape, kh, kw, cout, a.strides, a.padding, a.dilations);
  const out = dx!;
  const body =
    `  let ii = i32(i);\n  let ci = ii % C;\n  let iw = (ii / C) % W;\n  let ih = (ii / (C * W)) % H;\n  let n = ii / (C * W * H);\n  var acc = 0.0;\n` +
    `  for (var kh = 0; kh < KH; kh++) {\n    let th = ih + PT - kh * DH;\n    if (th < 0 || th % SH != 0) { continue; }\n    let oh = th / SH;\n    if (oh >= OH) { continue; }\n` +
    `    for (var kw = 0; kw < KW; kw++) {\n      let tw = iw + PL - kw * DW;\n      if (tw < 0 || tw % SW != 0) { continue; }\n      let ow = tw / SW;\n      if (ow >= OW) { continue; }\n` +
    `      let db = ((n * OH + oh) * OW + ow) * CO;\n      let fb = ((kh * KW + kw) * C + ci) * CO;\n` +
    `      for (var co = 0; co < CO; co++) { acc += DY[db + co] * F[fb + co]; }\n    }\n  }\n  y[i] = acc;`;
  const code = consts(g) + binding(0, 'DY', 'float32', 'read') + binding(1, 'F', 'float32', 'read') + binding(2, 'y', 'float32', 'read_write') + main1d(out.size, body);
  gpu.run('Conv2DBackpropInput', code, [gpu.input(dy), gpu.input(filter), gpu.output(out)], [], groups1d(out.size));
};

const RW = 64;

/** `df[kh, kw, ci, co] = sum over (n, oh, ow) of x[n, ih, iw, ci] * dy[n, oh, ow, co]`: a workgroup per filter element. */
const backpropFilter: GpuKernel = (gpu) => ({x, dy}: {x: Tensor; dy: Tensor}, a: Conv2DAttrs & {filterShape: number[]}, [df]: Tensor[]) => {
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') return false;
  const [kh, kw, , cout] = a.filterShape as [number, number, number, number];
  const g = conv2dGeometry(x.shape, kh, kw, cout, a.strides, a.padding, a.dilations);
  const out = df!;
  const count = g.batch * g.outH * g.outW;
  const code =
    consts(g) +
    binding(0, 'X', 'float32', 'read') +
    binding(1, 'DY', 'float32', 'read') +
    binding(2, 'y', 'float32', 'read_write') +
    `var<workgroup> sv: array<f32, ${RW}>;\n` +
    `@compute @workgroup_size(${RW}) fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {\n` +
    `  let o = wid.x + wid.y * nw.x;\n  if (o >= ${out.size}u) { return; }\n` +
    `  let oi = i32(o);\n  let co = oi % CO;\n  let ci = (oi / CO) % C;\n  let kw = (oi / (CO * C)) % KW;\n  let kh = oi / (CO * C * KW);\n  var acc = 0.0;\n` +
    `  for (var p = i32(lid.x); p < ${count}; p += ${RW}) {\n` +
    `    let ow = p % OW;\n    let oh = (p / OW) % OH;\n    let n = p / (OW * OH);\n` +
    `    let ih = oh * SH + kh * DH - PT;\n    let iw = ow * SW + kw * DW - PL;\n` +
    `    if (ih >= 0 && ih < H && iw >= 0 && iw < W) { acc += X[((n * H + ih) * W + iw) * C + ci] * DY[p * CO + co]; }\n  }\n` +
    `  sv[lid.x] = acc;\n  workgroupBarrier();\n` +
    `  for (var s = ${RW / 2}u; s > 0u; s = s >> 1u) {\n    if (lid.x < s) { sv[lid.x] = sv[lid.x] + sv[lid.x + s]; }\n    workgroupBarrier();\n  }\n` +
    `  if (lid.x == 0u) { y[o] = sv[0]; }\n}\n`;
  const groups: [number, number, number] = [Math.min(out.size, 65535), Math.ceil(out.size / 65535), 1];
  gpu.run('Conv2DBackpropFilter', code, [gpu.input(x), gpu.input(dy), gpu.output(out)], [], out.size ? groups : [0, 1, 1]);
};

/** Depthwise: input channel `c` meets only its own `M` filters: output channel `c * M + m`. */
const depthwise: GpuKernel = (gpu) => ({x, filter}: {x: Tensor; filter: Tensor}, a: Conv2DAttrs, [y]: Tensor[]) => {
  if (x.dtype !== 'float32' || filter.dtype !== 'float32') return false;
  const [kh, kw, c, mult] = filter.shape as [number, number, number, number];
  const g = conv2dGeometry(x.shape, kh, kw, c * mult, a.strides, a.padding, a.dilations);
  const out = y!;
  const body =
    `  let ii = i32(i);\n  let co = ii % CO;\n  let ow = (ii / CO) % OW;\n  let oh = (ii / (CO * OW)) % OH;\n  let n = ii / (CO * OW * OH);\n` +
    `  let c = co / ${mult};\n  let m = co % ${mult};\n  var acc = 0.0;\n` +
    `  for (var kh = 0; kh < KH; kh++) {\n    let ih = oh * SH + kh * DH - PT;\n    if (ih < 0 || ih >= H) { continue; }\n` +
    `    for (var kw = 0; kw < KW; kw++) {\n      let iw = ow * SW + kw * DW - PL;\n      if (iw < 0 || iw >= W) { continue; }\n` +
    `      acc += X[((n * H + ih) * W + iw) * C + c] * F[((kh * KW + kw) * C + c) * ${mult} + m];\n    }\n  }\n  y[i] = acc;`;
  const code = consts(g) + binding(0, 'X', 'float32', 'read') + binding(1, 'F', 'float32', 'read') + binding(2, 'y', 'float32', 'read_write') + main1d(out.size, body);
  gpu.run('DepthwiseConv2D', code, [gpu.input(x), gpu.input(filter), gpu.output(out)], [], groups1d(out.size));
};

const depthwiseBackpropInput: GpuKernel = (gpu) => ({dy, filter}: {dy: Tensor; filter: Tensor}, a: Conv2DAttrs & {inputShape: number[]}, [dx]: Tensor[]) => {
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32') return false;
  const [kh, kw, c, mult] = filter.shape as [number, number, number, number];
  const g = conv2dGeometry(a.inputShape, kh, kw, c * mult, a.strides, a.padding, a.dilations);
  const out = dx!;
  const body =
    `  let ii = i32(i);\n  let c = ii % C;\n  let iw = (ii / C) % W;\n  let ih = (ii / (C * W)) % H;\n  let n = ii / (C * W * H);\n  var acc = 0.0;\n` +
    `  for (var kh = 0; kh < KH; kh++) {\n    let th = ih + PT - kh * DH;\n    if (th < 0 || th % SH != 0) { continue; }\n    let oh = th / SH;\n    if (oh >= OH) { continue; }\n` +
    `    for (var kw = 0; kw < KW; kw++) {\n      let tw = iw + PL - kw * DW;\n      if (tw < 0 || tw % SW != 0) { continue; }\n      let ow = tw / SW;\n      if (ow >= OW) { continue; }\n` +
    `      for (var m = 0; m < ${mult}; m++) { acc += DY[((n * OH + oh) * OW + ow) * CO + c * ${mult} + m] * F[((kh * KW + kw) * C + c) * ${mult} + m]; }\n    }\n  }\n  y[i] = acc;`;
  const code = consts(g) + binding(0, 'DY', 'float32', 'read') + binding(1, 'F', 'float32', 'read') + binding(2, 'y', 'float32', 'read_write') + main1d(out.size, body);
  gpu.run('DepthwiseConv2DBackpropInput', code, [gpu.input(dy), gpu.input(filter), gpu.output(out)], [], groups1d(out.size));
};

const depthwiseBackpropFilter: GpuKernel = (gpu) => ({x, dy}: {x: Tensor; dy: Tensor}, a: Conv2DAttrs & {filterShape: number[]}, [df]: Tensor[]) => {
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') return false;
  const [kh, kw, c, mult] = a.filterShape as [number, number, number, number];
  const g = conv2dGeometry(x.shape, kh, kw, c * mult, a.strides, a.padding, a.dilations);
  const out = df!;
  const count = g.batch * g.outH * g.outW;
  const code =
    consts(g) +
    binding(0, 'X', 'float32', 'read') +
    binding(1, 'DY', 'float32', 'read') +
    binding(2, 'y', 'float32', 'read_write') +
    `var<workgroup> sv: array<f32, ${RW}>;\n` +
    `@compute @workgroup_size(${RW}) fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {\n` +
    `  let o = wid.x + wid.y * nw.x;\n  if (o >= ${out.size}u) { return; }\n` +
    `  let oi = i32(o);\n  let m = oi % ${mult};\n  let c = (oi / ${mult}) % C;\n  let kw = (oi / (${mult} * C)) % KW;\n  let kh = oi / (${mult} * C * KW);\n  var acc = 0.0;\n` +
    `  for (var p = i32(lid.x); p < ${count}; p += ${RW}) {\n` +
    `    let ow = p % OW;\n    let oh = (p / OW) % OH;\n    let n = p / (OW * OH);\n` +
    `    let ih = oh * SH + kh * DH - PT;\n    let iw = ow * SW + kw * DW - PL;\n` +
    `    if (ih >= 0 && ih < H && iw >= 0 && iw < W) { acc += X[((n * H + ih) * W + iw) * C + c] * DY[p * CO + c * ${mult} + m]; }\n  }\n` +
    `  sv[lid.x] = acc;\n  workgroupBarrier();\n` +
    `  for (var s = ${RW / 2}u; s > 0u; s = s >> 1u) {\n    if (lid.x < s) { sv[lid.x] = sv[lid.x] + sv[lid.x + s]; }\n    workgroupBarrier();\n  }\n` +
    `  if (lid.x == 0u) { y[o] = sv[0]; }\n}\n`;
  const groups: [number, number, number] = [Math.min(out.size, 65535), Math.ceil(out.size / 65535), 1];
  gpu.run('DepthwiseConv2DBackpropFilter', code, [gpu.input(x), gpu.input(dy), gpu.output(out)], [], out.size ? groups : [0, 1, 1]);
};

function poolGeometry(xShape: readonly number[], a: PoolAttrs): Conv2DGeometry {
  return conv2dGeometry(xShape, a.poolSize[0], a.poolSize[1], xShape[3]!, a.strides, a.padding, [1, 1]);
}

/** WGSL: the window of output (n, oh, ow, c), clipped to the input: `h0..h1`, `w0..w1`. */
const WINDOW =
  `  let h0 = max(oh * SH - PT, 0);\n  let h1 = min(oh * SH - PT + KH, H);\n  let w0 = max(ow * SW - PL, 0);\n  let w1 = min(ow * SW - PL + KW, W);\n`;
const OUT_COORDS = `  let ii = i32(i);\n  let c = ii % C;\n  let ow = (ii / C) % OW;\n  let oh = (ii / (C * OW)) % OH;\n  let n = ii / (C * OW * OH);\n`;

const maxPool: GpuKernel = (gpu) => ({x}: {x: Tensor}, a: PoolAttrs, [y]: Tensor[]) => {
  if (x.dtype !== 'float32') return false;
  const g = poolGeometry(x.shape, a);
  const body =
    OUT_COORDS + WINDOW +
    `  var m = ninf();\n  for (var h = h0; h < h1; h++) {\n    for (var w = w0; w < w1; w++) {\n      let v = X[((n * H + h) * W + w) * C + c];\n      if (v > m || v != v) { m = v; }\n    }\n  }\n  y[i] = m;`;
  const code = SPECIALS + consts(g) + binding(0, 'X', 'float32', 'read') + binding(1, 'y', 'float32', 'read_write') + main1d(y!.size, body);
  gpu.run('MaxPool', code, [gpu.input(x), gpu.output(y!)], [], groups1d(y!.size));
};

const avgPool: GpuKernel = (gpu) => ({x}: {x: Tensor}, a: PoolAttrs, [y]: Tensor[]) => {
  if (x.dtype !== 'float32') return false;
  const g = poolGeometry(x.shape, a);
  const body =
    OUT_COORDS + WINDOW +
    `  var s = 0.0;\n  for (var h = h0; h < h1; h++) {\n    for (var w = w0; w < w1; w++) { s += X[((n * H + h) * W + w) * C + c]; }\n  }\n  y[i] = s / f32((h1 - h0) * (w1 - w0));`;
  const code = consts(g) + binding(0, 'X', 'float32', 'read') + binding(1, 'y', 'float32', 'read_write') + main1d(y!.size, body);
  gpu.run('AvgPool', code, [gpu.input(x), gpu.output(y!)], [], groups1d(y!.size));
};

/** The windows that contain input (ih, iw): `oh` from `oa` to `ob`, `ow` from `pa` to `pb`. */
const CONTAINING =
  `  let ii = i32(i);\n  let c = ii % C;\n  let iw = (ii / C) % W;\n  let ih = (ii / (C * W)) % H;\n  let n = ii / (C * W * H);\n` +
  `  let oa = max((ih + PT - KH + SH) / SH, 0);\n  let ob = min((ih + PT) / SH, OH - 1);\n` +
  `  let pa = max((iw + PL - KW + SW) / SW, 0);\n  let pb = min((iw + PL) / SW, OW - 1);\n  var acc = 0.0;\n`;

/** Each input adds the gradient of every window whose (first) arg-max it is. */
const maxPoolGrad: GpuKernel = (gpu) => ({x, dy}: {x: Tensor; dy: Tensor}, a: PoolAttrs, [dx]: Tensor[]) => {
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') return false;
  const g = poolGeometry(x.shape, a);
  const body =
    CONTAINING +
    `  for (var oh = oa; oh <= ob; oh++) {\n    for (var ow = pa; ow <= pb; ow++) {\n` +
    WINDOW.replace(/^/gm, '    ') +
    `      var m = ninf();\n      var bh = -1;\n      var bw = -1;\n` +
    `      for (var h = h0; h < h1; h++) {\n        for (var w = w0; w < w1; w++) {\n          let v = X[((n * H + h) * W + w) * C + c];\n` +
    `          if (bh < 0 || v > m || (v != v && m == m)) { m = v; bh = h; bw = w; }\n        }\n      }\n` +
    `      if (bh == ih && bw == iw) { acc += DY[((n * OH + oh) * OW + ow) * C + c]; }\n    }\n  }\n  y[i] = acc;`;
  const code = SPECIALS + consts(g) + binding(0, 'X', 'float32', 'read') + binding(1, 'DY', 'float32', 'read') + binding(2, 'y', 'float32', 'read_write') + main1d(dx!.size, body);
  gpu.run('MaxPoolGrad', code, [gpu.input(x), gpu.input(dy), gpu.output(dx!)], [], groups1d(dx!.size));
};

const avgPoolGrad: GpuKernel = (gpu) => ({dy}: {dy: Tensor}, a: PoolAttrs & {inputShape: number[]}, [dx]: Tensor[]) => {
  if (dy.dtype !== 'float32') return false;
  const g = poolGeometry(a.inputShape, a);
  const body =
    CONTAINING +
    `  for (var oh = oa; oh <= ob; oh++) {\n    for (var ow = pa; ow <= pb; ow++) {\n` +
    WINDOW.replace(/^/gm, '    ') +
    `      acc += DY[((n * OH + oh) * OW + ow) * C + c] / f32((h1 - h0) * (w1 - w0));\n    }\n  }\n  y[i] = acc;`;
  const code = consts(g) + binding(0, 'DY', 'float32', 'read') + binding(1, 'y', 'float32', 'read_write') + main1d(dx!.size, body);
  gpu.run('AvgPoolGrad', code, [gpu.input(dy), gpu.output(dx!)], [], groups1d(dx!.size));
};

export const convGpu: Record<string, GpuKernel> = {
  Conv2D: conv,
  FusedConv2D: fusedConv,
  Conv2DBackpropInput: backpropInput,
  Conv2DBackpropFilter: backpropFilter,
  DepthwiseConv2D: depthwise,
  DepthwiseConv2DBackpropInput: depthwiseBackpropInput,
  DepthwiseConv2DBackpropFilter: depthwiseBackpropFilter,
  MaxPool: maxPool,
  MaxPoolGrad: maxPoolGrad,
  AvgPool: avgPool,
  AvgPoolGrad: avgPoolGrad,
};
