import { projectRoom } from '$lib/events';
import type { App } from '../app';
import type { StudioIo } from '../realtime/socket-server';

/** The generated music buffer's changes to the project room: the channel dashboard's alert strip follows them. */
export function attachGenerator(io: StudioIo, app: App): () => void {
  return app.generator.onEvent((e) => {
    if (e.type === 'buffer') io.to(projectRoom(e.channel.project_id)).emit('channel:generator', { channelId: e.channel.id, ...e.buffer });
  });
}
