import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Expiring URLs for files: a player or a worker can fetch `path?exp=…&sig=…` without a session.
 * The signature covers the path and the expiry, so it opens that one file until then.
 */
export class UrlSigner {
  constructor(
    private readonly key: Buffer,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now
  ) {}

  /** SIGNING_SECRET when set (several web processes must share it), else a key kept in DATA_DIR. */
  static fromConfig(secret: string | undefined, dataDir: string, ttlMs: number): UrlSigner {
    if (secret) return new UrlSigner(Buffer.from(secret), ttlMs);
    const file = path.join(dataDir, 'signing-key');
    fs.mkdirSync(dataDir, { recursive: true });
    try {
      fs.writeFileSync(file, randomBytes(32), { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const key = fs.readFileSync(file);
    return new UrlSigner(key, ttlMs);
  }

  private mac(pathname: string, exp: number): string {
    return createHmac('sha256', this.key).update(`${pathname}\n${exp}`).digest('base64url');
  }

  /** A keyed, stable digest for other uses of the same secret (e.g. the chat's address hashes). */
  digest(purpose: string, value: string): string {
    return createHmac('sha256', this.key).update(`${purpose}\n${value}`).digest('base64url');
  }

  sign(pathname: string, ttlMs = this.ttlMs): string {
    // Round the expiry so URLs stay the same for a while and browsers can cache them.
    const exp = Math.ceil((this.now() + ttlMs) / 600_000) * 600;
    return `${pathname}?exp=${exp}&sig=${this.mac(pathname, exp)}`;
  }

  verify(pathname: string, params: URLSearchParams): 'valid' | 'expired' | 'invalid' | 'absent' {
    const exp = params.get('exp');
    const sig = params.get('sig');
    if (!exp && !sig) return 'absent';
    if (!exp || !sig || !/^\d{1,12}$/.test(exp)) return 'invalid';
    const want = Buffer.from(this.mac(pathname, Number(exp)));
    const got = Buffer.from(sig);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return 'invalid';
    return Number(exp) * 1000 < this.now() ? 'expired' : 'valid';
  }
}
