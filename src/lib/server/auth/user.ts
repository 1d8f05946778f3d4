import type { UserRow } from '../db/schema';

/** What the app and API show of a user: never the password hash. */
export interface PublicUser {
  id: string;
  username: string;
  displayName: string;
  color: string;
}

export interface Me extends PublicUser {
  email: string;
  createdAt: string;
}

export function toPublicUser(u: UserRow): PublicUser {
  return { id: u.id, username: u.username, displayName: u.display_name, color: u.color };
}

export function toMe(u: UserRow): Me {
  return { ...toPublicUser(u), email: u.email, createdAt: new Date(u.created_at).toISOString() };
}
