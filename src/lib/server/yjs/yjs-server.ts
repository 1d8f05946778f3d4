import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import * as Y from 'yjs';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import * as awarenessProtocol from 'y-protocols/awareness';
import { canEdit, type Role } from '$lib/editor/model/role';
import type { Authenticator } from '../auth/authenticator';
import { sessionEnded } from '../auth/session.service';
import type { UserRow } from '../db/schema';
import type { Logger } from '../log';
import type { Metrics } from '../metrics/metrics';
import type { ProjectService } from '../project/project.service';
import type { DocRegistry } from './doc-registry';
import type { SharedDoc } from './shared-doc';
import type { StoredDoc } from './doc-log.repository';
import { refuseUpgrade, originAllowed } from '../http/upgrade';

export const YJS_PATH = '/yjs/';

const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
const MESSAGE_QUERY_AWARENESS = 3;

/** WebSocket close codes this endpoint uses; 4xxx are ours (RFC 6455 leaves them to applications). */
export const CLOSE = {
  malformed: 1007,
  tooBig: 1009,
  restart: 1012,
  sessionEnded: 4401,
  removed: 4403,
  deleted: 4404
} as const;

interface Conn {
  ws: WebSocket;
  user: UserRow;
  /** The session that opened it, or null for an API token. */
  sessionId: string | null;
  role: Role;
  projectId: string;
  shared?: SharedDoc;
  awarenessIds: Set<number>;
  refusedWrites: number;
}

class MalformedMessage extends Error {}

/**
 * The y-websocket protocol (sync + awareness from y-protocols) on our HTTP server, with authentication at
 * the upgrade, per-connection roles, and one bad client never affecting the others.
 */
export class YjsServer {
  private readonly wss: WebSocketServer;
  private readonly conns = new Map<string, Set<Conn>>();
  private readonly broadcasting = new WeakSet<SharedDoc>();

