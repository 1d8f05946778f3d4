import type { Namespace } from 'socket.io';
import { chatRoom, projectRoom } from '$lib/events';
import type { App } from '../app';
import type { RedisConnection } from '../redis/redis-connection';

type Adapter = Namespace['adapter'];
type AdapterFactory = (nsp: Namespace) => Adapter;
type Session = Awaited<ReturnType<Adapter['restoreSession']>>;

const PROJECT_PREFIX = projectRoom('');
const CHAT_PREFIX = chatRoom('');

/**
 * socket.io gives a recovered connection its rooms and the packets it missed before any middleware runs. A session
 * that ended, or a member removed while the client was away, would get them: such recoveries are refused here, and the
 * client connects afresh (through the middlewares) and joins again what it still may.
 *
 * The check runs before the adapter reads the stream, not after: socket.io joins the rooms as soon as the restore
 * answers, and a broadcast made between reading the stream and joining would be lost. So each persisted session also
 * leaves a note of its rooms and data that the check reads first.
 */
export function guardRecovery(makeAdapter: AdapterFactory, app: App, redis: RedisConnection, keepMs: number): AdapterFactory {
  const noteKey = (pid: string) => redis.key(`sio:resume:${pid}`);
  // A function, not an arrow: socket.io calls it with `new`, and the object it returns is the adapter.
  return function (nsp: Namespace) {
    const adapter = makeAdapter(nsp);
    const persist = adapter.persistSession.bind(adapter);
    const restore = adapter.restoreSession.bind(adapter);
    adapter.persistSession = (session) => {
      persist(session);
      // Sent after the adapter's own write on the same connection, so whoever finds the note finds the session too.
      const note: ResumeNote = { rooms: [...session.rooms], data: session.data };
      redis.client.set(noteKey(session.pid), JSON.stringify(note), 'PX', keepMs).catch((err) => app.logger.warn({ err }, 'could not note a session for recovery; it will connect afresh'));
    };
    adapter.restoreSession = async (pid, offset) => {
      const note = await redis.client.getdel(noteKey(pid)).then((raw) => (raw ? (JSON.parse(raw) as ResumeNote) : null));
      const allowed = await mayResume(app, note).catch((err) => {
        app.logger.warn({ err }, 'could not check a recovered connection; it connects afresh');
        return false;
      });
      return allowed ? restore(pid, offset) : (null as unknown as Session);
    };
    return adapter;
  };
}

interface ResumeNote {
  rooms: string[];
  data: unknown;
}

async function mayResume(app: App, session: ResumeNote | null): Promise<boolean> {
  if (!session) return false;
  const { userId = null, sessionId = null } = (session.data ?? {}) as { userId?: string | null; sessionId?: string | null };
  if (sessionId && !(await app.sessions.isActive(sessionId))) return false;
  for (const room of session.rooms) {
    if (room.startsWith(PROJECT_PREFIX) && !(userId && (await app.projects.roleOf(userId, room.slice(PROJECT_PREFIX.length))))) return false;
    if (room.startsWith(CHAT_PREFIX)) {
      const channel = await app.channels.findById(room.slice(CHAT_PREFIX.length));
      if (!channel || !(await app.channels.findBySlugFor(userId, channel.slug))) return false;
    }
  }
  return true;
}
