/**
 * `npm start` runs this first: it puts a better-sqlite3 addon built for Electron's ABI in
 * .electron-native/better_sqlite3.node, which the app loads through better-sqlite3's `nativeBinding`
 * option. The copy in node_modules stays built for Node, for the tests, the CLI and serve mode.
 *
 * It works on a copy of the package (never touching node_modules): first a prebuilt binary for this
 * Electron (prebuild-install, from the better-sqlite3 releases), else a compile against Electron's headers
 * (node-gyp; needs a C++ toolchain). Both need the network once; the result is cached by version.
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const version = (pkg: string) =>
  (JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string })
    .version;
const electron = version('electron');
const sqlite = version('better-sqlite3');
const outDir = join(root, '.electron-native');
const target = join(outDir, 'better_sqlite3.node');
const stamp = join(outDir, 'version.json');
const want = JSON.stringify({ electron, sqlite, platform: process.platform, arch: process.arch });

if (existsSync(target) && existsSync(stamp) && readFileSync(stamp, 'utf8') === want) {
  console.log(`better-sqlite3 ${sqlite} for Electron ${electron}: ready`);
} else {
  const work = mkdtempSync(join(tmpdir(), 'wgan-electron-sqlite-'));
  const pkgDir = join(work, 'better-sqlite3');
  try {
    cpSync(join(root, 'node_modules', 'better-sqlite3'), pkgDir, {
      recursive: true,
      filter: (src) => !src.includes(`${join('better-sqlite3', 'build')}`),
    });
    const env = { ...process.env, npm_config_runtime: 'electron', npm_config_target: electron };
    const run = (cmd: string, args: string[]) =>
      execFileSync(cmd, args, { cwd: pkgDir, stdio: 'inherit', env });
    try {
      run(join(root, 'node_modules', '.bin', 'prebuild-install'), [
        '--runtime',
        'electron',
        '--target',
        electron,
        '--arch',
        process.arch,
        '--platform',
        process.platform,
      ]);
    } catch {
      console.log('no prebuilt better-sqlite3 for this Electron; compiling against its headers');
      run(process.platform === 'win32' ? 'npx.cmd' : 'npx', [
        '--yes',
        'node-gyp',
        'rebuild',
        '--release',
        `--target=${electron}`,
        '--runtime=electron',
        '--dist-url=https://electronjs.org/headers',
      ]);
    }
    const built = join(pkgDir, 'build', 'Release', 'better_sqlite3.node');
    if (!existsSync(built)) throw new Error(`no addon at ${built}`);
    mkdirSync(outDir, { recursive: true });
    copyFileSync(built, target);
    writeFileSync(stamp, want);
    console.log(`better-sqlite3 ${sqlite} built for Electron ${electron}: ${target}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
