/**
 * Checkpoints: everything needed to continue a run as if it had never stopped — both networks, their
 * non-trainable buffers, both optimizers' slots and step counters, the RNG streams, the step and the
 * config. Binary layout: 'WGCK' | u32 header length | JSON header | padding to 4 | float32 data.
 */
import * as tf from '@tensorflow/tfjs';
import { parseRunConfig, type RunConfig } from '../shared/run-config';
import type { Param } from './models/params';
import type { RngState } from './rng';
import type { Gan } from './wgan';

const MAGIC = 'WGCK';
const FORMAT_VERSION = 1;

export interface CheckpointMeta {
  readonly config: RunConfig;
  /** Completed generator iterations. */
  readonly step: number;
  /** Training seconds so far. */
  readonly seconds: number;
  readonly rng: { readonly data: RngState; readonly noise: RngState };
}

interface TensorEntry {
  readonly name: string;
  readonly shape: number[];
  readonly offset: number;
}

interface Header extends CheckpointMeta {
  readonly format: 'wgan-workbench-checkpoint';
  readonly version: number;
  readonly optimizerSteps: { readonly generator: number; readonly critic: number };
  readonly tensors: TensorEntry[];
}

function namedTensors(gan: Gan): { name: string; tensor: tf.Tensor }[] {
  const named = (group: string, params: readonly Param[]) =>
    params.map((p) => ({ name: `${group}/${p.name}`, tensor: p.variable as tf.Tensor }));
  return [
    ...named('generator', gan.generator.params),
    ...named('generator.buffers', gan.generator.buffers),
    ...named('critic', gan.critic.params),
    ...named('critic.buffers', gan.critic.buffers),
    ...gan.optG.state().slots.map((t, i) => ({ name: `optimizer.generator/${i}`, tensor: t as tf.Tensor })),
    ...gan.optC.state().slots.map((t, i) => ({ name: `optimizer.critic/${i}`, tensor: t as tf.Tensor })),
  ];
}

export function saveCheckpoint(gan: Gan, meta: CheckpointMeta): Uint8Array {
  const entries: TensorEntry[] = [];
  const datas: Float32Array[] = [];
  let offset = 0;
  for (const { name, tensor } of namedTensors(gan)) {
    entries.push({ name, shape: [...tensor.shape], offset });
    const data = tensor.dataSync() as Float32Array;
    datas.push(data);
    offset += data.length;
  }
  const header: Header = {
    format: 'wgan-workbench-checkpoint',
    version: FORMAT_VERSION,
    ...meta,
    optimizerSteps: { generator: gan.optG.state().t, critic: gan.optC.state().t },
    tensors: entries,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = align4(8 + json.length);
  const bytes = new Uint8Array(dataStart + offset * 4);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(bytes.buffer).setUint32(4, json.length, true);
  bytes.set(json, 8);
  const floats = new Float32Array(bytes.buffer, dataStart, offset);
  let at = 0;
  for (const d of datas) {
    floats.set(d, at);
    at += d.length;
  }
  return bytes;
}

export interface ParsedCheckpoint extends CheckpointMeta {
  readonly optimizerSteps: { readonly generator: number; readonly critic: number };
  readonly tensors: ReadonlyMap<string, { shape: number[]; data: Float32Array }>;
}

export function parseCheckpoint(bytes: Uint8Array): ParsedCheckpoint {
  if (bytes.length < 8 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) {
    throw new Error('not a WGAN Workbench checkpoint (bad magic)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const jsonLength = view.getUint32(4, true);
  if (8 + jsonLength > bytes.length) throw new Error('checkpoint is truncated (header)');
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + jsonLength))) as Header;
  if (header.format !== 'wgan-workbench-checkpoint' || header.version !== FORMAT_VERSION) {
    throw new Error(`unsupported checkpoint format ${header.format} v${header.version}`);
  }
  const dataStart = align4(8 + jsonLength);
  // Copy (new Uint8Array of a view copies) so the floats are aligned whatever the source: a Node Buffer
  // is often a view into a shared pool, where Buffer#slice would not copy.
  const total = header.tensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
  if (dataStart + total * 4 > bytes.length) throw new Error('checkpoint is truncated (tensor data)');
  const floats = new Float32Array(new Uint8Array(bytes.subarray(dataStart, dataStart + total * 4)).buffer);
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const t of header.tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    tensors.set(t.name, { shape: t.shape, data: floats.subarray(t.offset, t.offset + size) });
  }
  return {
    config: parseRunConfig(header.config),
    step: header.step,
    seconds: header.seconds,
    rng: header.rng,
    optimizerSteps: header.optimizerSteps,
    tensors,
  };
}

/** Load a checkpoint's tensors and optimizer counters into a GAN built from the same config. */
export function restoreCheckpoint(gan: Gan, ckpt: ParsedCheckpoint): void {
  const named = namedTensors(gan);
  if (named.length !== ckpt.tensors.size) {
    throw new Error(`checkpoint holds ${ckpt.tensors.size} tensors, this model has ${named.length}`);
  }
  const optG: tf.Tensor[] = [];
  const optC: tf.Tensor[] = [];
  tf.tidy(() => {
    for (const { name, tensor } of named) {
      const saved = ckpt.tensors.get(name);
      if (!saved) throw new Error(`checkpoint lacks tensor '${name}'`);
      if (!tf.util.arraysEqual(saved.shape, tensor.shape)) {
        throw new Error(`checkpoint tensor '${name}' has shape [${saved.shape}], expected [${tensor.shape}]`);
      }
      const value = tf.tensor(saved.data, saved.shape);
      if (name.startsWith('optimizer.generator/')) optG.push(value);
      else if (name.startsWith('optimizer.critic/')) optC.push(value);
      else (tensor as tf.Variable).assign(value);
    }
    gan.optG.load(ckpt.optimizerSteps.generator, optG);
    gan.optC.load(ckpt.optimizerSteps.critic, optC);
  });
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
