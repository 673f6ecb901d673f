/** Convolution and pooling geometry, shared by ops (validation), defs (inference) and backends. */
export type Padding = 'valid' | 'same';

export interface Conv2DGeometry {
  batch: number;
  inH: number; inW: number; inC: number;
  outH: number; outW: number; outC: number;
  kH: number; kW: number;
  strideH: number; strideW: number;
  dilH: number; dilW: number;
  padTop: number; padLeft: number;
}

/** Output length and leading pad of one spatial axis, as TensorFlow's `same`/`valid`. */
export function convAxis(
  inLen: number, k: number, stride: number, dilation: number, padding: Padding,
): {out: number; padBefore: number} {
  const effK = (k - 1) * dilation + 1;
  if (padding === 'valid') return {out: Math.floor((inLen - effK) / stride) + 1, padBefore: 0};
  const out = Math.ceil(inLen / stride);
  const total = Math.max(0, (out - 1) * stride + effK - inLen);
  return {out, padBefore: Math.floor(total / 2)};
}

/** Geometry of an NHWC convolution or pooling window. */
export function conv2dGeometry(
  xShape: readonly number[], kH: number, kW: number, outC: number,
  strides: readonly [number, number], padding: Padding, dilations: readonly [number, number],
): Conv2DGeometry {
  const [batch, inH, inW, inC] = xShape as [number, number, number, number];
  const h = convAxis(inH, kH, strides[0], dilations[0], padding);
  const w = convAxis(inW, kW, strides[1], dilations[1], padding);
  return {
    batch, inH, inW, inC, outH: h.out, outW: w.out, outC, kH, kW,
    strideH: strides[0], strideW: strides[1], dilH: dilations[0], dilW: dilations[1],
    padTop: h.padBefore, padLeft: w.padBefore,
  };
}

export interface Conv3DGeometry {
  batch: number;
  inC: number; outC: number;
  /** Depth, height, width of the input, the output and the window; strides, dilations, leading pads. */
  inSize: [number, number, number];
  outSize: [number, number, number];
  k: [number, number, number];
  strides: [number, number, number];
  dilations: [number, number, number];
  padBefore: [number, number, number];
}

/** Geometry of an NDHWC convolution or pooling window (three spatial axes). */
export function conv3dGeometry(
  xShape: readonly number[], k: readonly [number, number, number], outC: number,
  strides: readonly [number, number, number], padding: Padding, dilations: readonly [number, number, number],
): Conv3DGeometry {
  const [batch, d, h, w, inC] = xShape as [number, number, number, number, number];
  const axes = [d, h, w].map((len, i) => convAxis(len, k[i]!, strides[i]!, dilations[i]!, padding));
  const t3 = (f: (i: number) => number): [number, number, number] => [f(0), f(1), f(2)];
  return {
    batch, inC, outC, inSize: [d, h, w], outSize: t3((i) => axes[i]!.out), k: [...k], strides: [...strides],
    dilations: [...dilations], padBefore: t3((i) => axes[i]!.padBefore),
  };
}
