/**
 * Training kernels for tfjs-backend-wasm, composed from its fast (XNNPACK) kernels. BatchMatMul with
 * transposed operands becomes a Transpose and a plain product (see batchMatMul below); Identity and
 * same-dtype Cast share data instead of copying it (see identity and cast).
 *
 * tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter at all (so no convolution can be trained on it), and
 * its Conv2DBackpropInput is a plain C++ loop about 10x slower than its Conv2D. Both gradients are
 * convolutions themselves, so they are written here as wasm Conv2D calls (stride 1, explicit padding,
 * dilation) over rearranged tensors: Transpose and Slice kernels, plus block copies on the wasm heap where
 * wasm's own kernels are slow. Every intermediate is released with backend.disposeData before the kernel
 * returns (or throws). Measured on a DCGAN MNIST layer (batch 50, 14x14x64 -> 7x7x128, 5x5, stride 2),
 * both now take about as long as the forward Conv2D.
 *
 * Everything else a WGAN-GP step needs on wasm (first- and second-order gradients of MLP and DCGAN critics,
 * batch-norm generators) is already there: tfjs-core writes the gradients of Relu, Tanh, Sqrt, Square, etc.
 * with ordinary ops (Step, Mul, Div, ...) that wasm has; the ReluGrad/TanhGrad/SqrtGrad kernels wasm lacks
 * are never reached from tfjs-core's gradients.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

const WASM = 'wasm';

type Info = tf.TensorInfo;
type Shape4 = [number, number, number, number];
type Pad = tf.Conv2DBackpropInputAttrs['pad'];
type RoundingMode = tf.Conv2DBackpropInputAttrs['dimRoundingMode'];

/** One phase of a sub-pixel split: dx[b, t*sh + r, u*sw + c, :] = phase[b, t, u, :] (undefined: zeros). */
interface PhaseOutput {
  readonly r: number;
  readonly c: number;
  readonly rows: number;
  readonly cols: number;
  readonly dx: Info | undefined;
}

/**
 * Runs other wasm kernels inside a kernel and remembers every result, so that all intermediates are
 * released at the end, except the one handed back as the kernel's output. Rearrangements that wasm's kernels
 * do slowly (its Reverse, StridedSlice and rank-6 Transpose took 9-43 ms on the DCGAN layer's tensors, as
 * long as the convolution) are block copies on the wasm heap here, as wasm's own Slice and Concat do.
 */
class KernelScope {
  private readonly temps: Info[] = [];

  private constructor(private readonly backend: BackendWasm) {}

  /** Runs `body`, releasing its intermediates whether it returns or throws. */
  static using(backend: unknown, body: (s: KernelScope) => Info): Info {
    const scope = new KernelScope(backend as BackendWasm);
    let out: Info | undefined;
    try {
      out = body(scope);
      return out;
    } finally {
      for (const t of scope.temps) if (t !== out) scope.backend.disposeData(t.dataId);
    }
  }

  run(kernelName: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): Info {
    const config = tf.getKernel(kernelName, WASM) as tf.KernelConfig | undefined;
    if (config === undefined) throw new Error(`wasm training kernels need wasm's '${kernelName}' kernel`);
    const out = config.kernelFunc({ inputs, backend: this.backend, attrs });
    if (Array.isArray(out)) throw new Error(`wasm kernel '${kernelName}' returned several outputs`);
    this.temps.push(out);
    return out;
  }

  /** Takes `x` out of the scope: it is not released at the end (the caller owns it). */
  keep(x: Info): Info {
    const i = this.temps.indexOf(x);
    if (i >= 0) this.temps.splice(i, 1);
    return x;
  }

  transpose(x: Info, perm: number[]): Info {
    return this.run('Transpose', { x }, { perm });
  }

  /** x[begin : begin + size], or x itself (no copy) when that is all of x. */
  crop(x: Info, begin: number[], size: number[]): Info {
    if (begin.every((b) => b === 0) && size.every((n, i) => n === x.shape[i])) return x;
    return this.run('Slice', { x }, { begin, size });
  }

  zeros(shape: number[]): Info {
    return this.run('Fill', {}, { shape, value: 0, dtype: 'float32' });
  }

