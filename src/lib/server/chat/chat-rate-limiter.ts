import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

export interface ChatRatePolicy {
  points: number;
  durationSeconds: number;
  blockSeconds: number;
}

/** Counts chat messages per connection and per address; a Redis-backed one can replace it for several web processes. */
export interface ChatRateLimiter {
  /** Counts one message; the seconds to wait when over either limit, else 0. */
  consume(connectionId: string, ip: string): Promise<number>;
}

/** Base for any rate-limiter-flexible store (memory here; RateLimiterRedis takes the same options plus a client). */
export class FlexibleChatRateLimiter implements ChatRateLimiter {
  constructor(
    private readonly byConnection: RateLimiterAbstract,
    private readonly byIp: RateLimiterAbstract
  ) {}

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

export class MemoryChatRateLimiter extends FlexibleChatRateLimiter {
  constructor(policy: ChatRatePolicy) {
    const options = (keyPrefix: string) => ({ keyPrefix, points: policy.points, duration: policy.durationSeconds, blockDuration: policy.blockSeconds });
    super(new RateLimiterMemory(options('chat_conn')), new RateLimiterMemory(options('chat_ip')));
  }
}
