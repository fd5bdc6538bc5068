/**
 * Serve mode: the built renderer and the contract over HTTP + server-sent events, so the same UI runs in
 * a browser (a remote GPU box, the end-to-end tests). Loopback only by default; any other address needs
 * a token. Requests:
 *
 * - POST /api/call/<method>, JSON body = params -> { ok: true, result } | { ok: false, error }.
 * - GET /api/events -> text/event-stream, one JSON WorkbenchEvent per message.
 * - GET /api/export?runId=&format=&step=&count= -> the export as an attachment (downloads.ts).
 * - POST /api/upload?importId= -> one file of an upload into a staging folder; DELETE discards the upload
 *   (uploads.ts). An importDataset call with that importId removes the folder when it ends.
 * - GET /anything-else -> a file of the built renderer (index.html for /).
 *
 * Guards: the Host header must name this server (DNS rebinding), calls must be JSON (no simple
 * cross-site form posts) and uploads application/octet-stream, from the same origin, bodies are capped,
 * and with a token every request must carry it (Authorization: Bearer, or ?token= for the event stream,
 * the first page load and download links).
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import { UPLOAD_NAME_HEADER, UPLOAD_QUERY } from '../../shared/contract';
import type { WorkbenchEvent } from '../../shared/workbench-events';
import { type createHandlers, dispatch } from '../api/handlers';
import { type Exporter, sendExport } from './downloads';
import { crossOrigin, fail, parseQuery, send, sendError } from './http';
import { UploadError, type UploadLimits, UploadStaging } from './uploads';

export interface ServeOptions {
  readonly handlers: ReturnType<typeof createHandlers>;
  readonly subscribe: (listener: (e: WorkbenchEvent) => void) => () => void;
  /** The built renderer (out/renderer); undefined serves the API only. */
  readonly staticDir?: string;
  readonly host?: string;
  readonly port?: number;
  /** Required unless host is a loopback address. */
  readonly token?: string;
  readonly maxBodyBytes?: number;
  /** Writes a run's export (the workbench's exportRun); without it GET /api/export answers 404. */
  readonly exporter?: Exporter;
  /** Caps on uploads (see uploads.ts) and where their staging folders go (default: the OS temp folder). */
  readonly uploads?: Partial<UploadLimits> & { readonly dir?: string };
}

export interface RunningServer {
  readonly server: Server;
  readonly url: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error(`request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopback(host) && !opts.token) {
    throw new Error(`serving on ${host} (not loopback) needs a token: pass --token or set WGAN_SERVE_TOKEN`);
  }
  const limit = opts.maxBodyBytes ?? 1 << 20;
  const staticDir = opts.staticDir ? resolve(opts.staticDir) : undefined;
  const streams = new Set<ServerResponse>();
  const staging = new UploadStaging(opts.uploads ?? {}, opts.uploads?.dir);
  let port = opts.port ?? 0;

  const authorised = (req: IncomingMessage, url: URL): boolean => {
    if (!opts.token) return true;
    const header = req.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : (url.searchParams.get('token') ?? '');
    return sameSecret(given, opts.token);
  };

  const upload = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    // A refused body is not read: close the connection rather than drain it.
    const refuse = (status: number, error: { name: string; message: string; field?: string }) => {
      res.setHeader('Connection', 'close');
      send(res, status, { ok: false, error });
    };
    if (req.method !== 'POST' && req.method !== 'DELETE') {
      return refuse(405, { name: 'MethodError', message: 'use POST' });
    }
    const origin = crossOrigin(req);
    if (origin)
      return refuse(403, { name: 'OriginError', message: `cross-origin upload from ${origin} refused` });
    try {
      const { importId } = parseQuery('upload', UPLOAD_QUERY, url);
      if (req.method === 'DELETE') {
        return send(res, 200, { ok: true, result: { discarded: await staging.discard(importId) } });
      }
      // Not a type a cross-site form can send without a preflight.
      if (!(req.headers['content-type'] ?? '').startsWith('application/octet-stream')) {
        return refuse(415, { name: 'RequestError', message: 'the body must be application/octet-stream' });
      }
      const name = req.headers[UPLOAD_NAME_HEADER];
      if (typeof name !== 'string' || name === '') {
        const field = 'X-Upload-Name';
        return refuse(400, { name: 'RequestError', message: `${field} is required`, field });
      }
      const declared = req.headers['content-length'];
      const result = await staging.receive(importId, name, req, declared ? Number(declared) : undefined);
      return send(res, 200, { ok: true, result });
    } catch (err) {
      res.setHeader('Connection', 'close');
      return sendError(res, err, err instanceof UploadError ? err.status : undefined);
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const hostHeader = req.headers.host ?? '';
    const url = new URL(req.url ?? '/', `http://${hostHeader || 'localhost'}`);
    // DNS rebinding: a page on another name must not reach a loopback server.
    if (isLoopback(host) && !isLoopback(url.hostname)) {
      return fail(res, 421, 'HostError', `unexpected Host '${hostHeader}'`);
    }
    if (!authorised(req, url)) return fail(res, 401, 'AuthError', 'a valid token is required');

    if (url.pathname.startsWith('/api/call/')) {
      if (req.method !== 'POST') return fail(res, 405, 'MethodError', 'use POST');
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
        return fail(res, 415, 'RequestError', 'the body must be application/json');
      }
      const origin = crossOrigin(req);
      if (origin) return fail(res, 403, 'OriginError', `cross-origin call from ${origin} refused`);
      let params: unknown;
      try {
        const body = await readBody(req, limit);
        params = body ? (JSON.parse(body) as unknown) : {};
      } catch (err) {
        return fail(res, 400, 'RequestError', err instanceof Error ? err.message : String(err));
      }
      const method = decodeURIComponent(url.pathname.slice(10));
      // An import of an upload's staging folder: the folder goes when the import ends, however it ends.
      const importId = (params as { importId?: unknown } | null)?.importId;
      const staged = method === 'importDataset' && typeof importId === 'string' && staging.claim(importId);
      let result: unknown;
      try {
        result = await dispatch(opts.handlers, method, params);
      } catch (err) {
        return sendError(res, err);
      } finally {
        if (staged) await staging.discard(importId);
      }
      return send(res, 200, { ok: true, result });
    }

