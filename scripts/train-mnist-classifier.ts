/**
 * Train the small MNIST classifier used by the image-quality metrics (src/engine/metrics/mnist-classifier.ts)
 * and write resources/mnist-classifier/weights.bin and its README.md. Run with `npm run train-classifier`.
 *
 * Data: the built-in 10,000 digits (resources/mnist). The last 100 digits of each class (in file order,
 * classifierSplit) are held out, 1,000 in all, and only used to report the final accuracy (never for
 * training or for choosing anything during the run: the recipe below is fixed); the other 9,000 train.
 * (Not simply the last 1,000 digits of the file: the file is interleaved by class until the smallest class
 * runs out, so those hold no 5 at all.)
 *
 * Recipe (deterministic: seeded init, seeded batch order and augmentation, wasm backend):
 *   - init: PyTorch's default (uniform ±1/sqrt(fan-in)) from Rng(SEED);
 *   - EPOCHS epochs of batches of BATCH, a fresh seeded permutation of the 9,000 digits each epoch;
 *   - augmentation: each training digit shifted by a seeded random offset in [-2, 2] pixels on each axis
 *     (background -1 fills the border);
 *   - loss: mean softmax cross-entropy; optimiser Adam (β1 0.9, β2 0.999, ε 1e-8) with the learning rate
 *     of LR_SCHEDULE for each epoch.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { describeBackend, selectBackend } from '../src/engine/backend';
import { loadMnist } from '../src/engine/data/mnist';
import {
  CLASSIFIER_TENSORS,
  type ClassifierParams,
  type ClassifierTensorName,
  classifierForward,
  classifierSplit,
  encodeClassifierWeights,
  gatherDigits,
  HELD_OUT_PER_CLASS,
  IMAGE_SIDE,
  NUM_CLASSES,
} from '../src/engine/metrics/mnist-classifier';
import { uniformInit } from '../src/engine/models/params';
import { Rng } from '../src/engine/rng';

const SEED = 20_240_601;
const BATCH = 50;
const EPOCHS = 8;
/** Learning rate per epoch (index 0 = first epoch). */
const LR_SCHEDULE = [1e-3, 1e-3, 1e-3, 1e-3, 5e-4, 2.5e-4, 1.25e-4, 6e-5] as const;
const MAX_SHIFT = 2;
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPS = 1e-8;
const PIXELS = IMAGE_SIDE * IMAGE_SIDE;

const started = performance.now();
const backend = await selectBackend('wasm');
console.log(`backend: ${describeBackend(backend)}`);

const mnist = loadMnist();
if (mnist.labels === undefined) throw new Error('the built-in digits have no labels');
const split = classifierSplit(mnist.labels);
const trainSet = gatherDigits(mnist.images, mnist.labels, split.train);
const heldOutSet = gatherDigits(mnist.images, mnist.labels, split.heldOut);
const TRAIN_COUNT = split.train.length;
const HELD_OUT_COUNT = split.heldOut.length;
console.log(`${TRAIN_COUNT} digits to train, ${HELD_OUT_COUNT} held out (${HELD_OUT_PER_CLASS} per class)`);

const rng = new Rng(SEED);
const initRng = rng.fork();
const orderRng = rng.fork();
const augmentRng = rng.fork();

const variables = {} as Record<ClassifierTensorName, tf.Variable>;
for (const spec of CLASSIFIER_TENSORS) {
  const init = uniformInit(initRng, [...spec.shape], spec.fanIn);
  variables[spec.name] = tf.variable(init, true, `mnist-classifier/${spec.name}`);
  init.dispose();
}
const varList = CLASSIFIER_TENSORS.map((s) => variables[s.name]);
const adamM = varList.map((v) => tf.variable(tf.zerosLike(v), false));
const adamV = varList.map((v) => tf.variable(tf.zerosLike(v), false));
let adamStep = 0;

/** One Adam step (Kingma & Ba 2015, Algorithm 1, bias-corrected). */
function adamUpdate(grads: tf.NamedTensorMap, lr: number): void {
  adamStep++;
  const c1 = 1 - BETA1 ** adamStep;
  const c2 = 1 - BETA2 ** adamStep;
  tf.tidy(() => {
    varList.forEach((v, i) => {
      const g = grads[v.name];
      if (g === undefined) throw new Error(`no gradient for ${v.name}`);
      const m = adamM[i] as tf.Variable;
      const s = adamV[i] as tf.Variable;
      const m1 = tf.add(tf.mul(BETA1, m), tf.mul(1 - BETA1, g));
      const s1 = tf.add(tf.mul(BETA2, s), tf.mul(1 - BETA2, tf.square(g)));
      m.assign(m1);
      s.assign(s1);
      v.assign(tf.sub(v, tf.div(tf.mul(lr / c1, m1), tf.add(tf.sqrt(tf.div(s1, c2)), EPS))));
    });
  });
}

