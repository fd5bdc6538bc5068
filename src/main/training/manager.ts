/**
 * The training manager: starts one process per run, queues runs beyond a concurrency limit, watches
 * each process and reports how it ended. Stop is graceful (the trainer checkpoints and exits) with a
 * timeout, then a kill.
 */
import { availableParallelism, cpus } from 'node:os';
import type { FromTrainer, TrainerStart } from '../../shared/trainer-protocol';
import type { Launcher, TrainerProcess } from './launcher';

export type ExitReason = 'completed' | 'stopped' | 'paused' | 'crashed' | 'diverged' | 'launch-failed';

export interface RunExit {
  readonly runId: number;
  readonly reason: ExitReason;
  readonly pid: number | undefined;
  readonly code: number | null;
  readonly signal: string | null;
  /** Why, in words, for crashed / diverged / launch-failed. */
  readonly detail?: string;
}

export interface RunHandlers {
  onLaunch?(pid: number | undefined): void;
  onMessage(message: FromTrainer): void;
  onExit(exit: RunExit): void;
}

export interface ManagerOptions {
  readonly launcher: Launcher;
  /** How many runs train at once (default: number of cores). */
  readonly concurrency?: number;
  /** Cores the runs share (default: os.availableParallelism()); see TrainerStart.wasmThreads. */
  readonly cores?: number;
  /** How long a graceful stop may take before the process is killed (default 15 s). */
  readonly stopTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

interface Active {
  readonly start: TrainerStart;
  readonly handlers: RunHandlers;
  readonly proc: TrainerProcess;
  ended?: FromTrainer & { type: 'end' };
  error?: string;
  ready: boolean;
  stopRequested?: 'stop' | 'pause';
  killTimer?: NodeJS.Timeout;
  exited: Promise<void>;
}

export class TrainingManager {
  private readonly active = new Map<number, Active>();
  private readonly queue: { start: TrainerStart; handlers: RunHandlers }[] = [];
  private readonly concurrency: number;
  private readonly cores: number;
  private readonly stopTimeoutMs: number;
  private readonly log: (line: string) => void;

  constructor(private readonly opts: ManagerOptions) {
    this.concurrency = Math.max(1, opts.concurrency ?? cpus().length);
    this.cores = Math.max(1, opts.cores ?? availableParallelism());
    this.stopTimeoutMs = opts.stopTimeoutMs ?? 15_000;
    this.log = opts.log ?? (() => undefined);
  }

  /** Start (or queue) a run. The start config is frozen: the process gets exactly this, plus wasmThreads. */
  start(start: TrainerStart, handlers: RunHandlers): 'started' | 'queued' {
    if (this.active.has(start.runId) || this.queue.some((q) => q.start.runId === start.runId)) {
      throw new Error(`run ${start.runId} is already training`);
    }
    const frozen = Object.freeze({ ...start });
    if (this.active.size >= this.concurrency) {
      this.queue.push({ start: frozen, handlers });
      return 'queued';
    }
    this.launch(frozen, handlers);
    return 'started';
  }

  isTraining(runId: number): boolean {
    return this.active.has(runId);
  }

  isQueued(runId: number): boolean {
    return this.queue.some((q) => q.start.runId === runId);
  }

  runningIds(): number[] {
    return [...this.active.keys()];
  }

  /** Graceful stop: the trainer checkpoints and exits; after the timeout it is killed. */
  async stop(runId: number, reason: 'stop' | 'pause' = 'stop'): Promise<void> {
    const queued = this.queue.findIndex((q) => q.start.runId === runId);
    if (queued >= 0) {
      const [q] = this.queue.splice(queued, 1);
      q?.handlers.onExit({
        runId,
        reason: reason === 'pause' ? 'paused' : 'stopped',
        pid: undefined,
        code: null,
        signal: null,
      });
      return;
    }
    const a = this.active.get(runId);
    if (!a) return;
    a.stopRequested = reason;
    a.proc.send({ type: 'stop', reason });
    a.killTimer ??= setTimeout(() => {
      this.log(`[run ${runId} pid ${a.proc.pid}] did not stop within ${this.stopTimeoutMs} ms; killing it`);
      a.proc.kill('SIGKILL');
    }, this.stopTimeoutMs);
    await a.exited;
  }

