import { error } from '@sveltejs/kit';
import type { PublicChannelView } from '$lib/channel';
import type { NowPlayingView } from '$lib/live';
import type { PageServerLoad } from './$types';

/** The channel's public info and what is on air, from the public API (private channels answer 404 to non-members). */
export const load: PageServerLoad = async ({ params, fetch }) => {
  const slug = encodeURIComponent(params.slug);
  const [info, np] = await Promise.all([fetch(`/api/channels/by-slug/${slug}`), fetch(`/api/channels/by-slug/${slug}/now-playing`)]);
  if (info.status === 404 || np.status === 404) error(404, 'There is no station at this address. Check the link, or ask whoever shared it: the station may be private.');
  if (!info.ok || !np.ok) error(502, 'The station could not be loaded right now. Try again in a moment.');
  return { channel: (await info.json()) as PublicChannelView, nowPlaying: (await np.json()) as NowPlayingView };
};
