/** The browser side of the JSON API: one place that turns `{"error":{"code","message"}}` answers into thrown errors. */

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

/** What a failed response says for itself, or a plain sentence when it says nothing useful (a proxy's HTML page, a dropped connection). */
export function errorFromBody(status: number, body: string): ApiFailure {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    if (parsed?.error && typeof parsed.error.message === 'string') {
      return new ApiFailure(status, typeof parsed.error.code === 'string' ? parsed.error.code : 'error', parsed.error.message);
    }
  } catch {
    // not JSON
  }
  return new ApiFailure(status, 'http_' + status, fallbackMessage(status, body));
}

function fallbackMessage(status: number, body: string): string {
  const text = body.trim();
  // Short plain-text answers (tus's own refusals) read fine; anything longer is a page, not a message.
  if (text && text.length < 200 && !text.startsWith('<')) return text;
  if (status === 0) return 'The server could not be reached. Check your connection and try again.';
  if (status === 401) return 'Your session has ended: log in again.';
  if (status === 403) return 'You are not allowed to do that in this project.';
  if (status === 404) return 'Not found: it may have been deleted meanwhile. Reload the page.';
  if (status === 413) return 'That is too large for the server.';
  if (status >= 500) return `The server failed (${status}); try again in a moment.`;
  return `The request failed (${status}).`;
}

/** fetch + JSON both ways; throws ApiFailure with the server's message. `null` for 204. */
export async function apiJson<T>(url: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: init.method ?? 'GET',
      headers: init.body !== undefined ? { 'content-type': 'application/json', accept: 'application/json' } : { accept: 'application/json' },
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
      signal: init.signal
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiFailure(0, 'network', 'The server could not be reached. Check your connection and try again.');
  }
  const text = await res.text();
  if (!res.ok) throw errorFromBody(res.status, text);
  return (text ? JSON.parse(text) : null) as T;
}

export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
