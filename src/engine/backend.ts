/**
 * Picks the TensorFlow.js compute backend at the start of a training process.
 *
 * 'auto' tries, in order: @tensorflow/tfjs-node-gpu (TensorFlow with CUDA), @tensorflow/tfjs-node (native
 * TensorFlow on the CPU), wasm (XNNPACK, with the training kernels of ./wasm-kernels) and cpu (plain
 * JavaScript). The two native packages are optional dependencies whose install downloads libtensorflow,
 * so they are often missing: each backend that cannot start leaves one plain reason in the report.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { BackendChoice, BackendInfo, BackendName } from '../shared/trainer-protocol';
import { registerWasmTrainingKernels } from './wasm-kernels';
import { wantedWasmThreads, withWasmThreads } from './wasm-threads';

export type { BackendChoice, BackendName } from '../shared/trainer-protocol';

export interface BackendReport {
  name: BackendName;
  /** Where the work runs, e.g. 'CPU (WebAssembly, SIMD, 1 thread)' or 'GPU (CUDA)'. */
  device: string;
  /** One line per backend tried before this one, e.g. 'tfjs-node-gpu: not installed'. */
  reasonsOthersFailed: string[];
}

const ORDER: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/** Short names used in reasons and the status line. */
const LABEL: Record<BackendName, string> = {
  'tensorflow-gpu': 'tfjs-node-gpu',
  tensorflow: 'tfjs-node',
  wasm: 'wasm',
  cpu: 'cpu',
};

const PACKAGE: Record<BackendName, string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs (cpu backend)',
};

const requireHere = createRequire(import.meta.url);

/** A backend that cannot start here, with the plain reason (already prefixed with its label). */
class Unavailable extends Error {}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n', 1)[0]?.trim() || 'unknown error';
}

/** What the native tfjs-node backend object tells about itself (see tfjs-node's NodeJSKernelBackend). */
interface NativeBackend {
  /** True when TensorFlow's device list, taken when the binding loaded, has a GPU device. */
  readonly isUsingGpuDevice?: boolean;
}

/**
 * Loads tfjs-node(-gpu), which registers the 'tensorflow' backend with our @tensorflow/tfjs, and starts it.
 *
 * tfjs-node-gpu falls back to the CPU without an error when the CUDA or cuDNN libraries (or the driver)
 * are missing: TensorFlow then registers no GPU device. Its binding records, at load time, whether
 * TensorFlow's device list (TF_DeviceList) has a 'GPU' device and exposes it as the backend's
 * `isUsingGpuDevice`, so that is the check. (Which CUDA libraries failed to load TensorFlow only prints
 * to the native stderr.)
 */
async function startNative(name: 'tensorflow-gpu' | 'tensorflow'): Promise<string> {
  const label = LABEL[name];
  const pkg = PACKAGE[name];
  try {
    requireHere.resolve(pkg);
  } catch {
    throw new Unavailable(`${label}: not installed`);
  }
  try {
    await import(/* @vite-ignore */ pkg);
  } catch (error) {
    throw new Unavailable(`${label}: failed to load: ${firstLine(error)}`);
  }
  try {
    // Throws "Backend name 'tensorflow' not found in registry" if the package registered its backend with
    // another copy of @tensorflow/tfjs (a version mismatch).
    if (!(await tf.setBackend('tensorflow'))) throw new Error('the backend did not initialise');
    await tf.ready();
  } catch (error) {
    throw new Unavailable(`${label}: failed to start: ${firstLine(error)}`);
  }
  if (name === 'tensorflow') return 'CPU (native TensorFlow)';
  const native = tf.backend() as NativeBackend;
  if (native.isUsingGpuDevice === true) return 'GPU (CUDA, native TensorFlow)';
  if (native.isUsingGpuDevice === false) {
    return (
      'CPU (tfjs-node-gpu found no CUDA device: TensorFlow lists no GPU, so the NVIDIA driver, ' +
      'CUDA 11.x or cuDNN 8 libraries are missing; it runs on the CPU)'
    );
  }
  return 'unknown (tfjs-node-gpu did not say whether it uses a CUDA device)';
}

/** The directory holding tfjs-backend-wasm's .wasm binaries, with a trailing slash (setWasmPaths wants one). */
function wasmBinaryDir(): string {
  return `${dirname(requireHere.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`;
}

async function startWasm(): Promise<string> {
  let threadNote = '';
  try {
    setWasmPaths(wasmBinaryDir());
    const init = async () => {
      if (!(await tf.setBackend('wasm'))) throw new Error('the backend did not initialise');
      await tf.ready();
    };
    const wanted = wantedWasmThreads();
    if (wanted > 1) {
      try {
        await withWasmThreads(wanted, init);
      } catch (error) {
        // Threads are a speed-up only: start single-threaded and say why.
        threadNote = `; threads off: ${firstLine(error)}`;
        tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
        await init();
      }
    } else {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      await init();
    }
  } catch (error) {
    throw new Unavailable(`wasm: failed to start: ${firstLine(error)}`);
  }
  registerWasmTrainingKernels();
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const threads = getThreadsCount();
  return `CPU (WebAssembly${simd ? ', SIMD' : ', no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}${threadNote})`;
}

async function startCpu(): Promise<string> {
  try {
    if (!(await tf.setBackend('cpu'))) throw new Error('the backend did not initialise');
    await tf.ready();
  } catch (error) {
    throw new Unavailable(`cpu: failed to start: ${firstLine(error)}`);
  }
  return 'CPU (plain JavaScript)';
}

function start(name: BackendName): Promise<string> {
  switch (name) {
    case 'tensorflow-gpu':
    case 'tensorflow':
      return startNative(name);
    case 'wasm':
      return startWasm();
    case 'cpu':
      return startCpu();
  }
}

/**
 * Starts a backend and makes it tfjs's current one. 'auto' takes the first that starts, in ORDER; an
 * explicit choice starts exactly that backend or throws an Error naming its package and the reason.
 */
export async function selectBackend(choice: BackendChoice = 'auto'): Promise<BackendReport> {
  if (choice !== 'auto') {
    if (!ORDER.includes(choice)) throw new Error(`unknown backend '${String(choice)}'`);
    try {
      return { name: choice, device: await start(choice), reasonsOthersFailed: [] };
    } catch (error) {
      const reason = error instanceof Unavailable ? error.message : `${LABEL[choice]}: ${firstLine(error)}`;
      throw new Error(`backend '${choice}' (${PACKAGE[choice]}) cannot start: ${reason}`, { cause: error });
    }
  }
  const reasons: string[] = [];
  for (const name of ORDER) {
    try {
      return { name, device: await start(name), reasonsOthersFailed: reasons };
    } catch (error) {
      reasons.push(error instanceof Unavailable ? error.message : `${LABEL[name]}: ${firstLine(error)}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could start: ${reasons.join('; ')}`);
}

/** One line for a status bar: 'wasm — CPU (WebAssembly, SIMD, 1 thread); tfjs-node-gpu: not installed; ...'. */
export function describeBackend(r: BackendInfo): string {
  return [`${LABEL[r.name]} — ${r.device}`, ...r.reasonsOthersFailed].join('; ');
}
