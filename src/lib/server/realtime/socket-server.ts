import type { Server as HttpServer } from 'node:http';
import { Server, type ServerOptions } from 'socket.io';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { ClientToServerEvents, ServerToClientEvents, SocketData } from '$lib/events';
import { projectRoom } from '$lib/events';
import type { App } from '../app';
import { originAllowed } from '../http/upgrade';
import type { RedisConnection } from '../redis/redis-connection';
import { guardRecovery } from './recovery-guard';
import { disconnectEndedSessions, joinSessionRooms } from './session-sockets';

export type StudioIo = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/**
 * socket.io on the shared HTTP server, for events that are not document state (membership, jobs, assets, chat,
 * now playing). Every connection is authenticated; rooms are joined only after a role check. With Redis, rooms span
 * every web process (the streams adapter), so an emit to a room reaches its clients wherever they connected.
 */
export function createSocketServer(http: HttpServer, app: App, origin?: string): StudioIo {
  const { auth, projects, logger } = app;
  const io: StudioIo = new Server(http, {
    path: '/socket.io',
    serveClient: false,
    // engine.io would otherwise end our Yjs upgrades, which authenticate asynchronously, after 1 s.
    destroyUpgrade: false,
    maxHttpBufferSize: 1e6,
    allowRequest: (req, cb) => cb(null, originAllowed(req, origin)),
    ...(app.redis && clusterOptions(app, app.redis))
  });

  io.use(async (socket, next) => {
    try {
      const token = typeof socket.handshake.auth?.token === 'string' ? socket.handshake.auth.token : null;
      const a = await auth.authenticateRequest(socket.request, token);
      if (!a) return next(Object.assign(new Error('unauthorized'), { data: { code: 'unauthorized', message: 'Sign in, or pass an API token in auth.token.' } }));
      socket.data.userId = a.user.id;
      socket.data.username = a.user.username;
      socket.data.sessionId = a.via === 'session' ? a.session.id : null;
      next();
    } catch (e) {
      logger.error({ err: e }, 'socket.io auth failed');
      next(new Error('internal'));
    }
  });

  io.on('connection', (socket) => {
    joinSessionRooms(socket, socket.data);
    socket.on('project:join', async (projectId, ack) => {
      if (typeof ack !== 'function') return;
      if (typeof projectId !== 'string') return ack({ ok: false, error: { code: 'bad_request', message: 'project:join takes a project id.' } });
      let role;
      try {
        role = await projects.roleOf(socket.data.userId, projectId);
      } catch (e) {
        // Not "forbidden": the client takes that as removal and deletes its local copy of the project.
        logger.error({ err: e }, 'project:join role check failed');
        return ack({ ok: false, error: { code: 'internal', message: 'Could not check your access; try again.' } });
      }
      if (!role) return ack({ ok: false, error: { code: 'forbidden', message: 'You are not a member of this project.' } });
      await socket.join(projectRoom(projectId));
      ack({ ok: true, role });
    });
    socket.on('project:leave', (projectId) => {
      if (typeof projectId === 'string') void socket.leave(projectRoom(projectId));
    });
  });

  auth.onSessionsEnded((e) => void disconnectEndedSessions(io.of('/'), e).catch((err) => logger.error({ err }, 'ending sockets of ended sessions failed')));

  projects.onEvent((e) => {
    const room = io.to(projectRoom(e.projectId));
    if (e.type === 'renamed') room.emit('project:renamed', { projectId: e.projectId, name: e.name });
    if (e.type === 'deleted') room.emit('project:deleted', { projectId: e.projectId });
    if (e.type === 'members') room.emit('project:members', { projectId: e.projectId, members: e.members });
    if (e.type === 'member-removed') {
      io.to(`user:${e.userId}`).emit('project:removed', { projectId: e.projectId });
      io.in(`user:${e.userId}`).socketsLeave(projectRoom(e.projectId));
    }
  });

  app.jobs.onEvent(({ job }) => io.to(projectRoom(job.projectId)).emit('job', job));
  app.assets.onEvent((e) => {
    if (e.type === 'changed') io.to(projectRoom(e.projectId)).emit('asset:changed', e.asset);
    else io.to(projectRoom(e.projectId)).emit('asset:deleted', { projectId: e.projectId, assetId: e.assetId });
  });

  return io;
}

const RECOVERY_WINDOW_MS = 2 * 60_000;

/**
 * Several web processes: rooms and broadcasts through a Redis stream, and connection state recovery (a client back
 * within two minutes gets what it missed, on any process, since the sessions are kept in Redis too).
 */
function clusterOptions(app: App, redis: RedisConnection): Partial<ServerOptions> {
  return {
    adapter: guardRecovery(createAdapter(redis.client, { streamName: redis.key('socket.io'), channelPrefix: redis.key('socket.io'), sessionKeyPrefix: redis.key('sio:session:') }), app, redis, RECOVERY_WINDOW_MS),
    // Middlewares run again on recovery: a session revoked while the client was away must not come back.
    connectionStateRecovery: { maxDisconnectionDuration: RECOVERY_WINDOW_MS, skipMiddlewares: false }
  };
}
