#!/usr/bin/env node
/**
 * WGAN Workbench command line: `npm run cli -- <command> [options]`. Other tools script this interface;
 * every command takes --json for machine-readable output on stdout.
 */
import { CliError } from './args';
import { FIGURES_USAGE, figuresCommand } from './figures-command';
import { IMPORT_USAGE, importCommand } from './import-command';
import { exportCommand, RUNS_USAGE, runsCommand } from './runs-command';
import { SERVE_USAGE, serveCommand } from './serve-command';
import { pairCommand, resumeCommand, TRAIN_USAGE, trainCommand } from './train-command';

const USAGE = `WGAN Workbench CLI — npm run cli -- <command> [options]

${TRAIN_USAGE}
${IMPORT_USAGE}
${RUNS_USAGE}
${FIGURES_USAGE}
${SERVE_USAGE}

The database defaults to the app's (user-data directory); --db PATH or WGAN_DB=PATH picks another.
Exit codes: 0 done, 2 bad arguments, 3 a run diverged, 4 a run stopped or failed, 1 other errors (an
import that found no picture to import included).`;

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  train: trainCommand,
  pair: pairCommand,
  resume: resumeCommand,
  import: importCommand,
  runs: runsCommand,
  export: exportCommand,
  figures: figuresCommand,
  serve: serveCommand,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || ['help', '--help', '-h'].includes(command) || rest.includes('--help')) {
    console.log(USAGE);
    return 0;
  }
  const run = COMMANDS[command];
  if (!run)
    throw new CliError(`unknown command '${command}' (try: ${Object.keys(COMMANDS).join(', ')}, help)`);
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const known =
      error instanceof CliError ||
      (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'));
    const message = error instanceof Error ? error.message : String(error);
    console.error(`error: ${message}`);
    if (!known && error instanceof Error && process.env['WGAN_DEBUG']) console.error(error.stack);
    process.exitCode = known ? 2 : 1;
  },
);