  constructor(
    private readonly registry: DocRegistry,
    private readonly auth: Authenticator,
    private readonly projects: ProjectService,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    private readonly options: { maxMessageBytes: number; origin?: string }
  ) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes, perMessageDeflate: false });
    auth.onSessionsEnded((e) => {
      for (const set of this.conns.values()) for (const c of set) if (sessionEnded(e, c.user.id, c.sessionId)) c.ws.close(CLOSE.sessionEnded, 'session ended');
    });
    projects.onEvent((e) => {
      if (e.type === 'deleted') this.closeProject(e.projectId, CLOSE.deleted, 'project deleted');
      if (e.type === 'member-removed') this.closeUser(e.projectId, e.userId, CLOSE.removed, 'removed from project');
      if (e.type === 'members') {
        for (const c of this.conns.get(e.projectId) ?? []) {
          const m = e.members.find((m) => m.userId === c.user.id);
          if (!m) continue;
          const promoted = !canEdit(c.role) && canEdit(m.role);
          c.role = m.role;
          // Updates refused before the promotion left gaps its later updates depend on: ask for them again.
          if (promoted && c.shared) send(c, syncStep1Message(c.shared.doc));
        }
      }
    });
  }

  get connectionCount(): number {
    let n = 0;
    for (const s of this.conns.values()) n += s.size;
    return n;
  }

  /** Handles an upgrade to `/yjs/<projectId>`; returns false for other paths. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith(YJS_PATH)) return false;
    void this.authorizeAndAccept(req, socket, head, url);
    return true;
  }

  private async authorizeAndAccept(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) {
    socket.on('error', () => socket.destroy());
    try {
      const projectId = decodeURIComponent(url.pathname.slice(YJS_PATH.length)).replace(/\/+$/, '');
      const queryToken = url.searchParams.get('token');
      const auth = await this.auth.authenticateRequest(req, queryToken);
      if (!auth) return refuseUpgrade(socket, 401, 'unauthorized', 'Sign in, or pass an API token as ?token=.');
      if (auth.via === 'session' && !originAllowed(req, this.options.origin)) {
        return refuseUpgrade(socket, 403, 'bad_origin', 'Cross-origin WebSocket with a session cookie refused.');
      }
      const role = await this.projects.roleOf(auth.user.id, projectId);
      if (!role) return refuseUpgrade(socket, 403, 'forbidden', 'You are not a member of this project.');
      if (socket.destroyed) return;
      const sessionId = auth.via === 'session' ? auth.session.id : null;
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, auth.user, sessionId, role, projectId));
    } catch (e) {
      this.logger.error({ err: e }, 'yjs upgrade failed');
      refuseUpgrade(socket, 500, 'internal', 'The server could not open this document.');
    }
  }

  private accept(ws: WebSocket, user: UserRow, sessionId: string | null, role: Role, projectId: string) {
    const conn: Conn = { ws, user, sessionId, role, projectId, awarenessIds: new Set(), refusedWrites: 0 };
    let set = this.conns.get(projectId);
    if (!set) this.conns.set(projectId, (set = new Set()));
    set.add(conn);
    // Messages that arrive while the document loads are queued, then handled in order.
    const early: RawData[] = [];
    ws.on('message', (data) => (conn.shared ? this.onMessage(conn, data) : early.push(data)));
    ws.on('close', () => this.onClose(conn));
    ws.on('error', (err) => {
      if ((err as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        this.metrics.yjsClosed.inc({ reason: 'too_big' });
        this.logger.warn({ projectId, user: user.username }, 'yjs message over the size limit; connection closed');
      }
    });
    this.registry
      .acquire(projectId, (stored) => this.sendStored(conn, stored))
      .then((shared) => {
        if (ws.readyState !== WebSocket.OPEN) return;
        conn.shared = shared;
        this.start(conn, shared);
        for (const d of early.splice(0)) this.onMessage(conn, d);
      })
      .catch((e) => {
        this.logger.error({ err: e, projectId }, 'loading document failed');
        ws.close(1011, 'document could not be loaded');
      });
  }

  /**
   * The first client of a document not yet loaded gets the stored state as sync step 2 straight from the
   * database: it is everything this process will hold once loaded. Log rows go first, so the client is
   * complete when step 2 marks it synced.
   */
  private sendStored(conn: Conn, stored: StoredDoc): Promise<void> {
    const messages = stored.updates.map((u) => {
      const enc = encoding.createEncoder();
      encoding.writeVarUint(enc, MESSAGE_SYNC);
      syncProtocol.writeUpdate(enc, u);
      return encoding.toUint8Array(enc);
    });
    const step2 = encoding.createEncoder();
    encoding.writeVarUint(step2, MESSAGE_SYNC);
    encoding.writeVarUint(step2, syncProtocol.messageYjsSyncStep2);
    encoding.writeVarUint8Array(step2, stored.snapshot ?? Y.encodeStateAsUpdate(new Y.Doc()));
    messages.push(encoding.toUint8Array(step2));
    // Resolve once the bytes are handed to the kernel, so applying on this side does not hold up the transfer.
    return new Promise((resolve) => {
      if (conn.ws.readyState !== WebSocket.OPEN) return resolve();
      messages.forEach((m, i) => conn.ws.send(m, i === messages.length - 1 ? () => resolve() : undefined));
    });
  }

  private start(conn: Conn, shared: SharedDoc) {
    this.ensureBroadcast(conn.projectId, shared);
    const { doc, awareness } = shared;
    // Sync step 1 from the server, then everyone's presence.
    send(conn, syncStep1Message(doc));
    const states = awareness.getStates();
    if (states.size > 0) send(conn, awarenessMessage(awareness, [...states.keys()]));
  }

  /** One listener per loaded document: each update is encoded once and sent to every other connection. */
  private ensureBroadcast(projectId: string, shared: SharedDoc) {
    if (this.broadcasting.has(shared)) return;
    this.broadcasting.add(shared);
    shared.doc.on('update', (update: Uint8Array, origin: unknown) => {
      const enc = encoding.createEncoder();
      encoding.writeVarUint(enc, MESSAGE_SYNC);
      syncProtocol.writeUpdate(enc, update);
      const message = encoding.toUint8Array(enc);
      for (const c of this.conns.get(projectId) ?? []) if (c !== origin && c.shared === shared) send(c, message);
    });
    shared.awareness.on('update', ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
      const c = origin as Conn;
      if (this.conns.get(projectId)?.has(c)) {
        for (const id of added) c.awarenessIds.add(id);
        for (const id of removed) c.awarenessIds.delete(id);
      }
      const message = awarenessMessage(shared.awareness, added.concat(updated, removed));
      for (const c of this.conns.get(projectId) ?? []) if (c.shared === shared) send(c, message);
    });
    shared.doc.once('destroy', () => this.broadcasting.delete(shared));
  }

  private onMessage(conn: Conn, data: RawData) {
    const shared = conn.shared!;
    try {
      const bytes = toUint8(data);
      const decoder = decoding.createDecoder(bytes);
      const type = decoding.readVarUint(decoder);
      if (type === MESSAGE_SYNC) this.onSync(conn, shared, decoder);
      else if (type === MESSAGE_AWARENESS) this.onAwareness(conn, shared, decoding.readVarUint8Array(decoder));
      else if (type === MESSAGE_QUERY_AWARENESS) {
        const enc = encoding.createEncoder();
        encoding.writeVarUint(enc, MESSAGE_AWARENESS);
        encoding.writeVarUint8Array(enc, awarenessProtocol.encodeAwarenessUpdate(shared.awareness, [...shared.awareness.getStates().keys()]));
        send(conn, encoding.toUint8Array(enc));
      } else throw new MalformedMessage(`unknown message type ${type}`);
    } catch (e) {
      this.logger.warn({ projectId: conn.projectId, user: conn.user.username, reason: (e as Error).message }, 'malformed yjs message; connection closed');
      this.metrics.yjsClosed.inc({ reason: 'malformed' });
      conn.ws.close(CLOSE.malformed, 'malformed message');
    }
  }

  private onSync(conn: Conn, shared: SharedDoc, decoder: decoding.Decoder) {
    const syncType = decoding.readVarUint(decoder);
    if (syncType === syncProtocol.messageYjsSyncStep1) {
      const stateVector = decoding.readVarUint8Array(decoder);
      const enc = encoding.createEncoder();
      encoding.writeVarUint(enc, MESSAGE_SYNC);
      encoding.writeVarUint(enc, syncProtocol.messageYjsSyncStep2);
      encoding.writeVarUint8Array(enc, shared.encodeStateFor(stateVector));
      send(conn, encoding.toUint8Array(enc));
      return;
    }
    if (syncType !== syncProtocol.messageYjsSyncStep2 && syncType !== syncProtocol.messageYjsUpdate) {
      throw new MalformedMessage(`unknown sync message ${syncType}`);
    }
    const update = decoding.readVarUint8Array(decoder);
    // Parse fully before applying, so garbage is rejected without touching the document.
    const decoded = Y.decodeUpdate(update);
    const empty = decoded.structs.length === 0 && decoded.ds.clients.size === 0;
    if (empty) return;
    if (!canEdit(conn.role)) {
      conn.refusedWrites++;
      this.metrics.yjsRefusedWrites.inc();
      if (conn.refusedWrites === 1 || conn.refusedWrites % 100 === 0) {
        this.logger.warn({ projectId: conn.projectId, user: conn.user.username, role: conn.role, refused: conn.refusedWrites }, 'refused document write from a viewer');
      }
      return;
    }
    Y.applyUpdate(shared.doc, update, conn);
    this.metrics.yjsUpdates.inc();
  }

  private onAwareness(conn: Conn, shared: SharedDoc, update: Uint8Array) {
    // Presence must be the connection's own user: a client cannot appear as someone else. y-websocket clients
    // relay every awareness change they receive back to the server, so entries for client ids another connection
    // owns, or no newer than what the server holds, are echoes: dropped, never applied, never a reason to close.
    const d = decoding.createDecoder(update);
    const n = decoding.readVarUint(d);
    const kept: Array<[clientId: number, clock: number, json: string]> = [];
    const others = [...(this.conns.get(conn.projectId) ?? [])].filter((c) => c !== conn);
    for (let i = 0; i < n; i++) {
      const clientId = decoding.readVarUint(d);
      const clock = decoding.readVarUint(d);
      const json = decoding.readVarString(d);
      const state = JSON.parse(json) as { user?: { id?: string } } | null;
      const known = shared.awareness.meta.get(clientId);
      if (!conn.awarenessIds.has(clientId) && (others.some((c) => c.awarenessIds.has(clientId)) || (known && known.clock >= clock))) continue;
      if (state?.user && state.user.id !== conn.user.id) throw new MalformedMessage('presence for another user');
      kept.push([clientId, clock, json]);
    }
    if (kept.length === 0) return;
    if (kept.length < n) {
      const enc = encoding.createEncoder();
      encoding.writeVarUint(enc, kept.length);
      for (const [clientId, clock, json] of kept) {
        encoding.writeVarUint(enc, clientId);
        encoding.writeVarUint(enc, clock);
        encoding.writeVarString(enc, json);
      }
      update = encoding.toUint8Array(enc);
    }
    awarenessProtocol.applyAwarenessUpdate(shared.awareness, update, conn);
  }

  private onClose(conn: Conn) {
    const set = this.conns.get(conn.projectId);
    set?.delete(conn);
    if (conn.shared) conn.shared.removeClients([...conn.awarenessIds], null);
    if (set && set.size === 0) {
      this.conns.delete(conn.projectId);
      void this.registry.unload(conn.projectId);
    }
  }

  private closeProject(projectId: string, code: number, reason: string) {
    const set = this.conns.get(projectId);
    this.conns.delete(projectId);
    for (const c of set ?? []) c.ws.close(code, reason);
    void this.registry.discard(projectId);
  }

  private closeUser(projectId: string, userId: string, code: number, reason: string) {
    for (const c of this.conns.get(projectId) ?? []) if (c.user.id === userId) c.ws.close(code, reason);
  }

  /** Closes every connection (clients reconnect to the next process) and persists every document. */
  async shutdown(): Promise<void> {
    for (const set of this.conns.values()) for (const c of set) c.ws.close(CLOSE.restart, 'server restarting');
    this.conns.clear();
    await this.registry.flushAll();
    this.wss.close();
  }
}

function send(conn: Conn, message: Uint8Array) {
  if (conn.ws.readyState !== WebSocket.OPEN) return;
  conn.ws.send(message, (err) => {
    if (err) conn.ws.terminate();
  });
}

function syncStep1Message(doc: Y.Doc): Uint8Array {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, MESSAGE_SYNC);
  syncProtocol.writeSyncStep1(enc, doc);
  return encoding.toUint8Array(enc);
}

function awarenessMessage(awareness: awarenessProtocol.Awareness, clients: number[]): Uint8Array {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, MESSAGE_AWARENESS);
  encoding.writeVarUint8Array(enc, awarenessProtocol.encodeAwarenessUpdate(awareness, clients));
  return encoding.toUint8Array(enc);
}

function toUint8(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
