/**
 * What an uploaded file really is, decided before it enters the media library.
 *
 * Magic bytes (file-type) pick the family and the demuxer, ffprobe reads the streams, and a
 * short decode proves the content is whole. The file name never decides anything: it only
 * helps phrase a rejection. This runs in the web process when an upload completes, so every
 * step is bounded: headers only for images until the pixel count is known to be safe, and for
 * audio/video at most two three-second slices are decoded (the start and the end), never the
 * whole file, each child process killed if it runs over its time limit.
 */
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { fileTypeFromFile, type FileTypeResult } from 'file-type';
import sharp, { type Metadata } from 'sharp';
import { z } from 'zod';
import { displayName } from './file-name';

export type MediaKind = 'audio' | 'video' | 'image';

export interface MediaLimits {
  maxBytes: Record<MediaKind, number>;
  maxDurationSeconds: number;
  maxImagePixels: number;
  maxVideoPixels: number;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export const DEFAULT_MEDIA_LIMITS: MediaLimits = {
  maxBytes: { audio: 1 * GiB, video: 8 * GiB, image: 100 * MiB },
  maxDurationSeconds: 6 * 3600,
  maxImagePixels: 120_000_000,
  maxVideoPixels: 7680 * 4320
};

export interface InspectedMedia {
  kind: MediaKind;
  mime: string;
  /** Seconds; null for images, and for audio/video whose container does not say (e.g. some browser recordings). */
  duration: number | null;
  /** Display size (after EXIF orientation or video rotation); null for audio. */
  width: number | null;
  height: number | null;
}

/** A file the library will not take, with a message for the uploader: what is wrong and what to do. */
export class MediaRejected extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 422
  ) {
    super(message);
    this.name = 'MediaRejected';
  }
}

/** The largest size any kind may have: the check before the kind is known (e.g. on upload start). */
export function maxUploadBytes(limits: MediaLimits): number {
  return Math.max(limits.maxBytes.audio, limits.maxBytes.video, limits.maxBytes.image);
}

/** Each ffprobe/ffmpeg child is killed (SIGKILL) after this long. */
const CHILD_TIMEOUT_MS = 20_000;
/** Length of the decoded slices at the start and at the end of audio/video. */
const SLICE_SECONDS = 3;
/** Files up to this long are decoded whole, once, instead of in two slices. */
const DECODE_WHOLE_UP_TO_SECONDS = 2 * SLICE_SECONDS;
/** Decoded size of the image check: small, so a large but allowed image stays cheap (shrink-on-load). */
const IMAGE_CHECK_SIZE = 64;

const FFPROBE = process.env.FFPROBE_PATH || 'ffprobe';
const FFMPEG = process.env.FFMPEG_PATH || 'ffmpeg';

// ---------------------------------------------------------------------------------------------
// What the magic bytes may say

interface Family {
  group: 'image' | 'av';
  /** How the type is named to the uploader ("This MP4 file ..."). */
  label: string;
  /** The only demuxer ffprobe/ffmpeg may use: never let ffmpeg guess (no playlists, no concat). */
  demuxer?: string;
}

