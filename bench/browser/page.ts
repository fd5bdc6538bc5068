/**
 * The page side of `npm run bench:browser` (bench/browser.ts builds this with vite, serves it with
 * COOP/COEP headers and drives it from headless Chromium). It runs the same engine code as the Node bench
 * (resolveRunConfig, buildGan, trainIteration, the built-in datasets) on a browser backend: webgl, wasm
 * (with the engine's training kernels, threads and SIMD when the page allows them) or webgpu. The page
 * reads no files: MNIST comes from the bench's server as the packed file and is decoded here.
 *
 * Typed without the DOM library (bench/ is type-checked with Node's types): the few browser objects used
 * are described by the small interfaces below.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { decodeMnist } from '../../src/engine/data/mnist';
import { getToyDataset } from '../../src/engine/data/toy2d';
import type { Dataset } from '../../src/engine/data/types';
import { runRngs, trainIteration } from '../../src/engine/train';
import { registerWasmTrainingKernels } from '../../src/engine/wasm-kernels';
import { buildGan } from '../../src/engine/wgan';
import type { RunConfig } from '../../src/shared/run-config';
import { WORKLOADS, type WorkloadName } from '../workloads';
import { webgpuPackage } from './webgpu-backend';

export type BrowserBackend = 'webgl' | 'wasm' | 'webgpu';
export type { WorkloadName };

export interface SetupOptions {
  readonly backend: BrowserBackend;
  /** wasm: threads wanted (1: single-threaded). */
  readonly wasmThreads: number;
  /** wasm: register the engine's training kernels (src/engine/wasm-kernels.ts), as the Node bench does. */
  readonly trainingKernels: boolean;
}

export interface SetupResult {
  /** tfjs's active backend after the start. */
  readonly backend: string;
  /** One line: what runs the kernels. */
  readonly device: string;
  readonly details: Record<string, unknown>;
}

export interface WorkloadResult {
  readonly msPerIteration: number;
  readonly msEach: number[];
  readonly iterations: number;
  readonly warmupMs: number;
  readonly tensorsBefore: number;
  readonly tensorsAfterWarmup: number;
  readonly tensorsAfter: number;
  readonly tensorsAfterDispose: number;
  /** The last iteration's critic values and generator loss (trainIteration's return). */
  readonly lastValues: number[];
  readonly finite: boolean;
  readonly description: string;
}

export interface PageBench {
  setup(options: SetupOptions): Promise<SetupResult>;
  run(name: WorkloadName, iterations: number, warmup: number): Promise<WorkloadResult>;
}

/** The server path of the packed MNIST file (resources/mnist/mnist-10k.bin.gz). */
const MNIST_URL = '/data/mnist-10k.bin.gz';
/** The server folder holding tfjs-backend-wasm's .wasm binaries. */
const WASM_PREFIX = '/wasm/';

interface GpuAdapterLike {
  readonly info?: { vendor?: string; architecture?: string; device?: string; description?: string };
  readonly features?: { size: number };
  readonly isFallbackAdapter?: boolean;
}

interface PageGlobals {
  crossOriginIsolated?: boolean;
  navigator: {
    hardwareConcurrency: number;
    userAgent: string;
    gpu?: { requestAdapter(options?: Record<string, unknown>): Promise<GpuAdapterLike | null> };
  };
  wganBench?: PageBench;
}

interface GlLike {
  readonly VERSION: number;
  readonly SHADING_LANGUAGE_VERSION: number;
  readonly RENDERER: number;
  readonly VENDOR: number;
  getParameter(name: number): unknown;
  getExtension(name: string): unknown;
}

const page = globalThis as unknown as PageGlobals;

async function startWebgl(): Promise<SetupResult> {
  if (!(await tf.setBackend('webgl'))) throw new Error('webgl: the backend did not initialise');
  await tf.ready();
  const gl = (tf.backend() as unknown as { gpgpu?: { gl?: GlLike } }).gpgpu?.gl;
  const details: Record<string, unknown> = {
    webglVersion: tf.env().getNumber('WEBGL_VERSION'),
    renderFloat32: tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED'),
    pack: tf.env().getBool('WEBGL_PACK'),
  };
  let renderer = 'unknown renderer';
  if (gl !== undefined) {
    const debug = gl.getExtension('WEBGL_debug_renderer_info') as {
      UNMASKED_RENDERER_WEBGL: number;
      UNMASKED_VENDOR_WEBGL: number;
    } | null;
    details['version'] = gl.getParameter(gl.VERSION);
    details['shadingLanguage'] = gl.getParameter(gl.SHADING_LANGUAGE_VERSION);
    details['renderer'] = gl.getParameter(gl.RENDERER);
    details['vendor'] = gl.getParameter(gl.VENDOR);
    if (debug) {
      details['unmaskedRenderer'] = gl.getParameter(debug.UNMASKED_RENDERER_WEBGL);
      details['unmaskedVendor'] = gl.getParameter(debug.UNMASKED_VENDOR_WEBGL);
    }
    renderer = String(details['unmaskedRenderer'] ?? details['renderer']);
  }
  return {
    backend: tf.getBackend(),
    device: `WebGL ${String(details['webglVersion'])}: ${renderer}`,
    details,
  };
}

