import { describe, expect, it } from 'vitest';
import { hashPassword, passwordProblem, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, verifyPassword } from '$lib/server/auth/password';

describe('password rules (NIST 800-63B: length and known-bad lists)', () => {
  it.each([
    ['too short', 'a1b2c3d4e', /too short/],
    ['too long', 'x'.repeat(PASSWORD_MAX_LENGTH + 1), /too long/],
    ['a common password', 'Password123', /most common/],
    ['too few distinct characters', 'abababababab', /repeats too few/],
    ['containing the username', 'my-Margarethe-pass', /username/],
    ['containing the email local part', 'x-maggie.w-99', /email/]
  ])('refuses a password %s', (_what, password, message) => {
    expect(passwordProblem(password, 'margarethe', 'maggie.w@example.test')).toMatch(message);
  });

  it('accepts a long, unrelated passphrase without composition rules', () => {
    expect(passwordProblem('violet harbour lamp', 'margarethe', 'maggie.w@example.test')).toBeNull();
    expect(passwordProblem('x'.repeat(PASSWORD_MIN_LENGTH - 4) + 'abcd', 'someone')).toBeNull();
    expect(passwordProblem('y'.repeat(PASSWORD_MAX_LENGTH - 4) + 'abcd', 'someone')).toBeNull();
  });

  it('ignores a short email local part (it would refuse too much)', () => {
    expect(passwordProblem('jo-violet-harbour', 'margarethe', 'jo@example.test')).toBeNull();
  });
});

describe('password hashing (Argon2id)', () => {
  it('hashes with Argon2id and a fresh salt, and verifies only the right password', async () => {
    const a = await hashPassword('violet harbour lamp');
    const b = await hashPassword('violet harbour lamp');
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword(a, 'violet harbour lamp')).toBe(true);
    expect(await verifyPassword(a, 'violet harbour lamp ')).toBe(false);
    expect(await verifyPassword(b, 'Violet harbour lamp')).toBe(false);
  });

  it('treats a corrupt stored hash as a failed verification, not a crash', async () => {
    expect(await verifyPassword('not-a-hash', 'violet harbour lamp')).toBe(false);
    expect(await verifyPassword('', 'violet harbour lamp')).toBe(false);
  });
});
