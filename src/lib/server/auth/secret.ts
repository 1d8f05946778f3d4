import { sha256 } from '@oslojs/crypto/sha2';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import type { TokenInfo } from '$lib/token';

/** Lucia's token shape: `<id>.<secret>`; only SHA-256 of the secret is stored. */
export function generateSecret(): string {
  const bytes = new Uint8Array(24);
  crypto.getRandomValues(bytes);
  return encodeBase32LowerCaseNoPadding(bytes);
}

export function hashSecret(secret: string): Uint8Array {
  return sha256(new TextEncoder().encode(secret));
}

export function secretMatches(secret: string, storedHash: Uint8Array): boolean {
  return constantTimeEqual(hashSecret(secret), new Uint8Array(storedHash));
}

export function splitToken(token: string, prefix = ''): { id: string; secret: string } | null {
  if (!token.startsWith(prefix)) return null;
  const parts = token.slice(prefix.length).split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1] || parts[0].length > 64 || parts[1].length > 128) return null;
  return { id: parts[0], secret: parts[1] };
}

/** What a stored token (API or worker) shows of itself on its settings page: name and dates, never the hash. */
export function tokenInfo(row: { id: string; name: string; created_at: number; last_used_at: number | null; revoked_at: number | null }): TokenInfo {
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  return { id: row.id, name: row.name, createdAt: iso(row.created_at)!, lastUsedAt: iso(row.last_used_at), revokedAt: iso(row.revoked_at) };
}
