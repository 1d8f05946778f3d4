import { json } from '@sveltejs/kit';
import type { UserRow } from '../db/schema';
import { getApp } from '../app';

/**
 * The now-playing answer for a channel named by its slug (the public contract) or its id, with the live listener
 * count; no sign-in needed for public channels, members only for private ones.
 */
export async function nowPlayingAnswer(user: UserRow | null, slugOrId: string): Promise<Response> {
  const app = await getApp();
  const userId = user?.id ?? null;
  let channel = await app.channels.findBySlugFor(userId, slugOrId);
  if (!channel) {
    const byId = await app.channels.findById(slugOrId);
    if (byId) channel = await app.channels.findBySlugFor(userId, byId.slug);
  }
  // nowPlaying refuses unknown and private channels with the same 404 whichever name was used.
  const view = await app.live.nowPlaying(user, channel?.slug ?? slugOrId);
  return json({ ...view, listeners: channel ? await app.listeners.count(channel.id) : 0 }, { headers: { 'Cache-Control': 'no-cache' } });
}
