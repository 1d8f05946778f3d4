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
