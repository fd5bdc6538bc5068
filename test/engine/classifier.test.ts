import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/engine/backend';
import { loadMnist } from '../../src/engine/data/mnist';
import { classHistogram, frechetDistanceOfFeatures } from '../../src/engine/metrics/frechet';
import {
  CLASSIFIER_TENSORS,
  classifierPath,
  classifierSplit,
  decodeClassifierWeights,
  encodeClassifierWeights,
  FEATURE_DIM,
  gatherDigits,
  loadMnistClassifier,
  type MnistClassifier,
} from '../../src/engine/metrics/mnist-classifier';
import { Rng } from '../../src/engine/rng';

const savedEnv = process.env.WGAN_RESOURCES_DIR;
const tmpDirs: string[] = [];
let classifier: MnistClassifier;

beforeAll(async () => {
  await selectBackend('wasm');
  delete process.env.WGAN_RESOURCES_DIR;
  classifier = loadMnistClassifier();
});

afterEach(() => {
  if (savedEnv === undefined) delete process.env.WGAN_RESOURCES_DIR;
  else process.env.WGAN_RESOURCES_DIR = savedEnv;
});

afterAll(() => {
  classifier.dispose();
  for (const dir of tmpDirs) rmSync(dir, { recursive: true, force: true });
});

function heldOut() {
  const ds = loadMnist();
  return gatherDigits(ds.images, ds.labels!, classifierSplit(ds.labels!).heldOut);
}

describe('classifierSplit', () => {
  it('holds out the last 100 digits of each class: 9,000 train, 1,000 held out, disjoint', () => {
    const ds = loadMnist();
    const { train, heldOut: held } = classifierSplit(ds.labels!);
    expect(train).toHaveLength(9_000);
    expect(held).toHaveLength(1_000);
    const seen = new Uint8Array(ds.count);
    for (const i of [...train, ...held]) seen[i]! += 1;
    expect(seen.every((s) => s === 1)).toBe(true);
    const perClass = new Array<number>(10).fill(0);
    for (const i of held) perClass[ds.labels![i]!]! += 1;
    expect(perClass).toEqual(new Array(10).fill(100));
    // Each held-out digit comes after every training digit of its class.
    const lastTrain = new Array<number>(10).fill(-1);
    for (const i of train) lastTrain[ds.labels![i]!] = i;
    for (const i of held) expect(i).toBeGreaterThan(lastTrain[ds.labels![i]!]!);
    expect(() => classifierSplit(Uint8Array.of(0, 1, 2), 1)).toThrow(/fewer than 1 digits of class 3/);
  });
});

describe('MNIST classifier', () => {
  it('loads the committed weights and reaches at least 97% on the 1,000 held-out digits', () => {
    const { images, labels } = heldOut();
    const { probs, labels: predicted } = classifier.classify(images, labels.length);
    expect(probs).toHaveLength(1_000 * 10);
    let correct = 0;
    for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) correct++;
    const accuracy = correct / labels.length;
    console.log(`held-out accuracy ${(100 * accuracy).toFixed(1)}%`);
    expect(accuracy).toBeGreaterThanOrEqual(0.97);
    for (let i = 0; i < 5; i++) {
      const row = probs.subarray(i * 10, i * 10 + 10);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(row.indexOf(Math.max(...row))).toBe(predicted[i]);
    }
    // The class histogram of real digits covers every digit, close to evenly (100 of each).
    const h = classHistogram(predicted, 10);
    expect(h.modesCovered).toBe(10);
    expect(h.klToUniform).toBeLessThan(0.01);
  });

  it('gives count x 64 features, the same in any batch size, and leaks no tensor', () => {
    const ds = loadMnist();
    const count = 37;
    const images = ds.images.subarray(0, count * 784);
    const before = tf.memory().numTensors;
    const features = classifier.features(images, count);
    const both = classifier.run(images, count);
    expect(tf.memory().numTensors).toBe(before);
    expect(features).toHaveLength(count * FEATURE_DIM);
    expect(both.features).toEqual(features);
    expect(both.labels).toHaveLength(count);
    expect(classifier.features(new Float32Array(0), 0)).toHaveLength(0);
    for (const v of features) expect(v).toBeGreaterThanOrEqual(0); // after the ReLU

    const small = loadMnistClassifier(undefined, { batchSize: 8 });
    expect(tf.memory().numTensors).toBe(before + CLASSIFIER_TENSORS.length);
    const batched = small.features(images, count);
    for (let i = 0; i < features.length; i++) expect(batched[i]).toBeCloseTo(features[i]!, 4);
    small.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => small.features(images, count)).toThrow(/disposed/);
    expect(() => classifier.features(images, count + 1)).toThrow(/38 images need 29792 values, got 29008/);
  });

  it('FID on its features: small between two real sets, much larger for noise images', () => {
    const ds = loadMnist();
    const real = heldOut();
    const realFeatures = classifier.features(real.images, 1_000);
    // The first 1,000 digits (training digits, 100 per class, as the held-out set).
    const other = classifier.features(ds.images.subarray(0, 1_000 * 784), 1_000);
    const noiseImages = new Rng(1).fillUniform(new Float32Array(1_000 * 784), -1, 1);
    const noise = classifier.features(noiseImages, 1_000);
    const blank = classifier.features(new Float32Array(1_000 * 784).fill(-1), 1_000);
    const self = frechetDistanceOfFeatures(realFeatures, 1_000, realFeatures, 1_000, FEATURE_DIM);
    const realVsReal = frechetDistanceOfFeatures(realFeatures, 1_000, other, 1_000, FEATURE_DIM);
    const realVsNoise = frechetDistanceOfFeatures(realFeatures, 1_000, noise, 1_000, FEATURE_DIM);
    // A blank image has the same features every time: a zero covariance, whose eigenvalues are clamped.
    const realVsBlank = frechetDistanceOfFeatures(realFeatures, 1_000, blank, 1_000, FEATURE_DIM);
    console.log(
      `FID (classifier features, 1,000 vs 1,000): real vs real ${realVsReal.distance.toFixed(3)}, ` +
        `real vs uniform noise ${realVsNoise.distance.toFixed(1)}, real vs blank ${realVsBlank.distance.toFixed(1)}`,
    );
    expect(self.distance).toBeLessThan(1e-6);
    expect(realVsReal.distance).toBeGreaterThan(0);
    expect(realVsNoise.distance).toBeGreaterThan(20 * realVsReal.distance);
    expect(realVsBlank.distance).toBeGreaterThan(20 * realVsReal.distance);
    // The class histogram sees the noise images as (mostly) a few classes, not 10 balanced ones.
    const noiseClasses = classHistogram(classifier.classify(noiseImages, 1_000).labels);
    expect(noiseClasses.klToUniform).toBeGreaterThan(0.5);
  });
});