const SUPPORTED: Record<string, Family> = {
  'audio/mpeg': { group: 'av', label: 'MP3', demuxer: 'mp3' },
  'audio/aac': { group: 'av', label: 'AAC', demuxer: 'aac' },
  'audio/x-m4a': { group: 'av', label: 'M4A', demuxer: 'mov' },
  'audio/mp4': { group: 'av', label: 'M4A', demuxer: 'mov' },
  'video/mp4': { group: 'av', label: 'MP4', demuxer: 'mov' },
  'video/x-m4v': { group: 'av', label: 'M4V', demuxer: 'mov' },
  'video/quicktime': { group: 'av', label: 'MOV', demuxer: 'mov' },
  'video/3gpp': { group: 'av', label: '3GP', demuxer: 'mov' },
  'video/3gpp2': { group: 'av', label: '3G2', demuxer: 'mov' },
  'audio/flac': { group: 'av', label: 'FLAC', demuxer: 'flac' },
  'audio/wav': { group: 'av', label: 'WAV', demuxer: 'wav' },
  'audio/ogg': { group: 'av', label: 'Ogg', demuxer: 'ogg' },
  'audio/ogg; codecs=opus': { group: 'av', label: 'Opus', demuxer: 'ogg' },
  'video/ogg': { group: 'av', label: 'Ogg', demuxer: 'ogg' },
  'application/ogg': { group: 'av', label: 'Ogg', demuxer: 'ogg' },
  'video/webm': { group: 'av', label: 'WebM', demuxer: 'matroska' },
  'video/matroska': { group: 'av', label: 'MKV', demuxer: 'matroska' },
  'video/vnd.avi': { group: 'av', label: 'AVI', demuxer: 'avi' },
  'video/mp2t': { group: 'av', label: 'MPEG-TS', demuxer: 'mpegts' },
  'image/jpeg': { group: 'image', label: 'JPEG' },
  'image/png': { group: 'image', label: 'PNG' },
  'image/apng': { group: 'image', label: 'PNG' },
  'image/webp': { group: 'image', label: 'WebP' },
  'image/gif': { group: 'image', label: 'GIF' },
  'image/avif': { group: 'image', label: 'AVIF' },
  'image/heic': { group: 'image', label: 'HEIC' },
  'image/heic-sequence': { group: 'image', label: 'HEIC' },
  'image/heif': { group: 'image', label: 'HEIF' },
  'image/heif-sequence': { group: 'image', label: 'HEIF' },
  'image/tiff': { group: 'image', label: 'TIFF' }
};

/** Things file-type recognises that are not media at all, as the uploader would call them. */
const NOT_MEDIA: Record<string, string> = {
  'application/pdf': 'a PDF document',
  'application/postscript': 'a PostScript document',
  'application/eps': 'a PostScript document',
  'application/rtf': 'an RTF document',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'a Word document',
  'application/vnd.ms-word.document.macroenabled.12': 'a Word document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'an Excel spreadsheet',
  'application/vnd.ms-excel.sheet.macroenabled.12': 'an Excel spreadsheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'a PowerPoint presentation',
  'application/vnd.ms-powerpoint.presentation.macroenabled.12': 'a PowerPoint presentation',
  'application/x-cfb': 'an older Microsoft Office document',
  'application/zip': 'a ZIP archive',
  'application/x-rar-compressed': 'a RAR archive',
  'application/x-7z-compressed': 'a 7-Zip archive',
  'application/gzip': 'a compressed (gzip) archive',
  'application/x-bzip2': 'a compressed (bzip2) archive',
  'application/x-xz': 'a compressed (xz) archive',
  'application/zstd': 'a compressed (zstd) archive',
  'application/x-tar': 'a tar archive',
  'application/x-msdownload': 'a Windows program',
  'application/x-elf': 'a program',
  'application/x-mach-binary': 'a Mac program',
  'application/x-apple-diskimage': 'a Mac disk image',
  'application/vnd.android.package-archive': 'an Android app',
  'application/x-sqlite3': 'a database file',
  'application/xml': 'an XML file',
  'text/vtt': 'a subtitle file',
  'text/calendar': 'a calendar file',
  'text/vcard': 'a contact card',
  'font/ttf': 'a font',
  'font/otf': 'a font',
  'font/woff': 'a font',
  'font/woff2': 'a font',
  'font/collection': 'a font'
};

/** Media file-type recognises that the library does not take, and what to convert it to. */
const UNSUPPORTED_MEDIA: Record<string, string> = {
  'audio/aiff': 'an AIFF audio file',
  'audio/amr': 'an AMR voice recording',
  'audio/ape': "a Monkey's Audio (APE) file",
  'audio/wavpack': 'a WavPack audio file',
  'audio/midi': 'a MIDI file (notes, not recorded sound)',
  'audio/x-ms-asf': 'a Windows Media audio (WMA) file',
  'audio/x-musepack': 'a Musepack audio file',
  'audio/x-dsf': 'a DSD audio file',
  'audio/vnd.dolby.dd-raw': 'a Dolby Digital (AC-3) audio file',
  'video/x-ms-asf': 'a Windows Media video (WMV) file',
  'application/vnd.ms-asf': 'a Windows Media file',
  'video/x-flv': 'a Flash video (FLV) file',
  'video/mpeg': 'an MPEG program stream video',
  'video/MP1S': 'an MPEG-1 video',
  'video/MP2P': 'an MPEG program stream video',
  'application/vnd.rn-realmedia': 'a RealMedia file',
  'application/mxf': 'an MXF video file',
  'image/bmp': 'a BMP image',
  'image/x-icon': 'an icon (ICO) file',
  'image/icns': 'a Mac icon file',
  'image/vnd.adobe.photoshop': 'a Photoshop (PSD) document',
  'image/x-xcf': 'a GIMP (XCF) document',
  'image/jxl': 'a JPEG XL image',
  'image/jp2': 'a JPEG 2000 image',
  'image/jpx': 'a JPEG 2000 image',
  'image/x-adobe-dng': 'a camera RAW (DNG) photo',
  'image/x-canon-cr2': 'a camera RAW photo',
  'image/x-canon-cr3': 'a camera RAW photo',
  'image/x-nikon-nef': 'a camera RAW photo',
  'image/x-sony-arw': 'a camera RAW photo',
  'image/x-fujifilm-raf': 'a camera RAW photo',
  'image/x-olympus-orf': 'a camera RAW photo',
  'image/x-panasonic-rw2': 'a camera RAW photo'
};