  /** NHWC stride-1 convolution with wasm's Conv2D (XNNPACK), zero padding [top, bottom, left, right]. */
  conv(x: Info, filter: Info, dilations: [number, number], pad: [number, number, number, number]): Info {
    const [top, bottom, left, right] = pad;
    return this.run(
      'Conv2D',
      { x, filter },
      {
        strides: [1, 1],
        dilations,
        pad: [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ],
        dataFormat: 'NHWC',
      },
    );
  }

  /** A fresh float32 tensor; the heap views are taken after it exists (allocation can move the heap). */
  private output(shape: number[]): Info {
    const out = this.backend.makeOutput(shape, 'float32');
    this.temps.push(out);
    return out;
  }

  private view(x: Info): Float32Array {
    return this.backend.typedArrayFromHeap(x) as Float32Array;
  }

  /** out[i, j, ...] = x[rows[i], cols[j], ...] for a rank-4 x (whole trailing blocks copied). */
  gatherTaps(x: Info, rows: number[], cols: number[]): Info {
    const [, w, a, b] = shape4(x.shape, 'gatherTaps input');
    const block = a * b;
    const out = this.output([rows.length, cols.length, a, b]);
    const [src, dst] = [this.view(x), this.view(out)];
    let o = 0;
    for (const i of rows) {
      for (const j of cols) {
        const from = (i * w + j) * block;
        dst.set(src.subarray(from, from + block), o);
        o += block;
      }
    }
    return out;
  }

  /**
   * Sums the columns of a transposed convolution into its output: out[b, oh*sh + i - top, ow*sw + j - left, c]
   * += cols[(b, oh, ow), (i, j, c)], over the positions inside `shape` ([B, H, W, C]).
   */
  col2im(
    cols: Info,
    shape: Shape4,
    geometry: {
      outH: number;
      outW: number;
      kh: number;
      kw: number;
      sh: number;
      sw: number;
      top: number;
      left: number;
    },
  ): Info {
    const [batch, height, width, ch] = shape;
    const { outH, outW, kh, kw, sh, sw, top, left } = geometry;
    const out = this.output(shape);
    const [src, dst] = [this.view(cols), this.view(out)];
    dst.fill(0);
    const k = kh * kw * ch;
    let p = 0;
    for (let b = 0; b < batch; b++) {
      for (let oh = 0; oh < outH; oh++) {
        for (let ow = 0; ow < outW; ow++, p++) {
          for (let i = 0; i < kh; i++) {
            const y = oh * sh + i - top;
            if (y < 0 || y >= height) continue;
            for (let j = 0; j < kw; j++) {
              const x = ow * sw + j - left;
              if (x < 0 || x >= width) continue;
              const to = ((b * height + y) * width + x) * ch;
              const from = p * k + (i * kw + j) * ch;
              for (let c = 0; c < ch; c++) dst[to + c] = (dst[to + c] as number) + (src[from + c] as number);
            }
          }
        }
      }
    }
    return out;
  }

  /** Interleaves the phases of a sub-pixel split into one [B, H, W, C] tensor. */
  interleave(shape: Shape4, strides: [number, number], phases: readonly PhaseOutput[]): Info {
    const [batch, height, width, ch] = shape;
    const [sh, sw] = strides;
    const out = this.output(shape);
    const dst = this.view(out);
    for (const { r, c, rows, cols, dx } of phases) {
      const src = dx === undefined ? undefined : this.view(dx);
      const [pr, pc] = dx === undefined ? [rows, cols] : [dx.shape[1] ?? 0, dx.shape[2] ?? 0];
      for (let b = 0; b < batch; b++) {
        for (let t = 0; t < rows; t++) {
          for (let u = 0; u < cols; u++) {
            const to = ((b * height + t * sh + r) * width + u * sw + c) * ch;
            if (src === undefined) dst.fill(0, to, to + ch);
            else {
              const from = ((b * pr + t) * pc + u) * ch;
              dst.set(src.subarray(from, from + ch), to);
            }
          }
        }
      }
    }
    return out;
  }
}

function pair(v: [number, number] | number): [number, number] {
  return typeof v === 'number' ? [v, v] : v;
}

