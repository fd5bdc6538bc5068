/**
 * Imports the folder given as argv[2] and prints {files, skipped} as JSON. hostile.test.ts runs it as an
 * unprivileged user when the tests run as root (where mode 000 stops no read), to see the EACCES reasons.
 */
import { EmptyImportError, importImages } from '../../../src/main/import/import';
import { resolveImportOptions } from '../../../src/main/import/options';

const source = process.argv[2];
if (source === undefined) throw new Error('usage: as-user.child.ts <folder>');
try {
  const r = await importImages([source], resolveImportOptions({ size: 28 }));
  console.log(JSON.stringify({ files: r.files, skipped: r.skipped }));
} catch (err) {
  if (!(err instanceof EmptyImportError)) throw err;
  console.log(JSON.stringify({ files: [], skipped: err.skipped }));
}
