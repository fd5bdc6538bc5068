/**
 * The small MNIST classifier behind the image-quality metrics (Fréchet distance on its penultimate features,
 * class histogram of its predictions). Its weights are trained by scripts/train-mnist-classifier.ts on
 * 9,000 of the built-in digits (all but the last 100 of each class, see classifierSplit) and committed as
 * resources/mnist-classifier/weights.bin (see the README there for the recipe and the held-out accuracy).
 *
 * Architecture (input 28 x 28 x 1, NHWC, pixels in [-1, 1] like the built-in digits and the generators):
 *   conv 5x5, 16 filters, same padding → ReLU → max-pool 2x2 (14 x 14 x 16)
 *   conv 5x5, 32 filters, same padding → ReLU → max-pool 2x2 (7 x 7 x 32)
 *   flatten (1568) → dense 64 → ReLU   — the features (FEATURE_DIM = 64)
 *   dense 10 → logits (softmax for class probabilities)
 *
 * weights.bin, little-endian, no padding:
 *   bytes 0..3  magic 'MNCW'
 *   uint32      format version (1)
 *   uint32      tensor count
 *   per tensor: uint32 name length in bytes, the name (UTF-8), uint32 rank, rank x uint32 dims,
 *               then prod(dims) float32 values, row-major (conv kernels [kh, kw, in, out], dense [in, out]).
 *
 * Where the file is looked for, first match wins (as for the MNIST digits, ../data/mnist.ts):
 *   1. the resourcesDir argument (the `resources` folder; the file is <dir>/mnist-classifier/weights.bin),
 *   2. the WGAN_RESOURCES_DIR environment variable (same meaning; for packaged builds),
 *   3. the repository's resources/ folder, found from this module's location.
 *
 * The classifier runs on whatever tfjs backend is current (the caller selects it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';

export const CLASSIFIER_FILE = join('mnist-classifier', 'weights.bin');
export const CLASSIFIER_MAGIC = 'MNCW';
export const CLASSIFIER_FORMAT_VERSION = 1;
export const IMAGE_SIDE = 28;
export const NUM_CLASSES = 10;
/** Length of the penultimate feature vector (the dense-64 layer after its ReLU). */
export const FEATURE_DIM = 64;

/** The tensors of the network, in file order, with shapes and fan-in (for initialisation). */
export const CLASSIFIER_TENSORS = [
  { name: 'conv1/kernel', shape: [5, 5, 1, 16], fanIn: 25 },
  { name: 'conv1/bias', shape: [16], fanIn: 25 },
  { name: 'conv2/kernel', shape: [5, 5, 16, 32], fanIn: 400 },
  { name: 'conv2/bias', shape: [32], fanIn: 400 },
  { name: 'dense1/kernel', shape: [7 * 7 * 32, FEATURE_DIM], fanIn: 7 * 7 * 32 },
  { name: 'dense1/bias', shape: [FEATURE_DIM], fanIn: 7 * 7 * 32 },
  { name: 'dense2/kernel', shape: [FEATURE_DIM, NUM_CLASSES], fanIn: FEATURE_DIM },
  { name: 'dense2/bias', shape: [NUM_CLASSES], fanIn: FEATURE_DIM },
] as const;

export type ClassifierTensorName = (typeof CLASSIFIER_TENSORS)[number]['name'];

