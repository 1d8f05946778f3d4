import type { MemberView } from './project';
import type { Role } from './editor/model/role';
import type { AssetJson } from './asset';
import type { JobJson } from './job';

/** The one typed map of socket.io events between the studio and the server. */
export type AckResult<T = object> = ({ ok: true } & T) | { ok: false; error: { code: string; message: string } };

export interface ServerToClientEvents {
  'project:renamed': (e: { projectId: string; name: string }) => void;
  'project:deleted': (e: { projectId: string }) => void;
  'project:members': (e: { projectId: string; members: MemberView[] }) => void;
  /** You lost access to the project (removed by the owner). */
  'project:removed': (e: { projectId: string }) => void;
  /** A job in the project changed (queued, started, progress, finished). */
  job: (job: JobJson) => void;
  'asset:changed': (asset: AssetJson) => void;
  'asset:deleted': (e: { projectId: string; assetId: string }) => void;
}

export interface ClientToServerEvents {
  'project:join': (projectId: string, ack: (r: AckResult<{ role: Role }>) => void) => void;
  'project:leave': (projectId: string) => void;
}

export interface SocketData {
  userId: string;
  username: string;
  /** The session that opened the socket, or null for an API token. */
  sessionId: string | null;
}

export const projectRoom = (projectId: string) => `project:${projectId}`;
