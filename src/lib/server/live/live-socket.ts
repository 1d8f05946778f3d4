import type { Socket } from 'socket.io';
import { chatRoom, projectRoom } from '$lib/events';
import type { App } from '../app';
import type { StudioIo } from '../realtime/socket-server';

const GUEST_ID = /^[a-z2-7]{20,64}$/;
// Expired listeners drop out of the count without an event of their own: a sweep pushes the change.
const SWEEP_MS = 5_000;

/**
 * Now-playing pushes: to the channel's room on /chat (listeners, guests too) and to the project room (the studio);
 * live status (on air, health) to the project room only.
 * Listener heartbeats from stream pages on /chat, counted per channel; count changes go to both rooms as well.
 */
export function attachLive(io: StudioIo, app: App): () => void {
  const chat = io.of('/chat');
  const projectOf = new Map<string, string>();
  const pushed = new Map<string, number>();

  const push = (channelId: string, listeners: number) => {
    if ((pushed.get(channelId) ?? 0) === listeners) return;
    if (listeners === 0) pushed.delete(channelId);
    else pushed.set(channelId, listeners);
    const e = { channelId, listeners };
    void app.playLog.listenersChanged(channelId, listeners).catch((err) => app.logger.error({ err }, 'listener peak not recorded'));
    chat.to(chatRoom(channelId)).emit('channel:listeners', e);
    const projectId = projectOf.get(channelId);
    if (projectId) io.to(projectRoom(projectId)).emit('channel:listeners', e);
  };

  const off = app.live.onEvent((e) => {
    projectOf.set(e.channelId, e.projectId);
    // Health names outputs and their errors: for the team only.
    if (e.type === 'status') return void io.to(projectRoom(e.projectId)).emit('channel:live', e.status);
    const payload = { channelId: e.channelId, ...e.view };
    chat.to(chatRoom(e.channelId)).emit('channel:now-playing', payload);
    io.to(projectRoom(e.projectId)).emit('channel:now-playing', payload);
  });

  chat.on('connection', (socket: Socket) => {
    // The channel and id this socket last counted as playing, to drop it when the page goes away.
    let current: { channelId: string; listenerId: string } | null = null;
    socket.on('listener:heartbeat', async (e: unknown) => {
      try {
        if (typeof e !== 'object' || e === null) return;
        const { slug, guestId, playing } = e as Record<string, unknown>;
        if (typeof slug !== 'string') return;
        const userId = (socket.data as { userId?: string | null }).userId ?? null;
        const channel = await app.channels.findBySlugFor(userId, slug);
        if (!channel) return;
        projectOf.set(channel.id, channel.project_id);
        const listenerId = userId ? `u:${userId}` : typeof guestId === 'string' && GUEST_ID.test(guestId) ? `g:${guestId}` : `s:${socket.id}`;
        if (current && (current.channelId !== channel.id || current.listenerId !== listenerId)) push(current.channelId, await app.listeners.leave(current.channelId, current.listenerId));
        // The count's updates reach pages whose chat is off too.
        await socket.join(chatRoom(channel.id));
        if (playing === true) {
          current = { channelId: channel.id, listenerId };
          push(channel.id, await app.listeners.beat(channel.id, listenerId));
        } else {
          current = null;
          push(channel.id, await app.listeners.leave(channel.id, listenerId));
        }
      } catch (err) {
        app.logger.error({ err }, 'listener heartbeat failed');
      }
    });
    socket.on('disconnect', () => {
      const gone = current;
      current = null;
      if (gone) void app.listeners.leave(gone.channelId, gone.listenerId).then((n) => push(gone.channelId, n), (err) => app.logger.error({ err }, 'listener leave failed'));
    });
  });

  const sweep = setInterval(() => {
    void (async () => {
      for (const channelId of new Set([...pushed.keys(), ...(await app.listeners.channels())])) push(channelId, await app.listeners.count(channelId));
    })().catch((err) => app.logger.error({ err }, 'listener sweep failed'));
  }, SWEEP_MS);
  sweep.unref();

  return () => {
    off();
    clearInterval(sweep);
  };
}
