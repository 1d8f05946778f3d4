/** `listing.render`: downloads the brief's photos (staged copies where there are), the music and the logo, renders every variant, stores each MP4. */
import path from 'node:path';
import { LISTING_RENDER_JOB, listingRenderInput } from '../../src/lib/listing-video';
import { PermanentJobError, type JobHandler } from '../worker-client';
import { defaultClipCacheDir, httpClipStore } from './clip-cache';
import { ListingInputError, renderListing } from './listing-render';

export const listingRenderJob: JobHandler = async (ctx) => {
  const parsed = listingRenderInput.safeParse(ctx.job.input);
  if (!parsed.success) throw new PermanentJobError(`${LISTING_RENDER_JOB} input: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const input = parsed.data;
  const fetched = new Map<string, string>();
  const fetch = async (assetId: string) => {
    if (!fetched.has(assetId)) {
      const file = path.join(ctx.workDir, `asset-${fetched.size}`);
      await ctx.download(`asset:${assetId}`, file);
      fetched.set(assetId, file);
    }
    return fetched.get(assetId)!;
  };
  const photos = [];
  for (const [i, p] of input.photos.entries()) {
    ctx.signal.throwIfAborted();
    ctx.progress((0.05 * i) / input.photos.length, `Downloading photo ${i + 1} of ${input.photos.length}`);
    photos.push({ file: await fetch(p.stagedAssetId ?? p.assetId), staged: p.stagedAssetId !== null, focus: p.focus });
  }
  const music = input.musicAssetId ? await fetch(input.musicAssetId) : null;
  const logoId = input.listing.branding.logoAssetId;
  const logo = logoId && input.variants.some((v) => v.branded) ? await fetch(logoId) : null;
  const originals = ctx.job.urls.originals ?? null;
  const originalsUrl = originals && photos.some((p) => p.staged) ? new URL(originals, ctx.serverUrl ?? 'http://localhost').toString() : null;

  let rendered;
  try {
    rendered = await renderListing({
      photos,
      music,
      listing: input.listing,
      variants: input.variants,
      logo,
      originalsUrl,
      photoSeconds: input.photoSeconds,
      workDir: path.join(ctx.workDir, 'render'),
      cacheDir: defaultClipCacheDir(),
      sharedCache: ctx.request ? httpClipStore(ctx.request) : null,
      signal: ctx.signal,
      onProgress: (f, m) => ctx.progress(0.05 + 0.85 * f, m)
    });
  } catch (e) {
    if (e instanceof ListingInputError) throw new PermanentJobError(e.message);
    throw e;
  }
  const files = [];
  for (const [i, out] of rendered.outputs.entries()) {
    ctx.progress(0.9 + (0.1 * i) / rendered.outputs.length, `Storing ${out.aspect}${out.branded ? '' : ' unbranded'}`);
    const name = `listing-${out.aspect.replace(':', 'x')}-${out.branded ? 'branded' : 'unbranded'}.mp4`;
    files.push(await ctx.upload(name, out.file, 'video/mp4', { aspect: out.aspect, branded: out.branded, width: out.width, height: out.height, duration: out.seconds }));
  }
  ctx.progress(1, 'Done');
  const { plan, moves } = rendered;
  return {
    files,
    beats: rendered.beats,
    cachedClips: rendered.cachedClips,
    renderedClips: rendered.renderedClips,
    originalsUrl,
    cut: { fps: plan.fps, half: plan.half, cuts: plan.cuts, frames: plan.frames, moves }
  };
};
