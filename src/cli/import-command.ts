import { parseArgs } from 'node:util';
import { EmptyImportError } from '../main/import/import';
import { CHANNEL_MODES, FIT_MODES, ImportOptionsError } from '../main/import/options';
import type { ImportOutcome, ImportSkip } from '../shared/imports';
import { CliError, oneOf } from './args';
import { ProgressBar } from './progress';
import { openWorkbench } from './service';

export const IMPORT_USAGE = `  import --folder PATH [--folder PATH ...] | --idx IMAGES [--labels LABELS]
        [--name NAME] [--size 28|32|64] [--fit crop|pad|stretch] [--channels gray|rgb]
        [--background #rrggbb] [--pad-color #rrggbb] [--no-recursive] [--include-hidden] [--db PATH] [--json]
      Imports pictures (PNG, JPEG, WebP, GIF, TIFF, BMP, AVIF; folders searched recursively; a file given
      as --folder is taken whatever its name) or IDX files (optionally gzipped) as a dataset, decoded once
      into a cache file in <db folder>/datasets. Prints what was imported, every file skipped and why (the
      first 20 on screen; all with --json) and the dataset id: train on it with train --dataset ds-...
      Defaults: size 32, fit crop, channels rgb (IDX: size 28, gray), black background and padding.
      Importing an unchanged source again returns the stored dataset at once (reported as cached).
      Exit 1 when no picture could be imported.`;

/** Skipped files listed on screen (all of them with --json). */
const SHOWN = 20;

function listSkips(skipped: readonly ImportSkip[], total: number, write: (line: string) => void): void {
  if (total === 0) return;
  write('skipped:');
  for (const s of skipped.slice(0, SHOWN)) write(`  ${s.path}: ${s.reason}`);
  if (total > SHOWN) write(`  ... and ${(total - SHOWN).toLocaleString('en-US')} more (--json lists them)`);
}

export async function importCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      folder: { type: 'string', multiple: true, default: [] },
      idx: { type: 'string' },
      labels: { type: 'string' },
      name: { type: 'string' },
      size: { type: 'string' },
      fit: { type: 'string' },
      channels: { type: 'string' },
      background: { type: 'string' },
      'pad-color': { type: 'string' },
      'no-recursive': { type: 'boolean', default: false },
      'include-hidden': { type: 'boolean', default: false },
      db: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length > 0) {
    throw new CliError(`unexpected argument '${positionals[0]}' (name folders with --folder PATH)`);
  }
  const folders = values.folder;
  const idx = values.idx;
  if (folders.length === 0 && idx === undefined) {
    throw new CliError('import needs --folder PATH (one or more) or --idx IMAGES [--labels LABELS]');
  }
  if (folders.length > 0 && idx !== undefined) throw new CliError('give --folder or --idx, not both');
  if (values.labels !== undefined && idx === undefined) throw new CliError('--labels goes with --idx');
  if (values.name !== undefined && values.name.trim() === '') throw new CliError('--name cannot be empty');
  const options: Record<string, unknown> = {
    ...(idx !== undefined ? { size: 28, channels: 'gray' } : {}),
    ...(values.size !== undefined ? { size: Number(oneOf('size', values.size, ['28', '32', '64'])) } : {}),
    ...(values.fit !== undefined ? { fit: oneOf('fit', values.fit, FIT_MODES) } : {}),
    ...(values.channels !== undefined ? { channels: oneOf('channels', values.channels, CHANNEL_MODES) } : {}),
    ...(values.background !== undefined ? { background: values.background } : {}),
    ...(values['pad-color'] !== undefined ? { padColor: values['pad-color'] } : {}),
    ...(values['no-recursive'] ? { recursive: false } : {}),
    ...(values['include-hidden'] ? { includeHidden: true } : {}),
  };

  const cli = await openWorkbench(values.db);
  const abort = new AbortController();
  const interrupt = (): void => abort.abort();
  process.once('SIGINT', interrupt);
  let bar: ProgressBar | undefined;
  const started = performance.now();
  const onProgress = (p: {
    phase: string;
    done: number;
    total: number;
    imported: number;
    skipped: number;
  }) => {
    if (values.json || p.phase !== 'decoding' || p.total === 0) return;
    bar ??= new ProgressBar(p.total, 'import', process.stderr, 'files/s');
    const rate = p.done / Math.max((performance.now() - started) / 1000, 1e-3);
    bar.update(p.done, rate, `${p.skipped} skipped`);
  };
  const name = values.name?.trim();
  const req = { ...(name !== undefined ? { name } : {}), signal: abort.signal, onProgress };
  let outcome: ImportOutcome;
  try {
    outcome =
      idx !== undefined
        ? await cli.wb.importIdx(idx, values.labels, options, req)
        : await cli.wb.importFolder(folders, options, req);
  } catch (err) {
    bar?.done();
    if (err instanceof ImportOptionsError) throw new CliError(err.message);
    if (err instanceof EmptyImportError) {
      if (values.json) console.log(JSON.stringify({ error: err.message, skipped: err.skipped }));
      else listSkips(err.skipped, err.skipped.length, (l) => console.error(l));
      console.error(`error: ${[idx ?? folders].flat().join(', ')}: ${err.message}`);
      return 1;
    }
    if (err instanceof Error && err.name === 'AbortError') {
      console.error('import cancelled; nothing was stored');
      return 1;
    }
    throw err;
  } finally {
    process.off('SIGINT', interrupt);
    await cli.close();
  }
  bar?.done();
  const { dataset: d, report: r } = outcome;
  const shape = `${d.height} x ${d.width} ${d.channels === 1 ? 'gray' : 'rgb'}`;
  if (values.json) {
    console.log(
      JSON.stringify({
        datasetId: d.id,
        name: d.name,
        kind: d.kind,
        cached: r.cached,
        count: d.count,
        height: d.height,
        width: d.width,
        channels: d.channels,
        labels: r.labels,
        imported: r.imported,
        skippedCount: r.skippedCount,
        skipped: r.skipped,
        notes: r.notes,
        summary: r.summary,
        elapsedMs: Math.round(r.elapsedMs),
        cacheFile: outcome.cacheFile,
        sourcePath: d.sourcePath,
        mean: d.meta['mean'],
        std: d.meta['std'],
      }),
    );
    return 0;
  }
  const seconds = (r.elapsedMs / 1000).toFixed(2);
  console.log(r.cached ? `${r.summary} (cache hit, ${seconds} s)` : `${r.summary} in ${seconds} s`);
  listSkips(r.skipped, r.skippedCount, (l) => console.log(l));
  if (r.notes.length > 0) {
    console.log('notes:');
    for (const n of r.notes.slice(0, SHOWN)) console.log(`  ${n.path}: ${n.note}`);
    if (r.notes.length > SHOWN) console.log(`  ... and ${r.notes.length - SHOWN} more (--json lists them)`);
  }
  console.log(`dataset ${d.id}: "${d.name}", ${d.count?.toLocaleString('en-US')} images of ${shape}`);
  console.log(
    `train on it: npm run cli -- train --dataset ${d.id} --method gp${values.db ? ` --db ${values.db}` : ''}`,
  );
  return 0;
}
