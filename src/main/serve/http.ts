/** Small pieces the serve-mode routes share: JSON answers, errors as HTTP statuses, query validation. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { ContractError } from '../../shared/contract';
import { invalidInput, isContractError, RequestError, toContractError } from '../api/handlers';

export function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(text);
}

export function fail(res: ServerResponse, status: number, name: string, message: string): void {
  send(res, status, { ok: false, error: { name, message } });
}

/** Names of errors the caller caused (bad input, or a request the service refused): HTTP 400. */
const CALLER_ERRORS = new Set(['RequestError', 'ConfigError', 'ImportOptionsError', 'ExportError']);

/** The HTTP status of a failed call: 404 for a missing run, 400 for the caller's errors, else 500. */
export function httpStatus(error: ContractError): number {
  if (/^no run with id/.test(error.message)) return 404;
  return CALLER_ERRORS.has(error.name) ? 400 : 500;
}

/** Answers with a failure as { ok: false, error } and its status (an explicit one wins). */
export function sendError(res: ServerResponse, err: unknown, status?: number): void {
  const error = !(err instanceof Error) && isContractError(err) ? err : toContractError(err);
  send(res, status ?? httpStatus(error), { ok: false, error });
}

/**
 * Who else sent a request, when a browser says it was not our own page: its Origin, or for requests
 * without one (a link, a download) Sec-Fetch-Site, which must be 'same-origin' or 'none' (typed in). Other
 * clients (curl, the tests) send neither and pass; the token guards them.
 */
export function crossOrigin(req: IncomingMessage): string | undefined {
  const origin = req.headers.origin;
  if (origin && origin !== `http://${req.headers.host ?? ''}`) return origin;
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return `a ${site} page`;
  return undefined;
}

/**
 * A query string checked with a contract schema; `token` (checked before) is left out, and a name given
 * twice is refused. Throws a RequestError naming the field, as a bad call's params do.
 */
export function parseQuery<S extends z.ZodType>(what: string, schema: S, url: URL): z.output<S> {
  const params: Record<string, string> = {};
  for (const [key, value] of url.searchParams) {
    if (key === 'token') continue;
    if (Object.hasOwn(params, key)) {
      throw new RequestError(`${what}: ${key}: given more than once`, key);
    }
    params[key] = value;
  }
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw invalidInput(what, parsed.error);
  return parsed.data;
}
