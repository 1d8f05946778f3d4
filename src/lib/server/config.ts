import path from 'node:path';
import { z } from 'zod';
import type { RedisSettings } from './redis/redis-connection';
import type { S3Settings } from './storage/s3-storage';

const MB = 1024 * 1024;

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
  METRICS_TOKEN: z.string().optional(),
  JOB_LEASE_SECONDS: z.coerce.number().positive().default(30),
  JOB_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(3),
  JOB_BACKOFF_BASE_MS: z.coerce.number().int().min(0).default(2000),
  JOB_POLL_MS: z.coerce.number().int().min(50).default(1000),
  LIVE_RELEASE_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(1000),
  LOCAL_WORKERS: z.coerce.number().int().min(0).max(32).default(1),
  LOCAL_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  SIGNING_SECRET: z.string().min(32).optional(),
  SIGNED_URL_TTL_SECONDS: z.coerce.number().int().positive().default(6 * 3600),
  MEDIA_MAX_AUDIO_MB: z.coerce.number().positive().default(1024),
  MEDIA_MAX_VIDEO_MB: z.coerce.number().positive().default(8192),
  MEDIA_MAX_IMAGE_MB: z.coerce.number().positive().default(100),
  MEDIA_MAX_DURATION_SECONDS: z.coerce.number().positive().default(6 * 3600),
  MEDIA_MAX_IMAGE_PIXELS: z.coerce.number().int().positive().default(120_000_000),
  MEDIA_MAX_VIDEO_PIXELS: z.coerce.number().int().positive().default(7680 * 4320),
  MULTIPART_MAX_MB: z.coerce.number().positive().default(100),
  CHAT_RATE_MESSAGES: z.coerce.number().int().positive().default(3),
  CHAT_RATE_SECONDS: z.coerce.number().int().positive().default(2),
  CHAT_BLOCK_SECONDS: z.coerce.number().int().positive().default(10),
  WEBHOOK_ALLOW_PRIVATE: z.enum(['0', '1', '']).default(''),
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(6),
  WEBHOOK_BACKOFF_BASE_MS: z.coerce.number().int().min(0).default(10_000),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  WEBHOOK_PROGRESS_INTERVAL_MS: z.coerce.number().int().min(0).default(5_000),
  API_FETCH_ALLOW_PRIVATE: z.enum(['0', '1', '']).default(''),
  API_FETCH_MAX_MB: z.coerce.number().positive().default(25),
  API_FETCH_TIMEOUT_MS: z.coerce.number().int().positive().default(20_000),
  REQUEST_RATE_SECONDS: z.coerce.number().int().positive().default(300),
  GENERATOR_TICK_SECONDS: z.coerce.number().positive().default(30),
  INGEST_RTMP_PORT: z.coerce.number().int().min(0).max(65535).default(1935),
  INGEST_RTMP_HOST: z.string().default('0.0.0.0'),
  LLM_BASE_URL: z.string().url().optional().or(z.literal('')),
  LLM_MODEL: z.string().optional(),
  LLM_API_KEY: z.string().optional(),
  CREDITS: z.enum(['on', 'off']).default('on'),
  CREDITS_START: z.coerce.number().int().min(0).max(1_000_000_000).default(1000),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL').optional().or(z.literal('')),
  REDIS_PREFIX: z.string().regex(/^[\w.:\-]*$/, 'letters, digits, . _ - and :').default('airstudio:'),
  CUTOUT_SEGMENTATION_MODEL: z.string().optional(),
  STORAGE: z.enum(['local', 's3']).default('local'),
  S3_ENDPOINT: z.string().url().optional().or(z.literal('')),
  S3_REGION: z.string().optional(),
  S3_BUCKET: z.string().optional(),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  S3_FORCE_PATH_STYLE: z.enum(['1', '0', 'true', 'false', '']).default(''),
  S3_PREFIX: z.string().regex(/^[\w.\-/]*$/, 'letters, digits, . _ - and /').default(''),
  S3_CACHE_MB: z.coerce.number().positive().default(2048),
  AWS_ENDPOINT_URL_S3: z.string().url().optional().or(z.literal('')),
  AWS_ENDPOINT_URL: z.string().url().optional().or(z.literal('')),
  AWS_REGION: z.string().optional(),
  AWS_DEFAULT_REGION: z.string().optional(),
  AWS_ACCESS_KEY_ID: z.string().optional(),
  AWS_SECRET_ACCESS_KEY: z.string().optional()
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
  /** liveReleaseGraceMs: how long a disconnected worker has to come back before its live jobs are re-queued. */
  jobs: { leaseMs: number; maxAttempts: number; backoffBaseMs: number; pollMs: number; liveReleaseGraceMs: number };
  localWorkers: { count: number; concurrency: number };
  /** HMAC key for signed file URLs; without SIGNING_SECRET one is kept in DATA_DIR. */
  signingSecret?: string;
  signedUrlTtlMs: number;
  media: {
    maxBytes: { audio: number; video: number; image: number };
    maxDurationSeconds: number;
    maxImagePixels: number;
    maxVideoPixels: number;
    multipartMaxBytes: number;
  };
  /** Chat flood limits, per connection and per address (Owncast: 3 messages per 2 s, then 10 s blocked). */
  chat: { rate: { points: number; durationSeconds: number; blockSeconds: number } };
  /** Outgoing webhooks: private/loopback targets only when allowed (tests, LAN setups). */
  webhooks: { allowPrivate: boolean; maxAttempts: number; backoffBaseMs: number; timeoutMs: number; progressIntervalMs: number };
  /** The integration API's fetching of photo and music URLs: private/loopback hosts only when allowed (tests, LAN setups). */
  apiFetch: { allowPrivate: boolean; maxBytes: number; timeoutMs: number };
  /** Song requests: one per this many seconds per address and per guest. */
  requests: { rateSeconds: number };
  /** Channel generators look at their buffers this often (and whenever a chunk is made or an item airs). */
  generator: { tickMs: number };
  /** Live takeover's RTMP ingest (nginx-rtmp, run by this process); port 0 turns takeover off. */
  ingest: { port: number; host: string };
  /** The instance's language model (OpenAI-compatible) for projects that set none. */
  llm: { baseUrl: string | null; model: string | null; apiKey: string | null };
  /** The credit ledger: off charges nothing; a new account starts with `startingCredits`. */
  credits: { enabled: boolean; startingCredits: number };
  /** Where media blobs live: DATA_DIR/media, or an S3-compatible bucket. */
  storage: { kind: 'local' } | ({ kind: 's3' } & S3Settings);
  /** An operator's salient-object segmentation model (ONNX) refining drawn cut-outs; null: cut-outs follow the outline. */
  cutoutSegmentationModel: string | null;
  /** Set when several web processes share the work (REDIS_URL): socket.io's adapter, document fan-out, shared limits. */
  redis: RedisSettings | null;
}

