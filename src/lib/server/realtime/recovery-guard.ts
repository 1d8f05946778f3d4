import type { Namespace } from 'socket.io';
import { chatRoom, projectRoom } from '$lib/events';
import type { App } from '../app';

type Adapter = Namespace['adapter'];
type AdapterFactory = (nsp: Namespace) => Adapter;
type Session = Awaited<ReturnType<Adapter['restoreSession']>>;

const PROJECT_PREFIX = projectRoom('');
const CHAT_PREFIX = chatRoom('');

/**
 * socket.io gives a recovered connection its rooms and the packets it missed before any middleware runs. A session
 * that ended, or a member removed while the client was away, would get them: such recoveries are refused here, and the
 * client connects afresh (through the middlewares) and joins again what it still may.
 */
export function guardRecovery(makeAdapter: AdapterFactory, app: App): AdapterFactory {
  // A function, not an arrow: socket.io calls it with `new`, and the object it returns is the adapter.
  return function (nsp: Namespace) {
    const adapter = makeAdapter(nsp);
    const restore = adapter.restoreSession.bind(adapter);
    adapter.restoreSession = async (pid, offset) => {
      const session = await restore(pid, offset);
      const allowed = await mayResume(app, session).catch((err) => {
        app.logger.warn({ err }, 'could not check a recovered connection; it connects afresh');
        return false;
      });
      return (allowed ? session : null) as Session;
    };
    return adapter;
  };
}

async function mayResume(app: App, session: Session | null): Promise<boolean> {
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
