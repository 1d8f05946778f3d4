import type { Generated, Insertable, Selectable } from 'kysely';

/** Times are milliseconds since the epoch (bigint columns, read back as numbers). */
export interface UserTable {
  id: string;
  username: string;
  email: string;
  display_name: string;
  color: string;
  password_hash: string;
  created_at: number;
}

export interface SessionTable {
  id: string;
  user_id: string;
  secret_hash: Uint8Array;
  created_at: number;
  last_verified_at: number;
  user_agent: string | null;
}

export interface ApiTokenTable {
  id: string;
  user_id: string;
  name: string;
  secret_hash: Uint8Array;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface ProjectTable {
  id: string;
  name: string;
  created_by: string;
  created_at: number;
  updated_at: number;
  /** 1 when viewers may upload (their uploads wait for approval). */
  viewer_uploads: Generated<number>;
}

export interface ProjectMemberTable {
  project_id: string;
  user_id: string;
  role: 'owner' | 'editor' | 'viewer';
  created_at: number;
}

/** Append-only Yjs update log; rows up to a snapshot's `last_update_id` are folded into it and deleted. */
export interface DocUpdateTable {
  id: Generated<number>;
  project_id: string;
  data: Uint8Array;
  created_at: number;
}

export interface DocSnapshotTable {
  project_id: string;
  data: Uint8Array;
  last_update_id: number;
  updated_at: number;
}

/** A worker's credential; `owner_id` null means an operator's token that serves every project. */
export interface WorkerTokenTable {
  id: string;
  name: string;
  owner_id: string | null;
  secret_hash: Uint8Array;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';

/** input/result are JSON text. */
export interface JobTable {
  id: string;
  project_id: string;
  type: string;
  status: JobStatus;
  input: string;
  result: string | null;
  error: string | null;
  progress: number;
  progress_message: string | null;
  attempts: number;
  max_attempts: number;
  priority: number;
  run_after: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  idempotency_key: string | null;
  created_by: string | null;
  created_at: number;
  started_at: number | null;
  completed_at: number | null;
  updated_at: number;
}

export interface AssetTable {
  id: string;
  project_id: string;
  kind: 'audio' | 'video' | 'image';
  status: 'pending' | 'approved' | 'rejected';
  rejection_reason: string | null;
  sha256: string;
  bytes: number;
  mime: string;
  original_name: string;
  title: string;
  artist: string;
  description: string;
  category: string;
  /** JSON array of strings. */
  tags: string;
  duration: number | null;
  width: number | null;
  height: number | null;
  /** JSON of the worker's probe. */
  probe: string | null;
  processing: 'queued' | 'running' | 'ready' | 'failed';
  processing_error: string | null;
  processing_job_id: string | null;
  uploaded_by: string | null;
  created_at: number;
  updated_at: number;
  /** Set on a rendered cut: the job that made it and the document's state vector (base64) it was made from. */
  render_job_id: Generated<string | null>;
  doc_version: Generated<string | null>;
}

export interface AssetVariantTable {
  asset_id: string;
  name: string;
  sha256: string;
  bytes: number;
  mime: string;
  /** JSON object: what the variant is (loudness, tile grid, size). */
  meta: string;
  created_at: number;
}

/** A station channel; `outputs` is JSON (channel.schema.ts) and holds secrets that never leave the server in full. */
export interface ChannelTable {
  id: string;
  project_id: string;
  name: string;
  slug: string;
  kind: 'audio' | 'video';
  visibility: 'public' | 'private';
  crossfade_seconds: number;
  loudness_target: number;
  fallback_playlist_id: string | null;
  outputs: string;
  requests_enabled: number;
  request_delay_minutes: number;
  min_repeat_minutes: number;
  chat_enabled: number;
  slow_mode_seconds: number;
  recording_enabled: number;
  recording_retention_days: number;
  stream_key_hash: Uint8Array;
  stream_key_hint: string;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

export type ChatRole = 'owner' | 'editor' | 'viewer' | 'user' | 'guest';

export interface ChatMessageTable {
  id: string;
  channel_id: string;
  user_id: string | null;
  guest_id: string | null;
  ip_hash: string;
  name: string;
  role: ChatRole;
  body: string;
  created_at: number;
  deleted_at: number | null;
  deleted_by: string | null;
}

/** A ban or a mute; `until` null lasts until lifted. Guests match by guest id or address hash. */
export interface ChatBanTable {
  id: string;
  channel_id: string;
  kind: 'ban' | 'mute';
  user_id: string | null;
  guest_id: string | null;
  ip_hash: string | null;
  until: number | null;
  created_by: string | null;
  created_at: number;
}

/** What a channel played; the live worker fills it. */
export interface PlayLogTable {
  id: string;
  channel_id: string;
  asset_id: string | null;
  title: string;
  artist: string;
  kind: 'track' | 'jingle' | 'live' | 'fallback' | 'request';
  started_at: number;
  ended_at: number | null;
  /** Distinct listeners with an active player when the item started. */
  listeners: number | null;
  /** The most listeners while it played (migration 0008). */
  peak_listeners: number | null;
  /** The PlannedItem as aired (JSON), read back as the plan's history; null for rows from before the live output. */
  plan_item: string | null;
}

/** A project's webhook endpoint; `events` is a JSON array of event names. */
export interface WebhookTable {
  id: string;
  project_id: string;
  channel_id: string | null;
  url: string;
  events: string;
  secret: string;
  enabled: number;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  /** Set: one API request's callbackUrl, for this job only. */
  job_id: Generated<string | null>;
}

export interface WebhookDeliveryTable {
  id: string;
  webhook_id: string;
  event: string;
  body: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: number | null;
  response_code: number | null;
  error: string | null;
  created_at: number;
  updated_at: number;
}

/** A project's integration API key; `scopes` is a JSON array, only SHA-256 of the secret is kept. */
export interface ProjectApiKeyTable {
  id: string;
  project_id: string;
  name: string;
  scopes: string;
  secret_hash: Uint8Array;
  signing_secret: string;
  created_by: string | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** The stored answer to an API request sent with an Idempotency-Key (24 h). */
export interface ApiIdempotencyTable {
  project_id: string;
  key: string;
  request_hash: string;
  status_code: number | null;
  response: string | null;
  created_at: number;
}

/** A listener's song request; pending ones feed the playout plan. */
export interface SongRequestTable {
  id: string;
  channel_id: string;
  asset_id: string;
  user_id: string | null;
  guest_id: string | null;
  ip_hash: string;
  status: 'pending' | 'played' | 'removed';
  requested_at: number;
  played_at: number | null;
  /** What the listener gave for the team to read (plain text; migration 0008). */
  name: string | null;
  message: string | null;
}

/** A channel's podcast: feed settings and the public slug of /podcasts/:slug/feed.xml. */
export interface PodcastTable {
  id: string;
  channel_id: string;
  slug: string;
  title: string;
  description: string;
  author: string;
  language: string;
  category: string;
  explicit: number;
  artwork_asset_id: string | null;
  artwork_file: string | null;
  published: number;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

/** An episode: its own file (cut from recordings or copied from library audio) with chapters from the play log. */
export interface PodcastEpisodeTable {
  id: string;
  podcast_id: string;
  title: string;
  description: string;
  source: 'recording' | 'asset';
  asset_id: string | null;
  range_start: number | null;
  range_end: number | null;
  file: string;
  mime: string;
  bytes: number;
  duration: number;
  chapters: string | null;
  published: number;
  publish_at: number;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

/** A project's AI providers; api keys are encrypted (SecretBox), null fields fall back to defaults. */
export interface ProjectProvidersTable {
  project_id: string;
  llm_base_url: string | null;
  llm_model: string | null;
  llm_api_key: string | null;
  tts_engine: 'festival' | 'flite' | 'espeak-ng' | 'openai';
  tts_voice: string;
  tts_rate: number;
  tts_pitch: number;
  tts_base_url: string | null;
  tts_model: string | null;
  tts_api_key: string | null;
  video_base_url: string | null;
  video_model: string | null;
  video_api_key: string | null;
  video_kind: 'openai-videos';
  asr_engine: 'builtin' | 'openai';
  asr_base_url: string | null;
  asr_model: string | null;
  asr_api_key: string | null;
  music_engine: Generated<'procedural' | 'http'>;
  music_base_url: string | null;
  music_model: string | null;
  music_api_key: string | null;
  staging_base_url: string | null;
  staging_model: string | null;
  staging_api_key: string | null;
  updated_by: string | null;
  updated_at: number;
}

/** A channel's generator: prompts (JSON array) rotating every rotate_seconds of content, chunk length, buffer thresholds (JSON). */
export interface ChannelGeneratorTable {
  channel_id: string;
  enabled: number;
  prompts: string;
  rotate_seconds: number;
  chunk_seconds: number;
  thresholds: string;
  parallel: number;
  playlist_id: string | null;
  last_error: string | null;
  updated_at: number;
  /** 1 while the buffer is DEPLETED as last announced (the webhook goes out once per transition, cluster-wide). */
  depleted: Generated<number>;
  /** After a failed chunk, no new chunk starts before this time (ms). */
  paused_until: Generated<number | null>;
}

/** One generated file of a channel's generator, in the order it airs (seq). */
export interface GeneratorChunkTable {
  id: string;
  channel_id: string;
  seq: number;
  prompt_index: number;
  prompt: string;
  job_id: string | null;
  asset_id: string | null;
  item_id: string | null;
  duration: number;
  state: 'generating' | 'ready' | 'aired' | 'failed';
  generation_seconds: number | null;
  created_at: number;
}

/** A channel's AutoDJ persona (null tts_engine: the project's voice). */
export interface ChannelDjTable {
  channel_id: string;
  enabled: number;
  name: string;
  style: string;
  tts_engine: 'festival' | 'flite' | 'espeak-ng' | 'openai' | null;
  tts_voice: string | null;
  tts_rate: number;
  tts_pitch: number;
  policy: 'every' | 'every-n' | 'show-start';
  every_n: number;
  station_id_hourly: number;
  duck_db: number;
  updated_by: string | null;
  updated_at: number;
}

/** One DJ line for one plan item, written and voiced ahead of air time. */
export interface DjIntroTable {
  id: string;
  channel_id: string;
  kind: 'intro' | 'station-id';
  item_key: string;
  asset_id: string | null;
  title: string;
  planned_start: number;
  text: string;
  source: 'llm' | 'template';
  status: 'queued' | 'voicing' | 'ready' | 'failed';
  voice_sha256: string | null;
  duration: number | null;
  error: string | null;
  job_id: string | null;
  edited_by: string | null;
  created_at: number;
  updated_at: number;
}

/** A user's credits: what the projects they own spend on priced jobs. `balance` is the sum of their entries. */
export interface CreditAccountTable {
  user_id: string;
  balance: number;
  created_at: number;
  updated_at: number;
}

export type CreditEntryKind = 'grant' | 'charge' | 'refund';

/** One line of the ledger: `amount` is signed (a charge is negative); `refund_of` names the charge a refund returns. */
export interface CreditEntryTable {
  id: Generated<number>;
  user_id: string;
  kind: CreditEntryKind;
  amount: number;
  balance_after: number;
  project_id: string | null;
  job_id: string | null;
  job_type: string | null;
  content_minutes: number | null;
  credits_per_minute: number | null;
  refund_of: number | null;
  actor_id: string | null;
  note: string | null;
  created_at: number;
}

/** The operator's price for a job type; types without a row cost their default (CREDIT_DEFAULT_PRICES). */
export interface CreditPriceTable {
  job_type: string;
  credits_per_minute: number;
  updated_by: string | null;
  updated_at: number;
}

/** A design kit: a named style (palette, reference images, cut-outs) owned by a user, shown in every project they own. */
export interface DesignKitTable {
  id: string;
  owner_id: string;
  name: string;
  description: string;
  /** JSON array of #rrggbb. */
  palette: string;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

/** A kit image: a reference photo or a cut-out (PNG/WebP with transparency), its own copy of a stored file. */
export interface DesignKitItemTable {
  id: string;
  kit_id: string;
  role: 'reference' | 'cutout';
  title: string;
  sha256: string;
  bytes: number;
  mime: string;
  width: number;
  height: number;
  source_asset_id: string | null;
  created_by: string | null;
  created_at: number;
}

export interface Database {
  users: UserTable;
  sessions: SessionTable;
  api_tokens: ApiTokenTable;
  projects: ProjectTable;
  project_members: ProjectMemberTable;
  doc_updates: DocUpdateTable;
  doc_snapshots: DocSnapshotTable;
  worker_tokens: WorkerTokenTable;
  jobs: JobTable;
  assets: AssetTable;
  asset_variants: AssetVariantTable;
  channels: ChannelTable;
  chat_messages: ChatMessageTable;
  chat_bans: ChatBanTable;
  play_log: PlayLogTable;
  webhooks: WebhookTable;
  webhook_deliveries: WebhookDeliveryTable;
  project_api_keys: ProjectApiKeyTable;
  api_idempotency: ApiIdempotencyTable;
  song_requests: SongRequestTable;
  podcasts: PodcastTable;
  podcast_episodes: PodcastEpisodeTable;
  project_providers: ProjectProvidersTable;
  design_kits: DesignKitTable;
  design_kit_items: DesignKitItemTable;
  credit_accounts: CreditAccountTable;
  credit_entries: CreditEntryTable;
  credit_prices: CreditPriceTable;
  channel_generators: ChannelGeneratorTable;
  generator_chunks: GeneratorChunkTable;
  channel_dj: ChannelDjTable;
  dj_intros: DjIntroTable;
}

export type UserRow = Selectable<UserTable>;
export type NewUser = Insertable<UserTable>;
export type SessionRow = Selectable<SessionTable>;
export type ApiTokenRow = Selectable<ApiTokenTable>;
export type ProjectRow = Selectable<ProjectTable>;
export type ProjectMemberRow = Selectable<ProjectMemberTable>;
export type WorkerTokenRow = Selectable<WorkerTokenTable>;
export type JobRow = Selectable<JobTable>;
export type AssetRow = Selectable<AssetTable>;
export type AssetVariantRow = Selectable<AssetVariantTable>;
export type ChannelRow = Selectable<ChannelTable>;
export type ChannelDjRow = Selectable<ChannelDjTable>;
export type DjIntroRow = Selectable<DjIntroTable>;
export type ChatMessageRow = Selectable<ChatMessageTable>;
export type ChatBanRow = Selectable<ChatBanTable>;
export type WebhookRow = Selectable<WebhookTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveryTable>;
export type ProjectApiKeyRow = Selectable<ProjectApiKeyTable>;
export type ApiIdempotencyRow = Selectable<ApiIdempotencyTable>;
export type SongRequestRow = Selectable<SongRequestTable>;
export type PodcastRow = Selectable<PodcastTable>;
export type PodcastEpisodeRow = Selectable<PodcastEpisodeTable>;
export type ProjectProvidersRow = Selectable<ProjectProvidersTable>;
export type CreditEntryRow = Selectable<CreditEntryTable>;
export type ChannelGeneratorRow = Selectable<ChannelGeneratorTable>;
export type GeneratorChunkRow = Selectable<GeneratorChunkTable>;
export type NewCreditEntry = Insertable<CreditEntryTable>;
export type DesignKitRow = Selectable<DesignKitTable>;
export type DesignKitItemRow = Selectable<DesignKitItemTable>;
