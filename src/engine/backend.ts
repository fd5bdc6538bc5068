/**
 * Picks the TensorFlow.js backend at the start of a training process, in this order:
 * tfjs-node-gpu (CUDA) -> tfjs-node (native CPU) -> wasm with our training kernels -> cpu (pure JS).
 * The two native packages are optional dependencies; each failure is kept as a plain reason so the UI
 * can say which backend runs and why the others did not.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { BackendChoice, BackendInfo, BackendName } from '../shared/trainer-protocol';
import { registerWasmTrainingKernels } from './wasm-kernels';

export type { BackendChoice, BackendName } from '../shared/trainer-protocol';
export type BackendReport = BackendInfo & { reasonsOthersFailed: string[] };

const PACKAGE: Record<BackendName, string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};
const SHORT: Record<BackendName, string> = {
  'tensorflow-gpu': 'tfjs-node-gpu',
  tensorflow: 'tfjs-node',
  wasm: 'wasm',
  cpu: 'cpu',
};
const ORDER: BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

const require = createRequire(import.meta.url);

function isNotInstalled(error: unknown, pkg: string): boolean {
  const e = error as { code?: string; message?: string };
  return (
    (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') && String(e.message).includes(pkg)
  );
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

/**
 * tfjs-node-gpu falls back to the CPU without a word when the CUDA or cuDNN libraries are missing
 * (TensorFlow only logs "Could not load dynamic library ..." to native stderr). After running an op,
 * check which CUDA libraries the process has actually mapped: on Linux /proc/self/maps tells. Elsewhere
 * the check is not available and we say so.
 */
async function cudaStatus(): Promise<{ gpu: boolean; detail: string }> {
  tf.tidy(() => tf.matMul(tf.ones([8, 8]), tf.ones([8, 8])).dataSync());
  let maps: string;
  try {
    maps = await readFile('/proc/self/maps', 'utf8');
  } catch {
    return { gpu: true, detail: 'GPU (CUDA; device use not verifiable on this platform)' };
  }
  const has = (lib: string) => maps.includes(lib);
  if (has('libcudart') && has('libcudnn')) return { gpu: true, detail: 'GPU (CUDA and cuDNN loaded)' };
  const missing = ['libcudart', 'libcublas', 'libcudnn'].filter((l) => !has(l));
  return {
    gpu: false,
    detail:
      `CPU — tfjs-node-gpu loaded but uses no CUDA device (${missing.join(', ')} not loaded; ` +
      'it needs CUDA 11.2 and cuDNN 8.1 on the library path)',
  };
}

async function tryNative(name: 'tensorflow-gpu' | 'tensorflow'): Promise<BackendReport> {
  const pkg = PACKAGE[name];
  await import(/* @vite-ignore */ pkg);
  await tf.setBackend('tensorflow');
  await tf.ready();
  if (name === 'tensorflow-gpu')
    return { name, device: (await cudaStatus()).detail, reasonsOthersFailed: [] };
  return { name, device: 'CPU (native TensorFlow)', reasonsOthersFailed: [] };
}

async function tryWasm(): Promise<BackendReport> {
  const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  setWasmPaths(`${dist}/`);
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
  await tf.ready();
  registerWasmTrainingKernels();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = getThreadsCount();
  return {
    name: 'wasm',
    device: `CPU (WebAssembly${simd ? ', SIMD' : ''}, ${threads} thread${threads === 1 ? '' : 's'})`,
    reasonsOthersFailed: [],
  };
}

async function tryCpu(): Promise<BackendReport> {
  if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend failed to initialise');
  await tf.ready();
  return { name: 'cpu', device: 'CPU (pure JavaScript, slow)', reasonsOthersFailed: [] };
}

async function tryBackend(name: BackendName): Promise<BackendReport> {
  if (name === 'tensorflow-gpu' || name === 'tensorflow') return tryNative(name);
  return name === 'wasm' ? tryWasm() : tryCpu();
}

function reasonFor(name: BackendName, error: unknown): string {
  const pkg = PACKAGE[name];
  if (isNotInstalled(error, pkg)) return `${SHORT[name]}: not installed (${pkg})`;
  return `${SHORT[name]}: failed to load (${firstLine(error)})`;
}

/** Start a backend: the first that works in ORDER, or exactly the one asked for. */
export async function selectBackend(choice: BackendChoice = 'auto'): Promise<BackendReport> {
  if (choice !== 'auto') {
    if (!ORDER.includes(choice)) throw new Error(`unknown backend '${String(choice)}'`);
    try {
      return await tryBackend(choice);
    } catch (error) {
      throw new Error(`backend '${choice}' cannot start: ${reasonFor(choice, error)}`, { cause: error });
    }
  }
  const reasons: string[] = [];
  for (const name of ORDER) {
    try {
      const report = await tryBackend(name);
      return { ...report, reasonsOthersFailed: reasons };
    } catch (error) {
      reasons.push(reasonFor(name, error));
    }
  }
  throw new Error(`no TensorFlow.js backend could start: ${reasons.join('; ')}`);
}

/** One line for a status bar: "wasm — CPU (WebAssembly, SIMD, 1 thread); tfjs-node-gpu: not installed ...". */
export function describeBackend(r: BackendInfo): string {
  const others = r.reasonsOthersFailed.length ? `; ${r.reasonsOthersFailed.join('; ')}` : '';
  return `${SHORT[r.name]} — ${r.device}${others}`;
}
