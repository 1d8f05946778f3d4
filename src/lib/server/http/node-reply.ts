import type { ServerResponse } from 'node:http';

/**
 * JSON answers for the routes served on Node's own request/response (files, worker uploads, the live and podcast
 * routes, the ingest callbacks) rather than through SvelteKit. A reply after the headers went out can only end it.
 */
export function replyJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** The API's error shape, `{error: {code, message}}`. */
export function replyError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  replyJson(res, status, { error: { code, message } }, headers);
}
