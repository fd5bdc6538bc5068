/**
 * Multithreaded wasm under Node (training processes, the CLI, tests). tfjs-backend-wasm 4.22 ships a
 * threaded-SIMD build whose Emscripten glue runs its pthreads on worker_threads, but tfjs turns threads
 * off under Node (tfjs issue 3830) for two reasons this module works around while the backend starts:
 *
 * 1. tfjs hands the pthread worker its script as a blob: URL, which worker_threads cannot load. We write
 *    the worker script (the package's own, with its main-script loading pointed at the package's glue
 *    file) to a file once, and answer URL.createObjectURL with that path during the start.
 * 2. Its C++ side sizes the thread pool as emscripten_num_logical_cores() / 2 (assuming two hyperthreads
 *    per core), which is 1 on a 2-core machine. During the start os.cpus() reports each core twice, so the
 *    pool gets `threads` threads; setThreadsCount picks how many.
 *
 * XNNPACK splits a convolution or a matrix product by output tiles, so each output is summed in the same
 * order whatever the thread count: results are identical to one thread (the kernel tests check).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

const requireHere = createRequire(import.meta.url);

/** How many threads wasm should use here: WGAN_WASM_THREADS, else the cores available (at most 8). */
export function wantedWasmThreads(): number {
  const env = Number(process.env['WGAN_WASM_THREADS']);
  if (Number.isInteger(env) && env >= 1) return Math.min(env, 8);
  return Math.max(1, Math.min(os.availableParallelism(), 8));
}

/** The pthread worker script as a file (written once per package version and glue location). */
function workerFile(): string {
  const glue = requireHere.resolve(
    '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js',
  );
  const source = readFileSync(
    requireHere.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js'),
    'utf8',
  );
  // The package exports the script as a template literal: its raw text is the script.
  const script = source.slice(source.indexOf('`') + 1, source.lastIndexOf('`'));
  const load =
    'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}else{var objectUrl=URL.createObjectURL(' +
    'e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)}';
  if (!script.includes(load))
    throw new Error('unexpected tfjs-backend-wasm worker script (version changed?)');
  const patched = script.replace(load, `importScripts(${JSON.stringify(glue)});`);
  const hash = createHash('sha256').update(patched).digest('hex').slice(0, 12);
  const dir = join(os.tmpdir(), `wgan-wasm-threads-${hash}`);
  const file = join(dir, 'worker.js');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, patched);
    renameSync(tmp, file);
  }
  return file;
}

/**
 * Runs `start` (which initialises the wasm backend) with threads enabled. Everything patched is restored
 * afterwards, whether the start succeeds or not.
 */
export async function withWasmThreads<T>(threads: number, start: () => Promise<T>): Promise<T> {
  const file = workerFile();
  const createObjectURL = URL.createObjectURL.bind(URL);
  const cpus = os.cpus;
  URL.createObjectURL = ((obj: Blob) =>
    obj instanceof Blob && obj.type === 'application/javascript'
      ? file
      : createObjectURL(obj)) as typeof URL.createObjectURL;
  os.cpus = () => {
    const list = cpus();
    return Array.from({ length: 2 * threads }, (_, i) => list[i % Math.max(1, list.length)] as os.CpuInfo);
  };
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(threads);
  try {
    const result = await start();
    unrefWorkers();
    return result;
  } finally {
    URL.createObjectURL = createObjectURL;
    os.cpus = cpus;
  }
}

interface PThreads {
  readonly unusedWorkers?: readonly { unref?: () => void }[];
  readonly runningWorkers?: readonly { unref?: () => void }[];
}

/**
 * The pool's worker threads must not keep a process alive once its work is done (Emscripten's glue does
 * not unref them): a CLI command or a test would never exit.
 */
function unrefWorkers(): void {
  const backend = tf.backend() as unknown as { wasm?: { PThread?: PThreads } };
  const pthreads = backend.wasm?.PThread;
  for (const w of [...(pthreads?.unusedWorkers ?? []), ...(pthreads?.runningWorkers ?? [])]) w.unref?.();
}
