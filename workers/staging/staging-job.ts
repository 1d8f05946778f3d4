/**
 * `staging.render`: a brief photo's staged copy. From the board: the cut-outs composited on the room photo (see
 * staging-render.ts). From a provider: the room photo sent to the project's image-edit server, which speaks OpenAI's
 * `POST {base}/images/edits` (multipart: image, prompt, model; answer `data[0].b64_json` or `data[0].url`). Either way
 * the picture gets the "Virtually staged" mark and is stored as a JPEG.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import OpenAI, { toFile } from 'openai';
import sharp from 'sharp';
import type { StagingPlacement } from '../../src/lib/editor/model/brief/placement';
import { cutoutUrlKey, STAGING_RENDER, stagingRenderInput } from '../../src/lib/staging/staging-job';
import { PermanentJobError, type JobContext, type JobHandler } from '../worker-client';
import { withStagedMark } from './staged-mark';
import { renderStaging } from './staging-render';

/** The largest picture sent to a provider (most image-edit models work at 1024–2048 px). */
const PROVIDER_MAX_SIDE = 2048;

export const stagingRenderJob: JobHandler = async (ctx) => {
  const parsed = stagingRenderInput.safeParse(ctx.job.input);
  if (!parsed.success) throw new PermanentJobError(`${STAGING_RENDER} takes { method, photoId, roomAssetId, … }: ${parsed.error.message}`);
  const input = parsed.data;
  const room = path.join(ctx.workDir, 'room');
  ctx.progress(0, 'Downloading the photo');
  await ctx.download('room', room);
  const staged = input.method === 'board' ? await fromBoard(ctx, room, input.placements) : await fromProvider(ctx, room, input.prompt, input.model);
  const out = path.join(ctx.workDir, 'staged.jpg');
  await writeFile(out, staged.data);
  ctx.progress(0.95, 'Storing the staged photo');
  const file = await ctx.upload('staged.jpg', out, 'image/jpeg', { width: staged.width, height: staged.height, method: input.method });
  ctx.progress(1, 'Done');
  return { file };
};

async function fromBoard(ctx: JobContext, room: string, placements: StagingPlacement[]) {
  const files = new Map<string, string>();
  for (const p of placements) {
    if (files.has(p.cutoutId)) continue;
    const file = path.join(ctx.workDir, `cutout-${files.size}`);
    await downloadSigned(ctx, cutoutUrlKey(p.cutoutId), file);
    files.set(p.cutoutId, file);
  }
  ctx.progress(0.1, 'Placing the cut-outs');
  const layers = placements.map((placement) => ({ placement, cutout: files.get(placement.cutoutId)! }));
  return renderStaging(room, layers, (f) => ctx.progress(0.1 + 0.8 * f, 'Placing the cut-outs'));
}

/**
 * A kit picture by its signed URL alone: it is served by a SvelteKit route, whose auth refuses the worker's token
 * (not a user's), and the signature is all the access it needs.
 */
async function downloadSigned(ctx: JobContext, key: string, dest: string): Promise<void> {
  const rel = ctx.job.urls[key];
  if (!rel || !ctx.serverUrl) throw new PermanentJobError(`The job has no ${key} URL.`);
  const res = await fetch(new URL(rel, ctx.serverUrl), { signal: ctx.signal });
  if (!res.ok) throw new Error(`Downloading ${key} failed: HTTP ${res.status} ${await res.text().catch(() => '')}`);
  await writeFile(dest, Buffer.from(await res.arrayBuffer()));
}

async function fromProvider(ctx: JobContext, room: string, prompt: string, model: string) {
  const baseURL = ctx.job.urls.stagingBaseUrl;
  if (!baseURL) throw new PermanentJobError('The server handed out no staging provider for this job.');
  // PNG: the format every image-edit server takes; upright and no larger than the model works at.
  const png = await sharp(room, { limitInputPixels: 150_000_000, failOn: 'error' })
    .rotate()
    .resize({ width: PROVIDER_MAX_SIDE, height: PROVIDER_MAX_SIDE, fit: 'inside', withoutEnlargement: true })
    .png()
    .toBuffer();
  const client = new OpenAI({ baseURL, apiKey: ctx.job.urls.stagingKey ?? 'none', timeout: 300_000, maxRetries: 1 });
  ctx.progress(0.1, 'Waiting for the staging provider');
  let answer;
  try {
    answer = await client.images.edit({ model, prompt, image: await toFile(png, 'room.png', { type: 'image/png' }) }, { signal: ctx.signal });
  } catch (e) {
    // A refusal (bad key, unknown model, prompt rejected) will not change on a retry.
    if (e instanceof OpenAI.APIError && e.status && e.status >= 400 && e.status < 500 && e.status !== 429) throw new PermanentJobError(`The staging provider refused: ${e.message}`);
    throw e;
  }
  const first = answer.data?.[0];
  let bytes: Buffer;
  if (first?.b64_json) bytes = Buffer.from(first.b64_json, 'base64');
  else if (first?.url) {
    const res = await fetch(first.url, { signal: ctx.signal });
    if (!res.ok) throw new Error(`The staging provider's image URL answered ${res.status}.`);
    bytes = Buffer.from(await res.arrayBuffer());
  } else throw new PermanentJobError('The staging provider answered without an image (no data[0].b64_json or url).');
  ctx.progress(0.9, 'Marking the staged photo');
  try {
    return await withStagedMark(bytes);
  } catch {
    throw new PermanentJobError('The staging provider answered with something that is not a picture.');
  }
}

