/** `photo.enhance`: download one photo, enhance it (enhance-photo.ts), upload the copy; the server adds it to the library. */
import path from 'node:path';
import { photoEnhanceInput } from '../../src/lib/photo-analysis';
import { PermanentJobError, type JobHandler } from '../worker-client';
import { UnreadablePhoto } from './analyze-photo';
import { enhancePhoto } from './enhance-photo';

export const photoEnhanceJob: JobHandler = async (ctx) => {
  const input = photoEnhanceInput.safeParse(ctx.job.input);
  if (!input.success) throw new PermanentJobError(`photo.enhance takes { assetId }: ${input.error.message}`);
  const file = path.join(ctx.workDir, 'source');
  ctx.progress(0, 'Downloading the photo');
  await ctx.download('source', file);
  let made;
  try {
    made = await enhancePhoto(file, ctx.workDir, { signal: ctx.signal, onProgress: (f, message) => ctx.progress(0.05 + 0.9 * f, message) });
  } catch (e) {
    throw e instanceof UnreadablePhoto ? new PermanentJobError(e.message) : e;
  }
  ctx.progress(0.95, 'Storing the enhanced copy');
  const stored = await ctx.upload('enhanced.jpg', made.file, 'image/jpeg', { width: made.width, height: made.height });
  ctx.progress(1, 'Done');
  return { file: stored, width: made.width, height: made.height, steps: made.steps };
};
