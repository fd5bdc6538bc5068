/**
 * How a training process is started: one interface, two launchers (child_process.fork under plain Node —
 * tests, CLI, serve mode — and Electron's utilityProcess in the app, see electron-launcher.ts).
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FromTrainer, ToTrainer } from '../../shared/trainer-protocol';

export interface TrainerProcess {
  readonly pid: number | undefined;
  send(message: ToTrainer): void;
  onMessage(listener: (message: FromTrainer) => void): void;
  /** Output lines of the process (stdout and stderr), for logs tagged with the run and pid. */
  onOutput(listener: (line: string, stream: 'stdout' | 'stderr') => void): void;
  /** Called once: when the process has exited, or could not be started (error set). */
  onExit(listener: (exit: { code: number | null; signal: string | null; error?: string }) => void): void;
  kill(signal?: NodeJS.Signals): void;
}

export type Launcher = () => TrainerProcess;

const here = dirname(fileURLToPath(import.meta.url));

/** The trainer entry: the built JS next to this bundle if present, else the TypeScript source via tsx. */
export function trainerEntry(): { path: string; execArgv: string[] } {
  const built = join(here, 'trainer.js');
  if (existsSync(built)) return { path: built, execArgv: [] };
  return { path: join(here, '../../trainer/main.ts'), execArgv: ['--import', 'tsx'] };
}

export function forkLauncher(entry = trainerEntry()): Launcher {
  return () => {
    const child = fork(entry.path, [], {
      execArgv: entry.execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const exit = exitOnce();
    const finish = exit.finish;
    child.on('error', (error) => finish({ code: null, signal: null, error: error.message }));
    child.on('exit', (code, signal) => finish({ code, signal }));
    return {
      get pid() {
        return child.pid;
      },
      send: (message) => {
        if (child.connected) child.send(message);
      },
      onMessage: (listener) => child.on('message', (m) => listener(m as FromTrainer)),
      onOutput: (listener) => {
        forwardLines(child.stdout, 'stdout', listener);
        forwardLines(child.stderr, 'stderr', listener);
      },
      onExit: exit.onExit,
      kill: (signal = 'SIGTERM') => {
        if (!exit.exited()) child.kill(signal);
      },
    };
  };
}

/** Split a child's output stream into lines for tagged logs. */
export function forwardLines(
  stream: NodeJS.ReadableStream | null | undefined,
  name: 'stdout' | 'stderr',
  listener: (line: string, stream: 'stdout' | 'stderr') => void,
): void {
  if (!stream) return;
  let buffer = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffer += chunk;
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) listener(line, name);
  });
}

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: string | null;
  readonly error?: string;
}

/** Exit bookkeeping shared by the launchers: listeners hear exactly one exit (or start failure). */
export function exitOnce() {
  let exited = false;
  const listeners: ((exit: ProcessExit) => void)[] = [];
  return {
    exited: () => exited,
    onExit: (listener: (exit: ProcessExit) => void) => {
      listeners.push(listener);
    },
    finish: (exit: ProcessExit) => {
      if (exited) return;
      exited = true;
      for (const l of listeners) l(exit);
    },
  };
}