/** Named arrays as stored in weights.bin. */
export interface NamedArray {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** The network's tensors by name (tf.Variables while training, plain tensors once loaded). */
export type ClassifierParams = Readonly<Record<ClassifierTensorName, tf.Tensor>>;

/** Forward pass: the features (after the dense-64 ReLU) and the logits. Differentiable. */
export function classifierForward(
  p: ClassifierParams,
  x: tf.Tensor4D,
): { features: tf.Tensor2D; logits: tf.Tensor2D } {
  return tf.tidy(() => {
    const c1 = tf.relu(tf.add(tf.conv2d(x, p['conv1/kernel'] as tf.Tensor4D, 1, 'same'), p['conv1/bias']));
    const p1 = tf.maxPool(c1 as tf.Tensor4D, 2, 2, 'valid');
    const c2 = tf.relu(tf.add(tf.conv2d(p1, p['conv2/kernel'] as tf.Tensor4D, 1, 'same'), p['conv2/bias']));
    const p2 = tf.maxPool(c2 as tf.Tensor4D, 2, 2, 'valid');
    const flat = tf.reshape(p2, [x.shape[0], 7 * 7 * 32]);
    const features = tf.relu(tf.add(tf.matMul(flat, p['dense1/kernel'] as tf.Tensor2D), p['dense1/bias']));
    const logits = tf.add(tf.matMul(features, p['dense2/kernel'] as tf.Tensor2D), p['dense2/bias']);
    return { features: features as tf.Tensor2D, logits: logits as tf.Tensor2D };
  });
}

/** Serialise named arrays in the weights.bin format. */
export function encodeClassifierWeights(tensors: readonly NamedArray[]): Uint8Array {
  const encoder = new TextEncoder();
  const names = tensors.map((t) => encoder.encode(t.name));
  let size = 12;
  tensors.forEach((t, i) => {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new Error(
        `tensor '${t.name}': shape [${t.shape}] holds ${count} values, data has ${t.data.length}`,
      );
    }
    size += 4 + (names[i] as Uint8Array).length + 4 + 4 * t.shape.length + 4 * count;
  });
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  bytes.set(encoder.encode(CLASSIFIER_MAGIC), 0);
  view.setUint32(4, CLASSIFIER_FORMAT_VERSION, true);
  view.setUint32(8, tensors.length, true);
  let at = 12;
  tensors.forEach((t, i) => {
    const name = names[i] as Uint8Array;
    view.setUint32(at, name.length, true);
    bytes.set(name, at + 4);
    at += 4 + name.length;
    view.setUint32(at, t.shape.length, true);
    at += 4;
    for (const d of t.shape) {
      view.setUint32(at, d, true);
      at += 4;
    }
    for (const v of t.data) {
      view.setFloat32(at, v, true);
      at += 4;
    }
  });
  return bytes;
}

/** Parse weights.bin; throws a descriptive Error on any malformed or truncated content. */
export function decodeClassifierWeights(bytes: Uint8Array, source = 'classifier weights'): NamedArray[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (at: number, n: number, what: string) => {
    if (at + n > bytes.length) throw new Error(`${source}: truncated (${what} at byte ${at})`);
  };
  need(0, 12, 'header');
  const magic = new TextDecoder().decode(bytes.subarray(0, 4));
  if (magic !== CLASSIFIER_MAGIC) {
    throw new Error(`${source}: bad magic ${JSON.stringify(magic)}, expected '${CLASSIFIER_MAGIC}'`);
  }
  const version = view.getUint32(4, true);
  if (version !== CLASSIFIER_FORMAT_VERSION) {
    throw new Error(
      `${source}: unsupported format version ${version}, expected ${CLASSIFIER_FORMAT_VERSION}`,
    );
  }
  const count = view.getUint32(8, true);
  if (count > 1024) throw new Error(`${source}: implausible tensor count ${count}`);
  const out: NamedArray[] = [];
  let at = 12;
  for (let t = 0; t < count; t++) {
    need(at, 4, `name length of tensor ${t}`);
    const nameLength = view.getUint32(at, true);
    need(at + 4, nameLength, `name of tensor ${t}`);
    const name = new TextDecoder().decode(bytes.subarray(at + 4, at + 4 + nameLength));
    at += 4 + nameLength;
    need(at, 4, `rank of '${name}'`);
    const rank = view.getUint32(at, true);
    if (rank > 8) throw new Error(`${source}: tensor '${name}' has implausible rank ${rank}`);
    need(at + 4, 4 * rank, `shape of '${name}'`);
    const shape: number[] = [];
    for (let d = 0; d < rank; d++) shape.push(view.getUint32(at + 4 + 4 * d, true));
    at += 4 + 4 * rank;
    const size = shape.reduce((a, b) => a * b, 1);
    need(at, 4 * size, `data of '${name}'`);
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) data[i] = view.getFloat32(at + 4 * i, true);
    at += 4 * size;
    out.push({ name, shape, data });
  }
  if (at !== bytes.length)
    throw new Error(`${source}: ${bytes.length - at} unexpected bytes after the tensors`);
  return out;
}

