/** `music.generate`: one chunk of a channel's generator, by the procedural generator or a MusicGen server, as FLAC. */
import path from 'node:path';
import { z } from 'zod';
import { musicParamsSchema } from '../../src/lib/music/music-params';
import { readProbe } from '../media/probe';
import { PermanentJobError, type JobHandler } from '../worker-client';
import { generateOverHttp } from './music-http';
import { encodeFlac, MUSIC_OUT, renderMusic } from './procedural-music';

const musicJobInput = z.object({
  chunkId: z.string(),
  prompt: z.string().min(1).max(2000),
  params: musicParamsSchema,
  seconds: z.number().positive().max(3600),
  seed: z.number().int().nonnegative(),
  engine: z.enum(['procedural', 'http']),
  model: z.string().nullable()
});

export const musicGenerateJob: JobHandler = async (ctx) => {
  const parsed = musicJobInput.safeParse(ctx.job.input);
  if (!parsed.success) throw new PermanentJobError(`music.generate takes { chunkId, prompt, params, seconds, seed, engine, model }: ${parsed.error.message}`);
  const input = parsed.data;
  const out = path.join(ctx.workDir, MUSIC_OUT.name);
  const started = performance.now();
  if (input.engine === 'procedural') {
    ctx.progress(0, 'Rendering (procedural generator)');
    const music = await renderMusic(input.params, input.seconds, input.seed, (f) => ctx.progress(0.8 * f, 'Rendering (procedural generator)'));
    await encodeFlac(music, out, { signal: ctx.signal, onProgress: (f) => ctx.progress(0.8 + 0.15 * f, 'Encoding') });
  } else {
    const baseUrl = ctx.job.urls.musicBaseUrl;
    if (!baseUrl) throw new Error('the server handed out no music server URL');
    ctx.progress(0, 'Waiting for the music server');
    await generateOverHttp({ baseUrl, apiKey: ctx.job.urls.musicKey ?? null, model: input.model }, { prompt: input.prompt, seconds: input.seconds, seed: input.seed }, ctx.workDir, out, ctx.signal);
  }
  const generationSeconds = (performance.now() - started) / 1000;
  const duration = Number((await readProbe(out)).format.duration);
  if (!(duration > 0)) throw new Error('the generated audio has no duration');
  ctx.progress(0.97, 'Storing the chunk');
  const file = await ctx.upload(MUSIC_OUT.name, out, MUSIC_OUT.mime, { duration });
  ctx.progress(1, 'Done');
  return { file, generationSeconds, engine: input.engine };
};
