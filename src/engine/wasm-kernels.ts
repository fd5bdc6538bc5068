/**
 * Training kernels for the wasm backend. tfjs-backend-wasm has no Conv2DBackpropFilter and a
 * Conv2DBackpropInput far slower than its (XNNPACK) Conv2D, so both are composed here from wasm's fast
 * kernels. Every intermediate is released with backend.disposeData: a kernel leaves only its output.
 */
import * as tf from '@tensorflow/tfjs';
import type {
  KernelConfig,
  KernelFunc,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
} from '@tensorflow/tfjs';

type Backend = { disposeData(dataId: object): boolean };
type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Shape4 = [number, number, number, number];

function kernel(name: string): KernelFunc {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`wasm backend lacks the ${name} kernel`);
  return k.kernelFunc;
}

/** Run another wasm kernel on tensor infos. */
function run(
  name: string,
  backend: Backend,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap = {},
): TensorInfo {
  return kernel(name)({ inputs, backend: backend as never, attrs }) as TensorInfo;
}

function release(backend: Backend, ...infos: TensorInfo[]): void {
  for (const t of infos) backend.disposeData(t.dataId);
}

function pair(v: number | [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : v;
}

/** Slice [begin, size) of a 4D tensor info, or return it untouched when the slice is the whole. */
function slice4(backend: Backend, x: TensorInfo, begin: Shape4, size: Shape4): TensorInfo {
  if (begin.every((b) => b === 0) && size.every((s, i) => s === x.shape[i])) return x;
  const out = run('Slice', backend, { x }, { begin, size });
  release(backend, x);
  return out;
}

/**
 * dL/dW for y = conv2d(x, W, stride s): dW[kh,kw,ci,co] = sum_{b,oh,ow} x[b, oh*s+kh-top, ow*s+kw-left, ci]
 * * dy[b,oh,ow,co] — a stride-1 convolution, dilated by s, of x^T [ci,H,W,B] with dy^T [OH,OW,B,CO].
 */
function conv2DBackpropFilter({ inputs, backend, attrs }: Parameters<KernelFunc>[0]): TensorInfo {
  const be = backend as unknown as Backend;
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dimRoundingMode, filterShape, dataFormat } = attrs as unknown as {
    strides: number | [number, number];
    pad: Pad;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: Shape4;
    dataFormat?: 'NHWC' | 'NCHW';
  };
  if (dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter (wasm): only NHWC is supported');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4,
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const [sh, sw] = pair(strides);
  const { top, left } = info.padInfo;
  const [kh, kw] = [info.filterHeight, info.filterWidth];
  const [B, H, W, CI] = x.shape as Shape4;
  const [, OH, OW] = dy.shape as Shape4;
  // Rows/cols of x the last output position reaches; anything beyond is unused (cropped away).
  let bottom = kh + (OH - 1) * sh - H - top;
  let right = kw + (OW - 1) * sw - W - left;
  let xt = run('Transpose', be, { x }, { perm: [3, 1, 2, 0] }); // [CI, H, W, B]
  if (bottom < 0 || right < 0) {
    xt = slice4(be, xt, [0, 0, 0, 0], [CI, H + Math.min(bottom, 0), W + Math.min(right, 0), B]);
    bottom = Math.max(bottom, 0);
    right = Math.max(right, 0);
  }
  const dyt = run('Transpose', be, { x: dy }, { perm: [1, 2, 0, 3] }); // [OH, OW, B, CO]
  const conv = run(
    'Conv2D',
    be,
    { x: xt, filter: dyt },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dilations: [sh, sw],
    },
  ); // [CI, kh, kw, CO]
  release(be, xt, dyt);
  const out = run('Transpose', be, { x: conv }, { perm: [1, 2, 0, 3] }); // [kh, kw, CI, CO]
  release(be, conv);
  if (out.shape[0] !== filterShape[0] || out.shape[1] !== filterShape[1]) {
    throw new Error(`Conv2DBackpropFilter (wasm): got [${out.shape}] for filter [${filterShape}] (B=${B})`);
  }
  return out;
}

/**
 * dL/dx for y = conv2d(x, W, stride s): dx = conv2d(dilate_s(dy) padded, flip(W) with in/out swapped),
 * stride 1 — dx[b,h,w,ci] = sum_{kh,kw,co} dy[b,(h+top-kh)/s,(w+left-kw)/s,co] * W[kh,kw,ci,co].
 */
