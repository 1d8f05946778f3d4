import { hash, verify } from '@node-rs/argon2';

// OWASP's Argon2id baseline: 19 MiB, 2 iterations, 1 lane.
const ARGON2_OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1, outputLen: 32 };

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

// The most used passwords of at least the minimum length (from public breach lists); length alone does not stop these.
const COMMON = new Set([
  '1234567890', '0123456789', '1q2w3e4r5t', 'qwertyuiop', '1qaz2wsx3edc', 'password1', 'password12', 'password123',
  'password1234', 'iloveyou12', 'qwerty1234', 'qwerty12345', '1234qwerty', 'abcdefghij', 'abc1234567', 'aaaaaaaaaa',
  '1111111111', '0000000000', 'letmein123', 'welcome123', 'administrator', 'passw0rd123', 'football123', 'baseball123',
  'sunshine123', 'princess123', 'dragon1234', 'monkey1234', 'trustno1234', 'changeme123', 'qazwsxedcrfv', 'zaq12wsxcde'
]);

/** Returns why a password is too weak, or null. NIST 800-63B: length and known-bad lists, no composition rules. */
export function passwordProblem(password: string, username: string, email = ''): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) return `Password is too short: use at least ${PASSWORD_MIN_LENGTH} characters.`;
  if (password.length > PASSWORD_MAX_LENGTH) return `Password is too long: use at most ${PASSWORD_MAX_LENGTH} characters.`;
  const lower = password.toLowerCase();
  if (COMMON.has(lower)) return 'Password is one of the most common passwords: choose another.';
  if (new Set(lower).size < 4) return 'Password repeats too few characters: choose another.';
  if (username && lower.includes(username.toLowerCase())) return 'Password must not contain your username.';
  const local = email.split('@')[0]?.toLowerCase();
  if (local && local.length >= 4 && lower.includes(local)) return 'Password must not contain your email address.';
  return null;
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}