/** Extensions that claim to be media: worth pointing out when the content disagrees. */
const MEDIA_EXTENSIONS = new Set(
  'mp3 mp2 aac m4a m4b mp4 m4v mov qt 3gp 3g2 flac wav wave ogg oga ogv opus webm mkv mka avi ts mts m2ts mpg mpeg aif aiff wma wmv flv jpg jpeg jfif png apng webp gif avif heic heif tif tiff bmp'.split(' ')
);

// ---------------------------------------------------------------------------------------------

export async function inspectMedia(
  file: string,
  limits: MediaLimits = DEFAULT_MEDIA_LIMITS,
  originalName?: string
): Promise<InspectedMedia> {
  // A missing file or a directory is the caller's bug, not the uploader's: let stat/read throw.
  const { size } = await stat(file);
  if (size === 0) {
    throw new MediaRejected('empty_file', 'This file is empty (0 bytes). Choose the file again; the upload may have failed.');
  }
  const largest = maxUploadBytes(limits);
  if (size > largest) {
    throw new MediaRejected(
      'too_large',
      `This file is ${formatBytes(size)}; the largest file you can upload is ${formatBytes(largest)}. ` +
        'Upload a smaller or more compressed version, or split it into parts.',
      413
    );
  }

  const type = await fileTypeFromFile(file);
  const family = type ? SUPPORTED[type.mime] : undefined;
  if (!type || !family) throw notMedia(type, originalName);

  return family.group === 'image'
    ? inspectImage(file, size, type.mime, family, limits)
    : inspectAudioVideo(file, size, type.mime, family, limits);
}

// ---------------------------------------------------------------------------------------------
// Images

