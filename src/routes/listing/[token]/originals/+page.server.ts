import { error } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import type { PageServerLoad } from './$types';

/** Public and read-only: the unaltered photos behind a listing video's virtually staged ones (the end card's QR code). */
export const load: PageServerLoad = async ({ params }) => {
  const photos = await (await getApp()).listingVideos.originals(params.token).catch(() => null);
  if (!photos) error(404, 'There are no original photos at this address. Check the link or the QR code.');
  return { photos };
};
