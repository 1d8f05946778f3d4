import * as Y from 'yjs';
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import type { Logger } from '../log';
import type { DocLogRepository, StoredDoc } from './doc-log.repository';
import { REMOTE, type DocFanout, type FanoutTarget } from './doc-fanout';

export interface DocPersistenceOptions {
  /** Fold the log into the snapshot once this many rows follow it. */
  compactAfterUpdates: number;
}

/**
 * One project's live document on this process: the Y.Doc, its awareness, and the write-behind queue that
 * appends every update to the log. Updates are applied in memory first, then persisted in order; an update
 * lost in flight by a crash is re-sent by its client's sync step on reconnect. With a fan-out (several web
 * processes), each appended batch is published to the others, and theirs are applied here without being stored again.
 */
export class SharedDoc implements FanoutTarget {
  readonly doc = new Y.Doc({ gc: true });
  readonly awareness = new Awareness(this.doc);
  private pending: Uint8Array[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private flushScheduled = false;
  private lastUpdateId = 0;
  /** The snapshot this document started from (or last wrote), and the log rows after it that it holds. */
  private snapshotUpToId = 0;
  private rowsSinceSnapshot = new Set<number>();
  private loaded = false;
  /** Other processes' updates that arrived between subscribing and applying the stored state. */
  private early: Array<[update: Uint8Array, rowId: number]> = [];
  private destroyed = false;

  constructor(
    readonly projectId: string,
    private readonly log: DocLogRepository,
    private readonly options: DocPersistenceOptions,
    private readonly logger: Logger,
    private readonly fanout: DocFanout | null = null
  ) {
    // The server has no presence of its own.
    this.awareness.setLocalState(null);
    this.doc.on('update', this.onUpdate);
    // A process that dies leaves its clients' presence here until Awareness drops it after 30 s without renewal.
    if (fanout) {
      this.awareness.on('update', ({ added, updated, removed }: Record<'added' | 'updated' | 'removed', number[]>, origin: unknown) => {
        const changed = added.concat(updated, removed);
        if (origin === REMOTE || origin === 'timeout' || changed.length === 0) return;
        fanout.publishAwareness(projectId, encodeAwarenessUpdate(this.awareness, changed));
      });
    }
  }

  private readonly onUpdate = (update: Uint8Array, origin: unknown) => {
    if (origin === LOADING) return;
    this.fullState = null;
    // Another process stored it already.
    if (origin === REMOTE) return;
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
      applyStored(this.doc, stored, LOADING);
    } finally {
      this.doc.on('update', this.onUpdate);
    }
    this.lastUpdateId = stored.lastUpdateId;
    this.snapshotUpToId = stored.snapshotUpToId;
    this.rowsSinceSnapshot = new Set(stored.updateIds);
    // A snapshot with no rows after it already is the whole document, encoded.
    this.fullState = stored.updates.length === 0 ? stored.snapshot : null;
    this.loaded = true;
    for (const [update, rowId] of this.early.splice(0)) this.receiveUpdate(update, rowId);
  }

  receiveUpdate(update: Uint8Array, rowId: number): void {
    if (this.destroyed) return;
    // Parsed first, so a malformed message is refused without touching the document.
    Y.decodeUpdate(update);
    if (!this.loaded) return void this.early.push([update, rowId]);
    Y.applyUpdate(this.doc, update, REMOTE);
    this.noteRow(rowId);
  }

  receiveAwareness(update: Uint8Array): void {
    if (!this.destroyed) applyAwarenessUpdate(this.awareness, update, REMOTE);
  }

  awarenessQueried(): void {
    const ids = [...this.awareness.getStates().keys()];
    if (!this.destroyed && ids.length) this.fanout?.publishAwareness(this.projectId, encodeAwarenessUpdate(this.awareness, ids));
  }

  resync(): void {
    if (!this.loaded || this.destroyed) return;
    this.read()
      .then((stored) => {
        if (this.destroyed) return;
        applyStored(this.doc, stored, REMOTE);
      })
      .catch((e) => this.logger.error({ err: e, projectId: this.projectId }, 'could not catch up with the stored document'));
  }

  private noteRow(rowId: number) {
    if (rowId <= this.snapshotUpToId) return;
    this.rowsSinceSnapshot.add(rowId);
    this.lastUpdateId = Math.max(this.lastUpdateId, rowId);
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
      let rowId: number;
      try {
        rowId = await this.log.append(this.projectId, merged, Date.now());
      } catch (e) {
        // Keep the batch for the next attempt: nothing is dropped while the database is away.
        this.pending = [merged, ...this.pending];
        this.logger.error({ err: e, projectId: this.projectId }, 'could not append document update; will retry');
        setTimeout(() => this.scheduleFlush(), 1000).unref();
        return;
      }
      // Only once stored: a process that loads after subscribing finds in the log whatever it did not receive.
      this.fanout?.publishUpdate(this.projectId, merged, rowId);
      this.noteRow(rowId);
      if (this.rowsSinceSnapshot.size >= this.options.compactAfterUpdates) await this.compactNow();
    });
    return this.flushing;
  }

  /** Writes the whole state, with whatever other processes stored meanwhile, as the snapshot; drops the rows it covers. */
  private async compactNow(): Promise<void> {
    if (this.lastUpdateId === 0 && this.rowsSinceSnapshot.size === 0) return;
    const upToId = this.lastUpdateId;
    const state = Y.encodeStateAsUpdate(this.doc);
    try {
      // Copied: rows received while the compaction runs are not in `state`.
      const known = { snapshotUpToId: this.snapshotUpToId, rowIds: new Set(this.rowsSinceSnapshot) };
      const compacted = await this.log.compact(this.projectId, state, upToId, Date.now(), known);
      // When skipped, another process's snapshot covers these rows, and what it holds is unknown here.
      if (compacted) this.snapshotUpToId = upToId;
      for (const id of this.rowsSinceSnapshot) if (id <= upToId) this.rowsSinceSnapshot.delete(id);
    } catch (e) {
      this.logger.error({ err: e, projectId: this.projectId }, 'compaction failed; the log stays as it is');
    }
  }

  /** Flushes, then compacts when anything was appended since the last snapshot. */
  async persistAndCompact(): Promise<void> {
    await this.flush();
    this.flushing = this.flushing.then(() => (this.rowsSinceSnapshot.size > 0 ? this.compactNow() : undefined));
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

/** Applies the stored snapshot, then the log rows after it, in one transaction. */
export function applyStored(doc: Y.Doc, stored: StoredDoc, origin: unknown = null): void {
  Y.transact(doc, () => {
    if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
    for (const u of stored.updates) Y.applyUpdate(doc, u);
  }, origin);
}
