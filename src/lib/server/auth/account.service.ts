import type { UserRow } from '../db/schema';
import { newId } from '$lib/editor/model/ids';
import { colorForId } from '$lib/editor/model/presence';
import { ApiError, badRequest, conflict, tooManyRequests } from '../http/api-error';
import type { SignupInput, LoginInput } from './account.schema';
import type { LoginThrottle } from './login-throttle';
import { hashPassword, passwordProblem, verifyPassword } from './password';
import type { SessionService } from './session.service';
import type { UserRepository } from './user.repository';

// Verified against when the username is unknown, so a miss costs as long as a hit (no user enumeration by timing).
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$4iRejygQCdu3v62BhBKfKg$bbVs3p5LWvH6MUtsEXW+gYwROLHdWfp35p/TgHYx2DE';

export class AccountService {
  constructor(
    private readonly users: UserRepository,
    private readonly sessions: SessionService,
    private readonly throttle: LoginThrottle,
    private readonly now: () => number = Date.now
  ) {}

  async signup(input: SignupInput, userAgent: string | null): Promise<{ user: UserRow; token: string; expiresAt: number }> {
    const problem = passwordProblem(input.password, input.username, input.email);
    if (problem) throw badRequest(problem, 'weak_password');
    const taken = await this.users.usernameOrEmailTaken(input.username, input.email);
    if (taken.username) throw conflict(`The username "${input.username}" is taken: choose another.`, 'username_taken');
    if (taken.email) throw conflict('An account with this email exists: log in instead.', 'email_taken');
    const id = newId();
    const user: UserRow = {
      id,
      username: input.username.toLowerCase(),
      email: input.email.toLowerCase(),
      display_name: input.displayName || input.username,
      color: colorForId(id),
      password_hash: await hashPassword(input.password),
      created_at: this.now()
    };
    try {
      await this.users.create(user);
    } catch (e) {
      // Two signups racing for one name: the unique index decides.
      if (/unique|duplicate/i.test(String((e as Error).message))) throw conflict(`The username "${input.username}" is taken: choose another.`, 'username_taken');
      throw e;
    }
    const session = await this.sessions.create(user.id, userAgent);
    return { user, ...session };
  }

  async login(input: LoginInput, ip: string, userAgent: string | null): Promise<{ user: UserRow; token: string; expiresAt: number }> {
    const wait = await this.throttle.retryAfter(input.username, ip);
    if (wait > 0) throw tooManyRequests(wait, `Too many failed logins. Try again in ${Math.ceil(wait)} seconds.`);
    const user = await this.users.findByUsername(input.username);
    const ok = await verifyPassword(user?.password_hash ?? DUMMY_HASH, input.password);
    if (!user || !ok) {
      await this.throttle.recordFailure(input.username, ip);
      throw new ApiError(401, 'invalid_credentials', 'Wrong username or password.');
    }
    await this.throttle.recordSuccess(input.username);
    const session = await this.sessions.create(user.id, userAgent);
    return { user, ...session };
  }
}
