import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents, SocketData } from '$lib/events';
import { projectRoom } from '$lib/events';
import type { App } from '../app';
import { sessionEnded } from '../auth/session.service';
import { originAllowed } from '../http/upgrade';

export type StudioIo = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/**
 * socket.io on the shared HTTP server, for events that are not document state (membership now; jobs,
 * chat and progress later). Every connection is authenticated; rooms are joined only after a role check.
 */
export function createSocketServer(http: HttpServer, app: App, origin?: string): StudioIo {
  const { auth, projects, logger } = app;
  const io: StudioIo = new Server(http, {
    path: '/socket.io',
    serveClient: false,
    // engine.io would otherwise end our Yjs upgrades, which authenticate asynchronously, after 1 s.
    destroyUpgrade: false,
    maxHttpBufferSize: 1e6,
    allowRequest: (req, cb) => cb(null, originAllowed(req, origin))
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
    socket.join(`user:${socket.data.userId}`);
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

  auth.onSessionsEnded((e) => {
    for (const socket of io.of('/').sockets.values()) if (sessionEnded(e, socket.data.userId, socket.data.sessionId)) socket.disconnect(true);
  });

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
