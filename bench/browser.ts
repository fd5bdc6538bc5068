/**
 * `npm run bench:browser -- [--json] [--backend webgl|wasm|webgpu[,...]] [--iterations N] [--warmup N]
 *   [--only toy|mnist] [--threads N] [--stock-kernels] [--timeout S] [--chromium PATH] [--chromium-arg ARG]
 *   [--build-only | --no-build] [--webgpu-from DIR]`
 *
 * The Node bench's two workloads (bench/index.ts) in headless Chromium: bench/browser/page.ts, which runs
 * the same engine code (resolveRunConfig, buildGan, trainIteration, the built-in datasets), is bundled with
 * vite, served on 127.0.0.1 with COOP/COEP headers (cross-origin isolated, so wasm may use threads) and
 * driven through playwright-core, one browser per backend:
 *
 * - webgl: tfjs-backend-webgl; without a GPU Chromium renders with SwiftShader (ANGLE's Vulkan-on-CPU);
 * - wasm: tfjs-backend-wasm with the engine's training kernels (as the Node bench), SIMD and threads;
 * - webgpu: tfjs-backend-webgpu on the adapter navigator.gpu gives (SwiftShader's Vulkan without a GPU).
 *   That package is not a dependency of the project: the bench bundles it when it finds it (see
 *   findWebgpuPackage), else it only reports the adapter.
 *
 * Prints ms per generator iteration (5 critic + 1 generator step), tensor counts before and after (leaks),
 * what backend and renderer ran, and whether the last losses are finite. Numbers only; no asserts.
 * The bundle goes to node_modules/.cache/wgan-bench-browser/ (--no-build reuses the last one).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Browser, chromium, type Page } from 'playwright-core';
import type {
  BrowserBackend,
  PageBench,
  SetupOptions,
  SetupResult,
  WorkloadName,
  WorkloadResult,
} from './browser/page';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PAGE_DIR = join(ROOT, 'bench', 'browser');
const OUT_DIR = join(ROOT, 'node_modules', '.cache', 'wgan-bench-browser');
const GEN_DIR = join(ROOT, 'node_modules', '.cache', 'wgan-bench-browser-gen');
const MNIST_FILE = join(ROOT, 'resources', 'mnist', 'mnist-10k.bin.gz');
const requireHere = createRequire(import.meta.url);
const WASM_DIR = dirname(requireHere.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));

const BACKENDS: readonly BrowserBackend[] = ['webgl', 'wasm', 'webgpu'];
const WORKLOAD_NAMES: readonly WorkloadName[] = ['toy', 'mnist'];

/** Chromium flags per backend (added to playwright's own and COMMON_ARGS). */
const BACKEND_ARGS: Record<BrowserBackend, readonly string[]> = {
  // Without a GPU, WebGL runs on SwiftShader, which Chromium only allows for WebGL when told to.
  webgl: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'],
  wasm: [],
  webgpu: [
    '--enable-unsafe-webgpu',
    '--enable-features=Vulkan',
    '--use-vulkan=swiftshader',
    '--use-webgpu-adapter=swiftshader',
    '--use-angle=swiftshader',
    '--enable-unsafe-swiftshader',
    '--ignore-gpu-blocklist',
  ],
};

const COMMON_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-background-timer-throttling',
  '--disable-backgrounding-occluded-windows',
  '--disable-renderer-backgrounding',
  '--disable-extensions',
];

/** Stand-ins for the Node modules that engine code imports; see bench/browser/node-shim.ts. */
const NODE_SHIMMED = /^node:(fs|path|url|zlib)$/;

/**
 * The folder of @tensorflow/tfjs-backend-webgpu: in the repository's node_modules, else in
 * `<from>/node_modules` (--webgpu-from, WGAN_WEBGPU_FROM; e.g. a folder where it was installed with
 * `npm install --prefix DIR @tensorflow/tfjs-backend-webgpu@4.22.0`). Undefined when it is in neither.
 */
function findWebgpuPackage(from: string | undefined): string | undefined {
  const manifest = '@tensorflow/tfjs-backend-webgpu/package.json';
  for (const paths of [[ROOT], from === undefined ? undefined : [resolve(from)]]) {
    if (paths === undefined) continue;
    try {
      return dirname(requireHere.resolve(manifest, { paths }));
    } catch {
      // not there
    }
  }
  return undefined;
}