async function startWasm(threads: number, trainingKernels: boolean): Promise<SetupResult> {
  setWasmPaths(WASM_PREFIX);
  const isolated = page.crossOriginIsolated === true;
  const nav = page.navigator;
  const cores = nav.hardwareConcurrency;
  let restore: (() => void) | undefined;
  if (threads > 1) {
    // Ask for `threads`; and since tfjs-backend-wasm's C++ side sizes its pool from logical cores / 2 (one
    // per hyperthread pair), let the cores read twice that while it starts (as src/engine/wasm-threads.ts
    // does under Node). Without cross-origin isolation tfjs falls back to one thread, which is reported.
    setThreadsCount(threads);
    Object.defineProperty(nav, 'hardwareConcurrency', { configurable: true, get: () => threads * 2 });
    restore = () => {
      delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
    };
  } else {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  }
  try {
    if (!(await tf.setBackend('wasm'))) throw new Error('wasm: the backend did not initialise');
    await tf.ready();
  } finally {
    restore?.();
  }
  const kernels = trainingKernels ? registerWasmTrainingKernels() : [];
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const multithread = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) === true;
  const actual = getThreadsCount();
  return {
    backend: tf.getBackend(),
    device:
      `CPU (WebAssembly in Chromium, ${simd ? 'SIMD' : 'no SIMD'}, ${actual} thread${actual === 1 ? '' : 's'}` +
      `${trainingKernels ? ', engine training kernels' : ', stock tfjs-backend-wasm kernels'})`,
    details: {
      crossOriginIsolated: isolated,
      simd,
      multithreadSupport: multithread,
      threadsWanted: threads,
      threads: actual,
      hardwareConcurrency: cores,
      trainingKernels: kernels,
    },
  };
}

/** WebGPU: the adapter navigator.gpu gives, then tfjs-backend-webgpu when it was bundled. */
async function startWebgpu(): Promise<SetupResult> {
  const gpu = page.navigator.gpu;
  if (gpu === undefined) {
    throw new Error('webgpu: navigator.gpu is undefined (WebGPU is not exposed in this Chromium)');
  }
  const adapter = await gpu.requestAdapter();
  if (adapter === null) throw new Error('webgpu: navigator.gpu.requestAdapter() gave no adapter');
  const info = adapter.info ?? {};
  const described =
    [info.vendor, info.architecture, info.device, info.description]
      .filter((s) => s !== undefined && s !== '')
      .join(', ') + (adapter.isFallbackAdapter === true ? ', fallback adapter' : '');
  if (webgpuPackage === undefined) {
    throw new Error(
      `webgpu: an adapter is there (${described}) but @tensorflow/tfjs-backend-webgpu is not installed ` +
        '(see --webgpu-from)',
    );
  }
  if (!(await tf.setBackend('webgpu'))) throw new Error('webgpu: the backend did not initialise');
  await tf.ready();
  return {
    backend: tf.getBackend(),
    device: `WebGPU: ${described}`,
    details: {
      adapter: {
        vendor: info.vendor,
        architecture: info.architecture,
        device: info.device,
        description: info.description,
      },
      fallbackAdapter: adapter.isFallbackAdapter,
      package: webgpuPackage,
    },
  };
}

async function setup(options: SetupOptions): Promise<SetupResult> {
  switch (options.backend) {
    case 'webgl':
      return startWebgl();
    case 'wasm':
      return startWasm(options.wasmThreads, options.trainingKernels);
    case 'webgpu':
      return startWebgpu();
  }
}

let mnist: Promise<Dataset> | undefined;

async function fetchMnist(): Promise<Dataset> {
  const response = await fetch(MNIST_URL);
  if (!response.ok || response.body === null) {
    throw new Error(`${MNIST_URL}: HTTP ${response.status}`);
  }
  const unpacked = response.body.pipeThrough(new DecompressionStream('gzip'));
  const bytes = new Uint8Array(await new Response(unpacked).arrayBuffer());
  return decodeMnist(bytes, MNIST_URL);
}

function loadDataset(config: RunConfig): Promise<Dataset> {
  if (config.dataset === 'mnist') {
    mnist ??= fetchMnist();
    return mnist;
  }
  if (config.dataset === '8gaussians') return Promise.resolve(getToyDataset(config.dataset));
  throw new Error(`the browser bench has no dataset '${config.dataset}'`);
}

const round = (ms: number) => Math.round(ms * 10) / 10;

async function run(name: WorkloadName, iterations: number, warmup: number): Promise<WorkloadResult> {
  const { description, config: makeConfig } = WORKLOADS[name];
  const config = makeConfig();
  const dataset = await loadDataset(config);
  const rngs = runRngs(config.seed);
  const tensorsBefore = tf.memory().numTensors;
  const gan = buildGan(config, dataset, rngs.init);
  let values: Float32Array = new Float32Array(0);
  const step = () => {
    values = trainIteration(gan, dataset, rngs.data, rngs.noise, config.nCritic, false);
  };
  try {
    const w0 = performance.now();
    for (let i = 0; i < warmup; i++) step();
    const warmupMs = performance.now() - w0;
    const tensorsAfterWarmup = tf.memory().numTensors;
    const msEach: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) {
      const s = performance.now();
      step();
      msEach.push(round(performance.now() - s));
    }
    const ms = (performance.now() - t0) / iterations;
    const lastValues = Array.from(values);
    return {
      msPerIteration: round(ms),
      msEach,
      iterations,
      warmupMs: round(warmupMs),
      tensorsBefore,
      tensorsAfterWarmup,
      tensorsAfter: tf.memory().numTensors,
      tensorsAfterDispose: -1,
      lastValues,
      finite: lastValues.length > 0 && lastValues.every((v) => Number.isFinite(v)),
      description,
    };
  } finally {
    gan.dispose();
  }
}

page.wganBench = {
  setup,
  async run(name, iterations, warmup) {
    const result = await run(name, iterations, warmup);
    return { ...result, tensorsAfterDispose: tf.memory().numTensors };
  },
};
