import { getApp } from '$lib/server/app';
import { apiRoute } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

/** The web app manifest that makes a station installable on its own (home screen icon, standalone window). */
export const GET: RequestHandler = apiRoute(async ({ params, locals }) => {
  const channel = await (await getApp()).channels.publicBySlug(locals.user ?? null, params.slug);
  const base = `/s/${channel.slug}`;
  const manifest = {
    name: channel.name,
    short_name: channel.name.slice(0, 12),
    description: `${channel.name}: listen live and chat`,
    id: base,
    start_url: base,
    scope: `${base}`,
    display: 'standalone',
    background_color: '#0f1020',
    theme_color: '#4f46e5',
    icons: [192, 512].map((s) => ({ src: `${base}/icon.png?size=${s}`, sizes: `${s}x${s}`, type: 'image/png', purpose: 'any' }))
  };
  return new Response(JSON.stringify(manifest), { headers: { 'Content-Type': 'application/manifest+json', 'Cache-Control': 'no-cache' } });
});
