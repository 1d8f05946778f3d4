import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionRepository } from '$lib/server/auth/session.repository';
import { SESSION_HANDLE_LENGTH, SessionService } from '$lib/server/auth/session.service';
import { ApiTokenRepository } from '$lib/server/auth/api-token.repository';
import { ApiTokenService } from '$lib/server/auth/api-token.service';
import { AccountService } from '$lib/server/auth/account.service';
import { LoginThrottle } from '$lib/server/auth/login-throttle';
import { verifyPassword } from '$lib/server/auth/password';
import { ApiError } from '$lib/server/http/api-error';
import type { UserRow } from '$lib/server/db/schema';
import { TEST_PASSWORD, uniqueName } from '../helpers/api';
import { createTestApp, makeUser, type TestApp } from '../helpers/app';
import { DIALECTS } from '../helpers/db';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const policy = { inactivityTimeoutMs: 30 * DAY, activityCheckIntervalMs: HOUR };

/** A clock the test moves by hand. */
function manualClock(start = Date.UTC(2026, 0, 1)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe.each(DIALECTS)('accounts, sessions and API tokens on %s', (kind) => {
  let t: TestApp;
  let user: UserRow;

  beforeAll(async () => {
    t = await createTestApp(kind);
    user = await makeUser(t.app, 'sess');
  });
  afterAll(async () => t?.close());

  const sessionService = (clock: { now: () => number }) => new SessionService(new SessionRepository(t.app.db.kysely), policy, clock.now);
  const sessionRow = (id: string) => t.app.db.kysely.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();

  describe('sessions', () => {
    it('issue `id.secret` tokens and store only the SHA-256 of the secret', async () => {
      const clock = manualClock();
      const { token, expiresAt } = await sessionService(clock).create(user.id, 'vitest');
      expect(token).toMatch(/^[a-z2-7]{39}\.[a-z2-7]{39}$/);
      expect(expiresAt).toBe(clock.now() + policy.inactivityTimeoutMs);
      const [id, secret] = token.split('.');
      const row = await sessionRow(id);
      expect(row).toBeDefined();
      expect(row!.user_id).toBe(user.id);
      expect(new Uint8Array(row!.secret_hash)).toHaveLength(32);
      expect(Buffer.from(row!.secret_hash).toString('latin1')).not.toContain(secret);
      expect(row!.user_agent).toBe('vitest');
    });

    it('validate the right token and reject a wrong secret, a wrong id or garbage', async () => {
      const s = sessionService(manualClock());
      const { token } = await s.create(user.id);
      const valid = await s.validate(token);
      expect(valid?.user.id).toBe(user.id);
      expect(valid?.renewed).toBe(false);
      const [id, secret] = token.split('.');
      const flipped = secret.slice(0, -1) + (secret.endsWith('a') ? 'b' : 'a');
      expect(await s.validate(`${id}.${flipped}`)).toBeNull();
      expect(await s.validate(`${id.slice(0, -1)}x.${secret}`)).toBeNull();
      for (const junk of ['', id, `${id}.`, `${token}.x`, "' or 1=1 --.x"]) expect(await s.validate(junk)).toBeNull();
      // A wrong secret does not destroy the real session.
      expect(await s.validate(token)).not.toBeNull();
    });

    it('renew (slide) only once the activity check interval has passed', async () => {
      const clock = manualClock();
      const s = sessionService(clock);
      const { token, expiresAt } = await s.create(user.id);
      const id = token.split('.')[0];
      const created = (await sessionRow(id))!.last_verified_at;

      clock.advance(policy.activityCheckIntervalMs - 1);
      const early = await s.validate(token);
      expect(early?.renewed).toBe(false);
      expect(early?.expiresAt).toBe(expiresAt);
      expect((await sessionRow(id))!.last_verified_at).toBe(created);

      clock.advance(1);
      const renewed = await s.validate(token);
      expect(renewed?.renewed).toBe(true);
      expect(renewed?.expiresAt).toBe(clock.now() + policy.inactivityTimeoutMs);
      expect((await sessionRow(id))!.last_verified_at).toBe(clock.now());
    });

    it('expire after the inactivity timeout and delete the row', async () => {
      const clock = manualClock();
      const s = sessionService(clock);
      const { token } = await s.create(user.id);
      clock.advance(policy.inactivityTimeoutMs - 1);
      expect(await s.validate(token)).not.toBeNull(); // renewed here
      clock.advance(policy.inactivityTimeoutMs - 1);
      expect(await s.validate(token)).not.toBeNull(); // alive: the expiry slid forward
      clock.advance(policy.inactivityTimeoutMs);
      expect(await s.validate(token)).toBeNull();
      expect(await sessionRow(token.split('.')[0])).toBeUndefined();
      // Once expired, it stays expired even if the clock were set back.
      clock.advance(-policy.inactivityTimeoutMs);
      expect(await s.validate(token)).toBeNull();
    });

    it('are revoked one by one (logout) or all at once', async () => {
      const s = sessionService(manualClock());
      const a = await s.create(user.id);
      const b = await s.create(user.id);
      const c = await s.create(user.id);
      await s.invalidate(a.token.split('.')[0]);
      expect(await s.validate(a.token)).toBeNull();
      expect(await s.validate(b.token)).not.toBeNull();
      await s.invalidateAll(user.id);
      expect(await s.validate(b.token)).toBeNull();
      expect(await s.validate(c.token)).toBeNull();
    });

    it('purge only the sessions idle past the timeout', async () => {
      const clock = manualClock(Date.UTC(2030, 0, 1));
      const s = sessionService(clock);
      const other = await makeUser(t.app, 'purge');
      const old = await s.create(other.id);
      clock.advance(policy.inactivityTimeoutMs - HOUR);
      const fresh = await s.create(other.id);
      clock.advance(2 * HOUR);
      expect(await s.purgeExpired()).toBeGreaterThanOrEqual(1);
      expect(await sessionRow(old.token.split('.')[0])).toBeUndefined();
      expect(await sessionRow(fresh.token.split('.')[0])).toBeDefined();
    });
  });

  describe('account settings', () => {
    const repo = () => new SessionRepository(t.app.db.kysely);
    const insertSession = (id: string, userId: string, lastVerifiedAt: number, createdAt = lastVerifiedAt) =>
      repo().create({ id, user_id: userId, secret_hash: new Uint8Array(32), created_at: createdAt, last_verified_at: lastVerifiedAt, user_agent: `ua-${id}` });

    it('UserRepository updates the display name and the password hash of one user only', async () => {
      const a = await makeUser(t.app, 'upd');
      const b = await makeUser(t.app, 'upd');
      await t.app.users.updateDisplayName(a.id, 'Änne Ü');
      await t.app.users.updatePasswordHash(a.id, '$argon2id$new');
      expect(await t.app.users.findById(a.id)).toMatchObject({ display_name: 'Änne Ü', password_hash: '$argon2id$new', username: a.username });
      expect(await t.app.users.findById(b.id)).toMatchObject({ display_name: b.display_name, password_hash: b.password_hash });
    });

    it('SessionRepository lists a user’s sessions used since a moment, newest use first, without the secret hash', async () => {
      const a = await makeUser(t.app, 'lst');
      const b = await makeUser(t.app, 'lst');
      const base = Date.UTC(2031, 0, 1);
      await insertSession(`old-${a.id}`, a.id, base - 1);
      await insertSession(`mid-${a.id}`, a.id, base + 10, base - 5 * DAY);
      await insertSession(`new-${a.id}`, a.id, base + 20);
      await insertSession(`edge-${a.id}`, a.id, base);
      await insertSession(`other-${b.id}`, b.id, base + 30);
      const rows = await repo().listForUser(a.id, base);
      expect(rows.map((r) => r.id)).toEqual([`new-${a.id}`, `mid-${a.id}`, `edge-${a.id}`]);
      expect(rows[1]).toEqual({ id: `mid-${a.id}`, user_id: a.id, created_at: base - 5 * DAY, last_verified_at: base + 10, user_agent: `ua-mid-${a.id}` });
      expect(await repo().listForUser(b.id, base + 31)).toEqual([]);
    });

    it('SessionRepository.deleteOthers keeps one session and the other users’ sessions', async () => {
      const a = await makeUser(t.app, 'del');
      const b = await makeUser(t.app, 'del');
      const at = Date.UTC(2031, 0, 1);
      for (const n of [1, 2, 3]) await insertSession(`s${n}-${a.id}`, a.id, at + n);
      await insertSession(`s1-${b.id}`, b.id, at);
      // Three: s1, s3 and the session signup opened.
      expect(await repo().deleteOthers(a.id, `s2-${a.id}`)).toBe(3);
      expect((await repo().listForUser(a.id, 0)).map((r) => r.id)).toEqual([`s2-${a.id}`]);
      const kept = (await repo().listForUser(b.id, 0)).map((r) => r.id);
      expect(kept).toHaveLength(2); // b's signup session and s1
      expect(kept).toContain(`s1-${b.id}`);
    });

    it('SessionService lists unexpired sessions by handle, ends one by handle, and ends the others', async () => {
      const clock = manualClock(Date.UTC(2032, 0, 1));
      const s = sessionService(clock);
      const u = await makeUser(t.app, 'svc');
      const stale = await s.create(u.id, 'stale');
      clock.advance(policy.inactivityTimeoutMs - HOUR);
      const [here, there, third] = [await s.create(u.id, 'here'), await s.create(u.id, 'there'), await s.create(u.id, 'third')];
      clock.advance(2 * HOUR);
      const id = (token: string) => token.split('.')[0];
      const handle = (token: string) => id(token).slice(0, SESSION_HANDLE_LENGTH);

      const listed = await s.list(u.id, id(here.token));
      expect(listed.map((x) => x.userAgent).sort()).toEqual(['here', 'there', 'third']);
      expect(listed.find((x) => x.current)?.id).toBe(handle(here.token));
      expect(listed.every((x) => x.id.length === SESSION_HANDLE_LENGTH)).toBe(true);
      expect(await s.validate(stale.token)).toBeNull();

      await expect(s.end(u.id, handle(here.token), id(here.token))).rejects.toMatchObject({ status: 400, code: 'current_session' });
      await expect(s.end(u.id, handle(stale.token), id(here.token))).rejects.toMatchObject({ status: 404 });
      const stranger = await makeUser(t.app, 'svc');
      await expect(s.end(stranger.id, handle(there.token), null)).rejects.toMatchObject({ status: 404 });
      await s.end(u.id, handle(there.token), id(here.token));
      expect(await s.validate(there.token)).toBeNull();
      expect(await s.validate(third.token)).not.toBeNull();

      await s.invalidateOthers(u.id, id(here.token));
      expect(await s.validate(third.token)).toBeNull();
      expect(await s.validate(here.token)).not.toBeNull();
      await s.invalidateOthers(u.id, null);
      expect(await s.validate(here.token)).toBeNull();
    });
  });

  describe('API tokens', () => {
    it('are created as `ast_<id>.<secret>`, authenticate their owner, and stop working once revoked', async () => {
      const clock = manualClock();
      const tokens = new ApiTokenService(new ApiTokenRepository(t.app.db.kysely), t.app.users, clock.now);
      const { token, info } = await tokens.create(user.id, 'render box');
      expect(token).toMatch(/^ast_[a-z2-7]{16}\.[a-z2-7]{39}$/);
      expect(info).toMatchObject({ name: 'render box', lastUsedAt: null, revokedAt: null });
      const row = await t.app.db.kysely.selectFrom('api_tokens').selectAll().where('id', '=', info.id).executeTakeFirstOrThrow();
      expect(Buffer.from(row.secret_hash).toString('latin1')).not.toContain(token.split('.')[1]);

      expect((await tokens.authenticate(token))?.id).toBe(user.id);
      expect((await tokens.list(user.id)).find((x) => x.id === info.id)?.lastUsedAt).toBe(new Date(clock.now()).toISOString());
      expect(await tokens.authenticate(token.slice(0, -1) + (token.endsWith('a') ? 'b' : 'a'))).toBeNull();
      expect(await tokens.authenticate(token.slice(4))).toBeNull(); // without the prefix

      const stranger = await makeUser(t.app, 'strngr');
      await expect(tokens.revoke(stranger.id, info.id)).rejects.toMatchObject({ status: 404 });
      expect(await tokens.authenticate(token)).not.toBeNull();

      clock.advance(1000);
      await tokens.revoke(user.id, info.id);
      expect(await tokens.authenticate(token)).toBeNull();
      expect((await tokens.list(user.id)).find((x) => x.id === info.id)?.revokedAt).toBe(new Date(clock.now()).toISOString());
      await expect(tokens.revoke(user.id, info.id)).rejects.toBeInstanceOf(ApiError);
    });

    it('record their use at most once a minute', async () => {
      const clock = manualClock();
      const tokens = new ApiTokenService(new ApiTokenRepository(t.app.db.kysely), t.app.users, clock.now);
      const { token, info } = await tokens.create(user.id, 'busy');
      const lastUsed = async () => (await tokens.list(user.id)).find((x) => x.id === info.id)!.lastUsedAt;
      await tokens.authenticate(token);
      const first = await lastUsed();
      clock.advance(30_000);
      await tokens.authenticate(token);
      expect(await lastUsed()).toBe(first);
      clock.advance(31_000);
      await tokens.authenticate(token);
      expect(await lastUsed()).toBe(new Date(clock.now()).toISOString());
    });

    it('are accepted by the Authenticator as bearer, as are session tokens; junk is not', async () => {
      const { token } = await t.app.tokens.create(user.id, 'bearer');
      const session = await t.app.sessions.create(user.id);
      expect(await t.app.auth.authenticate({ bearer: token })).toMatchObject({ via: 'token', user: { id: user.id } });
      expect(await t.app.auth.authenticate({ bearer: session.token })).toMatchObject({ via: 'session', user: { id: user.id } });
      expect(await t.app.auth.authenticate({ cookieToken: session.token })).toMatchObject({ via: 'session' });
      expect(await t.app.auth.authenticate({ bearer: 'ast_nope.nope' })).toBeNull();
      // A bad bearer is not rescued by a good cookie: the caller asked to be someone specific.
      expect(await t.app.auth.authenticate({ bearer: 'garbage', cookieToken: session.token })).toBeNull();
      expect(await t.app.auth.authenticate({})).toBeNull();
    });
  });

  describe('AccountService', () => {
    const accounts = () => new AccountService(t.app.users, t.app.sessions, new LoginThrottle({ maxFailuresPerUser: 3, maxFailuresPerIp: 100, windowSeconds: 60 }));

    it('stores usernames and emails lower-case and refuses taken ones, whatever the case', async () => {
      const a = accounts();
      const name = uniqueName('Mixed');
      const { user: u, token } = await a.signup({ username: name, email: `${name}@Example.TEST`, password: TEST_PASSWORD }, null);
      expect(u.username).toBe(name.toLowerCase());
      expect(u.email).toBe(`${name.toLowerCase()}@example.test`);
      expect(u.password_hash).toMatch(/^\$argon2id\$/);
      expect(await t.app.sessions.validate(token)).not.toBeNull();
      await expect(a.signup({ username: name.toUpperCase(), email: 'other@example.test', password: TEST_PASSWORD }, null)).rejects.toMatchObject({ status: 409, code: 'username_taken' });
      await expect(a.signup({ username: uniqueName('other'), email: `${name.toUpperCase()}@example.test`, password: TEST_PASSWORD }, null)).rejects.toMatchObject({ status: 409, code: 'email_taken' });
      await expect(a.signup({ username: uniqueName('weak'), email: 'weak@example.test', password: 'password123' }, null)).rejects.toMatchObject({ status: 400, code: 'weak_password' });
    });

    it('changes the password only with the right current one, counting wrong ones as failed logins', async () => {
      const a = accounts();
      const name = uniqueName('chpw');
      const { user: u, token: current } = await a.signup({ username: name, email: `${name}@example.test`, password: TEST_PASSWORD }, null);
      const other = await t.app.sessions.create(u.id);
      await expect(a.changePassword(u, { currentPassword: 'wrong-password-1', newPassword: 'amber-kettle-orchard-7' }, '10.2.2.2', null)).rejects.toMatchObject({ status: 401, code: 'invalid_credentials' });
      await expect(a.changePassword(u, { currentPassword: TEST_PASSWORD, newPassword: 'tiny' }, '10.2.2.2', null)).rejects.toMatchObject({ status: 400, code: 'weak_password' });
      expect(await t.app.sessions.validate(other.token)).not.toBeNull();

      await a.changePassword(u, { currentPassword: TEST_PASSWORD, newPassword: 'amber-kettle-orchard-7' }, '10.2.2.2', current.split('.')[0]);
      const stored = (await t.app.users.findById(u.id))!.password_hash;
      expect(stored).toMatch(/^\$argon2id\$/);
      expect(await verifyPassword(stored, 'amber-kettle-orchard-7')).toBe(true);
      expect(await verifyPassword(stored, TEST_PASSWORD)).toBe(false);
      expect(await t.app.sessions.validate(current)).not.toBeNull();
      expect(await t.app.sessions.validate(other.token)).toBeNull();

      const changed = (await t.app.users.findById(u.id))!;
      for (let i = 0; i < 3; i++) {
        await expect(a.changePassword(changed, { currentPassword: `wrong-${i}-password`, newPassword: 'violet-harbour-lamp-43' }, '10.2.2.3', null)).rejects.toMatchObject({ status: 401 });
      }
      await expect(a.login({ username: name, password: 'amber-kettle-orchard-7' }, '10.2.2.4', null)).rejects.toMatchObject({ status: 429 });
    });

    it('logs in with the right password (any username case), throttles repeated failures', async () => {
      const a = accounts();
      const name = uniqueName('login');
      await a.signup({ username: name, email: `${name}@example.test`, password: TEST_PASSWORD }, null);
      const ok = await a.login({ username: name.toUpperCase(), password: TEST_PASSWORD }, '10.1.1.1', null);
      expect(ok.user.username).toBe(name);
      for (let i = 0; i < 3; i++) {
        await expect(a.login({ username: name, password: 'wrong-password-1' }, '10.1.1.1', null)).rejects.toMatchObject({ status: 401, code: 'invalid_credentials' });
      }
      // Now even the right password waits: the caller cannot tell whether it was right.
      const e = await a.login({ username: name, password: TEST_PASSWORD }, '10.1.1.2', null).catch((x) => x);
      expect(e).toMatchObject({ status: 429, code: 'too_many_requests' });
      expect(Number((e as ApiError).headers['Retry-After'])).toBeGreaterThanOrEqual(1);
      // An unknown username fails the same way as a wrong password.
      await expect(a.login({ username: uniqueName('ghost'), password: TEST_PASSWORD }, '10.1.1.3', null)).rejects.toMatchObject({ status: 401, code: 'invalid_credentials' });
    });
  });
});
