import path from 'node:path';
import { z } from 'zod';

/** Everything the process reads from its environment, validated once at start. */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.string().optional(),
  ORIGIN: z.string().url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  YJS_MAX_MESSAGE_BYTES: z.coerce.number().int().positive().default(10 * 1024 * 1024),
  YJS_COMPACT_AFTER_UPDATES: z.coerce.number().int().positive().default(500),
  SESSION_INACTIVITY_DAYS: z.coerce.number().positive().default(30),
  LOGIN_MAX_FAILURES_PER_USER: z.coerce.number().int().positive().default(5),
  LOGIN_MAX_FAILURES_PER_IP: z.coerce.number().int().positive().default(30),
  LOGIN_THROTTLE_WINDOW_SECONDS: z.coerce.number().int().positive().default(15 * 60),
  METRICS_TOKEN: z.string().optional()
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** `sqlite:<file>` or a `postgres://` URL. */
  databaseUrl: string;
  origin?: string;
  logLevel: string;
  yjs: { maxMessageBytes: number; compactAfterUpdates: number };
  session: { inactivityTimeoutMs: number; activityCheckIntervalMs: number };
  loginThrottle: { maxFailuresPerUser: number; maxFailuresPerIp: number; windowSeconds: number };
  /** Bearer token for GET /metrics; unset means loopback only. */
  metricsToken?: string;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid environment: ${problems}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  const inactivityTimeoutMs = e.SESSION_INACTIVITY_DAYS * 24 * 3600 * 1000;
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    databaseUrl: e.DATABASE_URL || `sqlite:${path.join(dataDir, 'airstudio.db')}`,
    origin: e.ORIGIN,
    logLevel: e.LOG_LEVEL,
    yjs: { maxMessageBytes: e.YJS_MAX_MESSAGE_BYTES, compactAfterUpdates: e.YJS_COMPACT_AFTER_UPDATES },
    // Renew at most hourly so a busy user does not write on every request (Lucia's guidance).
    session: { inactivityTimeoutMs, activityCheckIntervalMs: Math.min(3600_000, inactivityTimeoutMs / 2) },
    loginThrottle: {
      maxFailuresPerUser: e.LOGIN_MAX_FAILURES_PER_USER,
      maxFailuresPerIp: e.LOGIN_MAX_FAILURES_PER_IP,
      windowSeconds: e.LOGIN_THROTTLE_WINDOW_SECONDS
    },
    metricsToken: e.METRICS_TOKEN || undefined
  };
}
