/** What ffprobe says about an audio or video file, reduced to the fields the app shows and the other steps need. */
import ffmpeg, { type FfprobeData, type FfprobeStream } from 'fluent-ffmpeg';

export interface MediaProbe {
  format: string;
  duration: number | null;
  bitRate: number | null;
  video: { codec: string; width: number; height: number; fps: number | null; rotation: number } | null;
  audio: { codec: string; sampleRate: number; channels: number; layout: string | null } | null;
}

/** The raw ffprobe answer, for callers that need more than MediaProbe (display size, a stream's own duration). */
export function readProbe(file: string): Promise<FfprobeData> {
  return new Promise((resolve, reject) => {
    ffmpeg.ffprobe(file, (err: Error | null, data: FfprobeData) => (err ? reject(err) : resolve(data)));
  });
}

export async function probeMedia(file: string): Promise<MediaProbe> {
  return toMediaProbe(await readProbe(file));
}

export function toMediaProbe(data: FfprobeData): MediaProbe {
  const video = videoStream(data);
  const audio = audioStream(data);
  const streamDurations = data.streams.map((s) => num(s.duration)).filter((d): d is number => d !== null);
  return {
    format: String(data.format.format_name ?? 'unknown'),
    // Some containers (raw streams, broken MP3s) only know per-stream durations.
    duration: num(data.format.duration) ?? (streamDurations.length ? Math.max(...streamDurations) : null),
    bitRate: num(data.format.bit_rate),
    video: video
      ? {
          codec: String(video.codec_name ?? 'unknown'),
          width: num(video.width) ?? 0,
          height: num(video.height) ?? 0,
          fps: rate(video.avg_frame_rate) ?? rate(video.r_frame_rate),
          rotation: rotation(video)
        }
      : null,
    audio: audio
      ? {
          codec: String(audio.codec_name ?? 'unknown'),
          sampleRate: num(audio.sample_rate) ?? 0,
          channels: num(audio.channels) ?? 0,
          layout: typeof audio.channel_layout === 'string' && audio.channel_layout !== 'unknown' ? audio.channel_layout : null
        }
      : null
  };
}

/** The picture as a player shows it: rotation applied and non-square pixels stretched out. */
export function displaySize(data: FfprobeData): { width: number; height: number } | null {
  const video = videoStream(data);
  const width = num(video?.width);
  const height = num(video?.height);
  if (!video || !width || !height) return null;
  const sar = ratio(video.sample_aspect_ratio);
  const shown = { width: Math.round(width * (sar && sar > 0 ? sar : 1)), height };
  return rotation(video) % 180 === 90 ? { width: shown.height, height: shown.width } : shown;
}

/** Duration of the first real video stream, which can differ from the container's when audio runs longer. */
export function videoDuration(data: FfprobeData): number | null {
  return num(videoStream(data)?.duration) ?? num(data.format.duration);
}

/** Cover art in MP3/M4A shows up as a one-frame video stream; it is not the video. */
function videoStream(data: FfprobeData): FfprobeStream | undefined {
  return data.streams.find((s) => s.codec_type === 'video' && Number(s.disposition?.attached_pic ?? 0) !== 1);
}

function audioStream(data: FfprobeData): FfprobeStream | undefined {
  return data.streams.find((s) => s.codec_type === 'audio');
}

/** Clockwise degrees, like the old `rotate` tag; ffmpeg 5 reports a display-matrix `rotation` counter-clockwise instead. */
function rotation(stream: FfprobeStream): number {
  const tag = num(stream.tags?.rotate);
  const matrix = num(stream.rotation);
  const clockwise = tag ?? (matrix !== null ? -matrix : 0);
  return ((Math.round(clockwise / 90) * 90) % 360 + 360) % 360;
}

/** ffprobe's key=value output leaves "N/A" and numbers-as-strings around; anything non-finite is unknown. */
function num(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string' || value.trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/** "30000/1001" frame rates; "0/0" means unknown. */
function rate(value: unknown): number | null {
  const r = ratio(value, '/');
  return r && r > 0 ? Math.round(r * 1000) / 1000 : null;
}

function ratio(value: unknown, sep = ':'): number | null {
  if (typeof value !== 'string') return null;
  const [a, b] = value.split(sep).map(Number);
  return a !== undefined && b !== undefined && Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : null;
}