/** Copy training digit `index` into `out` at `offset`, shifted by (dy, dx), background -1 where it moved in. */
function shiftedDigit(index: number, dy: number, dx: number, out: Float32Array, offset: number): void {
  const src = index * PIXELS;
  for (let y = 0; y < IMAGE_SIDE; y++) {
    const sy = y - dy;
    for (let x = 0; x < IMAGE_SIDE; x++) {
      const sx = x - dx;
      const inside = sy >= 0 && sy < IMAGE_SIDE && sx >= 0 && sx < IMAGE_SIDE;
      out[offset + y * IMAGE_SIDE + x] = inside
        ? (trainSet.images[src + sy * IMAGE_SIDE + sx] as number)
        : -1;
    }
  }
}

function permutation(n: number, r: Rng): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = r.int(i + 1);
    const t = p[i] as number;
    p[i] = p[j] as number;
    p[j] = t;
  }
  return p;
}

/** Argmax predictions for a set of digits, in batches of 250. */
function predict(images: Float32Array): Uint8Array {
  const count = images.length / PIXELS;
  const out = new Uint8Array(count);
  for (let b = 0; b < count; b += 250) {
    const n = Math.min(250, count - b);
    const pred = tf.tidy(() => {
      const x = tf.tensor4d(images.subarray(b * PIXELS, (b + n) * PIXELS), [n, IMAGE_SIDE, IMAGE_SIDE, 1]);
      return tf.argMax(classifierForward(variables as ClassifierParams, x).logits, 1);
    });
    out.set(pred.dataSync(), b);
    pred.dispose();
  }
  return out;
}

function accuracy(set: { images: Float32Array; labels: Uint8Array }): { acc: number; confusion: number[][] } {
  const pred = predict(set.images);
  const count = set.labels.length;
  const confusion = Array.from({ length: NUM_CLASSES }, () => new Array<number>(NUM_CLASSES).fill(0));
  let correct = 0;
  for (let i = 0; i < count; i++) {
    const truth = set.labels[i] as number;
    const p = pred[i] as number;
    (confusion[truth] as number[])[p]! += 1;
    if (p === truth) correct++;
  }
  return { acc: correct / count, confusion };
}

