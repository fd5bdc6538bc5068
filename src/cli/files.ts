import { rename, writeFile } from 'node:fs/promises';

/** Write through a temporary file and rename, so a reader never sees half a file. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}