async function inspectImage(
  file: string,
  size: number,
  mime: string,
  family: Family,
  limits: MediaLimits
): Promise<InspectedMedia> {
  checkBytes('image', size, limits);

  // Header only. sharp's own pixel limit would also refuse to read the header of a big image,
  // so it is off here and the limit is applied below, before anything is decoded.
  let meta: Metadata;
  try {
    meta = await sharp(file, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw undecodableImage(family, err);
  }
  const width = meta.width;
  // One frame of an animated image (only the first is ever decoded for a thumbnail).
  const height = meta.pageHeight ?? meta.height;
  if (!(width > 0 && height > 0)) throw undecodableImage(family, new Error('no image size in header'));
  const pixels = width * height;
  if (pixels > limits.maxImagePixels) {
    throw new MediaRejected(
      'too_many_pixels',
      `This image is ${width}×${height} pixels (${formatMegapixels(pixels)}); the limit is ` +
        `${formatMegapixels(limits.maxImagePixels)}. Resize it to a smaller size and upload it again.`
    );
  }

  // A small decode proves the data is whole (shrink-on-load keeps big JPEGs cheap).
  try {
    await sharp(file, { limitInputPixels: limits.maxImagePixels, failOn: 'truncated' })
      .resize(IMAGE_CHECK_SIZE, IMAGE_CHECK_SIZE, { fit: 'inside' })
      .toBuffer();
  } catch (err) {
    throw undecodableImage(family, err);
  }

  // EXIF orientations 5–8 turn the picture a quarter: report the size as it is shown.
  const rotated = (meta.orientation ?? 1) >= 5;
  return {
    kind: 'image',
    mime: mime === 'image/apng' ? 'image/png' : mime,
    duration: null,
    width: rotated ? height : width,
    height: rotated ? width : height
  };
}

function undecodableImage(family: Family, err: unknown): MediaRejected {
  const hint =
    family.label === 'HEIC' || family.label === 'HEIF'
      ? `Export or convert it to JPEG (on an iPhone: Settings → Camera → Formats → Most Compatible) and upload that.`
      : `Open it in an image editor, save it again as PNG or JPEG, and upload the new file.`;
  return withCause(
    new MediaRejected('undecodable', `This ${family.label} image could not be read: it is damaged, incomplete or in a variant we cannot open. ${hint}`),
    err
  );
}

// ---------------------------------------------------------------------------------------------
// Audio and video

const streamSchema = z.object({
  index: z.number(),
  codec_type: z.string().optional().catch(undefined),
  codec_name: z.string().optional().catch(undefined),
  width: z.number().optional().catch(undefined),
  height: z.number().optional().catch(undefined),
  duration: z.string().optional().catch(undefined),
  nb_frames: z.string().optional().catch(undefined),
  disposition: z.record(z.string(), z.number()).optional().catch(undefined),
  tags: z.record(z.string(), z.string()).optional().catch(undefined),
  side_data_list: z.array(z.object({ rotation: z.number().optional().catch(undefined) })).optional().catch(undefined)
});
type ProbeStream = z.infer<typeof streamSchema>;

const probeSchema = z.object({
  streams: z.array(streamSchema).default([]),
  format: z.object({ duration: z.string().optional().catch(undefined) }).optional().catch(undefined)
});

/** Codecs of pictures that ride along with audio as cover art. */
const STILL_CODECS = new Set(['mjpeg', 'png', 'bmp', 'gif', 'webp', 'tiff', 'jpeg2000']);

async function inspectAudioVideo(
  file: string,
  size: number,
  detectedMime: string,
  family: Family,
  limits: MediaLimits
): Promise<InspectedMedia> {
  const demuxer = family.demuxer!;
  const input = ['-protocol_whitelist', 'file', '-f', demuxer];
  const url = `file:${file}`;

  const probeRun = await run(FFPROBE, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', ...input, '-i', url], {
    maxStdout: 16 * MiB
  });
  if (probeRun.timedOut) throw tookTooLong(family, probeRun);
  let probe: z.infer<typeof probeSchema> | undefined;
  if (probeRun.code === 0) {
    try {
      probe = probeSchema.parse(JSON.parse(probeRun.stdout));
    } catch {
      probe = undefined;
    }
  }
  if (!probe) throw undecodableAv(family, null, probeRun);

  // The streams decide the kind: a real video stream makes a video; cover art does not.
  const audio = probe.streams.filter((s) => s.codec_type === 'audio');
  const video = probe.streams.filter((s) => s.codec_type === 'video' && !isStillPicture(s, audio.length > 0));
  const kind: MediaKind | null = video.length > 0 ? 'video' : audio.length > 0 ? 'audio' : null;
  if (!kind) {
    throw withCause(
      new MediaRejected(
        'undecodable',
        `This ${family.label} file contains no audio or video we can play. It may be damaged or hold only data or subtitles; ` +
          'export it again as MP3, WAV or MP4 and upload that.'
      ),
      new Error(`streams: ${probe.streams.map((s) => `${s.codec_type}/${s.codec_name}`).join(', ') || 'none'}`)
    );
  }

  checkBytes(kind, size, limits);

  const duration = probedDuration(probe.format?.duration, probe.streams);
  if (duration !== null && duration > limits.maxDurationSeconds) {
    throw new MediaRejected(
      'too_long',
      `This ${kind === 'audio' ? 'recording' : 'video'} is ${formatDuration(duration)} long; the limit is ` +
        `${formatDuration(limits.maxDurationSeconds)}. Trim it or split it into shorter parts and upload those.`
    );
  }

  let width: number | null = null;
  let height: number | null = null;
  const main = kind === 'video' ? largestPicture(video) : null;
  if (main) {
    const w = main.width ?? 0;
    const h = main.height ?? 0;
    if (w * h > limits.maxVideoPixels) {
      throw new MediaRejected(
        'too_many_pixels',
        `This video is ${w}×${h} pixels per frame (${formatMegapixels(w * h)}); the limit is ` +
          `${formatMegapixels(limits.maxVideoPixels)} (8K is 7680×4320). Export it at a lower resolution, such as 4K or 1080p, and upload that.`
      );
    }
    if (w > 0 && h > 0) {
      const quarterTurn = Math.abs(rotationOf(main)) % 180 === 90;
      width = quarterTurn ? h : w;
      height = quarterTurn ? w : h;
    }
  }

  // Decode only what would be played: the main picture and the first audio stream (not cover art).
  const maps = [main, audio[0]].filter((s): s is ProbeStream => !!s).flatMap((s) => ['-map', `0:${s.index}`]);
  await decodeSlices(family, kind, input, url, maps, duration);

  return { kind, mime: mimeFor(detectedMime, kind), duration, width, height };
}

