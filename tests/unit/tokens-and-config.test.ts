import { describe, expect, it } from 'vitest';
import { readCookie } from '$lib/server/auth/authenticator';
import { generateSecret, hashSecret, secretMatches, splitToken } from '$lib/server/auth/secret';
import { loadConfig } from '$lib/server/config';
import { isId, newId } from '$lib/editor/model/ids';

describe('secrets and token shape', () => {
  it('generates 24 random bytes as lower-case base32, never twice the same', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const s = generateSecret();
      expect(s).toMatch(/^[a-z2-7]{39}$/);
      seen.add(s);
    }
    expect(seen.size).toBe(200);
  });

  it('stores SHA-256 of the secret and matches only the same secret', () => {
    const s = generateSecret();
    const h = hashSecret(s);
    expect(h).toHaveLength(32);
    expect(Buffer.from(h).toString('utf8')).not.toContain(s);
    expect(secretMatches(s, h)).toBe(true);
    expect(secretMatches(s.slice(0, -1) + (s.endsWith('a') ? 'b' : 'a'), h)).toBe(false);
    expect(secretMatches('', h)).toBe(false);
  });

  it('splits `id.secret` tokens and rejects every other shape', () => {
    expect(splitToken('abc.def')).toEqual({ id: 'abc', secret: 'def' });
    expect(splitToken('ast_abc.def', 'ast_')).toEqual({ id: 'abc', secret: 'def' });
    for (const bad of ['', 'abc', 'abc.', '.def', 'a.b.c', 'x'.repeat(65) + '.def', 'abc.' + 'y'.repeat(129)]) {
      expect(splitToken(bad), bad).toBeNull();
    }
    expect(splitToken('abc.def', 'ast_')).toBeNull();
  });

  it('reads one cookie out of a header, tolerating junk', () => {
    expect(readCookie('a=1; airstudio_session=x.y; b=2', 'airstudio_session')).toBe('x.y');
    expect(readCookie('airstudio_session_old=z; other=1', 'airstudio_session')).toBeNull();
    expect(readCookie('airstudio_session=%E0%A4%A', 'airstudio_session')).toBeNull();
    expect(readCookie(undefined, 'airstudio_session')).toBeNull();
  });

  it('makes ids of 16 base32 characters and recognises only those', () => {
    const id = newId();
    expect(isId(id)).toBe(true);
    expect(isId('../../etc/passwd')).toBe(false);
    expect(isId(id.toUpperCase())).toBe(false);
    expect(isId(42)).toBe(false);
  });
});

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({ DATA_DIR: '/tmp/airstudio-x' });
    expect(c.port).toBe(3000);
    expect(c.databaseUrl).toBe('sqlite:/tmp/airstudio-x/airstudio.db');
    expect(c.yjs.maxMessageBytes).toBe(10 * 1024 * 1024);
    expect(c.session.inactivityTimeoutMs).toBe(30 * 24 * 3600 * 1000);
    expect(c.session.activityCheckIntervalMs).toBe(3600_000);
  });

  it('reads overrides and keeps the renewal interval below the timeout', () => {
    const c = loadConfig({ DATA_DIR: '/tmp/x', DATABASE_URL: 'postgres://u@h/db', YJS_MAX_MESSAGE_BYTES: '65536', SESSION_INACTIVITY_DAYS: '0.01' });
    expect(c.databaseUrl).toBe('postgres://u@h/db');
    expect(c.yjs.maxMessageBytes).toBe(65536);
    expect(c.session.activityCheckIntervalMs).toBeLessThan(c.session.inactivityTimeoutMs);
  });

  it('refuses invalid values with a message naming the variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ YJS_MAX_MESSAGE_BYTES: '-1' })).toThrow(/YJS_MAX_MESSAGE_BYTES/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
  });
});
