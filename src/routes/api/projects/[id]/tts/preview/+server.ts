import { getApp } from '$lib/server/app';
import { ttsPreviewSchema } from '$lib/server/ai/providers.schema';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

/** {text, voice?}: the project's voice (or the given built-in one) speaking a short text, as audio/wav (owners and editors; a few a minute). */
export const POST: RequestHandler = apiRoute(async ({ params, locals, request }) => {
  const user = requireUser(locals);
  const { text, voice } = await readJson(request, ttsPreviewSchema);
  const { audio, durationSeconds } = await (await getApp()).providers.preview(user, params.id, text, voice);
  return new Response(new Uint8Array(audio), {
    headers: { 'content-type': 'audio/wav', 'content-length': String(audio.length), 'x-duration-seconds': durationSeconds.toFixed(3), 'cache-control': 'no-store' }
  });
});