    if (url.pathname === '/api/export') {
      if (req.method !== 'GET') return fail(res, 405, 'MethodError', 'use GET');
      const origin = crossOrigin(req);
      if (origin) return fail(res, 403, 'OriginError', `cross-origin download from ${origin} refused`);
      if (!opts.exporter) return fail(res, 404, 'NotFound', 'this server does not export runs');
      try {
        return await sendExport(res, url, opts.exporter);
      } catch (err) {
        return sendError(res, err);
      }
    }

    if (url.pathname === '/api/upload') {
      return upload(req, res, url);
    }

    if (url.pathname === '/api/events') {
      res.writeHead(200, {
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
        'X-Content-Type-Options': 'nosniff',
      });
      res.write(': connected\n\n');
      streams.add(res);
      const off = opts.subscribe((e) => res.write(`data: ${JSON.stringify(e)}\n\n`));
      const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
      req.on('close', () => {
        off();
        clearInterval(ping);
        streams.delete(res);
      });
      return;
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(res, 405, 'MethodError', 'use GET');
    if (!staticDir) return fail(res, 404, 'NotFound', 'no renderer is served (build it first)');
    const rel = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '');
    const file = resolve(join(staticDir, rel || 'index.html'));
    if (file !== staticDir && !file.startsWith(staticDir + sep))
      return fail(res, 403, 'PathError', 'outside');
    const target = existsSync(file) && statSync(file).isFile() ? file : join(staticDir, 'index.html');
    if (!existsSync(target)) return fail(res, 404, 'NotFound', 'the renderer is not built');
    res.writeHead(200, {
      'Content-Type': TYPES[extname(target)] ?? 'application/octet-stream',
      'Content-Security-Policy': CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-cache',
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(target).pipe(res);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) fail(res, 500, 'Error', err instanceof Error ? err.message : String(err));
      else res.end();
    });
  });
  await new Promise<void>((ok, ko) => {
    server.once('error', ko);
    server.listen(port, host, () => ok());
  });
  port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    server,
    url: `http://${shown}:${port}/${opts.token ? `?token=${encodeURIComponent(opts.token)}` : ''}`,
    close: () =>
      new Promise<void>((ok) => {
        for (const s of streams) s.end();
        server.close(() => void staging.close().then(ok));
        server.closeAllConnections();
      }),
  };
}
