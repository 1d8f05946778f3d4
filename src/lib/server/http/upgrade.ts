import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** Answers a refused WebSocket upgrade with a JSON error before any socket opens. */
export function refuseUpgrade(socket: Duplex, status: number, code: string, message: string): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

/** Cookie-authenticated upgrades must come from our own pages (no cross-site WebSocket hijacking). */
export function originAllowed(req: IncomingMessage, configuredOrigin?: string): boolean {
  const origin = req.headers.origin;
  if (!origin) return true; // Not a browser: headless clients send no Origin.
  if (configuredOrigin && origin === new URL(configuredOrigin).origin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