const xs = new Float32Array(BATCH * PIXELS);
const ys = new Int32Array(BATCH);
const stepsPerEpoch = TRAIN_COUNT / BATCH;
for (let epoch = 0; epoch < EPOCHS; epoch++) {
  const t0 = performance.now();
  const lr = LR_SCHEDULE[epoch] as number;
  const order = permutation(TRAIN_COUNT, orderRng);
  let lossSum = 0;
  for (let step = 0; step < stepsPerEpoch; step++) {
    for (let k = 0; k < BATCH; k++) {
      const index = order[step * BATCH + k] as number;
      const dy = augmentRng.int(2 * MAX_SHIFT + 1) - MAX_SHIFT;
      const dx = augmentRng.int(2 * MAX_SHIFT + 1) - MAX_SHIFT;
      shiftedDigit(index, dy, dx, xs, k * PIXELS);
      ys[k] = trainSet.labels[index] as number;
    }
    const { value, grads } = tf.tidy(() => {
      const x = tf.tensor4d(xs, [BATCH, IMAGE_SIDE, IMAGE_SIDE, 1]);
      const onehot = tf.oneHot(tf.tensor1d(ys, 'int32'), NUM_CLASSES);
      return tf.variableGrads(() => {
        const { logits } = classifierForward(variables as ClassifierParams, x);
        return tf.neg(tf.mean(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), 1))) as tf.Scalar;
      }, varList);
    });
    adamUpdate(grads, lr);
    lossSum += value.dataSync()[0] as number;
    value.dispose();
    tf.dispose(grads);
  }
  const train = accuracy(trainSet).acc;
  console.log(
    `epoch ${epoch + 1}/${EPOCHS}: lr ${lr}, mean loss ${(lossSum / stepsPerEpoch).toFixed(4)}, ` +
      `train accuracy ${(100 * train).toFixed(2)}% (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );
}

const trainAcc = accuracy(trainSet).acc;
const heldOut = accuracy(heldOutSet);
const seconds = (performance.now() - started) / 1000;
console.log(`train accuracy ${(100 * trainAcc).toFixed(2)}% on the ${TRAIN_COUNT} training digits`);
console.log(
  `held-out accuracy ${(100 * heldOut.acc).toFixed(2)}% on the ${HELD_OUT_COUNT} held-out digits ` +
    `(${Math.round(heldOut.acc * HELD_OUT_COUNT)} correct)`,
);
console.log(`trained in ${seconds.toFixed(0)} s`);
if (heldOut.acc < 0.97) throw new Error('held-out accuracy below 97%: not writing the weights');

const weights = encodeClassifierWeights(
  CLASSIFIER_TENSORS.map((spec) => ({
    name: spec.name,
    shape: [...spec.shape],
    data: variables[spec.name].dataSync() as Float32Array,
  })),
);
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(repoRoot, 'resources', 'mnist-classifier');
mkdirSync(outDir, { recursive: true });
const weightsPath = join(outDir, 'weights.bin');
writeFileSync(weightsPath, weights);
const sha256 = createHash('sha256').update(weights).digest('hex');

const paramCount = CLASSIFIER_TENSORS.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
const confusionRows = heldOut.confusion.map(
  (row, truth) => `| ${truth} | ${row.map((c) => String(c)).join(' | ')} |`,
);
const readme = `# MNIST classifier for the image-quality metrics

\`weights.bin\` holds a small convolutional network trained on the built-in MNIST digits
(\`resources/mnist\`). \`src/engine/metrics/mnist-classifier.ts\` loads it; its penultimate features give
the Fréchet distance (FID on MNIST) and its predictions the class histogram (how many of the 10 digits a
generator produces). Written by \`scripts/train-mnist-classifier.ts\`; do not edit by hand.

## Architecture

Input 28 × 28 × 1 (NHWC), pixels in [-1, 1] as the built-in digits and the generators' output.

| layer                                | output       |
| ------------------------------------ | ------------ |
| conv 5 × 5, 16 filters, same, ReLU   | 28 × 28 × 16 |
| max-pool 2 × 2                       | 14 × 14 × 16 |
| conv 5 × 5, 32 filters, same, ReLU   | 14 × 14 × 32 |
| max-pool 2 × 2                       | 7 × 7 × 32   |
| flatten, dense 64, ReLU (features)   | 64           |
| dense 10 (logits)                    | 10           |

${paramCount.toLocaleString('en-US')} parameters.

## Training recipe

- data: the built-in digits; the last ${HELD_OUT_PER_CLASS} of each class in file order (\`classifierSplit\`), ${HELD_OUT_COUNT.toLocaleString('en-US')} in all, are held out
  (never trained on) and only used for the accuracy below; the other ${TRAIN_COUNT.toLocaleString('en-US')} train. (Not the last
  ${HELD_OUT_COUNT.toLocaleString('en-US')} digits of the file: it is interleaved by class only until the smallest class, 5, runs out,
  so those hold no 5 at all);
- initialisation: uniform in ±1/√fan-in (PyTorch's default), seeded (\`Rng(${SEED})\`);
- ${EPOCHS} epochs of batches of ${BATCH}, a seeded permutation of the training digits each epoch;
- augmentation: every training digit shifted by a seeded random offset in [−${MAX_SHIFT}, ${MAX_SHIFT}] pixels on each axis;
- loss: mean softmax cross-entropy; Adam (β1 ${BETA1}, β2 ${BETA2}, ε ${EPS}), learning rate per epoch ${LR_SCHEDULE.join(', ')};
- backend: tfjs wasm (${backend.device}).

## Accuracy

- train (${TRAIN_COUNT.toLocaleString('en-US')} digits, no augmentation): ${(100 * trainAcc).toFixed(2)}%
- **held out (${HELD_OUT_COUNT.toLocaleString('en-US')} digits, ${HELD_OUT_PER_CLASS} per class): ${(100 * heldOut.acc).toFixed(2)}%**

Held-out confusion counts (rows: true digit, columns: predicted):

| true | ${Array.from({ length: NUM_CLASSES }, (_, k) => String(k)).join(' | ')} |
| ---- | ${Array.from({ length: NUM_CLASSES }, () => '--').join(' | ')} |
${confusionRows.join('\n')}

## File layout

Little-endian, no padding:

| bytes         | content                                                    |
| ------------- | ---------------------------------------------------------- |
| 0–3           | magic \`MNCW\`                                               |
| 4–7           | uint32 format version, \`1\`                                 |
| 8–11          | uint32 tensor count (${CLASSIFIER_TENSORS.length})                                    |
| per tensor    | uint32 name length, UTF-8 name, uint32 rank, rank × uint32 dims, then the float32 values, row-major |

Tensors, in file order: ${CLASSIFIER_TENSORS.map((s) => `\`${s.name}\` [${s.shape.join(', ')}]`).join(', ')}.
Conv kernels are [height, width, in, out], dense kernels [in, out].

SHA-256 of the file written with this README: \`${sha256}\`.

## Regenerate

\`\`\`sh
npm run train-classifier   # tsx scripts/train-mnist-classifier.ts
\`\`\`

The run is deterministic (seeded initialisation, batch order and augmentation). On the same kind of CPU it
writes the same bytes; another CPU may differ in the last bits (the wasm kernels pick instruction sets at
run time) and so in a digit or two of the accuracy.
`;
writeFileSync(join(outDir, 'README.md'), readme);
console.log(
  `wrote ${relative(process.cwd(), weightsPath)} (${weights.length} bytes, sha256 ${sha256}) and README.md`,
);
