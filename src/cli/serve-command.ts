import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ServerInfo } from '../shared/contract';
import { createHandlers } from '../main/api/handlers';
import { startServer } from '../main/serve/server';
import { CliError, integer, oneOf } from './args';
import { openWorkbench } from './service';
import { BACKEND_CHOICES } from './train-command';
import { ROOT_DIR } from './paths';

export const SERVE_USAGE = `  serve [--port P] [--host H] [--token T] [--db PATH] [--backend B]
      Serves the workbench UI and its API on http://127.0.0.1:P (default 5178) for a browser. Binding to
      another address needs --token (or WGAN_SERVE_TOKEN); the printed URL carries it. Ctrl-C pauses
      running runs (resumable) and exits.`;

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string', default: '5178' },
      host: { type: 'string', default: '127.0.0.1' },
      token: { type: 'string' },
      db: { type: 'string' },
      backend: { type: 'string', default: 'auto' },
    },
  });
  const port = integer('port', values.port) ?? 5178;
  if (port > 65535) throw new CliError(`--port must be 0..65535 (got ${port})`);
  const backend = oneOf('backend', values.backend, BACKEND_CHOICES);
  const token = values.token ?? process.env['WGAN_SERVE_TOKEN'];
  const staticDir = join(ROOT_DIR, 'out', 'renderer');
  if (!existsSync(join(staticDir, 'index.html'))) {
    console.error(`warning: ${staticDir} has no built renderer (run npm run build); serving the API only`);
  }
  const cli = await openWorkbench(values.db, backend);
  const pkg = { name: 'WGAN Workbench', version: process.env['npm_package_version'] ?? '0.1.0' };
  const info = (): ServerInfo => ({
    ...pkg,
    platform: process.platform,
    transport: 'http',
    backend: {
      choice: backend,
      note:
        backend === 'auto'
          ? 'each training process picks tfjs-node-gpu, tfjs-node, wasm or cpu, first that works; a run shows which it got'
          : `training processes use ${backend}`,
    },
  });
  let server;
  try {
    server = await startServer({
      handlers: createHandlers(cli.wb, info),
      subscribe: (l) => cli.wb.subscribe(l),
      exporter: (runId, req) => cli.wb.exportRun(runId, req),
      staticDir,
      host: values.host,
      port,
      token,
    });
  } catch (err) {
    await cli.close();
    throw new CliError(err instanceof Error ? err.message : String(err));
  }
  console.log(`WGAN Workbench serving on ${server.url}`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  console.error('stopping: pausing running runs…');
  await server.close();
  await cli.close();
  return 0;
}
