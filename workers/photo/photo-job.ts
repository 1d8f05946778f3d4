/**
 * `photo.analyze`: each photo of the batch is downloaded and analysed in turn (analyze-photo.ts); the detector and
 * tfjs stay loaded across photos and jobs. A photo that cannot be had or read lands in `failed` with why; the
 * others still get their results. The server writes the results into the brief.
 */
import path from 'node:path';
import { photoAnalyzeInput, type PhotoAnalyzeResult } from '../../src/lib/photo-analysis';
import { PermanentJobError, type JobHandler } from '../worker-client';
import { analyzePhoto, UnreadablePhoto } from './analyze-photo';

/** The server names each photo's signed URL by its asset id; an id without one is not an image in the project. */
export const photoUrlKey = (assetId: string) => `photo-${assetId}`;

export const photoAnalyzeJob: JobHandler = async (ctx) => {
  const input = photoAnalyzeInput.safeParse(ctx.job.input);
  if (!input.success) throw new PermanentJobError(`photo.analyze takes { assetIds, writeToBrief }: ${input.error.message}`);
  const ids = [...new Set(input.data.assetIds)];
  const result: PhotoAnalyzeResult = { photos: [], failed: [] };
  for (const [i, assetId] of ids.entries()) {
    ctx.signal.throwIfAborted();
    ctx.progress(i / ids.length, `Analysing photo ${i + 1} of ${ids.length}`);
    if (!ctx.job.urls[photoUrlKey(assetId)]) {
      result.failed.push({ assetId, error: 'No image with that id in this project’s library (or it is not processed yet).' });
      continue;
    }
    const file = path.join(ctx.workDir, `photo-${i}`);
    try {
      await ctx.download(photoUrlKey(assetId), file);
      result.photos.push(await analyzePhoto(file, assetId));
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      if (!(e instanceof UnreadablePhoto) && !(e instanceof Error && e.message.startsWith('Downloading'))) throw e;
      result.failed.push({ assetId, error: e.message.slice(0, 300) });
    }
  }
  ctx.progress(1, 'Done');
  return result;
};
