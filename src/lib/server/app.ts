import { ApiTokenRepository } from './auth/api-token.repository';
import { ApiTokenService } from './auth/api-token.service';
import { AccountService } from './auth/account.service';
import { Authenticator } from './auth/authenticator';
import { LoginThrottle } from './auth/login-throttle';
import { SessionRepository } from './auth/session.repository';
import { SessionService } from './auth/session.service';
import { UserRepository } from './auth/user.repository';
import { loadConfig, type Config } from './config';
import { openDatabase, type Db } from './db/database';
import { migrateToLatest } from './db/migrate';
import { HealthService, type HealthReport } from './health/health.service';
import { createLogger, type Logger } from './log';
import { ProjectRepository } from './project/project.repository';
import { ProjectService } from './project/project.service';
import { LocalStorage } from './storage/local-storage';
import { S3Storage } from './storage/s3-storage';
import type { BlobStorage } from './storage/storage';
import { Metrics } from './metrics/metrics';
import { DocLogRepository } from './yjs/doc-log.repository';
import { DocRegistry } from './yjs/doc-registry';
import { DocFanout } from './yjs/doc-fanout';
import { AssetRepository } from './asset/asset.repository';
import { AssetService } from './asset/asset.service';
import { DEFAULT_MEDIA_LIMITS, maxUploadBytes, type MediaLimits } from './asset/media-inspect';
import { UrlSigner } from './asset/signed-url';
import { JobRepository } from './job/job.repository';
import { RenderService } from './render/render.service';
import { ToolService } from './tool/tool.service';
import { PhotoAnalysisService } from './photo/photo-analysis.service';
import { PhotoEnhanceService } from './photo/photo-enhance.service';
import { JobService } from './job/job.service';
import { WorkerTokenRepository } from './worker/worker-token.repository';
import { WorkerTokenService } from './worker/worker-token.service';
import type { WorkerInfo } from '$lib/worker-protocol';
import { ChannelRepository } from './channel/channel.repository';
import { ChannelService } from './channel/channel.service';
import { ChatRepository } from './chat/chat.repository';
import { ChatService } from './chat/chat.service';
import { FlexibleChatRateLimiter } from './chat/chat-rate-limiter';
import { LiveRepository } from './live/live.repository';
import { LiveService } from './live/live.service';
import { MemoryListenerCounter, RedisListenerCounter, type ListenerCounter } from './live/listeners';
import { RedisLiveAirState } from './live/live-air-state';
import { PlayLogService } from './live/play-log.service';
import { WebhookRepository } from './webhook/webhook.repository';
import { WebhookService } from './webhook/webhook.service';
import { attachGeneratorWebhooks, attachJobWebhooks, attachTakeoverWebhooks, attachWebhookEvents } from './webhook/webhook-events';
import { IngestServer } from './takeover/ingest-server';
import { TakeoverService } from './takeover/takeover.service';
import { GeneratorRepository } from './generator/generator.repository';
import { GeneratorService } from './generator/generator.service';
import { RequestRepository } from './request/request.repository';
import { RequestService } from './request/request.service';
import { BriefService } from './brief/brief.service';
import { DesignKitRepository } from './design-kit/design-kit.repository';
import { DesignKitService } from './design-kit/design-kit.service';
import { CutoutRefiner } from './design-kit/cutout-refinement';
import { StagingService } from './staging/staging.service';
import { PodcastRepository } from './podcast/podcast.repository';
import { PodcastService } from './podcast/podcast.service';
import { RecordingFiles } from './podcast/recording-files';
import { ProvidersRepository } from './ai/providers.repository';
import { ProvidersService } from './ai/providers.service';
import { AssistantService } from './assistant/assistant.service';
import { SecretBox } from './ai/secret-box';
import { VideoGenerationService } from './ai/video-generation.service';
import { ListingVideoService } from './listing/listing-video.service';
import { CreditRepository } from './credit/credit.repository';
import { CreditService } from './credit/credit.service';
import { DjRepository } from './dj/dj.repository';
import { DjService } from './dj/dj.service';
import { ApiKeyRepository } from './api-key/api-key.repository';
import { ApiKeyService } from './api-key/api-key.service';
import { IdempotencyRepository } from './integration/idempotency.repository';
import { IntegrationService } from './integration/integration.service';
import { RemoteMediaFetcher } from './integration/remote-media';
import { ProcessingGate } from './integration/processing-gate';
import { RedisConnection } from './redis/redis-connection';
import { memoryRateLimiters, redisRateLimiters } from './redis/rate-limiters';
import { LeaseLock } from './redis/redis-lock';
import path from 'node:path';