/** STORAGE=s3's settings, S3_* first and the AWS SDK's usual names as fallbacks; every missing one is named. */
function s3Settings(e: z.infer<typeof envSchema>): S3Settings {
  const endpoint = e.S3_ENDPOINT || e.AWS_ENDPOINT_URL_S3 || e.AWS_ENDPOINT_URL || null;
  const region = e.S3_REGION || e.AWS_REGION || e.AWS_DEFAULT_REGION || '';
  const bucket = e.S3_BUCKET || '';
  const accessKeyId = e.S3_ACCESS_KEY_ID || e.AWS_ACCESS_KEY_ID || '';
  const secretAccessKey = e.S3_SECRET_ACCESS_KEY || e.AWS_SECRET_ACCESS_KEY || '';
  const missing = [
    !bucket && 'S3_BUCKET',
    !region && 'S3_REGION (or AWS_REGION)',
    !accessKeyId && 'S3_ACCESS_KEY_ID (or AWS_ACCESS_KEY_ID)',
    !secretAccessKey && 'S3_SECRET_ACCESS_KEY (or AWS_SECRET_ACCESS_KEY)'
  ].filter(Boolean);
  if (missing.length) throw new Error(`Invalid environment: STORAGE=s3 needs ${missing.join(', ')}.`);
  const prefix = e.S3_PREFIX.replace(/^\/+/, '');
  return {
    endpoint,
    region,
    bucket,
    accessKeyId,
    secretAccessKey,
    forcePathStyle: e.S3_FORCE_PATH_STYLE === '1' || e.S3_FORCE_PATH_STYLE === 'true',
    prefix: prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix,
    cacheBytes: e.S3_CACHE_MB * MB
  };
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
    metricsToken: e.METRICS_TOKEN || undefined,
    jobs: { leaseMs: e.JOB_LEASE_SECONDS * 1000, maxAttempts: e.JOB_MAX_ATTEMPTS, backoffBaseMs: e.JOB_BACKOFF_BASE_MS, pollMs: e.JOB_POLL_MS, liveReleaseGraceMs: e.LIVE_RELEASE_GRACE_MS },
    localWorkers: { count: e.LOCAL_WORKERS, concurrency: e.LOCAL_WORKER_CONCURRENCY },
    signingSecret: e.SIGNING_SECRET,
    signedUrlTtlMs: e.SIGNED_URL_TTL_SECONDS * 1000,
    media: {
      maxBytes: { audio: e.MEDIA_MAX_AUDIO_MB * MB, video: e.MEDIA_MAX_VIDEO_MB * MB, image: e.MEDIA_MAX_IMAGE_MB * MB },
      maxDurationSeconds: e.MEDIA_MAX_DURATION_SECONDS,
      maxImagePixels: e.MEDIA_MAX_IMAGE_PIXELS,
      maxVideoPixels: e.MEDIA_MAX_VIDEO_PIXELS,
      multipartMaxBytes: e.MULTIPART_MAX_MB * MB
    },
    chat: { rate: { points: e.CHAT_RATE_MESSAGES, durationSeconds: e.CHAT_RATE_SECONDS, blockSeconds: e.CHAT_BLOCK_SECONDS } },
    webhooks: { allowPrivate: e.WEBHOOK_ALLOW_PRIVATE === '1', maxAttempts: e.WEBHOOK_MAX_ATTEMPTS, backoffBaseMs: e.WEBHOOK_BACKOFF_BASE_MS, timeoutMs: e.WEBHOOK_TIMEOUT_MS, progressIntervalMs: e.WEBHOOK_PROGRESS_INTERVAL_MS },
    apiFetch: { allowPrivate: e.API_FETCH_ALLOW_PRIVATE === '1', maxBytes: e.API_FETCH_MAX_MB * MB, timeoutMs: e.API_FETCH_TIMEOUT_MS },
    requests: { rateSeconds: e.REQUEST_RATE_SECONDS },
    generator: { tickMs: e.GENERATOR_TICK_SECONDS * 1000 },
    ingest: { port: e.INGEST_RTMP_PORT, host: e.INGEST_RTMP_HOST },
    llm: { baseUrl: e.LLM_BASE_URL ? e.LLM_BASE_URL.replace(/\/+$/, '') : null, model: e.LLM_MODEL || null, apiKey: e.LLM_API_KEY || null },
    credits: { enabled: e.CREDITS === 'on', startingCredits: e.CREDITS_START },
    storage: e.STORAGE === 's3' ? { kind: 's3', ...s3Settings(e) } : { kind: 'local' },
    cutoutSegmentationModel: e.CUTOUT_SEGMENTATION_MODEL?.trim() ? path.resolve(e.CUTOUT_SEGMENTATION_MODEL.trim()) : null,
    redis: e.REDIS_URL ? { url: e.REDIS_URL, prefix: e.REDIS_PREFIX } : null
  };
}
