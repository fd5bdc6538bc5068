/**
 * Runs @doyensec/electronegativity (an Electron security scanner) over the app's sources and fails on any
 * HIGH or CRITICAL finding; lower ones are listed. Part of `npm test`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const electron = (
  JSON.parse(readFileSync('node_modules/electron/package.json', 'utf8')) as { version: string }
).version;
const dir = mkdtempSync(join(tmpdir(), 'wgan-eneg-'));
const out = join(dir, 'findings.csv');
try {
  const r = spawnSync(
    'node_modules/.bin/electronegativity',
    ['-i', 'src', '-r', '-v', 'false', '-e', electron, '-o', out],
    { encoding: 'utf8', timeout: 300_000 },
  );
  if (r.error) throw r.error;
  const rows = readFileSync(out, 'utf8').trim().split('\n').slice(1);
  const findings = rows.map((row) => {
    const [check = '', severity = ''] = row.split(',');
    return { check, severity: severity.replaceAll('"', ''), row };
  });
  const severe = findings.filter((f) => f.severity === 'HIGH' || f.severity === 'CRITICAL');
  for (const f of findings) console.log(`${f.severity.padEnd(8)} ${f.check}`);
  if (severe.length > 0) {
    console.error(
      `electronegativity: ${severe.length} high-severity finding(s):\n${severe.map((f) => f.row).join('\n')}`,
    );
    process.exitCode = 1;
  } else {
    console.log(`electronegativity ${electron}: ${findings.length} finding(s), none high-severity`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
