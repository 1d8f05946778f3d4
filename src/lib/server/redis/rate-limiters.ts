import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from '../log';
import type { RedisConnection } from './redis-connection';

export interface LimiterOptions {
  keyPrefix: string;
  points: number;
  duration: number;
  blockDuration?: number;
}

/** Makes the limiters that must hold for the whole install: in memory for one web process, in Redis for several. */
export type RateLimiterFactory = (options: LimiterOptions) => RateLimiterAbstract;

export const memoryRateLimiters: RateLimiterFactory = (options) => new RateLimiterMemory(options);

// One line per minute is enough for an operator; a line per request would flood the log while Redis is down.
const FALLBACK_LOG_INTERVAL_MS = 60_000;

/**
 * Limiters in Redis (RateLimiterRedis), shared by every web process. While Redis does not answer they count in this
 * process's memory instead (the insurance limiter), so limits keep holding rather than letting every attempt through.
 */
export function redisRateLimiters(redis: RedisConnection, logger: Logger): RateLimiterFactory {
  let loggedAt = -Infinity;
  const fellBack = () => {
    const now = Date.now();
    if (now - loggedAt < FALLBACK_LOG_INTERVAL_MS) return;
    loggedAt = now;
    logger.error('Redis does not answer: rate limits (logins, chat, requests, assistant) are counted in this web process only until it does');
  };
  return (options) =>
    new RateLimiterRedis({
      ...options,
      keyPrefix: redis.key(`rl:${options.keyPrefix}`),
      storeClient: redis.client,
      // Without it a command waits out ioredis's retries while Redis is down, and the caller with it.
      rejectIfRedisNotReady: true,
      insuranceLimiter: new InsuranceLimiter(options, fellBack)
    });
}

/** rate-limiter-flexible calls its insurance limiter only when the store failed: each call is worth telling the operator. */
class InsuranceLimiter extends RateLimiterMemory {
  constructor(
    options: LimiterOptions,
    private readonly used: () => void
  ) {
    super(options);
  }

  override consume(...args: Parameters<RateLimiterMemory['consume']>) {
    this.used();
    return super.consume(...args);
  }

  override penalty(...args: Parameters<RateLimiterMemory['penalty']>) {
    this.used();
    return super.penalty(...args);
  }

  override reward(...args: Parameters<RateLimiterMemory['reward']>) {
    this.used();
    return super.reward(...args);
  }

  override get(...args: Parameters<RateLimiterMemory['get']>) {
    this.used();
    return super.get(...args);
  }

  override delete(...args: Parameters<RateLimiterMemory['delete']>) {
    this.used();
    return super.delete(...args);
  }
}
