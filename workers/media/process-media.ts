/** The whole media job for one uploaded asset: original file in, derived files out in `workDir`. */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { throwIfAborted } from './abort';
import { encodeBroadcast } from './broadcast';
import { encodeImageVariants } from './image-variants';
import { measureLoudness } from './loudness';
import { displaySize, readProbe, toMediaProbe, type MediaProbe } from './probe';
import { buildSprite, encodeProxy, extractPoster } from './video-variants';
import { computeWaveform } from './waveform';

export type { MediaProbe } from './probe';

export type MediaKind = 'audio' | 'video' | 'image';

export interface ProducedVariant {
  name: 'broadcast' | 'waveform' | 'proxy' | 'poster' | 'sprite' | 'web' | 'thumb';
  file: string;
  mime: string;
  meta: Record<string, unknown>;
}

export interface ProcessedMedia {
  probe: MediaProbe;
  duration: number | null;
  width: number | null;
  height: number | null;
  variants: ProducedVariant[];
}

type Report = (fraction: number, message: string) => void;

export interface ProcessMediaOptions {
  kind: MediaKind;
  file: string;
  workDir: string;
  onProgress?: Report;
  signal?: AbortSignal;
}

/** Output names inside workDir; fixed so a retried job overwrites rather than piles up. */
const OUT = {
  broadcast: 'broadcast.mp3',
  waveform: 'waveform.json',
  proxy: 'proxy.mp4',
  poster: 'poster.jpg',
  sprite: 'sprite.jpg',
  web: 'web.webp',
  thumb: 'thumb.webp'
} as const;

export async function processMedia({ kind, file, workDir, onProgress, signal }: ProcessMediaOptions): Promise<ProcessedMedia> {
  throwIfAborted(signal);
  await mkdir(workDir, { recursive: true });
  const report = monotonic(onProgress);
  const out = (name: keyof typeof OUT) => join(workDir, OUT[name]);
  try {
    const result =
      kind === 'audio'
        ? await processAudio(file, out, report, signal)
        : kind === 'video'
          ? await processVideo(file, out, report, signal)
          : await processImage(file, out, report, signal);
    throwIfAborted(signal);
    report(1, 'Done');
    return result;
  } catch (err) {
    // Half-written variants must not be mistaken for results by a retry or a cleanup that keeps workDir.
    await Promise.all(Object.keys(OUT).map((name) => rm(out(name as keyof typeof OUT), { force: true })));
    throw err;
  }
}

async function processAudio(file: string, out: (name: keyof typeof OUT) => string, report: Report, signal?: AbortSignal): Promise<ProcessedMedia> {
  report(0, 'Reading media info');
  const probe = toMediaProbe(await readProbe(file));
  if (!probe.audio) throw new Error('The file has no audio stream');
  const duration = probe.duration;
  throwIfAborted(signal);

  report(0.02, 'Measuring loudness');
  const input = await measureLoudness(file, { signal, duration, onProgress: span(report, 0.02, 0.3, 'Measuring loudness') });

  report(0.3, 'Normalizing broadcast copy');
  const broadcast = await encodeBroadcast(file, out('broadcast'), input, {
    channels: probe.audio.channels,
    signal,
    duration,
    onProgress: span(report, 0.3, 0.75, 'Normalizing broadcast copy'),
    onCheckProgress: span(report, 0.75, 0.85, 'Checking broadcast loudness')
  });

  report(0.85, 'Drawing waveform');
  const waveform = await computeWaveform(file, out('waveform'), { signal, duration, onProgress: span(report, 0.85, 0.99, 'Drawing waveform') });

  return {
    probe,
    duration,
    width: null,
    height: null,
    variants: [
      { name: 'broadcast', ...broadcast },
      { name: 'waveform', ...waveform }
    ]
  };
}

async function processVideo(file: string, out: (name: keyof typeof OUT) => string, report: Report, signal?: AbortSignal): Promise<ProcessedMedia> {
  report(0, 'Reading media info');
  const raw = await readProbe(file);
  const probe = toMediaProbe(raw);
  const display = displaySize(raw);
  if (!probe.video || !display) throw new Error('The file has no video stream');
  const duration = probe.duration;
  const withAudio = probe.audio !== null && probe.audio.channels > 0;
  throwIfAborted(signal);

  report(0.02, 'Encoding web proxy');
  const proxy = await encodeProxy(file, out('proxy'), {
    display,
    audioChannels: withAudio ? probe.audio!.channels : null,
    signal,
    duration,
    onProgress: span(report, 0.02, 0.75, 'Encoding web proxy')
  });

  report(0.75, 'Extracting poster frame');
  const poster = await extractPoster(proxy, out('poster'), { signal });

  const spriteEnd = withAudio ? 0.84 : 0.99;
  report(0.78, 'Building scrubbing sprite');
  const sprite = await buildSprite(proxy, out('sprite'), { signal, onProgress: span(report, 0.78, spriteEnd, 'Building scrubbing sprite') });

  const variants: ProducedVariant[] = [
    { name: 'proxy', file: proxy.file, mime: proxy.mime, meta: proxy.meta },
    { name: 'poster', ...poster },
    { name: 'sprite', ...sprite }
  ];
  if (withAudio) {
    // The sound of a video airs on a video channel from its own loudness-normalised copy, as a track's does.
    report(0.84, 'Measuring loudness');
    const input = await measureLoudness(file, { signal, duration, onProgress: span(report, 0.84, 0.88, 'Measuring loudness') });
    const broadcast = await encodeBroadcast(file, out('broadcast'), input, {
      channels: probe.audio!.channels,
      signal,
      duration,
      onProgress: span(report, 0.88, 0.93, 'Normalizing broadcast copy'),
      onCheckProgress: span(report, 0.93, 0.95, 'Checking broadcast loudness')
    });
    variants.push({ name: 'broadcast', ...broadcast });
    report(0.95, 'Drawing waveform');
    const waveform = await computeWaveform(file, out('waveform'), { signal, duration, onProgress: span(report, 0.95, 0.99, 'Drawing waveform') });
    variants.push({ name: 'waveform', ...waveform });
  }
  return { probe, duration, width: display.width, height: display.height, variants };
}

async function processImage(file: string, out: (name: keyof typeof OUT) => string, report: Report, signal?: AbortSignal): Promise<ProcessedMedia> {
  report(0, 'Reading image');
  const image = await encodeImageVariants(file, { web: out('web'), thumb: out('thumb') }, { signal, onProgress: report });
  return { probe: image.probe, duration: null, width: image.width, height: image.height, variants: image.variants };
}

/** Maps a step's own 0..1 onto its slice of the job, with a percentage in the message. */
function span(report: Report, from: number, to: number, label: string): (fraction: number) => void {
  return (fraction) => report(from + (to - from) * fraction, `${label} ${Math.round(fraction * 100)}%`);
}

/** Progress never goes backwards and stays in 0..1; within a step, moves under half a percent are dropped so chatty steps don't flood the socket. */
function monotonic(onProgress: Report | undefined): Report {
  let last = -1;
  let lastStep = '';
  return (fraction, message) => {
    if (!onProgress) return;
    const value = Math.min(1, Math.max(last, fraction, 0));
    const step = message.replace(/ \d+%$/, '');
    if (step === lastStep && value - last < 0.005 && !(value === 1 && last < 1)) return;
    last = value;
    lastStep = step;
    onProgress(value, message);
  };
}
