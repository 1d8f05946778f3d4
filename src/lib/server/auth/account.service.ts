import type { UserRow } from '../db/schema';
import { newId } from '$lib/editor/model/ids';
import { colorForId } from '$lib/editor/model/presence';
import { ApiError, badRequest, conflict, notFound, tooManyRequests } from '../http/api-error';
import type { ChangePasswordInput, SignupInput, LoginInput } from './account.schema';
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
    const found = await this.users.findByUsername(input.username);
    const user = await this.checkPassword(input.username, ip, found, input.password, 'Wrong username or password.');
    const session = await this.sessions.create(user.id, userAgent);
    return { user, ...session };
  }

  /** Collaborators see the new name on their next load of a project (presence and member lists read it from here). */
  async updateDisplayName(userId: string, displayName: string): Promise<UserRow> {
    await this.users.updateDisplayName(userId, displayName);
    const user = await this.users.findById(userId);
    if (!user) throw notFound('Your account no longer exists.');
    return user;
  }

  /**
   * Verifies the current password under the login throttle (a stolen session must not be a way to guess it), then
   * stores the new hash and ends every other session of the user; API tokens stay valid.
   */
  async changePassword(user: UserRow, input: ChangePasswordInput, ip: string, keepSessionId: string | null): Promise<void> {
    await this.checkPassword(user.username, ip, user, input.currentPassword, 'Your current password is wrong.');
    const problem = passwordProblem(input.newPassword, user.username, user.email);
    if (problem) throw badRequest(problem, 'weak_password');
    if (input.newPassword === input.currentPassword) throw badRequest('Choose a password different from your current one.', 'weak_password');
    await this.users.updatePasswordHash(user.id, await hashPassword(input.newPassword));
    await this.sessions.invalidateOthers(user.id, keepSessionId);
  }

  /** A password check under the login throttle: 429 past the limit, and a wrong password counts as a failed login (401). */
  private async checkPassword(username: string, ip: string, user: UserRow | undefined, password: string, wrong: string): Promise<UserRow> {
    const wait = await this.throttle.retryAfter(username, ip);
    if (wait > 0) throw tooManyRequests(wait, `Too many wrong passwords. Try again in ${Math.ceil(wait)} seconds.`);
    const ok = await verifyPassword(user?.password_hash ?? DUMMY_HASH, password);
    if (!user || !ok) {
      await this.throttle.recordFailure(username, ip);
      throw new ApiError(401, 'invalid_credentials', wrong);
    }
    await this.throttle.recordSuccess(username);
    return user;
  }
}
