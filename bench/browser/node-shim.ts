/**
 * Stand-ins for the Node modules that the engine's shared code imports (node:fs, node:path, node:url,
 * node:zlib), for the browser bench's bundle only (bench/browser.ts aliases them here). The training step
 * never touches files: the page gets its data from the bench's server. `join` is called while modules
 * load (file names of resources), so it works; everything else throws if it is ever reached.
 */

function unavailable(name: string): never {
  throw new Error(`${name} is not available in the browser bench`);
}

export function join(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}

export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? (i === 0 ? '/' : '.') : path.slice(0, i);
}

export function existsSync(_path: string): boolean {
  return false;
}

export function readFileSync(_path: string): never {
  return unavailable('readFileSync');
}

export function fileURLToPath(_url: string | URL): never {
  return unavailable('fileURLToPath');
}

export function gunzipSync(_data: Uint8Array): never {
  return unavailable('gunzipSync');
}

export default { join, dirname, existsSync, readFileSync, fileURLToPath, gunzipSync };
