import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (this file lives in src/cli). */
export const ROOT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
