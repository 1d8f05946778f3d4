/** Browser-friendly derivatives of a video: an H.264 proxy, a poster frame and a scrubbing sprite sheet. */
import ffmpeg from 'fluent-ffmpeg';
import { readProbe, videoDuration } from './probe';
import { runFfmpeg, type RunFfmpegOptions } from './run-ffmpeg';

export const PROXY_BOX = { width: 1280, height: 720 } as const;
const TILE_WIDTH = 160;
const MAX_TILES = 100;
const MAX_COLUMNS = 10;

export interface VideoVariant {
  file: string;
  mime: string;
  meta: Record<string, unknown>;
}

export interface ProxyResult extends VideoVariant {
  width: number;
  height: number;
  /** The proxy's own video duration, which poster and sprite timing are based on. */
  duration: number | null;
}

/** Largest even size that fits `box` with the source's aspect ratio, never larger than the source. */
export function fitWithin(width: number, height: number, box: { width: number; height: number }): { width: number; height: number } {
  const scale = Math.min(1, box.width / width, box.height / height);
  // Floor to even: x264 with yuv420p needs even sides, and rounding up could leave the box.
  const even = (x: number) => Math.max(2, 2 * Math.floor((x * scale + 1e-6) / 2));
  return { width: even(width), height: even(height) };
}

/** Scales to the display size (rotation, pixel aspect applied) because ffmpeg auto-rotates while decoding. */
export async function encodeProxy(
  file: string,
  out: string,
  { display, audioChannels, ...run }: RunFfmpegOptions & { display: { width: number; height: number }; audioChannels: number | null }
): Promise<ProxyResult> {
  const size = fitWithin(display.width, display.height, PROXY_BOX);
  // Capital V skips attached pictures (cover art) so the real video stream is chosen.
  const maps = ['-map', '0:V:0', ...(audioChannels ? ['-map', '0:a:0'] : [])];
  const command = ffmpeg(file)
    .inputOptions(['-hide_banner'])
    .outputOptions([
      ...maps,
      '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-profile:v', 'high', '-pix_fmt', 'yuv420p',
      '-vf', `scale=${size.width}:${size.height},setsar=1`,
      // A keyframe every half second: the editor's monitor seeks by decoding from the previous one (x264's default GOP is 250 frames).
      '-force_key_frames', 'expr:gte(t,n_forced*0.5)',
      // moov up front so browsers can start playing and seeking before the whole file has arrived.
      '-movflags', '+faststart',
      '-sn', '-dn'
    ]);
  if (audioChannels) command.audioCodec('aac').audioBitrate('128k').audioChannels(Math.min(2, audioChannels));
  else command.noAudio();
  await runFfmpeg(command.format('mp4').output(out), run);

  const probed = await readProbe(out);
  return {
    file: out,
    mime: 'video/mp4',
    meta: { width: size.width, height: size.height },
    width: size.width,
    height: size.height,
    duration: videoDuration(probed)
  };
}

/** A JPEG at min(1 s, 10%) of the proxy: late enough to skip a black first frame, early enough for short clips. */
export async function extractPoster(proxy: ProxyResult, out: string, run: RunFfmpegOptions = {}): Promise<VideoVariant> {
  const at = Math.min(1, 0.1 * (proxy.duration ?? 0));
  const command = ffmpeg(proxy.file)
    .inputOptions(['-hide_banner', '-ss', at.toFixed(3)])
    .outputOptions(['-map', '0:v:0', '-frames:v', '1', '-q:v', '3', '-update', '1'])
    .noAudio()
    .output(out);
  await runFfmpeg(command, run);
  return { file: out, mime: 'image/jpeg', meta: { width: proxy.width, height: proxy.height } };
}

export interface SpriteLayout {
  interval: number;
  count: number;
  columns: number;
  rows: number;
  tileWidth: number;
  tileHeight: number;
}

/** One tile every `interval` s (at least 1 s, at most MAX_TILES tiles), laid out in rows of up to 10. */
export function spriteLayout(duration: number, width: number, height: number): SpriteLayout {
  // Millisecond precision so the fps filter gets an exact rational and meta states the interval actually used.
  const interval = Math.max(1, Math.ceil((duration / MAX_TILES) * 1000) / 1000);
  const count = Math.max(1, Math.ceil(duration / interval - 1e-9));
  const columns = Math.min(MAX_COLUMNS, count);
  return {
    interval,
    count,
    columns,
    rows: Math.ceil(count / columns),
    tileWidth: TILE_WIDTH,
    tileHeight: Math.max(2, Math.round((TILE_WIDTH * height) / width / 2) * 2)
  };
}

/** Built from the proxy: it is already small, upright and square-pixelled, so decoding it is cheap. */
export async function buildSprite(proxy: ProxyResult, out: string, run: RunFfmpegOptions = {}): Promise<VideoVariant> {
  const layout = spriteLayout(proxy.duration ?? 0, proxy.width, proxy.height);
  const filters = [
    // fps drops the last tile when the video ends just past a boundary (12.04 s gives 12 frames, not 13); cloning one interval of tail fixes that.
    `tpad=stop_mode=clone:stop_duration=${layout.interval}`,
    `fps=1000/${Math.round(layout.interval * 1000)}`,
    // trim, not tile's nb_frames, cuts to exactly `count`: with nb_frames ffmpeg 5.1 leaves the unused cells uninitialized (green).
    `trim=end_frame=${layout.count}`,
    `scale=${layout.tileWidth}:${layout.tileHeight}`,
    `tile=${layout.columns}x${layout.rows}`
  ];
  const command = ffmpeg(proxy.file)
    .inputOptions(['-hide_banner'])
    .outputOptions(['-map', '0:v:0', '-vf', filters.join(','), '-frames:v', '1', '-q:v', '5', '-update', '1'])
    .noAudio()
    .output(out);
  await runFfmpeg(command, { ...run, duration: proxy.duration });
  return { file: out, mime: 'image/jpeg', meta: { ...layout } };
}
