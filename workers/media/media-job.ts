import path from 'node:path';
import { PermanentJobError, type JobHandler } from '../worker-client';
import { processMedia, type MediaKind } from './process-media';

export interface MediaJobInput {
  assetId: string;
  kind: MediaKind;
  sha256: string;
}

/** Probes an upload and derives its variants (broadcast copy, waveform, proxy, poster, sprite, web images). */
export const mediaProcessJob: JobHandler = async (ctx) => {
  const input = ctx.job.input as Partial<MediaJobInput>;
  if (!input?.assetId || !input.kind || !['audio', 'video', 'image'].includes(input.kind)) {
    throw new PermanentJobError('media.process takes { assetId, kind, sha256 }.');
  }
  const source = path.join(ctx.workDir, 'source');
  ctx.progress(0, 'Downloading the original');
  await ctx.download('source', source);
  const processed = await processMedia({
    kind: input.kind,
    file: source,
    workDir: ctx.workDir,
    signal: ctx.signal,
    onProgress: (f, message) => ctx.progress(0.05 + f * 0.9, message)
  });
  const variants = [];
  for (const [i, v] of processed.variants.entries()) {
    ctx.progress(0.95 + (0.05 * i) / processed.variants.length, `Storing ${v.name}`);
    variants.push(await ctx.upload(v.name, v.file, v.mime, v.meta));
  }
  return { probe: processed.probe, duration: processed.duration, width: processed.width, height: processed.height, variants };
};
