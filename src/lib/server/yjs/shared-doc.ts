import * as Y from 'yjs';
import { Awareness, removeAwarenessStates } from 'y-protocols/awareness';
import type { Logger } from '../log';
import type { DocLogRepository, StoredDoc } from './doc-log.repository';

export interface DocPersistenceOptions {
  /** Fold the log into the snapshot once this many rows follow it. */
  compactAfterUpdates: number;
}

/**
 * One project's live document on this process: the Y.Doc, its awareness, and the write-behind queue that
 * appends every update to the log. Updates are applied in memory first, then persisted in order; an update
 * lost in flight by a crash is re-sent by its client's sync step on reconnect.
 */
export class SharedDoc {
  readonly doc = new Y.Doc({ gc: true });
  readonly awareness = new Awareness(this.doc);
  private pending: Uint8Array[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private flushScheduled = false;
  private lastUpdateId = 0;
  private rowsSinceSnapshot = 0;
  private destroyed = false;

  constructor(
    readonly projectId: string,
    private readonly log: DocLogRepository,
    private readonly options: DocPersistenceOptions,
    private readonly logger: Logger
  ) {
    // The server has no presence of its own.
    this.awareness.setLocalState(null);
    this.doc.on('update', this.onUpdate);
  }

  private readonly onUpdate = (update: Uint8Array, origin: unknown) => {
    if (origin === LOADING) return;
    this.fullState = null;
    this.pending.push(update);
    this.scheduleFlush();
  };

  /** The whole document as one update, cached until the next edit: what a client that has nothing needs. */
  private fullState: Uint8Array | null = null;

  async load(): Promise<void> {
    this.apply(await this.read());
  }

  /** Reads the stored snapshot and log rows (without applying them, so a caller can send them on meanwhile). */
  read(): Promise<StoredDoc> {
    return this.log.load(this.projectId);
  }

  apply(stored: StoredDoc): void {
    // With an 'update' listener attached, Yjs re-encodes everything a transaction added when it ends: for the
    // loaded state that is the whole document again (a third of the load time for a 10,000-record project).
    this.doc.off('update', this.onUpdate);
    try {
      Y.transact(this.doc, () => {
        if (stored.snapshot) Y.applyUpdate(this.doc, stored.snapshot);
        for (const u of stored.updates) Y.applyUpdate(this.doc, u);
      }, LOADING);
    } finally {
      this.doc.on('update', this.onUpdate);
    }
    this.lastUpdateId = stored.lastUpdateId;
    this.rowsSinceSnapshot = stored.updates.length;
    // A snapshot with no rows after it already is the whole document, encoded.
    this.fullState = stored.updates.length === 0 ? stored.snapshot : null;
  }

  /** The update a client with this state vector lacks; for a new client, the cached full state. */
  encodeStateFor(stateVector: Uint8Array): Uint8Array {
    const empty = stateVector.length === 1 && stateVector[0] === 0;
    if (!empty) return Y.encodeStateAsUpdate(this.doc, stateVector);
    return (this.fullState ??= Y.encodeStateAsUpdate(this.doc));
  }

  private scheduleFlush() {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // One row per event-loop turn: a burst of keystrokes from many clients becomes one merged update.
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flush();
    });
  }

  /** Resolves when every update applied so far is in the database. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (!this.pending.length || this.destroyed) return;
      const batch = this.pending;
      this.pending = [];
      const merged = batch.length === 1 ? batch[0] : Y.mergeUpdates(batch);
      try {
        this.lastUpdateId = await this.log.append(this.projectId, merged, Date.now());
        this.rowsSinceSnapshot++;
      } catch (e) {
        // Keep the batch for the next attempt: nothing is dropped while the database is away.
        this.pending = [merged, ...this.pending];
        this.logger.error({ err: e, projectId: this.projectId }, 'could not append document update; will retry');
        setTimeout(() => this.scheduleFlush(), 1000).unref();
        return;
      }
      if (this.rowsSinceSnapshot >= this.options.compactAfterUpdates) await this.compactNow();
    });
    return this.flushing;
  }

  /** Writes the whole state as the snapshot and drops the log rows it covers. */
  private async compactNow(): Promise<void> {
    if (this.lastUpdateId === 0 && this.rowsSinceSnapshot === 0) return;
    const state = Y.encodeStateAsUpdate(this.doc);
    try {
      await this.log.compact(this.projectId, state, this.lastUpdateId, Date.now());
      this.rowsSinceSnapshot = 0;
    } catch (e) {
      this.logger.error({ err: e, projectId: this.projectId }, 'compaction failed; the log stays as it is');
    }
  }

  /** Flushes, then compacts when anything was appended since the last snapshot. */
  async persistAndCompact(): Promise<void> {
    await this.flush();
    this.flushing = this.flushing.then(() => (this.rowsSinceSnapshot > 0 ? this.compactNow() : undefined));
    await this.flushing;
  }

  /** Drops awareness of clients that left. */
  removeClients(clientIds: number[], origin: unknown) {
    if (clientIds.length) removeAwarenessStates(this.awareness, clientIds, origin);
  }

  destroy(discard = false) {
    if (discard) this.pending = [];
    this.destroyed = true;
    this.awareness.destroy();
    this.doc.destroy();
  }
}

const LOADING = Symbol('loading');