export const VERSION = '0.1.0';

/** The composition root: every service of one web process, built once. */
export interface App {
  config: Config;
  logger: Logger;
  db: Db;
  /** Present with REDIS_URL: what several web processes share beyond the database and the storage. */
  redis: RedisConnection | null;
  /** Lease locks for work one web process at a time does (in Redis with REDIS_URL, else in this process). */
  locks: LeaseLock;
  storage: BlobStorage;
  users: UserRepository;
  sessions: SessionService;
  tokens: ApiTokenService;
  accounts: AccountService;
  auth: Authenticator;
  projects: ProjectService;
  docLog: DocLogRepository;
  docs: DocRegistry;
  jobRepository: JobRepository;
  jobs: JobService;
  workerTokens: WorkerTokenService;
  signer: UrlSigner;
  mediaLimits: MediaLimits;
  assets: AssetService;
  renders: RenderService;
  /** Media tools (cleanup, silence, scenes, stabilize, captions) run on one asset as jobs. */
  tools: ToolService;
  /** Photo analysis (`photo.analyze` jobs): quality, room and focus of brief photos, written into the brief. */
  photoAnalysis: PhotoAnalysisService;
  /** "Enhance" (`photo.enhance` jobs): a brief photo's corrected copy as a new library image. */
  photoEnhance: PhotoEnhanceService;
  channels: ChannelService;
  chat: ChatService;
  live: LiveService;
  webhooks: WebhookService;
  /** Project API keys: scoped, hashed at rest, for the integration API. */
  apiKeys: ApiKeyService;
  /** The integration API v1 (/api/v1): photo classification and listing video jobs, job status, idempotency. */
  integration: IntegrationService;
  requests: RequestService;
  briefs: BriefService;
  /** Design kits (palettes, reference images, cut-outs) shared by the projects of one owner. */
  designKits: DesignKitService;
  /** Staged copies of brief photos: the staging board's render or the staging provider's, as `staging.render` jobs. */
  staging: StagingService;
  podcasts: PodcastService;
  /** A project's AI providers: language model and voice. */
  providers: ProvidersService;
  /** Text- and image-to-video on the project's configured video server, as `ai.video` jobs. */
  videoGeneration: VideoGenerationService;
  /** Listing videos from the brief (and the integration API), as `listing.render` jobs; the originals page. */
  listingVideos: ListingVideoService;
  /** The credit ledger that pays for priced jobs. */
  credits: CreditService;
  /** The assistant panel's language-model turns (tool calls run in the asker's client). */
  assistant: AssistantService;
  /** Channels filling their air from a music generator: buffer, pacing, rotation, cleanup. */
  generator: GeneratorService;
  /** The AutoDJ's voice: personas per channel and the intros they write and voice ahead of air. */
  dj: DjService;
  /** Live takeover: RTMP ingest and Web DJ sources taking a channel's air. */
  takeover: TakeoverService;
  /** Distinct listeners with an active player, per channel. */
  listeners: ListenerCounter;
  playLog: PlayLogService;
  health: HealthService;
  metrics: Metrics;
  /** Filled in by the HTTP server once the worker gateway is attached. */
  connectedWorkers: () => WorkerInfo[];
  /** Filled in by the HTTP server once the realtime endpoints are attached. */
  realtimeStats: () => HealthReport['realtime'];
}

