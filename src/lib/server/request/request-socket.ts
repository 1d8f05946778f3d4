import { projectRoom } from '$lib/events';
import type { App } from '../app';
import type { StudioIo } from '../realtime/socket-server';

/** The request queue of a channel, pushed to the project room whenever it changes (the studio shows it). */
export function attachRequests(io: StudioIo, app: App): () => void {
  return app.requests.onEvent((e) => io.to(projectRoom(e.projectId)).emit('channel:requests', { channelId: e.channelId, requests: e.requests }));
}
