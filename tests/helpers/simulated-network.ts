import * as Y from 'yjs';

/** The origin of updates a replica received from another (never re-broadcast). */
export const REMOTE = Symbol('remote');

export interface Replica {
  index: number;
  doc: Y.Doc;
}

/** Every local update queued per link; a link delivers any queued update, in any order (Yjs-style in-process network). */
export class Network {
  private readonly queues = new Map<string, Uint8Array[]>();

  constructor(readonly peers: Replica[]) {
    for (const p of peers) {
      p.doc.on('update', (update: Uint8Array, origin: unknown) => {
        if (origin === REMOTE) return;
        for (const q of peers) if (q !== p) this.queue(p.index, q.index).push(update);
      });
    }
  }

  private queue(from: number, to: number): Uint8Array[] {
    const key = `${from}>${to}`;
    if (!this.queues.has(key)) this.queues.set(key, []);
    return this.queues.get(key)!;
  }

  /** Delivers the `pick`-th queued update from one peer to another (out of order on purpose). */
  deliver(from: number, to: number, pick: number): void {
    const q = this.queue(from, to);
    if (from === to || q.length === 0) return;
    const [update] = q.splice(pick % q.length, 1);
    Y.applyUpdate(this.peers[to].doc, update, REMOTE);
  }

  flush(from: number, to: number): void {
    while (this.queue(from, to).length > 0) this.deliver(from, to, 0);
  }

  /** Delivers everything, links in an order the scenario chose. */
  settle(rotation: number): void {
    const n = this.peers.length;
    for (let k = 0; k < n * n; k++) {
      const link = (k + rotation) % (n * n);
      this.flush(Math.floor(link / n), link % n);
    }
  }
}

/** Copies the first replica's state to the others (a fixture written once by the server, then synced). */
export function startFromFirst(all: Replica[]): void {
  const base = Y.encodeStateAsUpdate(all[0].doc);
  for (const p of all.slice(1)) Y.applyUpdate(p.doc, base, REMOTE);
}

/** Full state exchange between every pair, as reconnecting providers do. */
export function syncAll(all: Replica[]): void {
  for (const a of all) for (const b of all) if (a !== b) Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(a.doc, Y.encodeStateVector(b.doc)), REMOTE);
}
