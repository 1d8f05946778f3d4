import sharp from 'sharp';
import { getApp } from '$lib/server/app';
import { apiRoute } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

const SIZES = new Set([96, 192, 512]);

/** The channel's icon (home screen, lock screen artwork): its initial on the studio's colours, as PNG for every platform. */
export const GET: RequestHandler = apiRoute(async ({ params, locals, url }) => {
  const channel = await (await getApp()).channels.publicBySlug(locals.user ?? null, params.slug);
  const asked = Number(url.searchParams.get('size') ?? 512);
  const size = SIZES.has(asked) ? asked : 512;
  const initial = escapeXml([...channel.name.trim()][0]?.toUpperCase() ?? 'A');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512" viewBox="0 0 512 512">
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#4f46e5"/><stop offset="1" stop-color="#0ea5e9"/></linearGradient></defs>
<rect width="512" height="512" fill="url(#g)"/>
<circle cx="256" cy="256" r="150" fill="none" stroke="#fff" stroke-opacity="0.25" stroke-width="20"/>
<text x="256" y="256" dy="0.35em" text-anchor="middle" font-family="DejaVu Sans, Arial, sans-serif" font-weight="700" font-size="200" fill="#fff">${initial}</text>
</svg>`;
  const png = await sharp(Buffer.from(svg)).resize(size, size).png().toBuffer();
  return new Response(new Uint8Array(png), { headers: { 'Content-Type': 'image/png', 'Cache-Control': 'public, max-age=3600' } });
});

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