function conv2DBackpropInput({ inputs, backend, attrs }: Parameters<KernelFunc>[0]): TensorInfo {
  const be = backend as unknown as Backend;
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, pad, dimRoundingMode, inputShape, dataFormat } = attrs as unknown as {
    strides: number | [number, number];
    pad: Pad;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    inputShape: Shape4;
    dataFormat?: 'NHWC' | 'NCHW';
  };
  if (dataFormat === 'NCHW') throw new Error('Conv2DBackpropInput (wasm): only NHWC is supported');
  const filterShape = filter.shape as Shape4;
  const info = tf.backend_util.computeConv2DInfo(inputShape, filterShape, strides, 1, pad, dimRoundingMode);
  const [sh, sw] = pair(strides);
  const { top, left } = info.padInfo;
  const [kh, kw, CI, CO] = filterShape;
  const [B, H, W] = inputShape;
  const [, OH, OW] = dy.shape as Shape4;

  // Zero-dilate dy: [B,OH,OW,CO] -> [B,OH,1,OW,1,CO] -> pad to [B,OH,sh,OW,sw,CO] -> [B,OH*sh,OW*sw,CO].
  let dil: TensorInfo = dy;
  let owned = false;
  if (sh > 1 || sw > 1) {
    const r6 = run('Reshape', be, { x: dy }, { shape: [B, OH, 1, OW, 1, CO] });
    const p6 = run(
      'PadV2',
      be,
      { x: r6 },
      {
        paddings: [
          [0, 0],
          [0, 0],
          [0, sh - 1],
          [0, 0],
          [0, sw - 1],
          [0, 0],
        ],
        constantValue: 0,
      },
    );
    release(be, r6);
    dil = run('Reshape', be, { x: p6 }, { shape: [B, OH * sh, OW * sw, CO] });
    release(be, p6);
    owned = true;
  }
  // Rows of the dilated dy in use: (OH-1)*sh + 1 (the rest of OH*sh are trailing zeros).
  const usedH = (OH - 1) * sh + 1;
  const usedW = (OW - 1) * sw + 1;
  const padTop = kh - 1 - top;
  const padLeft = kw - 1 - left;
  const padBottom = H + top - usedH;
  const padRight = W + left - usedW;
  // Crop where a pad would be negative; pad the rest in the convolution itself.
  const cropTop = Math.max(-padTop, 0);
  const cropLeft = Math.max(-padLeft, 0);
  const keepH = usedH - cropTop + Math.min(padBottom, 0);
  const keepW = usedW - cropLeft + Math.min(padRight, 0);
  let src = dil;
  if (cropTop || cropLeft || keepH !== dil.shape[1] || keepW !== dil.shape[2]) {
    src = run('Slice', be, { x: dil }, { begin: [0, cropTop, cropLeft, 0], size: [B, keepH, keepW, CO] });
    if (owned) release(be, dil);
    owned = true;
  }
  // Flip the filter spatially and swap in/out channels: [kh,kw,CI,CO] -> [kh,kw,CO,CI].
  const flipped = run('Reverse', be, { x: filter }, { dims: [0, 1] });
  const swapped = run('Transpose', be, { x: flipped }, { perm: [0, 1, 3, 2] });
  release(be, flipped);
  const out = run(
    'Conv2D',
    be,
    { x: src, filter: swapped },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [Math.max(padTop, 0), Math.max(padBottom, 0)],
        [Math.max(padLeft, 0), Math.max(padRight, 0)],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dilations: [1, 1],
    },
  );
  release(be, swapped);
  if (owned) release(be, src);
  if (out.shape[1] !== H || out.shape[2] !== W || out.shape[3] !== CI) {
    throw new Error(`Conv2DBackpropInput (wasm): got [${out.shape}] for input [${inputShape}]`);
  }
  return out;
}

const KERNELS: KernelConfig[] = [
  { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilter },
  { kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: conv2DBackpropInput },
];

let registered = false;

/** Register (once) the composed training kernels for 'wasm'. Returns the kernel names. */
export function registerWasmTrainingKernels(): string[] {
  if (!registered) {
    for (const k of KERNELS) {
      if (tf.getKernel(k.kernelName, 'wasm')) tf.unregisterKernel(k.kernelName, 'wasm');
      tf.registerKernel(k);
    }
    registered = true;
  }
  return KERNELS.map((k) => k.kernelName);
}
