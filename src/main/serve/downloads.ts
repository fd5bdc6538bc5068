/**
 * Serve mode's export download, GET /api/export?runId=&format=&step=&count= (the query is the contract's
 * EXPORT_QUERY). The export is written into a fresh temporary folder by the service, sent as an
 * attachment, and the folder is removed once the answer is done. 'pngs' (a folder of PNGs elsewhere) comes
 * as one uncompressed ZIP archive, since a browser download is a single file.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { EXPORT_QUERY } from '../../shared/contract';
import { type ExportFormat, type ExportOutcome, exportFileName } from '../../shared/exports';
import type { ExportRequest } from '../service/run-export';
import { zipStored } from '../export/zip';
import { parseQuery } from './http';

/** Writes one export of a run (the workbench's exportRun). */
export type Exporter = (runId: number, req: ExportRequest) => Promise<ExportOutcome>;

const CONTENT_TYPES: Record<ExportFormat, string> = {
  grid: 'image/png',
  gif: 'image/gif',
  pngs: 'application/zip',
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

function headers(format: ExportFormat, name: string, length: number): Record<string, string | number> {
  return {
    'Content-Type': CONTENT_TYPES[format],
    'Content-Length': length,
    // Our own names: ASCII letters, digits, '-' and '.', so no quoting beyond the quotes is needed.
    'Content-Disposition': `attachment; filename="${name}"`,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  };
}

/** Answers GET /api/export; throws (before anything is sent) a RequestError or the export's error. */
export async function sendExport(res: ServerResponse, url: URL, exporter: Exporter): Promise<void> {
  const q = parseQuery('export', EXPORT_QUERY, url);
  const tmp = await mkdtemp(join(tmpdir(), 'wgan-download-'));
  const cleanup = () => rm(tmp, { recursive: true, force: true }).catch(() => undefined);
  try {
    const out = join(tmp, q.format === 'pngs' ? 'pngs' : `export.${q.format}`);
    const r = await exporter(q.runId, {
      format: q.format,
      out,
      ...(q.step !== undefined ? { step: q.step } : {}),
      ...(q.count !== undefined ? { count: q.count } : {}),
    });
    const step = q.format === 'csv' || q.format === 'json' ? undefined : r.step;
    const name = exportFileName(q.runId, q.format, step);
    if (q.format === 'pngs') {
      const entries = await Promise.all(
        r.paths.map(async (p) => ({ name: `${name}/${basename(p)}`, data: await readFile(p) })),
      );
      const zip = zipStored(entries);
      await cleanup();
      res.writeHead(200, headers('pngs', `${name}.zip`, zip.length));
      res.end(zip);
      return;
    }
    const file = r.paths[0] as string;
    const { size } = await stat(file);
    res.writeHead(200, headers(q.format, name, size));
    res.on('close', () => void cleanup());
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  } catch (err) {
    await cleanup();
    throw err;
  }
}
