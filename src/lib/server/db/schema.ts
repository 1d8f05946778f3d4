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

export interface Database {
  users: UserTable;
  sessions: SessionTable;
  api_tokens: ApiTokenTable;
  projects: ProjectTable;
  project_members: ProjectMemberTable;
  doc_updates: DocUpdateTable;
  doc_snapshots: DocSnapshotTable;
}

export type UserRow = Selectable<UserTable>;
export type NewUser = Insertable<UserTable>;
export type SessionRow = Selectable<SessionTable>;
export type ApiTokenRow = Selectable<ApiTokenTable>;
export type ProjectRow = Selectable<ProjectTable>;
export type ProjectMemberRow = Selectable<ProjectMemberTable>;
