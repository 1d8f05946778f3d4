import type { Namespace, Socket } from 'socket.io';
import { sessionEnded, type SessionsEnded } from '../auth/session.service';

interface SessionData {
  userId: string | null;
  sessionId: string | null;
}

const userRoom = (userId: string) => `user:${userId}`;
const sessionRoom = (sessionId: string) => `session:${sessionId}`;

/** Rooms by which a session ending on any web process finds this connection (the adapter carries the lookup). */
export function joinSessionRooms(socket: Socket, data: SessionData): void {
  // Joining is synchronous with both adapters (memory and Redis streams): handlers registered next miss nothing.
  void socket.join([...(data.userId ? [userRoom(data.userId)] : []), ...(data.sessionId ? [sessionRoom(data.sessionId)] : [])]);
}

/** Disconnects the connections of sessions that just ended, on every web process; API-token connections stay. */
export async function disconnectEndedSessions(nsp: Namespace, e: SessionsEnded): Promise<void> {
  if ('sessionId' in e) return void nsp.in(sessionRoom(e.sessionId)).disconnectSockets(true);
  for (const socket of await nsp.in(userRoom(e.userId)).fetchSockets()) {
    const data = socket.data as SessionData;
    if (data.userId && sessionEnded(e, data.userId, data.sessionId)) socket.disconnect(true);
  }
}
