import { createHmac, timingSafeEqual } from 'node:crypto';

/** The README's recipe, as a receiver runs it: HMAC-SHA256 of "<t>.<raw body>" with the secret, compared in constant time, t recent. */
export function verifySignature(secret: string, header: string | undefined, rawBody: string): boolean {
  const parts = Object.fromEntries((header ?? '').split(',').map((kv) => kv.split('=') as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > 300 || !parts.v1) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
