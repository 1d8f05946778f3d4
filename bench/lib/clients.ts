// Headless y-websocket clients for the benchmarks, and the thread plumbing that hosts them off the main thread.
import { Worker } from 'node:worker_threads';
import { colorForId, type PresenceUser } from '../../src/lib/editor/model/presence';
import type { Role } from '../../src/lib/editor/model/role';
export { connectClient, waitFor, type YClient } from '../../tests/helpers/yclient';

export interface ClientSpec {
  /** 0..n-1 across every thread of the benchmark. */
  index: number;
  userId: string;
  username: string;
  token: string;
  projectId: string;
}

/** The awareness `user` field the server accepts from this user (presence for another user is refused). */
export function presenceUser(c: { userId: string; username: string }, role: Role = 'editor'): PresenceUser {
  return { id: c.userId, name: c.username, username: c.username, color: colorForId(c.userId), role };
}

/** A worker thread speaking a request/reply protocol: `{ type, ... }` in, `{ type, ... }` out. */
export class ClientThread {
  readonly worker: Worker;
  private waiting = new Map<string, Array<(msg: any) => void>>();
  private failed: Error | null = null;

  constructor(file: URL, workerData: unknown) {
    this.worker = new Worker(new URL('./tsx-worker.mjs', import.meta.url), { workerData: { ...(workerData as object), entry: file.href } });
    this.worker.on('message', (msg: { type: string }) => {
      const q = this.waiting.get(msg.type);
      const resolve = q?.shift();
      if (resolve) resolve(msg);
    });
    this.worker.on('error', (e) => {
      this.failed = e;
      for (const q of this.waiting.values()) for (const r of q.splice(0)) r({ type: 'error', error: e });
    });
  }

  /** Posts `msg` and waits for the next message of type `reply` (or the worker's failure). */
  async request<T = any>(msg: { type: string; [k: string]: unknown }, reply: string, timeoutMs = 60_000): Promise<T> {
    if (this.failed) throw this.failed;
    const got = new Promise<any>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`client thread: no '${reply}' within ${timeoutMs} ms`)), timeoutMs);
      const q = this.waiting.get(reply) ?? [];
      q.push((m) => {
        clearTimeout(t);
        if (m.type === 'error') reject(m.error);
        else resolve(m);
      });
      this.waiting.set(reply, q);
    });
    this.worker.postMessage(msg);
    return got;
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}
