import type { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { memoryRateLimiters, type RateLimiterFactory } from '../redis/rate-limiters';

export interface ThrottlePolicy {
  maxFailuresPerUser: number;
  maxFailuresPerIp: number;
  windowSeconds: number;
}

/** Counts failed logins per username and per IP; past the limit, logins wait (429 with Retry-After). */
export class LoginThrottle {
  private readonly byUser: RateLimiterAbstract;
  private readonly byIp: RateLimiterAbstract;

  constructor(policy: ThrottlePolicy, limiters: RateLimiterFactory = memoryRateLimiters) {
    this.byUser = limiters({ keyPrefix: 'login_user', points: policy.maxFailuresPerUser, duration: policy.windowSeconds });
    this.byIp = limiters({ keyPrefix: 'login_ip', points: policy.maxFailuresPerIp, duration: policy.windowSeconds });
  }

  /** Seconds to wait before another attempt may be made, or 0. */
  async retryAfter(username: string, ip: string): Promise<number> {
    const [u, i] = await Promise.all([this.byUser.get(username.toLowerCase()), this.byIp.get(ip)]);
    const wait = (r: RateLimiterRes | null, max: number) => (r && r.consumedPoints >= max ? r.msBeforeNext / 1000 : 0);
    return Math.max(wait(u, this.byUser.points), wait(i, this.byIp.points));
  }

  async recordFailure(username: string, ip: string): Promise<void> {
    await Promise.all([
      this.byUser.penalty(username.toLowerCase(), 1),
      this.byIp.penalty(ip, 1)
    ]);
  }

  async recordSuccess(username: string): Promise<void> {
    await this.byUser.delete(username.toLowerCase());
  }
}
