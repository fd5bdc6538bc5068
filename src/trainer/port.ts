/**
 * The training process's one channel to main: Node's IPC (child_process.fork with 'advanced'
 * serialization) or Electron's utilityProcess parentPort. Both carry typed arrays by structured clone.
 */
import type { FromTrainer, ToTrainer } from '../shared/trainer-protocol';

export interface TrainerPort {
  /** Resolves once the message has left this process. */
  post(message: FromTrainer): Promise<void>;
  onMessage(listener: (message: ToTrainer) => void): void;
}

interface ElectronParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

export function connectPort(): TrainerPort {
  const parentPort = (process as unknown as { parentPort?: ElectronParentPort }).parentPort;
  if (parentPort) {
    return {
      post: async (message) => parentPort.postMessage(message),
      onMessage: (listener) => parentPort.on('message', (event) => listener(event.data as ToTrainer)),
    };
  }
  const send = process.send?.bind(process);
  if (!send) throw new Error('the training process must be started by WGAN Workbench (no IPC channel)');
  return {
    post: (message) =>
      new Promise((resolve, reject) => {
        send(message, undefined, {}, (error: Error | null) => (error ? reject(error) : resolve()));
      }),
    onMessage: (listener) => process.on('message', (message) => listener(message as ToTrainer)),
  };
}
