/** How a tool writes its new asset: sound alone as FLAC (no second lossy generation), video as H.264/AAC MP4. */
import { readProbe, videoDuration, displaySize } from '../media/probe';
import type { ToolOutput } from './tool-job';

export const AUDIO_OUT = { name: 'tool.flac', mime: 'audio/flac', codec: ['-c:a', 'flac'] } as const;
export const VIDEO_OUT = { name: 'tool.mp4', mime: 'video/mp4' } as const;
/** A still the tools make: PNG, lossless, with its transparency. */
export const STILL_OUT = { name: 'tool.png', mime: 'image/png' } as const;

/** Codecs an MP4 carries and browsers play: a video in one of them keeps its picture untouched (-c:v copy). */
const MP4_VIDEO_CODECS = new Set(['h264', 'hevc', 'av1', 'vp9']);
export const copiesPicture = (codec: string | null) => codec !== null && MP4_VIDEO_CODECS.has(codec);

/** fluent-ffmpeg keeps only the last 100 lines of stderr by default; the tools read their findings from all of it. */
export const WHOLE_LOG = { stdoutLines: 0 };

export const X264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p'];
export const AAC = ['-c:a', 'aac', '-b:a', '192k'];
/** moov up front so the library plays the file before all of it has arrived. */
export const MP4 = ['-movflags', '+faststart', '-f', 'mp4'];

/** Output options of a tool that filters the picture: the first video stream through `vf` to H.264 MP4, the sound kept. */
export const filteredPicture = (vf: string, hasAudio: boolean) => ['-map', '0:V:0', ...(hasAudio ? ['-map', '0:a:0', ...AAC] : []), '-vf', vf, ...X264, ...MP4];

/** The new file as the job reports it, measured from the file itself. */
export async function made(file: string, video: boolean, extra: Record<string, unknown> = {}): Promise<NonNullable<ToolOutput['made']>> {
  const probe = await readProbe(file);
  const size = video ? displaySize(probe) : null;
  const duration = video ? videoDuration(probe) : Number(probe.format.duration);
  return {
    file,
    ...(video ? VIDEO_OUT : { name: AUDIO_OUT.name, mime: AUDIO_OUT.mime }),
    meta: { duration: Number.isFinite(duration) ? duration : null, width: size?.width ?? null, height: size?.height ?? null, ...extra }
  };
}