function isStillPicture(s: ProbeStream, withAudio: boolean): boolean {
  if (s.disposition?.attached_pic === 1 || s.disposition?.timed_thumbnails === 1) return true;
  // A single picture stored as a one-frame "video" track next to audio is cover art too.
  return withAudio && STILL_CODECS.has(s.codec_name ?? '') && (s.nb_frames === '1' || s.nb_frames === '0');
}

function largestPicture(streams: ProbeStream[]): ProbeStream {
  return streams.reduce((best, s) => ((s.width ?? 0) * (s.height ?? 0) > (best.width ?? 0) * (best.height ?? 0) ? s : best));
}

function rotationOf(s: ProbeStream): number {
  const fromSideData = s.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation;
  if (typeof fromSideData === 'number') return Math.round(fromSideData);
  const tag = Number(s.tags?.rotate);
  return Number.isFinite(tag) ? Math.round(tag) : 0;
}

function probedDuration(formatDuration: string | undefined, streams: ProbeStream[]): number | null {
  const candidates = [formatDuration, ...streams.map((s) => s.duration)]
    .map((d) => (d === undefined ? NaN : Number(d)))
    .filter((d) => Number.isFinite(d) && d > 0);
  if (candidates.length === 0) return null;
  const fromFormat = Number(formatDuration);
  return Number.isFinite(fromFormat) && fromFormat > 0 ? fromFormat : Math.max(...candidates);
}

/** Demuxer or decoder messages that mean the data is cut off or damaged. */
const DAMAGE =
  /partial file|moov atom not found|ended prematurely|truncat|invalid data found|error while decoding|corrupt|decode_frame\(\) failed|invalid new backstep|header missing|packet too small/i;

/**
 * Decodes a few seconds at the start and at the end (in parallel), or the whole file when it is
 * short. The end slice is what finds a file cut off during upload whose header still promises
 * the full length. Rejects as `undecodable` when ffmpeg fails, reports damage, or decodes nothing.
 */
async function decodeSlices(
  family: Family,
  kind: MediaKind,
  input: string[],
  url: string,
  maps: string[],
  duration: number | null
): Promise<void> {
  const output = [...maps, '-f', 'null', '-progress', 'pipe:1', '-nostats', '-'];
  const base = ['-nostdin', '-hide_banner', '-v', 'error'];
  const slices: { name: string; args: string[] }[] = [];
  if (duration !== null && duration <= DECODE_WHOLE_UP_TO_SECONDS) {
    slices.push({ name: 'whole', args: [...base, ...input, '-i', url, ...output] });
  } else {
    slices.push({ name: 'start', args: [...base, ...input, '-i', url, '-t', String(SLICE_SECONDS), ...output] });
    // Without a known duration ffmpeg cannot seek from the end (it would read from the start).
    if (duration !== null) {
      slices.push({
        name: 'end',
        args: [...base, '-sseof', String(-SLICE_SECONDS), ...input, '-i', url, '-t', String(SLICE_SECONDS), ...output]
      });
    }
  }

  // The first failure ends the other slice's process too.
  const abort = new AbortController();
  try {
    await Promise.all(
      slices.map(async ({ name, args }) => {
        const result = await run(FFMPEG, args, { maxStdout: 1 * MiB, signal: abort.signal });
        if (abort.signal.aborted) return;
        const failure = sliceFailure(name, kind, result);
        if (failure) {
          abort.abort();
          throw failure === 'timeout' ? tookTooLong(family, result) : undecodableAv(family, kind, result, `${name}: ${failure}`);
        }
      })
    );
  } finally {
    abort.abort();
  }
}