/** Digits of each class held out from training: the last ones of the class in file order. */
export const HELD_OUT_PER_CLASS = 100;

/** Indices (ascending) of the digits the classifier trains on and of those it never saw. */
export interface DigitSplit {
  readonly train: Uint32Array;
  readonly heldOut: Uint32Array;
}

/**
 * The classifier's train / held-out split of a labelled digit set: the last `perClass` digits of every
 * class (in file order) are held out, all others train. For the built-in 10,000 digits that is 9,000 to
 * train and 1,000 held out, 100 of each digit. (The file is interleaved by class until the smallest class,
 * 5 with 863 digits, runs out, so its last 1,000 digits hold no 5 at all and too few 8s to be a fair test.)
 */
export function classifierSplit(labels: Uint8Array, perClass = HELD_OUT_PER_CLASS): DigitSplit {
  const remaining = new Array<number>(NUM_CLASSES).fill(perClass);
  const held = new Uint8Array(labels.length);
  for (let i = labels.length - 1; i >= 0; i--) {
    const label = labels[i] as number;
    if (label >= NUM_CLASSES) throw new Error(`classifierSplit: label ${label} of digit ${i} is not a digit`);
    if ((remaining[label] as number) > 0) {
      remaining[label] = (remaining[label] as number) - 1;
      held[i] = 1;
    }
  }
  const short = remaining.findIndex((r) => r > 0);
  if (short >= 0) throw new Error(`classifierSplit: fewer than ${perClass} digits of class ${short}`);
  const heldCount = perClass * NUM_CLASSES;
  const train = new Uint32Array(labels.length - heldCount);
  const heldOut = new Uint32Array(heldCount);
  let t = 0;
  let h = 0;
  for (let i = 0; i < labels.length; i++) {
    if (held[i] === 1) heldOut[h++] = i;
    else train[t++] = i;
  }
  return { train, heldOut };
}

/** Gather the images (and labels) at `indices` of an NHWC set with `pixels` values per image. */
export function gatherDigits(
  images: Float32Array,
  labels: Uint8Array,
  indices: ArrayLike<number>,
  pixels = IMAGE_SIDE * IMAGE_SIDE,
): { images: Float32Array; labels: Uint8Array } {
  const outImages = new Float32Array(indices.length * pixels);
  const outLabels = new Uint8Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k] as number;
    outImages.set(images.subarray(i * pixels, (i + 1) * pixels), k * pixels);
    outLabels[k] = labels[i] as number;
  }
  return { images: outImages, labels: outLabels };
}

function defaultResourcesDir(): string {
  return fileURLToPath(new URL('../../../resources/', import.meta.url));
}

/** The path loadMnistClassifier reads for this resources folder (see the module comment). */
export function classifierPath(resourcesDir?: string): string {
  const fromEnv = process.env.WGAN_RESOURCES_DIR;
  const dir = resourcesDir ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : defaultResourcesDir());
  return join(dir, CLASSIFIER_FILE);
}

export interface Classification {
  /** count x 10 softmax probabilities, row-major. */
  readonly probs: Float32Array;
  /** The argmax class of each image. */
  readonly labels: Uint8Array;
}

export interface ClassifierOutputs extends Classification {
  /** count x FEATURE_DIM penultimate features, row-major. */
  readonly features: Float32Array;
}

export interface MnistClassifier {
  /** The file the weights came from. */
  readonly path: string;
  readonly featureDim: number;
  /** Penultimate features (count x 64) of `count` 28 x 28 x 1 images, NHWC in [-1, 1]. */
  features(images: Float32Array, count: number): Float32Array;
  /** Class probabilities and argmax labels. */
  classify(images: Float32Array, count: number): Classification;
  /** Features and classes in one pass. */
  run(images: Float32Array, count: number): ClassifierOutputs;
  /** Release the weight tensors; the classifier cannot be used afterwards. */
  dispose(): void;
}

export interface ClassifierOptions {
  /** Images per forward pass (default 250): bounds memory whatever the number of images. */
  readonly batchSize?: number;
}

