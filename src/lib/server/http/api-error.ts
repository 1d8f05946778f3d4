const BRAND: unique symbol = Symbol.for('airstudio.ApiError');

/** An error the caller can fix: rendered as `{"error": {"code", "message"}}` with a 4xx status. */
export class ApiError extends Error {
  // build/server.js and the SvelteKit bundle each hold a copy of this class, so instanceof checks a shared brand.
  readonly [BRAND] = true;
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {}
  ) {
    super(message);
  }
}

export const badRequest = (message: string, code = 'bad_request') => new ApiError(400, code, message);
export const unauthorized = (message = 'Sign in first, or send an API token as "Authorization: Bearer <token>".') =>
  new ApiError(401, 'unauthorized', message);
export const forbidden = (message: string) => new ApiError(403, 'forbidden', message);
export const notFound = (message: string) => new ApiError(404, 'not_found', message);
export const conflict = (message: string, code = 'conflict') => new ApiError(409, code, message);
export const tooManyRequests = (retryAfterSeconds: number, message: string) =>
  new ApiError(429, 'too_many_requests', message, { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) });