function shape4(shape: readonly number[], what: string): Shape4 {
  const [a, b, c, d] = shape;
  if (shape.length !== 4 || a === undefined || b === undefined || c === undefined || d === undefined) {
    throw new Error(`${what} must be rank 4, got shape [${shape.join(', ')}]`);
  }
  return [a, b, c, d];
}

function convInfo(
  xShape: Shape4,
  filterShape: Shape4,
  strides: [number, number] | number,
  pad: Pad,
  dataFormat: 'NHWC' | 'NCHW',
  dimRoundingMode: RoundingMode,
): tf.backend_util.Conv2DInfo {
  const format = tf.backend_util.convertConv2DDataFormat(dataFormat);
  return tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    format,
  );
}

/**
 * dW[i,j,ci,co] = sum_{b,oh,ow} xpad[b, oh*s+i, ow*s+j, ci] * dy[b, oh, ow, co]: a stride-1 convolution of
 * x^T [ci, H, W, b] (batch ci, channels b) with dy^T [oh, ow, b, co] as filter, dilated by s, cut to kh x kw.
 */
function conv2DBackpropFilter(args: Parameters<tf.KernelFunc>[0]): Info {
  const { x, dy } = args.inputs;
  const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (x === undefined || dy === undefined) throw new Error('Conv2DBackpropFilter needs x and dy');
  const nhwc = attrs.dataFormat !== 'NCHW';
  const filterShape = shape4(attrs.filterShape, 'Conv2DBackpropFilter filterShape');
  const xShape = shape4(x.shape, 'Conv2DBackpropFilter x');
  const { inHeight, inWidth, padInfo } = convInfo(
    xShape,
    filterShape,
    attrs.strides,
    attrs.pad,
    attrs.dataFormat,
    attrs.dimRoundingMode,
  );
  const [kh, kw, inC] = filterShape;
  const [sh, sw] = pair(attrs.strides);
  const dyShape = shape4(dy.shape, 'Conv2DBackpropFilter dy');
  const [outH, outW] = nhwc ? [dyShape[1], dyShape[2]] : [dyShape[2], dyShape[3]];
  // The gradient reads kh + (outH - 1) * sh rows of xpad: the top pad, x, then zeros (or fewer rows of x).
  const bottom = kh + (outH - 1) * sh - inHeight - padInfo.top;
  const right = kw + (outW - 1) * sw - inWidth - padInfo.left;
  const [usedH, usedW] = [inHeight + Math.min(0, bottom), inWidth + Math.min(0, right)];
  return KernelScope.using(args.backend, (s) => {
    // Every tap reads padding only (possible with large explicit pads): the gradient is zero.
    if (usedH <= 0 || usedW <= 0) return s.zeros(filterShape);
    let xT = s.transpose(x, nhwc ? [3, 1, 2, 0] : [1, 2, 3, 0]); // [inC, H, W, B]
    xT = s.crop(xT, [0, 0, 0, 0], [inC, usedH, usedW, xShape[0]]);
    const dyT = s.transpose(dy, nhwc ? [1, 2, 0, 3] : [2, 3, 0, 1]); // [outH, outW, B, outC]
    const pad: [number, number, number, number] = [
      padInfo.top,
      Math.max(0, bottom),
      padInfo.left,
      Math.max(0, right),
    ];
    const dwT = s.conv(xT, dyT, [sh, sw], pad); // [inC, kh, kw, outC]
    return s.transpose(dwT, [1, 2, 0, 3]);
  });
}

/** One spatial dimension of the sub-pixel split, for the rows r, r + s, r + 2s, ... of dx. */
interface Phase {
  /** Rows of dx in this phase: ceil((size - r) / s). */
  readonly rows: number;
  /** Filter taps of this phase, in correlation order (empty: these rows get no gradient). */
  readonly taps: number[];
  /** Zero rows to add in front of dy (negative: rows of dy to drop). */
  readonly before: number;
}

/**
 * With forward pad P, dx[s*t + r] = sum_m dy[t + c - m] * w[p + s*m], p = (r + P) mod s, c = floor((r + P)/s),
 * m < ceil((k - p)/s): a stride-1 correlation of dy, padded by taps-1-c in front, with w[p::s] reversed.
 */