describe('weights file', () => {
  it('round-trips the format and rejects damaged files with clear errors', () => {
    const bytes = readFileSync(classifierPath());
    const arrays = decodeClassifierWeights(bytes);
    expect(arrays.map((a) => [a.name, a.shape])).toEqual(
      CLASSIFIER_TENSORS.map((s) => [s.name, [...s.shape]]),
    );
    expect(Buffer.from(encodeClassifierWeights(arrays)).equals(bytes)).toBe(true);

    expect(() => decodeClassifierWeights(bytes.subarray(0, bytes.length - 1))).toThrow(/truncated/);
    expect(() => decodeClassifierWeights(new Uint8Array([...bytes, 0]))).toThrow(/1 unexpected bytes/);
    const wrongMagic = new Uint8Array(bytes);
    wrongMagic[0] = 0x58;
    expect(() => decodeClassifierWeights(wrongMagic)).toThrow(/bad magic "XNCW"/);
    const wrongVersion = new Uint8Array(bytes);
    wrongVersion[4] = 2;
    expect(() => decodeClassifierWeights(wrongVersion)).toThrow(/format version 2/);
    expect(() => encodeClassifierWeights([{ name: 'x', shape: [2, 2], data: new Float32Array(3) }])).toThrow(
      /holds 4 values/,
    );
  });

  it('is looked for in resourcesDir, then WGAN_RESOURCES_DIR, and checked against the architecture', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wgan-classifier-'));
    tmpDirs.push(dir);
    expect(() => loadMnistClassifier(dir)).toThrow(/not found.*train-classifier/);
    mkdirSync(join(dir, 'mnist-classifier'));
    copyFileSync(classifierPath(), join(dir, 'mnist-classifier', 'weights.bin'));
    const before = tf.memory().numTensors;
    process.env.WGAN_RESOURCES_DIR = dir;
    expect(classifierPath()).toBe(join(dir, 'mnist-classifier', 'weights.bin'));
    const fromEnv = loadMnistClassifier();
    expect(fromEnv.path).toBe(join(dir, 'mnist-classifier', 'weights.bin'));
    fromEnv.dispose();
    expect(tf.memory().numTensors).toBe(before);

    const arrays = decodeClassifierWeights(readFileSync(classifierPath()));
    const wrongShape = arrays.map((a) => (a.name === 'dense2/bias' ? { ...a, shape: [5, 2] } : a));
    writeFileSync(join(dir, 'mnist-classifier', 'weights.bin'), encodeClassifierWeights(wrongShape));
    expect(() => loadMnistClassifier(dir)).toThrow(/'dense2\/bias' has shape \[5,2\], expected \[10\]/);
    writeFileSync(join(dir, 'mnist-classifier', 'weights.bin'), encodeClassifierWeights(arrays.slice(1)));
    expect(() => loadMnistClassifier(dir)).toThrow(/holds 7 tensors/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
