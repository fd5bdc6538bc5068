#!/usr/bin/env node
/**
 * WGAN Workbench command line: `npm run cli -- <command> [options]`. Other tools script this interface.
 */
import { CliError } from './args';
import { TRAIN_USAGE, trainCommand } from './train-command';

const USAGE = `WGAN Workbench CLI

commands:
  train     train one run (see: npm run cli -- train --help)
  help      show this text

${TRAIN_USAGE}`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'train':
      return trainCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      throw new CliError(`unknown command '${command}' (try: train, help)`);
  }
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