/** Bundles bench/browser/ into OUT_DIR; with `webgpuDir`, tfjs-backend-webgpu from there goes in too. */
async function buildPage(webgpuDir: string | undefined): Promise<void> {
  const { build } = await import('vite');
  const alias: { find: RegExp; replacement: string }[] = [
    { find: NODE_SHIMMED, replacement: join(PAGE_DIR, 'node-shim.ts') },
  ];
  if (webgpuDir !== undefined) {
    const version = (JSON.parse(readFileSync(join(webgpuDir, 'package.json'), 'utf8')) as { version: string })
      .version;
    mkdirSync(GEN_DIR, { recursive: true });
    const generated = join(GEN_DIR, 'webgpu-backend.js');
    writeFileSync(
      generated,
      `import '@tensorflow/tfjs-backend-webgpu';\nexport const webgpuPackage = ${JSON.stringify(version)};\n`,
    );
    alias.push(
      { find: /^\.\/webgpu-backend$/, replacement: generated },
      { find: /^@tensorflow\/tfjs-backend-webgpu$/, replacement: webgpuDir },
    );
  }
  await build({
    configFile: false,
    root: PAGE_DIR,
    base: './',
    logLevel: 'error',
    // One tfjs-core (and cpu backend) for the engine and tfjs-backend-webgpu, wherever that came from.
    resolve: { alias, dedupe: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu'] },
    build: {
      outDir: OUT_DIR,
      emptyOutDir: true,
      target: 'es2022',
      minify: false,
      reportCompressedSize: false,
      chunkSizeWarningLimit: 100_000,
    },
  });
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.gz': 'application/octet-stream',
  '.map': 'application/json',
};

/** The file a request path names: the bundle, tfjs's .wasm binaries or the packed MNIST file. */
function fileFor(urlPath: string): string | undefined {
  if (urlPath === '/' || urlPath === '/index.html') return join(OUT_DIR, 'index.html');
  if (urlPath === '/data/mnist-10k.bin.gz') return MNIST_FILE;
  const wasm = /^\/wasm\/([\w.-]+\.wasm)$/.exec(urlPath);
  if (wasm) return join(WASM_DIR, wasm[1] as string);
  const file = resolve(OUT_DIR, `.${urlPath}`);
  return file.startsWith(OUT_DIR + sep) ? file : undefined;
}

/** Serves the page on 127.0.0.1, cross-origin isolated (COOP same-origin + COEP require-corp). */
function serve(): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    const file = fileFor(path);
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Cache-Control', 'no-store');
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (req.method !== 'GET' || file === undefined || !existsSync(file)) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    const body = readFileSync(file);
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': body.length,
    });
    res.end(body);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        fail(new Error('the server has no port'));
        return;
      }
      ok({ server, base: `http://127.0.0.1:${address.port}` });
    });
  });
}

function withTimeout<T>(work: Promise<T>, seconds: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`${what}: no answer in ${seconds} s`)), seconds * 1000);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  // playwright prefixes page errors with 'page.evaluate: Error: '.
  return (text.split('\n', 1)[0] ?? text).replace(/^page\.evaluate: (Error: )?/, '');
}

type Bench = { wganBench: PageBench };

interface BackendOutcome {
  readonly chromiumArgs: string[];
  readonly setup?: SetupResult;
  readonly error?: string;
  readonly workloads: Partial<
    Record<WorkloadName, (WorkloadResult & { loadAverageBefore: string }) | { error: string }>
  >;
}

interface Options {
  readonly chromium: string;
  readonly extraArgs: string[];
  readonly names: readonly WorkloadName[];
  readonly iterations?: number;
  readonly warmup: number;
  readonly threads: number;
  readonly trainingKernels: boolean;
  readonly timeoutS: number;
}

