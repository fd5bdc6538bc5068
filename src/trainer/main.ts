/**
 * Entry point of a training process (child_process.fork under Node, utilityProcess in Electron).
 * Exit codes: 0 after an 'end' message (completed, stopped, paused or diverged), 1 on an error.
 */
import type { ToTrainer } from '../shared/trainer-protocol';
import { connectPort } from './port';
import { runTrainer } from './run';

const port = connectPort();
let stop = false;
let started = false;

port.onMessage((message: ToTrainer) => {
  if (message.type === 'stop') {
    stop = true;
    if (!started) process.exit(0);
    return;
  }
  if (started) return;
  started = true;
  runTrainer(port, message, () => stop).then(
    () => process.exit(0),
    async (error: unknown) => {
      const e = error instanceof Error ? error : new Error(String(error));
      await port.post({ type: 'error', name: e.name, message: e.message }).catch(() => undefined);
      process.exit(1);
    },
  );
});

// If main dies (even by SIGKILL) the IPC channel closes: stop at once; the run resumes from its checkpoint.
process.on('disconnect', () => process.exit(0));

void port.post({ type: 'ready', pid: process.pid });
