import { chatRoom, projectRoom } from '$lib/events';
import type { App } from '../app';
import type { StudioIo } from '../realtime/socket-server';

/** Now-playing pushes: to the channel's room on /chat (listeners, guests too) and to the project room (the studio). */
export function attachLive(io: StudioIo, app: App): () => void {
  return app.live.onEvent((e) => {
    const payload = { channelId: e.channelId, ...e.view };
    io.of('/chat').to(chatRoom(e.channelId)).emit('channel:now-playing', payload);
    io.to(projectRoom(e.projectId)).emit('channel:now-playing', payload);
  });
}
