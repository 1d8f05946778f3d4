import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import WebSocket from 'ws';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';

export interface YClient {
  doc: Y.Doc;
  provider: WebsocketProvider;
  /** Resolves once the first sync with the server completed. */
  synced: Promise<void>;
  destroy(): void;
}

/** A headless y-websocket client (the `y-websocket` package over `ws`), authenticated by `?token=`. */
export function connectClient(wsUrl: string, projectId: string, token: string, doc = new Y.Doc()): YClient {
  const provider = new WebsocketProvider(`${wsUrl}/yjs`, projectId, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: { token },
    disableBc: true,
    maxBackoffTime: 500
  });
  const synced = new Promise<void>((resolve) => {
    if (provider.synced) resolve();
    else provider.once('sync', (s: boolean) => s && resolve());
  });
  return {
    doc,
    provider,
    synced,
    destroy() {
      provider.destroy();
      doc.destroy();
    }
  };
}

/** The project's shared notes as the client sees them. */
export const notes = (c: YClient): string => c.doc.getText('notes').toString();

/** Polls until `check` holds or the time runs out (then throws with `what`). */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The Yjs endpoint's URL for a project, as a headless client dials it. */
export function yjsUrl(wsUrl: string, projectId: string, token?: string): string {
  return `${wsUrl}/yjs/${projectId}${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`;
}

/** A raw `ws` socket (no y-websocket provider): for sending what a well-behaved client never would. */
export function openRawSocket(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** Dials a WebSocket that the server must refuse at the upgrade; resolves with the HTTP status and JSON body. */
export function refusedUpgrade(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('the upgrade was accepted'));
    });
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    ws.once('error', reject);
  });
}

/** Resolves with the close code and reason once the socket closes. */
export function closeOf(ws: WebSocket): Promise<{ code: number; reason: string }> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.reject(new Error('socket already closed'));
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

/** A y-websocket sync message carrying one document update (what a client sends after a local edit). */
export function updateMessage(update: Uint8Array): Uint8Array {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, 0);
  syncProtocol.writeUpdate(enc, update);
  return encoding.toUint8Array(enc);
}

/** A y-websocket awareness message announcing `state` for `clientId`. */
export function awarenessMessage(clientId: number, clock: number, state: unknown): Uint8Array {
  const inner = encoding.createEncoder();
  encoding.writeVarUint(inner, 1);
  encoding.writeVarUint(inner, clientId);
  encoding.writeVarUint(inner, clock);
  encoding.writeVarString(inner, JSON.stringify(state));
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, 1);
  encoding.writeVarUint8Array(enc, encoding.toUint8Array(inner));
  return encoding.toUint8Array(enc);
}

let probes = 0;
/**
 * Waits until the server has handled everything `from` sent so far: `from` publishes a fresh awareness field
 * and `observer` sees it. One socket's messages are handled in order, so earlier updates were handled too.
 */
export async function serverCaughtUp(from: YClient, observer: YClient, timeoutMs = 10_000): Promise<void> {
  const probe = `${process.pid}-${++probes}`;
  from.provider.awareness.setLocalStateField('probe', probe);
  await waitFor(() => (observer.provider.awareness.getStates().get(from.doc.clientID) as { probe?: string } | undefined)?.probe === probe, 'an awareness probe to arrive', timeoutMs);
}

/** Keeps the clients a test file opens, so one afterEach closes them all. */
export function clientTracker() {
  const open: YClient[] = [];
  const connect = (wsUrl: string, projectId: string, token: string) => {
    const c = connectClient(wsUrl, projectId, token);
    open.push(c);
    return c;
  };
  return {
    connect,
    /** One client per token, resolved once every one of them has synced. */
    async connectSynced(wsUrl: string, projectId: string, tokens: string[]): Promise<YClient[]> {
      const cs = tokens.map((t) => connect(wsUrl, projectId, t));
      await Promise.all(cs.map((c) => c.synced));
      return cs;
    },
    closeAll() {
      for (const c of open.splice(0)) c.destroy();
    }
  };
}