function phasesOf(size: number, kernel: number, stride: number, padBefore: number): Phase[] {
  const phases: Phase[] = [];
  for (let r = 0; r < stride; r++) {
    const p = (r + padBefore) % stride;
    const c = Math.floor((r + padBefore) / stride);
    const n = p < kernel ? Math.ceil((kernel - p) / stride) : 0;
    const taps = Array.from({ length: n }, (_, j) => p + stride * (n - 1 - j));
    phases.push({ rows: Math.max(0, Math.ceil((size - r) / stride)), taps, before: n - 1 - c });
  }
  return phases;
}

/**
 * Tensors derived from a filter (the sub-filters of conv2DBackpropInput), kept while the filter's data
 * lives: a critic step uses each weight in several backprops (real, fake, interpolates, the penalty's second
 * order), and the generator's weights through all the critic steps of an iteration. Keeping the sub-filters
 * saves the Transpose and copies, and lets wasm's Conv2D reuse its XNNPACK operator (packing a fresh
 * 5x5x128x256 filter takes about 6 ms, a third of the convolution). Freed when the filter's data is freed.
 */
const derived = new Map<object, Map<string, Info>>();
const watchedBackends = new WeakSet<object>();

/** Frees a filter's derived tensors with the filter: wraps the backend's disposeData once. */
function watchDisposals(backend: BackendWasm): void {
  if (watchedBackends.has(backend)) return;
  watchedBackends.add(backend);
  const dispose = backend.disposeData.bind(backend);
  backend.disposeData = (dataId: object, force?: boolean): boolean => {
    const freed = dispose(dataId, force);
    const kept = freed ? derived.get(dataId) : undefined;
    if (kept !== undefined) {
      derived.delete(dataId);
      for (const t of kept.values()) dispose(t.dataId, true);
    }
    return freed;
  };
}

/** How many filters have derived tensors kept (for tests). */
export function keptFilterCount(): number {
  return derived.size;
}

/** Input channels up to which conv2DBackpropInput is a product and col2im rather than sub-pixel convolutions. */
const FEW_CHANNELS = 4;

/**
 * dx[b,h,w,ci] = sum_{oh,ow,co} dy[b,oh,ow,co] * W[h+P-oh*s, w+Q-ow*s, ci, co], split by (h mod s, w mod s)
 * into s*s stride-1 convolutions of dy with sub-filters of the flipped, channel-swapped W, then interleaved.
 */
