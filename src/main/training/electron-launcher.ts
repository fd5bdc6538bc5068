/**
 * The app's launcher: Electron's utilityProcess (a Node.js child that Electron manages, with
 * structured-clone messaging). Used only inside the Electron main process.
 */
import { utilityProcess } from 'electron';
import type { FromTrainer } from '../../shared/trainer-protocol';
import { exitOnce, forwardLines, type Launcher } from './launcher';

export function utilityLauncher(entryPath: string): Launcher {
  return () => {
    const child = utilityProcess.fork(entryPath, [], { serviceName: 'WGAN training', stdio: 'pipe' });
    const exit = exitOnce();
    const finish = exit.finish;
    child.on('exit', (code) => finish({ code, signal: null }));
    child.on('error', (type, location) =>
      finish({ code: null, signal: null, error: `${type} at ${location}` }),
    );
    return {
      get pid() {
        return child.pid;
      },
      send: (message) => {
        if (!exit.exited()) child.postMessage(message);
      },
      onMessage: (listener) => child.on('message', (m: unknown) => listener(m as FromTrainer)),
      onOutput: (listener) => {
        forwardLines(child.stdout, 'stdout', listener);
        forwardLines(child.stderr, 'stderr', listener);
      },
      onExit: exit.onExit,
      kill: () => {
        if (!exit.exited()) child.kill();
      },
    };
  };
}