async function runBackend(
  backend: BrowserBackend,
  base: string,
  opts: Options,
  log: (s: string) => void,
): Promise<BackendOutcome> {
  const args = [...COMMON_ARGS, ...BACKEND_ARGS[backend], ...opts.extraArgs];
  const workloads: BackendOutcome['workloads'] = {};
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: opts.chromium, headless: true, args });
    const page: Page = await browser.newPage();
    page.on('pageerror', (e) => log(`  [page error] ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') log(`  [console ${m.type()}] ${m.text()}`);
    });
    await page.goto(`${base}/index.html`);
    await page.waitForFunction(() => (globalThis as Partial<Bench>).wganBench !== undefined);
    const setupOptions: SetupOptions = {
      backend,
      wasmThreads: opts.threads,
      trainingKernels: opts.trainingKernels,
    };
    let setup: SetupResult;
    try {
      setup = await withTimeout(
        page.evaluate((o) => (globalThis as unknown as Bench).wganBench.setup(o), setupOptions),
        opts.timeoutS,
        `${backend} start`,
      );
    } catch (error) {
      log(`${backend}: not run: ${messageOf(error)}`);
      return { chromiumArgs: args, error: messageOf(error), workloads };
    }
    log(`${backend}: ${setup.device}; tfjs backend '${setup.backend}'`);
    log(`${backend}: ${JSON.stringify(setup.details)}`);
    for (const name of opts.names) {
      const n = opts.iterations ?? (name === 'toy' ? 5 : 3);
      // Other work on the machine shows in the numbers: the load average says how much there was.
      const load = loadavg()
        .map((l) => l.toFixed(2))
        .join(' ');
      log(`${backend} ${name}: warm-up ${opts.warmup}, then ${n} timed iterations (load average ${load})...`);
      try {
        const r = await withTimeout(
          page.evaluate(([w, i, u]) => (globalThis as unknown as Bench).wganBench.run(w, i, u), [
            name,
            n,
            opts.warmup,
          ] as const),
          opts.timeoutS,
          `${backend} ${name}`,
        );
        workloads[name] = { ...r, loadAverageBefore: load };
        log(
          `${backend} ${name}: ${r.msPerIteration} ms per generator iteration over ${r.iterations} ` +
            `(each: ${r.msEach.join(', ')}; fastest ${Math.min(...r.msEach)}; warm-up ${r.warmupMs} ms); tensors ${r.tensorsBefore} before, ` +
            `${r.tensorsAfterWarmup} after warm-up -> ${r.tensorsAfter} after, ${r.tensorsAfterDispose} ` +
            `after dispose; losses ${r.finite ? 'finite' : 'NOT FINITE'} ` +
            `(${r.lastValues.map((v) => v.toPrecision(4)).join(', ')})`,
        );
      } catch (error) {
        log(`${backend} ${name}: failed: ${messageOf(error)}`);
        workloads[name] = { error: messageOf(error) };
      }
    }
    return { chromiumArgs: args, setup, workloads };
  } finally {
    await browser?.close();
  }
}

function parseBackends(value: string | undefined): BrowserBackend[] {
  if (value === undefined || value === 'all') return [...BACKENDS];
  const list = value.split(',').map((s) => s.trim());
  for (const b of list) {
    if (!BACKENDS.includes(b as BrowserBackend)) {
      throw new Error(`--backend must be ${BACKENDS.join(', ')} or all (got '${b}')`);
    }
  }
  return list as BrowserBackend[];
}

function positiveInt(value: string | undefined, flag: string, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`${flag} must be an integer >= ${min} (got '${value}')`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      backend: { type: 'string' },
      iterations: { type: 'string' },
      warmup: { type: 'string' },
      only: { type: 'string' },
      threads: { type: 'string' },
      'stock-kernels': { type: 'boolean', default: false },
      timeout: { type: 'string' },
      chromium: { type: 'string' },
      'chromium-arg': { type: 'string', multiple: true },
      'build-only': { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      'webgpu-from': { type: 'string' },
    },
  });
  const log = (s: string) => (values.json ? console.error(s) : console.log(s));
  const backends = parseBackends(values.backend);
  if (values.only !== undefined && !WORKLOAD_NAMES.includes(values.only as WorkloadName)) {
    throw new Error(`--only must be toy or mnist (got '${values.only}')`);
  }
  const opts: Options = {
    chromium: values.chromium ?? process.env['WGAN_CHROMIUM'] ?? '/usr/bin/chromium',
    extraArgs: values['chromium-arg'] ?? [],
    names: values.only !== undefined ? [values.only as WorkloadName] : WORKLOAD_NAMES,
    iterations: positiveInt(values.iterations, '--iterations'),
    warmup: positiveInt(values.warmup, '--warmup', 0) ?? 1,
    threads: positiveInt(values.threads, '--threads') ?? Math.min(availableParallelism(), 8),
    trainingKernels: !values['stock-kernels'],
    timeoutS: positiveInt(values.timeout, '--timeout') ?? 600,
  };
  if (!values['no-build']) {
    const t0 = performance.now();
    const webgpuDir = findWebgpuPackage(values['webgpu-from'] ?? process.env['WGAN_WEBGPU_FROM']);
    await buildPage(webgpuDir);
    log(`tfjs-backend-webgpu: ${webgpuDir ?? 'not found (webgpu will only report its adapter)'}`);
    log(`built the page in ${((performance.now() - t0) / 1000).toFixed(1)} s (${OUT_DIR})`);
    if (values['build-only']) return;
  } else if (!existsSync(join(OUT_DIR, 'index.html'))) {
    throw new Error(`--no-build: no page built in ${OUT_DIR}; run once without --no-build`);
  }
  if (!existsSync(opts.chromium)) {
    throw new Error(`no Chromium at ${opts.chromium} (apt-get install chromium, or --chromium PATH)`);
  }
  const { server, base } = await serve();
  const out: Record<string, unknown> = {};
  try {
    const probe = await chromium.launch({ executablePath: opts.chromium, headless: true, args: COMMON_ARGS });
    out['chromium'] = probe.version();
    await probe.close();
    log(`Chromium ${String(out['chromium'])} (${opts.chromium}), page at ${base}`);
    for (const backend of backends) out[backend] = await runBackend(backend, base, opts, log);
  } finally {
    server.close();
  }
  if (values.json) console.log(JSON.stringify(out));
}

main().catch((error: unknown) => {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
