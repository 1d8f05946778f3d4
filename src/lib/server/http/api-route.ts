import { json, type RequestEvent } from '@sveltejs/kit';
import { z } from 'zod';
import type { UserRow } from '../db/schema';
import { getApp } from '../app';
import { ApiError, badRequest, unauthorized } from './api-error';

/** Wraps a `+server.ts` handler: ApiErrors become `{"error": {"code", "message"}}`, anything else a logged 500. */
export function apiRoute<E extends RequestEvent>(fn: (event: E) => Promise<Response>): (event: E) => Promise<Response> {
  return async (event) => {
    try {
      return await fn(event);
    } catch (e) {
      return errorResponse(e);
    }
  };
}

export async function errorResponse(e: unknown): Promise<Response> {
  if (e instanceof ApiError) return json({ error: { code: e.code, message: e.message } }, { status: e.status, headers: e.headers });
  if (e instanceof z.ZodError) return json({ error: { code: 'invalid_input', message: zodMessage(e) } }, { status: 400 });
  const app = await getApp();
  app.logger.error({ err: e }, 'unhandled error in API route');
  return json({ error: { code: 'internal', message: 'Something went wrong on the server; it has been logged.' } }, { status: 500 });
}

export function zodMessage(e: z.ZodError): string {
  return e.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

/** Reads a JSON body and validates it; malformed JSON or a wrong shape is a 400 that says what is wrong. */
export async function readJson<T>(request: Request, schema: z.ZodType<T>): Promise<T> {
  let text: string;
  try {
    text = await request.text();
  } catch (e) {
    // adapter-node stops a body over BODY_SIZE_LIMIT as it streams in: the caller's mistake, not a 500.
    if ((e as { status?: unknown }).status === 413) throw new ApiError(413, 'payload_too_large', (e as Error).message);
    throw e;
  }
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    throw badRequest('The request body is not valid JSON.', 'invalid_json');
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ApiError(400, 'invalid_input', zodMessage(parsed.error));
  return parsed.data;
}

export function requireUser(locals: App.Locals): UserRow {
  if (!locals.user) throw unauthorized();
  return locals.user;
}

/** The client's address as adapter-node reports it (honours ADDRESS_HEADER behind a proxy). */
export function clientIp(event: RequestEvent): string {
  try {
    return event.getClientAddress();
  } catch {
    return 'unknown';
  }
}

/** SvelteKit answers a method a route lacks with a plain-text 405; the API promises JSON errors. */
export function jsonMethodNotAllowed(response: Response, event: RequestEvent): Response {
  if (response.status !== 405 || !event.url.pathname.startsWith('/api/')) return response;
  const message = `${event.request.method} is not allowed on ${event.url.pathname}.`;
  return json({ error: { code: 'method_not_allowed', message } }, { status: 405, headers: { Allow: response.headers.get('allow') ?? '' } });
}