function conv2DBackpropInput(args: Parameters<tf.KernelFunc>[0]): Info {
  const { dy, filter } = args.inputs;
  const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  if (dy === undefined || filter === undefined) throw new Error('Conv2DBackpropInput needs dy and filter');
  const nhwc = attrs.dataFormat !== 'NCHW';
  const filterShape = shape4(filter.shape, 'Conv2DBackpropInput filter');
  const { batchSize, inHeight, inWidth, padInfo } = convInfo(
    shape4(attrs.inputShape, 'Conv2DBackpropInput inputShape'),
    filterShape,
    attrs.strides,
    attrs.pad,
    attrs.dataFormat,
    attrs.dimRoundingMode,
  );
  const [, , inC, outC] = filterShape;
  const [sh, sw] = pair(attrs.strides);
  const [kh, kw] = [filterShape[0], filterShape[1]];
  if (inC <= FEW_CHANNELS) {
    // Few input channels (a first layer's gradient, e.g. MNIST's 1): the sub-pixel convolutions would have
    // 1 to 4 output channels, which XNNPACK runs slowly (6.5 ms on MNIST's 50x14x14x64 -> 28x28x1). A
    // product dy [B*oh*ow, outC] x W^T [outC, kh*kw*inC] gives every tap's contribution; col2im sums them.
    return KernelScope.using(args.backend, (s) => {
      const dyNhwc = nhwc ? dy : s.transpose(dy, [0, 2, 3, 1]);
      const [, outH, outW] = shape4(dyNhwc.shape, 'Conv2DBackpropInput dy');
      const rows = batchSize * outH * outW;
      const a = s.run('Reshape', { x: dyNhwc }, { shape: [1, rows, outC] });
      const b = s.run('Reshape', { x: filter }, { shape: [1, kh * kw * inC, outC] });
      const cols = s.run('BatchMatMul', { a, b }, { transposeA: false, transposeB: true });
      const dx = s.col2im(cols, [batchSize, inHeight, inWidth, inC], {
        ...{ outH, outW, kh, kw, sh, sw },
        ...{ top: padInfo.top, left: padInfo.left },
      });
      return nhwc ? dx : s.transpose(dx, [0, 3, 1, 2]);
    });
  }
  const rowPhases = phasesOf(inHeight, kh, sh, padInfo.top);
  const colPhases = phasesOf(inWidth, kw, sw, padInfo.left);
  return KernelScope.using(args.backend, (s) => {
    const dyNhwc = nhwc ? dy : s.transpose(dy, [0, 2, 3, 1]);
    const [, outH, outW] = shape4(dyNhwc.shape, 'Conv2DBackpropInput dy');
    watchDisposals(args.backend as BackendWasm);
    let kept = derived.get(filter.dataId);
    if (kept === undefined) derived.set(filter.dataId, (kept = new Map()));
    let swapped: Info | undefined; // [kh, kw, outC, inC], made only when a sub-filter is missing
    const subFilter = (rows: number[], cols: number[]): Info => {
      const key = `${rows.join(',')}/${cols.join(',')}`;
      let sub = kept.get(key);
      if (sub === undefined) {
        swapped ??= s.transpose(filter, [0, 1, 3, 2]);
        sub = s.keep(s.gatherTaps(swapped, rows, cols));
        kept.set(key, sub);
      }
      return sub;
    };
    const phases: { readonly r: number; readonly c: number; readonly dx: Info | undefined }[] = [];
    for (const [r, rp] of rowPhases.entries()) {
      for (const [c, cp] of colPhases.entries()) {
        if (rp.rows === 0 || cp.rows === 0) continue; // stride larger than the input
        // dy cropped or zero-padded to rows + taps - 1 rows, so that the 'valid' correlation gives `rows`.
        const [cropTop, cropLeft] = [Math.max(0, -rp.before), Math.max(0, -cp.before)];
        const [top, left] = [Math.max(0, rp.before), Math.max(0, cp.before)];
        const keepH = Math.min(outH - cropTop, rp.rows + rp.taps.length - 1 - top);
        const keepW = Math.min(outW - cropLeft, cp.rows + cp.taps.length - 1 - left);
        if (rp.taps.length === 0 || cp.taps.length === 0 || keepH <= 0 || keepW <= 0) {
          phases.push({ r, c, dx: undefined }); // no tap, or no row of dy, reaches these rows of dx
          continue;
        }
        const sub = subFilter(rp.taps, cp.taps);
        const src = s.crop(dyNhwc, [0, cropTop, cropLeft, 0], [batchSize, keepH, keepW, outC]);
        const bottom = rp.rows + rp.taps.length - 1 - top - keepH;
        const right = cp.rows + cp.taps.length - 1 - left - keepW;
        phases.push({ r, c, dx: s.conv(src, sub, [1, 1], [top, bottom, left, right]) });
      }
    }
    const only = phases[0];
    let dx: Info;
    if (phases.length === 1 && only?.dx !== undefined && only.dx.shape[1] === inHeight) {
      dx = only.dx;
    } else {
      dx = s.interleave(
        [batchSize, inHeight, inWidth, inC],
        [sh, sw],
        phases.map((ph) => ({ ...ph, rows: rowPhases[ph.r]?.rows ?? 0, cols: colPhases[ph.c]?.rows ?? 0 })),
      );
    }
    return nhwc ? dx : s.transpose(dx, [0, 3, 1, 2]);
  });
}

/** wasm's own kernels that ours replace and call back into (BatchMatMul, Cast, Identity). */
const wasmOwn = new Map<string, tf.KernelFunc>();

function own(kernelName: string): tf.KernelFunc {
  const f = wasmOwn.get(kernelName);
  if (f === undefined) throw new Error(`wasm's ${kernelName} kernel is missing`);
  return f;
}

/** The same data under a second reference (as wasm's Reshape does): no copy, freed with its last user. */
function alias(backend: unknown, x: Info): Info {
  (backend as BackendWasm).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * Identity without a copy. wasm's copies the tensor (about 1,100 calls per MNIST iteration, mostly from
 * gradients); tfjs never writes a tensor's data in place, so sharing it is safe, as tfjs's cpu backend does.
 */
