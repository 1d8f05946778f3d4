import { io, type Socket } from 'socket.io-client';
import { SOCKET_TRANSPORTS } from './socket-transports';
import type { ClientToServerEvents, ServerToClientEvents } from '$lib/events';
import type { Role } from '$lib/editor/model/role';

export type ProjectSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface ProjectSocketHandlers {
  /** Joined the project's room (again, after a reconnect): live events flow from here on. `first` is false after a reconnect. */
  joined?(role: Role, first: boolean): void;
  /** The connection dropped; events are missed until the next `joined`. */
  disconnected?(): void;
  /** The project was deleted, or you were removed from it. */
  gone?(why: 'deleted' | 'removed'): void;
}

/**
 * A socket.io connection joined to one project's room, for pages that have no ProjectSession (which has its own).
 * Browser only. Disconnect it when the page goes.
 */
export function openProjectSocket(projectId: string, handlers: ProjectSocketHandlers = {}): ProjectSocket {
  const socket: ProjectSocket = io(SOCKET_TRANSPORTS);
  let joins = 0;
  socket.on('connect', () =>
    socket.emit('project:join', projectId, (r) => {
      if (r.ok) handlers.joined?.(r.role, joins++ === 0);
      else if (r.error.code === 'forbidden') handlers.gone?.('removed');
    })
  );
  socket.on('disconnect', () => handlers.disconnected?.());
  socket.on('project:deleted', (e) => e.projectId === projectId && handlers.gone?.('deleted'));
  socket.on('project:removed', (e) => e.projectId === projectId && handlers.gone?.('removed'));
  return socket;
}