/** Check the stored tensors against the architecture and make tfjs tensors of them. */
function toParams(arrays: readonly NamedArray[], source: string): ClassifierParams {
  if (arrays.length !== CLASSIFIER_TENSORS.length) {
    throw new Error(
      `${source}: holds ${arrays.length} tensors, the classifier has ${CLASSIFIER_TENSORS.length}`,
    );
  }
  const byName = new Map(arrays.map((a) => [a.name, a]));
  for (const spec of CLASSIFIER_TENSORS) {
    const a = byName.get(spec.name);
    if (a === undefined) throw new Error(`${source}: lacks tensor '${spec.name}'`);
    if (!tf.util.arraysEqual([...a.shape], [...spec.shape])) {
      throw new Error(`${source}: tensor '${spec.name}' has shape [${a.shape}], expected [${spec.shape}]`);
    }
    for (const v of a.data)
      if (!Number.isFinite(v)) throw new Error(`${source}: tensor '${spec.name}' holds ${v}`);
  }
  const params: Partial<Record<ClassifierTensorName, tf.Tensor>> = {};
  for (const spec of CLASSIFIER_TENSORS) {
    const a = byName.get(spec.name) as NamedArray;
    params[spec.name] = tf.tensor(a.data, [...a.shape]);
  }
  return params as ClassifierParams;
}

/**
 * Load the committed classifier (see the module comment for where it is looked for). Throws with a hint to
 * `npm run train-classifier` when the file is missing.
 */
export function loadMnistClassifier(resourcesDir?: string, opts: ClassifierOptions = {}): MnistClassifier {
  const path = classifierPath(resourcesDir);
  if (!existsSync(path)) {
    throw new Error(
      `MNIST classifier weights not found at ${path}; run 'npm run train-classifier' or set WGAN_RESOURCES_DIR`,
    );
  }
  const batchSize = opts.batchSize ?? 250;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`bad classifier batch size ${batchSize}`);
  let params: ClassifierParams | undefined = toParams(
    decodeClassifierWeights(readFileSync(path), path),
    path,
  );
  const pixels = IMAGE_SIDE * IMAGE_SIDE;

  function run(images: Float32Array, count: number, wantFeatures: boolean, wantProbs: boolean) {
    const p = params;
    if (p === undefined) throw new Error('the MNIST classifier was disposed');
    if (!Number.isInteger(count) || count < 0 || images.length !== count * pixels) {
      throw new Error(
        `the MNIST classifier takes count x 28 x 28 x 1 images: ${count} images need ${count * pixels} ` +
          `values, got ${images.length}`,
      );
    }
    const features = new Float32Array(wantFeatures ? count * FEATURE_DIM : 0);
    const probs = new Float32Array(wantProbs ? count * NUM_CLASSES : 0);
    const labels = new Uint8Array(wantProbs ? count : 0);
    for (let start = 0; start < count; start += batchSize) {
      const n = Math.min(batchSize, count - start);
      const batch = images.subarray(start * pixels, (start + n) * pixels);
      const [f, pr] = tf.tidy(() => {
        const out = classifierForward(p, tf.tensor4d(batch, [n, IMAGE_SIDE, IMAGE_SIDE, 1]));
        return [out.features, tf.softmax(out.logits)];
      });
      try {
        if (wantFeatures) features.set(f.dataSync(), start * FEATURE_DIM);
        if (wantProbs) probs.set(pr.dataSync(), start * NUM_CLASSES);
      } finally {
        f.dispose();
        pr.dispose();
      }
    }
    for (let i = 0; i < labels.length; i++) {
      let best = 0;
      for (let k = 1; k < NUM_CLASSES; k++) {
        if ((probs[i * NUM_CLASSES + k] as number) > (probs[i * NUM_CLASSES + best] as number)) best = k;
      }
      labels[i] = best;
    }
    return { features, probs, labels };
  }

  return {
    path,
    featureDim: FEATURE_DIM,
    features: (images, count) => run(images, count, true, false).features,
    classify: (images, count) => {
      const { probs, labels } = run(images, count, false, true);
      return { probs, labels };
    },
    run: (images, count) => run(images, count, true, true),
    dispose: () => {
      if (params !== undefined) for (const t of Object.values(params)) t.dispose();
      params = undefined;
    },
  };
}