export async function createApp(config: Config, logger = createLogger(config.logLevel)): Promise<App> {
  // First, so a bucket that does not answer stops the start before anything else is opened.
  const storage = config.storage.kind === 's3' ? new S3Storage(config.dataDir, config.storage) : new LocalStorage(config.dataDir);
  await storage.init();
  const redis = config.redis ? await RedisConnection.open(config.redis, logger) : null;
  const limiters = redis ? redisRateLimiters(redis, logger) : memoryRateLimiters;
  const locks = new LeaseLock(redis);
  const db = openDatabase(config.databaseUrl);
  const applied = await migrateToLatest(db.kysely);
  if (applied.length) logger.info({ applied }, 'migrations applied');

  const users = new UserRepository(db.kysely);
  const sessions = new SessionService(new SessionRepository(db.kysely), config.session);
  const tokens = new ApiTokenService(new ApiTokenRepository(db.kysely), users);
  const accounts = new AccountService(users, sessions, new LoginThrottle(config.loginThrottle, limiters));
  const auth = new Authenticator(sessions, tokens);
  const projects = new ProjectService(new ProjectRepository(db.kysely), users);
  const docLog = new DocLogRepository(db.kysely, db.dialect);
  const docs = new DocRegistry(docLog, { compactAfterUpdates: config.yjs.compactAfterUpdates }, logger, redis ? await DocFanout.open(redis, logger) : null);
  const jobRepository = new JobRepository(db.kysely, db.dialect);
  const jobs = new JobService(jobRepository, projects, logger, {
    leaseMs: config.jobs.leaseMs,
    defaultMaxAttempts: config.jobs.maxAttempts,
    backoff: { baseMs: config.jobs.backoffBaseMs, maxMs: 10 * 60_000 }
  });
  const credits = new CreditService(new CreditRepository(db.kysely, db.dialect), projects, users, config.credits);
  jobs.credits = credits;
  const workerTokens = new WorkerTokenService(new WorkerTokenRepository(db.kysely), projects);
  const signer = UrlSigner.fromConfig(config.signingSecret, config.dataDir, config.signedUrlTtlMs);
  const mediaLimits: MediaLimits = {
    ...DEFAULT_MEDIA_LIMITS,
    maxBytes: config.media.maxBytes,
    maxDurationSeconds: config.media.maxDurationSeconds,
    maxImagePixels: config.media.maxImagePixels,
    maxVideoPixels: config.media.maxVideoPixels
  };
  const assetRepository = new AssetRepository(db.kysely);
  const assets = new AssetService(assetRepository, projects, jobs, storage, signer, mediaLimits, logger);
  const renders = new RenderService(projects, docs, assets, jobs, signer);
  const providers = new ProvidersService(new ProvidersRepository(db.kysely), projects, new SecretBox(Buffer.from(signer.digest('secret-box', 'provider-keys'), 'base64url')), config.llm);
  const tools = new ToolService(projects, assetRepository, assets, jobs, signer, providers);
  const videoGeneration = new VideoGenerationService(projects, assetRepository, assets, jobs, signer, providers);
  const listingVideos = new ListingVideoService(projects, docs, assetRepository, assets, jobs, signer, config.origin);
  const channels = new ChannelService(new ChannelRepository(db.kysely), projects);
  const chat = new ChatService(new ChatRepository(db.kysely), channels, projects, users, new FlexibleChatRateLimiter(config.chat.rate, limiters), (ip) => signer.digest('chat-ip', ip));
  const liveRepository = new LiveRepository(db.kysely);
  const live = new LiveService(liveRepository, channels, projects, jobs, jobRepository, docs, signer, workerTokens, storage, logger, locks);
  const webhooks = new WebhookService(new WebhookRepository(db.kysely, db.dialect), projects, channels, { ...config.webhooks, pollMs: Math.min(1000, Math.max(50, config.webhooks.backoffBaseMs)) }, logger);
  webhooks.start();
  attachWebhookEvents(webhooks, live, jobs, channels, locks);
  attachJobWebhooks(webhooks, jobs, config.webhooks.progressIntervalMs);
    const requests = new RequestService(new RequestRepository(db.kysely), channels, projects, docs, (ip) => signer.digest('request-ip', ip), config.requests.rateSeconds, limiters);
  live.requests = requests;
  const podcasts = new PodcastService(new PodcastRepository(db.kysely), channels, projects, assetRepository, storage, docs, new RecordingFiles(storage), path.join(config.dataDir, 'podcasts'), config.origin, logger);
  const takeover = new TakeoverService(channels, projects, live, new IngestServer({ ...config.ingest, dir: path.join(config.dataDir, 'takeover') }, logger), logger);
  attachTakeoverWebhooks(webhooks, takeover);
  const briefs = new BriefService(projects, docs, assets);
  const photoAnalysis = new PhotoAnalysisService(briefs, assetRepository, docs, jobs, signer);
  const photoEnhance = new PhotoEnhanceService(briefs, assetRepository, assets, docs, jobs, signer);
  const apiKeys = new ApiKeyService(new ApiKeyRepository(db.kysely), projects, users);
  const integration = new IntegrationService(jobs, photoAnalysis, listingVideos, jobRepository, assetRepository, new RemoteMediaFetcher(storage, assets, config.apiFetch), webhooks, new IdempotencyRepository(db.kysely), new ProcessingGate(jobs, jobRepository, assetRepository, logger));
  const designKits = new DesignKitService(projects, new DesignKitRepository(db.kysely), assetRepository, storage, new CutoutRefiner(config.cutoutSegmentationModel, logger));
  const staging = new StagingService(projects, docs, assetRepository, assets, jobs, signer, providers, designKits);
  const generator = new GeneratorService(new GeneratorRepository(db.kysely), channels, projects, jobs, jobRepository, assets, docs, providers, logger, config.generator, locks);
  attachGeneratorWebhooks(webhooks, generator);
  // What aired moves the buffer: look at the channel's generator as each item starts.
  live.onEvent((e) => {
    if (e.type === 'now-playing') void generator.tick(e.channelId);
  });
  const dj = new DjService(new DjRepository(db.kysely), channels, jobs, providers, assetRepository, users, signer, logger, locks);
  dj.plan = live;
  live.dj = dj;
  dj.start();
  const listeners = redis ? new RedisListenerCounter(redis) : new MemoryListenerCounter();
  live.listenerCounter = listeners;
  if (redis) live.air = new RedisLiveAirState(redis);
  const app: App = {
    config, logger, db, redis, locks, storage, users, sessions, tokens, accounts, auth, projects, docLog, docs,
    jobRepository, jobs, workerTokens, signer, mediaLimits, assets, renders, tools, channels, chat, live, webhooks, apiKeys, integration, requests, takeover, podcasts, providers, videoGeneration, listingVideos, credits, generator, dj,
    assistant: new AssistantService(projects, providers, limiters),
    listeners,
    briefs,
    photoAnalysis,
    photoEnhance,
    designKits,
    staging,
    playLog: new PlayLogService(liveRepository, channels, projects),
    health: undefined as unknown as HealthService,
    metrics: undefined as unknown as Metrics,
    realtimeStats: () => ({ yjsConnections: 0, loadedDocuments: docs.loadedCount, socketClients: 0 }),
    connectedWorkers: () => []
  };
  app.health = new HealthService(db, storage, () => app.realtimeStats(), () => app.connectedWorkers(), () => jobs.queueDepth(), VERSION, redis);
  app.metrics = new Metrics(() => app.realtimeStats(), () => app.connectedWorkers().length, () => jobs.queueDepth());
  jobs.onEvent(({ job, change }) => app.metrics.jobChanged(job, change));
  webhooks.onOutcome((o) => app.metrics.webhookDelivered(o));
  return app;
}

// The SvelteKit bundle and the server entry are built separately; they share the one App through globalThis.
const KEY = Symbol.for('airstudio.app');
type Holder = { [KEY]?: Promise<App> };

export function setApp(app: Promise<App>): void {
  (globalThis as Holder)[KEY] = app;
}

/** The process's App, created from the environment on first use (e.g. under `vite dev`). */
export function getApp(): Promise<App> {
  const g = globalThis as Holder;
  return (g[KEY] ??= createApp(loadConfig()));
}