  /** Stop everything (app quit). Queued runs are dropped as stopped. */
  async shutdown(): Promise<void> {
    for (const q of this.queue.splice(0)) {
      q.handlers.onExit({
        runId: q.start.runId,
        reason: 'stopped',
        pid: undefined,
        code: null,
        signal: null,
      });
    }
    await Promise.all([...this.active.keys()].map((id) => this.stop(id, 'pause')));
  }

  private launch(start: TrainerStart, handlers: RunHandlers): void {
    let resolveExited: () => void = () => undefined;
    const exited = new Promise<void>((r) => (resolveExited = r));
    let proc: TrainerProcess;
    try {
      proc = this.opts.launcher();
    } catch (error) {
      handlers.onExit({
        runId: start.runId,
        reason: 'launch-failed',
        pid: undefined,
        code: null,
        signal: null,
        detail: error instanceof Error ? error.message : String(error),
      });
      this.next();
      return;
    }
    const a: Active = { start, handlers, proc, ready: false, exited };
    this.active.set(start.runId, a);
    const tag = () => `[run ${start.runId} pid ${proc.pid}]`;
    proc.onOutput((line, stream) => this.log(`${tag()} ${stream === 'stderr' ? 'stderr: ' : ''}${line}`));
    proc.onMessage((message) => {
      switch (message.type) {
        case 'ready':
          a.ready = true;
          proc.send({ ...start, wasmThreads: this.wasmThreads() });
          break;
        case 'end':
          a.ended = message;
          break;
        case 'error':
          a.error = `${message.name}: ${message.message}`;
          this.log(`${tag()} error: ${a.error}`);
          break;
        case 'log':
          this.log(`${tag()} ${message.level}: ${message.message}`);
          break;
        default:
          break;
      }
      handlers.onMessage(message);
    });
    proc.onExit(({ code, signal, error }) => {
      if (a.killTimer) clearTimeout(a.killTimer);
      this.active.delete(start.runId);
      const exit = this.classify(a, code, signal, error);
      this.log(`${tag()} exited (${exit.reason}${exit.detail ? `: ${exit.detail}` : ''})`);
      handlers.onExit(exit);
      resolveExited();
      this.next();
    });
    handlers.onLaunch?.(proc.pid);
    this.log(`${tag()} started`);
  }

  private classify(a: Active, code: number | null, signal: string | null, error?: string): RunExit {
    const base = { runId: a.start.runId, pid: a.proc.pid, code, signal };
    if (a.ended) {
      const s = a.ended.status;
      if (s === 'diverged') return { ...base, reason: 'diverged', detail: a.ended.reason };
      if (s === 'stopped') return { ...base, reason: a.stopRequested === 'pause' ? 'paused' : 'stopped' };
      return { ...base, reason: 'completed' };
    }
    if (!a.ready) {
      return {
        ...base,
        reason: 'launch-failed',
        detail: error ?? a.error ?? `exited before it was ready (${describe(code, signal)})`,
      };
    }
    // Killed after a stop request that timed out: the run stopped, at its last checkpoint.
    if (a.stopRequested && signal === 'SIGKILL') {
      return {
        ...base,
        reason: a.stopRequested === 'pause' ? 'paused' : 'stopped',
        detail: 'killed after the stop timeout',
      };
    }
    return { ...base, reason: 'crashed', detail: a.error ?? describe(code, signal) };
  }

  /**
   * A run's share of the cores when its process is ready: the cores divided among the runs active then
   * (a run keeps its threads for its life, so one started later can leave the machine briefly over).
   */
  private wasmThreads(): number {
    return Math.max(1, Math.floor(this.cores / Math.max(1, this.active.size)));
  }

  private next(): void {
    while (this.active.size < this.concurrency && this.queue.length > 0) {
      const q = this.queue.shift();
      if (q) this.launch(q.start, q.handlers);
    }
  }
}

function describe(code: number | null, signal: string | null): string {
  return signal ? `killed by ${signal}` : `exit code ${code}`;
}