function identity(args: Parameters<tf.KernelFunc>[0]): Info {
  const { x } = args.inputs as { x: Info };
  return x.dtype === 'string' ? (own('Identity')(args) as Info) : alias(args.backend, x);
}

/**
 * Cast to the same dtype (Relu's gradient casts float32 to float32) is an Identity. Cast to bool is x != 0
 * here: wasm's copies the numbers into bytes (-1 became 255, 2 stayed 2, 0.5 became 0). Others are wasm's.
 */
function cast(args: Parameters<tf.KernelFunc>[0]): Info {
  const { x } = args.inputs as { x: Info };
  const { dtype } = args.attrs as unknown as tf.CastAttrs;
  if (dtype === x.dtype && dtype !== 'string') return alias(args.backend, x);
  if (dtype !== 'bool' || x.dtype === 'string') return own('Cast')(args) as Info;
  const backend = args.backend as BackendWasm;
  const out = backend.makeOutput(x.shape, 'bool');
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  for (let i = 0; i < src.length; i++) dst[i] = src[i] !== 0 ? 1 : 0;
  return out;
}

/**
 * BatchMatMul with the operands' transposes done first. wasm's kernel runs a plain product through XNNPACK
 * (about 30 GFLOP/s here on 256x512 by 512x512) but falls back to a slow loop when either operand is
 * transposed (1-2 GFLOP/s), and backprop asks for exactly those: dA = dC B^T and dB = A^T dC. A Transpose
 * copy costs about 1 ms on the same tensors. Same numbers, same gradients (the op's gradient is unchanged).
 */
function batchMatMul(args: tf.KernelFunc extends (a: infer A) => unknown ? A : never): Info {
  const product = own('BatchMatMul');
  const attrs = args.attrs as unknown as tf.BatchMatMulAttrs;
  if (!attrs.transposeA && !attrs.transposeB) return product(args) as Info;
  const { a, b } = args.inputs as { a: Info; b: Info };
  const swapLast = (rank: number) => [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
  return KernelScope.using(args.backend, (s) => {
    const at = attrs.transposeA ? s.transpose(a, swapLast(a.shape.length)) : a;
    const bt = attrs.transposeB ? s.transpose(b, swapLast(b.shape.length)) : b;
    return product({
      inputs: { a: at, b: bt },
      backend: args.backend,
      attrs: { ...args.attrs, transposeA: false, transposeB: false },
    }) as Info;
  });
}

/** `wraps`: ours only speed up wasm's own and call back into it, so without wasm's they are not registered. */
const KERNELS: readonly {
  readonly kernelName: string;
  readonly kernelFunc: tf.KernelFunc;
  readonly wraps?: true;
}[] = [
  { kernelName: 'BatchMatMul', kernelFunc: batchMatMul as tf.KernelFunc, wraps: true },
  { kernelName: 'Conv2DBackpropFilter', kernelFunc: conv2DBackpropFilter },
  { kernelName: 'Conv2DBackpropInput', kernelFunc: conv2DBackpropInput },
  { kernelName: 'Identity', kernelFunc: identity, wraps: true },
  { kernelName: 'Cast', kernelFunc: cast, wraps: true },
];

/**
 * Registers the training kernels for the 'wasm' backend, replacing wasm's own where it has one.
 * Idempotent: a second call changes nothing. Returns the names of the kernels (now) registered.
 */
export function registerWasmTrainingKernels(): string[] {
  for (const { kernelName, kernelFunc, wraps } of KERNELS) {
    const current = tf.getKernel(kernelName, WASM) as tf.KernelConfig | undefined;
    if (current?.kernelFunc === kernelFunc) continue;
    if (wraps) {
      if (current === undefined) continue; // nothing to speed up
      wasmOwn.set(kernelName, current.kernelFunc);
    }
    if (current !== undefined) tf.unregisterKernel(kernelName, WASM);
    tf.registerKernel({ kernelName, backendName: WASM, kernelFunc });
  }
  return KERNELS.map((k) => k.kernelName);
}
