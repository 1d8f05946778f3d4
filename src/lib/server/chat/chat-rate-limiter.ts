import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { memoryRateLimiters, type RateLimiterFactory } from '../redis/rate-limiters';

export interface ChatRatePolicy {
  points: number;
  durationSeconds: number;
  blockSeconds: number;
}

/** Counts chat messages per connection and per address. */
export interface ChatRateLimiter {
  /** Counts one message; the seconds to wait when over either limit, else 0. */
  consume(connectionId: string, ip: string): Promise<number>;
}

/** On rate-limiter-flexible: in memory for one web process, in Redis when several share the chat. */
export class FlexibleChatRateLimiter implements ChatRateLimiter {
  private readonly byConnection: RateLimiterAbstract;
  private readonly byIp: RateLimiterAbstract;

  constructor(policy: ChatRatePolicy, limiters: RateLimiterFactory = memoryRateLimiters) {
    const options = (keyPrefix: string) => ({ keyPrefix, points: policy.points, duration: policy.durationSeconds, blockDuration: policy.blockSeconds });
    this.byConnection = limiters(options('chat_conn'));
    this.byIp = limiters(options('chat_ip'));
  }

  async consume(connectionId: string, ip: string): Promise<number> {
    const results = await Promise.allSettled([this.byConnection.consume(connectionId), this.byIp.consume(ip)]);
    let wait = 0;
    for (const r of results) {
      if (r.status === 'fulfilled') continue;
      // A store failure is the server's problem, not the sender's: let it surface as an internal error.
      if (!(r.reason instanceof RateLimiterRes)) throw r.reason;
      wait = Math.max(wait, r.reason.msBeforeNext / 1000);
    }
    return wait;
  }
}