function sliceFailure(name: string, kind: MediaKind, r: RunResult): string | null {
  if (r.timedOut) return 'timeout';
  if (r.code !== 0) return `ffmpeg exited with ${r.code ?? r.signal}`;
  if (DAMAGE.test(r.stderr)) return 'damage reported';
  const progress = lastProgress(r.stdout);
  const decodedSomething = progress.outTimeUs > 0 || progress.frames > 0;
  if (!decodedSomething) {
    // A video-only stream may legitimately show nothing in the last seconds after a seek that
    // lands mid-GOP (the decoder waits for a keyframe); audio and the start always decode.
    if (name !== 'end' || kind === 'audio' || r.stderr.trim() !== '') return 'nothing decoded';
  }
  return null;
}

function lastProgress(stdout: string): { outTimeUs: number; frames: number } {
  let outTimeUs = 0;
  let frames = 0;
  for (const line of stdout.split('\n')) {
    const [key, value] = line.split('=', 2);
    const n = Number(value);
    if (!Number.isFinite(n)) continue;
    if (key === 'out_time_us' || key === 'out_time_ms') outTimeUs = n;
    else if (key === 'frame') frames = n;
  }
  return { outTimeUs, frames };
}

function undecodableAv(family: Family, kind: MediaKind | null, r: RunResult, detail?: string): MediaRejected {
  const what = kind === 'video' ? 'video' : kind === 'audio' ? 'audio file' : 'file';
  const cutOff = /partial file|moov atom not found|ended prematurely|truncat/i.test(r.stderr);
  const message = cutOff
    ? `This ${family.label} ${what} is incomplete: it looks cut off, perhaps during the upload or the export. ` +
      'Upload it again, or export a fresh copy and upload that.'
    : `This ${family.label} ${what} could not be read: it is damaged, incomplete or encoded in a way we cannot decode. ` +
      `Export it again (for example as ${kind === 'video' ? 'MP4 with H.264 video' : kind === 'audio' ? 'WAV, FLAC or MP3' : 'MP3, WAV or MP4'}) and upload the new file.`;
  return withCause(new MediaRejected('undecodable', message), new Error([detail, tail(r.stderr)].filter(Boolean).join(': ')));
}

function tookTooLong(family: Family, r: RunResult): MediaRejected {
  return withCause(
    new MediaRejected(
      'undecodable',
      `Checking this ${family.label} file took too long (over ${CHILD_TIMEOUT_MS / 1000} s), so it was not accepted. ` +
        'It may be damaged or unusually encoded; export it again as MP3, WAV or MP4 (H.264) and upload that.'
    ),
    new Error(`timed out: ${tail(r.stderr)}`)
  );
}

/** The detected type, corrected by what the streams turned out to be (an MP4 of only sound is audio/mp4). */
function mimeFor(detected: string, kind: MediaKind): string {
  const base = detected.split(';')[0].trim();
  if (kind === 'audio') {
    const audioMime: Record<string, string> = {
      'audio/x-m4a': 'audio/mp4',
      'video/mp4': 'audio/mp4',
      'video/x-m4v': 'audio/mp4',
      'video/quicktime': 'audio/mp4',
      'video/3gpp': 'audio/3gpp',
      'video/3gpp2': 'audio/3gpp2',
      'video/webm': 'audio/webm',
      'video/matroska': 'audio/matroska',
      'video/ogg': 'audio/ogg',
      'application/ogg': 'audio/ogg'
    };
    return audioMime[base] ?? base;
  }
  if (kind === 'video') {
    const videoMime: Record<string, string> = {
      'audio/x-m4a': 'video/mp4',
      'audio/mp4': 'video/mp4',
      'audio/ogg': 'video/ogg',
      'application/ogg': 'video/ogg'
    };
    return videoMime[base] ?? base;
  }
  return base;
}

// ---------------------------------------------------------------------------------------------
// Shared

