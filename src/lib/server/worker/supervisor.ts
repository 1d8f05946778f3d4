import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../log';

export interface SupervisorOptions {
  /** The worker entry (build/worker.js). */
  script: string;
  server: string;
  token: string;
  count: number;
  concurrency: number;
  /** First restart delay (250 ms: a live job on the worker is off air meanwhile); doubles per crash in a row, capped at maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A worker that ran this long without crashing starts the backoff over. */
  healthyAfterMs?: number;
}

interface Slot {
  index: number;
  child: ChildProcess | null;
  crashes: number;
  restarts: number;
  startedAt: number;
  timer: NodeJS.Timeout | null;
}

/** Runs the local workers as child processes and restarts a crashed one with exponential backoff. */
export class WorkerSupervisor {
  private readonly slots: Slot[] = [];
  private stopping = false;

  constructor(
    private readonly o: SupervisorOptions,
    private readonly logger: Logger
  ) {}

  start(): void {
    for (let i = 0; i < this.o.count; i++) {
      const slot: Slot = { index: i, child: null, crashes: 0, restarts: 0, startedAt: 0, timer: null };
      this.slots.push(slot);
      this.launch(slot);
    }
  }

  private launch(slot: Slot): void {
    slot.timer = null;
    slot.startedAt = Date.now();
    const child = spawn(
      process.execPath,
      [this.o.script, '--server', this.o.server, '--name', `local-${slot.index + 1}`, '--concurrency', String(this.o.concurrency)],
      // The IPC channel closes when this process dies, however it dies: the worker then exits too.
      { env: { ...process.env, AIRSTUDIO_WORKER_TOKEN: this.o.token }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }
    );
    slot.child = child;
    this.logger.info({ worker: slot.index + 1, pid: child.pid }, 'local worker started');
    child.on('exit', (code, signal) => {
      slot.child = null;
      if (this.stopping) return;
      if (code === 3) {
        this.logger.error({ worker: slot.index + 1 }, 'local worker refused by the server; not restarting');
        return;
      }
      const healthy = Date.now() - slot.startedAt >= (this.o.healthyAfterMs ?? 60_000);
      slot.crashes = healthy ? 1 : slot.crashes + 1;
      const delay = Math.min(this.o.maxDelayMs ?? 30_000, (this.o.baseDelayMs ?? 250) * 2 ** (slot.crashes - 1));
      slot.restarts++;
      this.logger.warn({ worker: slot.index + 1, code, signal, restartInMs: delay }, 'local worker exited; restarting');
      slot.timer = setTimeout(() => this.launch(slot), delay);
    });
  }

  /** Pids of the running children (tests and /health). */
  get pids(): number[] {
    return this.slots.flatMap((s) => (s.child?.pid ? [s.child.pid] : []));
  }

  get restarts(): number {
    return this.slots.reduce((n, s) => n + s.restarts, 0);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.slots.map(async (s) => {
        if (s.timer) clearTimeout(s.timer);
        const child = s.child;
        if (!child) return;
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      })
    );
  }
}
