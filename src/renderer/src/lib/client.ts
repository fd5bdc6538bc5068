/**
 * The one client module: the contract's methods and push events over whichever transport the page has.
 * Inside Electron the preload exposes window.workbench (IPC); in serve mode the page talks to the HTTP
 * server (POST /api/call/<method>, server-sent events on /api/events). Tests mock this module only.
 */
import {
  METHOD_NAMES,
  type ContractError,
  type MethodName,
  UPLOAD_NAME_HEADER,
  type UploadResult,
  type WorkbenchClient,
} from '../../../shared/contract';
import type { ExportFormat } from '../../../shared/exports';
import type { WorkbenchEvent } from '../../../shared/workbench-events';

export type Transport = 'ipc' | 'http';

/** What GET /api/export takes (serve mode). */
export interface ExportLink {
  readonly runId: number;
  readonly format: ExportFormat;
  readonly step?: number;
  readonly count?: number;
}

export interface Connection {
  readonly client: WorkbenchClient;
  /** Listen to push events; returns the unsubscribe function. */
  subscribe(listener: (e: WorkbenchEvent) => void): () => void;
  readonly transport: Transport;
  /** HTTP only: the URL that downloads an export (with the page's token when it has one). */
  readonly exportUrl?: (link: ExportLink) => string;
  /** HTTP only: send one file of an upload (`name`: its path in the chosen folder). */
  readonly upload?: (
    importId: string,
    name: string,
    file: Blob,
    signal?: AbortSignal,
  ) => Promise<UploadResult>;
  /** HTTP only: drop an upload that will not be imported. */
  readonly discardUpload?: (importId: string) => Promise<void>;
  /** IPC only: the file-system path of a dropped file ('' when it has none). */
  readonly pathForFile?: (file: File) => string;
}

/** A failed call: the contract error's name and message, and the bad input field when there is one. */
export class WorkbenchError extends Error {
  constructor(
    message: string,
    name = 'Error',
    readonly field?: string,
  ) {
    super(message);
    this.name = name;
  }
}

type Caller = (method: MethodName, params: unknown) => Promise<unknown>;

function buildClient(call: Caller): WorkbenchClient {
  const entries = METHOD_NAMES.map((m) => [m, (params: unknown) => call(m, params ?? {})]);
  return Object.fromEntries(entries) as WorkbenchClient;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/**
 * Main's answer over IPC (a CallEnvelope): the result, or a WorkbenchError with the contract error's name,
 * message and field. Anything else is refused as a malformed answer rather than passed on as a result.
 */
export function unwrapEnvelope(method: string, envelope: unknown): unknown {
  if (isRecord(envelope) && envelope['ok'] === true && Object.hasOwn(envelope, 'result')) {
    return envelope['result'];
  }
  if (isRecord(envelope) && envelope['ok'] === false && isRecord(envelope['error'])) {
    const { name, message, field } = envelope['error'];
    if (typeof name === 'string' && typeof message === 'string') {
      throw new WorkbenchError(message, name, typeof field === 'string' ? field : undefined);
    }
  }
  throw new WorkbenchError(`${method}: malformed answer from the main process`, 'ProtocolError');
}

function ipcConnection(api: NonNullable<Window['workbench']>): Connection {
  const call: Caller = async (method, params) => {
    let envelope: unknown;
    try {
      envelope = await api.call(method, params);
    } catch (err) {
      // Main answers every call with an envelope; a rejection means IPC itself failed.
      const reason = err instanceof Error ? err.message : String(err);
      throw new WorkbenchError(`${method}: the call did not reach the main process (${reason})`, 'IpcError');
    }
    return unwrapEnvelope(method, envelope);
  };
  return {
    transport: 'ipc',
    client: buildClient(call),
    subscribe: (listener) => api.onEvent(listener),
    pathForFile: (file) => api.pathForFile(file),
  };
}

function isErrorBody(v: unknown): v is { ok: false; error: ContractError } {
  return typeof v === 'object' && v !== null && (v as { ok?: unknown }).ok === false;
}

/** A JSON answer of the server: its result, or a WorkbenchError with the contract error. */
async function readAnswer(res: Response, what: string): Promise<unknown> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new WorkbenchError(`${what}: the server answered ${res.status} without JSON`, 'NetworkError');
  }
  if (isErrorBody(body)) {
    throw new WorkbenchError(body.error.message, body.error.name, body.error.field);
  }
  if (!res.ok) throw new WorkbenchError(`${what}: HTTP ${res.status}`, 'NetworkError');
  return (body as { result: unknown }).result;
}

async function request(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new WorkbenchError(`cannot reach the workbench server (${String(err)})`, 'NetworkError');
  }
}

function httpConnection(base: string, token: string | null): Connection {
  const auth: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  const headers: Record<string, string> = { 'Content-Type': 'application/json', ...auth };
  const call: Caller = async (method, params) => {
    const res = await request(`${base}/api/call/${encodeURIComponent(method)}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(params),
    });
    return readAnswer(res, method);
  };
  const uploadUrl = (importId: string) => `${base}/api/upload?importId=${encodeURIComponent(importId)}`;

  // One EventSource for every listener, opened with the first and closed with the last.
  const listeners = new Set<(e: WorkbenchEvent) => void>();
  let source: EventSource | null = null;
  const open = (): EventSource => {
    const url = `${base}/api/events${token ? `?token=${encodeURIComponent(token)}` : ''}`;
    const es = new EventSource(url);
    es.onmessage = (msg: MessageEvent<string>) => {
      let event: WorkbenchEvent;
      try {
        event = JSON.parse(msg.data) as WorkbenchEvent;
      } catch {
        return;
      }
      for (const l of [...listeners]) l(event);
    };
    return es;
  };
  return {
    transport: 'http',
    client: buildClient(call),
    exportUrl: (link) => {
      const q = new URLSearchParams({ runId: String(link.runId), format: link.format });
      if (link.step !== undefined) q.set('step', String(link.step));
      if (link.count !== undefined) q.set('count', String(link.count));
      // A link cannot send headers: the token goes in the query, as for the event stream.
      if (token) q.set('token', token);
      return `${base}/api/export?${q.toString()}`;
    },
    upload: async (importId, name, file, signal) => {
      const res = await request(uploadUrl(importId), {
        method: 'POST',
        headers: {
          ...auth,
          'Content-Type': 'application/octet-stream',
          [UPLOAD_NAME_HEADER]: encodeURIComponent(name),
        },
        body: file,
        ...(signal ? { signal } : {}),
      });
      return (await readAnswer(res, 'upload')) as UploadResult;
    },
    discardUpload: async (importId) => {
      await readAnswer(await request(uploadUrl(importId), { method: 'DELETE', headers: auth }), 'upload');
    },
    subscribe: (listener) => {
      listeners.add(listener);
      source ??= open();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && source) {
          source.close();
          source = null;
        }
      };
    },
  };
}

export function createClient(): Connection {
  if (typeof window !== 'undefined' && window.workbench) return ipcConnection(window.workbench);
  const token = new URLSearchParams(window.location.search).get('token');
  return httpConnection('', token);
}