function checkBytes(kind: MediaKind, size: number, limits: MediaLimits): void {
  const limit = limits.maxBytes[kind];
  if (size <= limit) return;
  const what = kind === 'audio' ? 'audio file' : kind;
  throw new MediaRejected(
    'too_large',
    `This ${what} is ${formatBytes(size)}; the limit for ${kind === 'audio' ? 'audio' : `${kind}s`} is ${formatBytes(limit)}. ` +
      (kind === 'image'
        ? 'Save it at a smaller size or as JPEG, and upload that.'
        : 'Export it at a lower bitrate or split it into parts, and upload those.'),
    413
  );
}

function notMedia(type: FileTypeResult | undefined, originalName: string | undefined): MediaRejected {
  // The name only helps the message; it was never used to decide.
  const ext = /\.([a-z0-9]{1,10})$/i.exec(displayName(originalName))?.[1]?.toLowerCase();
  const claimsMedia = ext !== undefined && MEDIA_EXTENSIONS.has(ext);
  const base = type?.mime.split(';')[0];
  const unsupported = base ? UNSUPPORTED_MEDIA[base] : undefined;
  if (unsupported && base) {
    const convert = base.startsWith('image/')
      ? 'Convert it to PNG or JPEG'
      : base.startsWith('audio/')
        ? 'Convert it to WAV, FLAC or MP3'
        : 'Convert it to MP4 (H.264 video, AAC audio)';
    return new MediaRejected('not_media', `This looks like ${unsupported}, which the library does not take. ${convert} and upload that.`);
  }
  const known = base ? (NOT_MEDIA[base] ?? (type && !base.startsWith('text/') ? `a ${type.ext.toUpperCase()} file` : undefined)) : undefined;
  if (known) {
    const nameHint = claimsMedia && ext !== type?.ext ? ` (even though its name ends in .${ext})` : '';
    return new MediaRejected(
      'not_media',
      `This looks like ${known}, not audio, video or an image${nameHint}. Choose an audio, video or image file instead.`
    );
  }
  const nameHint = claimsMedia ? ` (the name says .${ext} but the content does not)` : '';
  return new MediaRejected(
    'not_media',
    `This is not a recognisable audio, video or image file${nameHint}. Check that you chose the right file; ` +
      'if it came from an editor or recorder, export it as MP3, WAV, MP4, PNG or JPEG and upload that.'
  );
}

function withCause(err: MediaRejected, cause: unknown): MediaRejected {
  // Kept for logs (what ffmpeg or sharp said); the message stays for the uploader.
  Object.defineProperty(err, 'cause', { value: cause, enumerable: false, configurable: true, writable: true });
  return err;
}

function tail(text: string, max = 600): string {
  const t = text.trim();
  return t.length <= max ? t : `…${t.slice(-max)}`;
}

function formatBytes(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  if (i === 0) return `${n} ${n === 1 ? 'byte' : 'bytes'}`;
  const digits = v < 10 ? 2 : v < 100 ? 1 : 0;
  return `${Number(v.toFixed(digits))} ${units[i]}`;
}

function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const parts: string[] = [];
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h) parts.push(`${h} h`);
  if (m) parts.push(`${m} min`);
  if (sec || parts.length === 0) parts.push(`${sec} s`);
  return parts.join(' ');
}

function formatMegapixels(pixels: number): string {
  const mp = pixels / 1e6;
  return `${Number(mp.toFixed(mp < 10 ? 1 : 0))} megapixels`;
}

// ---------------------------------------------------------------------------------------------
// Child processes

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * Runs a program without a shell, killing it (SIGKILL) on timeout, on abort, or when stdout
 * grows past maxStdout. stderr keeps only its first 64 KiB. Rejects only if it cannot start.
 */
function run(cmd: string, args: string[], opts: { maxStdout: number; signal?: AbortSignal; timeoutMs?: number }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let timedOut = false;
    const kill = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, opts.timeoutMs ?? CHILD_TIMEOUT_MS);
    const onAbort = () => kill();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) kill();

    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > opts.maxStdout) return kill();
      out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (errBytes >= 64 * 1024) return;
      errBytes += chunk.length;
      err.push(chunk);
    });
    const done = () => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    child.once('error', (e) => {
      done();
      reject(e);
    });
    child.once('close', (code, signal) => {
      done();
      resolve({
        code: outBytes > opts.maxStdout ? null : code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut
      });
    });
  });
}
