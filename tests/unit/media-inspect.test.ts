import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_MEDIA_LIMITS,
  inspectMedia,
  maxUploadBytes,
  MediaRejected,
  type MediaLimits
} from '$lib/server/asset/media-inspect';
import { writeBombPng } from '../helpers/media';

const exec = promisify(execFile);
let dir: string;
const f = (name: string) => path.join(dir, name);

function ffmpeg(...args: string[]) {
  return exec('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...args]);
}

const sine = (seconds: number) => ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=44100:duration=${seconds}`];
const noise = (seconds: number) => ['-f', 'lavfi', '-i', `anoisesrc=sample_rate=44100:duration=${seconds}`];
const picture = (seconds: number) => ['-f', 'lavfi', '-i', `testsrc=size=320x240:rate=25:duration=${seconds}`];
const h264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];

/** Keeps the first `fraction` of a file, as an interrupted upload would. */
async function cut(from: string, to: string, fraction: number) {
  const data = await readFile(from);
  await writeFile(to, data.subarray(0, Math.floor(data.length * fraction)));
}

async function rejection(promise: Promise<unknown>): Promise<MediaRejected> {
  let outcome: unknown;
  try {
    outcome = await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(MediaRejected);
    return err as MediaRejected;
  }
  throw new Error(`expected a rejection, got ${JSON.stringify(outcome)}`);
}

async function probeDuration(file: string): Promise<number> {
  const { stdout } = await exec('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', file]);
  return Number(JSON.parse(stdout).format.duration);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'media-inspect-'));
  const noisy = { width: 200, height: 200, channels: 3 as const, background: '#000', noise: { type: 'gaussian' as const, mean: 128, sigma: 40 } };
  await Promise.all([
    ffmpeg(...sine(3), '-c:a', 'libmp3lame', '-b:a', '128k', f('tone.mp3')),
    ffmpeg(...sine(2), '-c:a', 'pcm_s16le', f('tone.wav')),
    ffmpeg(...picture(5), ...sine(5), ...h264, '-c:a', 'aac', '-t', '5', f('clip.mp4')),
    ffmpeg(...picture(5), ...sine(5), ...h264, '-c:a', 'aac', '-t', '5', '-movflags', '+faststart', f('clip-faststart.mp4')),
    ffmpeg(...picture(12), ...sine(12), ...h264, '-c:a', 'aac', '-t', '12', f('long.mp4')),
    ffmpeg(...sine(4), '-c:a', 'aac', f('voice.m4a')),
    ffmpeg(...sine(4), '-c:a', 'aac', f('voice-only.mp4')),
    ffmpeg(...sine(3), '-c:a', 'libopus', f('voice.webm')),
    // 12 s of noise: barely compressible, so cutting the file really removes seconds of audio.
    ffmpeg(...noise(12), '-c:a', 'flac', f('long.flac')),
    sharp({ create: { width: 40, height: 30, channels: 3, background: '#3366aa' } }).png().toFile(f('still.png')),
    sharp({ create: { width: 64, height: 48, channels: 3, background: '#aa6633' } }).jpeg().toFile(f('photo.jpg')),
    sharp({ create: { width: 64, height: 48, channels: 3, background: '#aa6633' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toFile(f('portrait.jpg')),
    sharp({ create: noisy }).png().toFile(f('noise.png')),
    writeFile(f('empty.wav'), Buffer.alloc(0)),
    writeFile(f('song.mp3'), 'Not a song, just the lyrics typed out.\n'.repeat(40)),
    writeFile(
      f('report.wav'),
      '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n'
    ),
    writeBombPng(f('bomb.png'))
  ]);
  // An MP3 with its cover picture (an attached mjpeg "video" stream).
  await ffmpeg(
    ...sine(3),
    '-i', f('photo.jpg'),
    '-map', '0:a', '-map', '1:v', '-c:a', 'libmp3lame', '-c:v', 'mjpeg', '-disposition:v', 'attached_pic', '-id3v2_version', '3',
    f('with-cover.mp3')
  );
  await Promise.all([
    cut(f('clip.mp4'), f('clip-cut.mp4'), 0.6),
    cut(f('clip-faststart.mp4'), f('clip-faststart-cut.mp4'), 0.6),
    cut(f('long.flac'), f('long-cut.flac'), 0.6),
    cut(f('noise.png'), f('noise-cut.png'), 0.6)
  ]);
}, 60_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('inspectMedia accepts real media and says what it is', () => {
  it('an MP3', async () => {
    const media = await inspectMedia(f('tone.mp3'));
    expect(media).toMatchObject({ kind: 'audio', mime: 'audio/mpeg', width: null, height: null });
    expect(media.duration).toBeCloseTo(3, 0);
  });

  it('a WAV', async () => {
    const media = await inspectMedia(f('tone.wav'));
    expect(media).toMatchObject({ kind: 'audio', mime: 'audio/wav', width: null, height: null });
    expect(media.duration).toBeCloseTo(2, 1);
  });

  it('an MP4 with H.264 and AAC is a video with its length and frame size', async () => {
    const media = await inspectMedia(f('clip.mp4'));
    expect(media).toMatchObject({ kind: 'video', mime: 'video/mp4', width: 320, height: 240 });
    expect(media.duration).toBeCloseTo(5, 0);
  });

  it('an MP4 longer than two slices (decoded at its start and its end)', async () => {
    const media = await inspectMedia(f('long.mp4'));
    expect(media).toMatchObject({ kind: 'video', width: 320, height: 240 });
    expect(media.duration).toBeCloseTo(12, 0);
  });

  it('an audio-only M4A and an audio-only .mp4 are audio, whatever the container brand says', async () => {
    const m4a = await inspectMedia(f('voice.m4a'));
    expect(m4a).toMatchObject({ kind: 'audio', mime: 'audio/mp4', width: null, height: null });
    expect(m4a.duration).toBeCloseTo(4, 0);
    const mp4 = await inspectMedia(f('voice-only.mp4'));
    expect(mp4).toMatchObject({ kind: 'audio', mime: 'audio/mp4', width: null, height: null });
  });

  it('an audio-only WebM is audio', async () => {
    const media = await inspectMedia(f('voice.webm'));
    expect(media).toMatchObject({ kind: 'audio', mime: 'audio/webm' });
    expect(media.duration).toBeCloseTo(3, 0);
  });

  it('an MP3 with a cover picture stays audio', async () => {
    const { stdout } = await exec('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type', '-of', 'csv=p=0', f('with-cover.mp3')]);
    expect(stdout.split('\n')).toContain('video'); // the fixture really has a picture stream
    const media = await inspectMedia(f('with-cover.mp3'));
    expect(media).toMatchObject({ kind: 'audio', mime: 'audio/mpeg', width: null, height: null });
  });

  it('a long FLAC (decoded at its start and its end)', async () => {
    const media = await inspectMedia(f('long.flac'));
    expect(media).toMatchObject({ kind: 'audio', mime: 'audio/flac' });
    expect(media.duration).toBeCloseTo(12, 0);
  });

  it('a PNG and a JPEG with their size', async () => {
    expect(await inspectMedia(f('still.png'))).toEqual({ kind: 'image', mime: 'image/png', duration: null, width: 40, height: 30 });
    expect(await inspectMedia(f('photo.jpg'))).toEqual({ kind: 'image', mime: 'image/jpeg', duration: null, width: 64, height: 48 });
  });

  it('a JPEG turned by its EXIF orientation reports the size it is shown at', async () => {
    expect(await inspectMedia(f('portrait.jpg'))).toMatchObject({ kind: 'image', width: 48, height: 64 });
  });

  it('the content decides, not the name', async () => {
    expect(await inspectMedia(f('tone.mp3'), DEFAULT_MEDIA_LIMITS, 'holiday-photo.png')).toMatchObject({ kind: 'audio' });
    expect(await inspectMedia(f('still.png'), DEFAULT_MEDIA_LIMITS, 'track.mp3')).toMatchObject({ kind: 'image' });
  });
});

describe('inspectMedia rejects, saying what is wrong and what to do', () => {
  it('an empty file', async () => {
    const err = await rejection(inspectMedia(f('empty.wav')));
    expect(err.code).toBe('empty_file');
    expect(err.status).toBe(422);
    expect(err.message).toMatch(/empty \(0 bytes\)/);
  });

  it('a text file named song.mp3', async () => {
    const err = await rejection(inspectMedia(f('song.mp3'), DEFAULT_MEDIA_LIMITS, 'song.mp3'));
    expect(err.code).toBe('not_media');
    expect(err.message).toMatch(/not a recognisable audio, video or image file/);
    expect(err.message).toContain('.mp3');
  });

  it('a PDF, saying it looks like one', async () => {
    const err = await rejection(inspectMedia(f('report.wav'), DEFAULT_MEDIA_LIMITS, 'report.wav'));
    expect(err.code).toBe('not_media');
    expect(err.message).toMatch(/PDF/);
  });

  it('an MP4 cut off before its index (moov at the end)', async () => {
    const err = await rejection(inspectMedia(f('clip-cut.mp4')));
    expect(err.code).toBe('undecodable');
    expect(err.status).toBe(422);
  });

  it('a faststart MP4 cut off (its index is whole, its data is not)', async () => {
    // The header still promises 5 s, so only decoding finds the missing data.
    expect(await probeDuration(f('clip-faststart-cut.mp4'))).toBeCloseTo(5, 0);
    const err = await rejection(inspectMedia(f('clip-faststart-cut.mp4')));
    expect(err.code).toBe('undecodable');
  });

  it('a long FLAC cut off (the end slice finds it)', async () => {
    expect(await probeDuration(f('long-cut.flac'))).toBeCloseTo(12, 0);
    const err = await rejection(inspectMedia(f('long-cut.flac')));
    expect(err.code).toBe('undecodable');
  });

  it('a PNG cut off', async () => {
    const err = await rejection(inspectMedia(f('noise-cut.png')));
    expect(err.code).toBe('undecodable');
  });

  it('a 30000×30000 PNG (decompression bomb) from its header alone', async () => {
    expect((await stat(f('bomb.png'))).size).toBeLessThan(1024 * 1024);
    const err = await rejection(inspectMedia(f('bomb.png')));
    expect(err.code).toBe('too_many_pixels');
    expect(err.message).toContain('30000×30000');
  });

  it('a file over its kind’s size limit (413), while other kinds keep theirs', async () => {
    const limits: MediaLimits = { ...DEFAULT_MEDIA_LIMITS, maxBytes: { ...DEFAULT_MEDIA_LIMITS.maxBytes, audio: 1000 } };
    const err = await rejection(inspectMedia(f('tone.mp3'), limits));
    expect(err.code).toBe('too_large');
    expect(err.status).toBe(413);
    expect(await inspectMedia(f('still.png'), limits)).toMatchObject({ kind: 'image' });
  });

  it('a file over every limit before it is even read (413)', async () => {
    const limits: MediaLimits = { ...DEFAULT_MEDIA_LIMITS, maxBytes: { audio: 10, video: 20, image: 30 } };
    expect(maxUploadBytes(limits)).toBe(30);
    const err = await rejection(inspectMedia(f('song.mp3'), limits));
    expect(err.code).toBe('too_large');
    expect(err.status).toBe(413);
  });

  it('audio longer than the duration limit', async () => {
    const err = await rejection(inspectMedia(f('tone.mp3'), { ...DEFAULT_MEDIA_LIMITS, maxDurationSeconds: 2 }));
    expect(err.code).toBe('too_long');
    expect(err.message).toMatch(/3 s long; the limit is 2 s/);
  });

  it('video with more pixels per frame than allowed', async () => {
    const err = await rejection(inspectMedia(f('clip.mp4'), { ...DEFAULT_MEDIA_LIMITS, maxVideoPixels: 320 * 240 - 1 }));
    expect(err.code).toBe('too_many_pixels');
  });
});

describe('limits', () => {
  it('defaults and the largest upload', () => {
    expect(DEFAULT_MEDIA_LIMITS.maxBytes).toEqual({ audio: 1024 ** 3, video: 8 * 1024 ** 3, image: 100 * 1024 ** 2 });
    expect(DEFAULT_MEDIA_LIMITS.maxDurationSeconds).toBe(6 * 3600);
    expect(DEFAULT_MEDIA_LIMITS.maxImagePixels).toBe(120_000_000);
    expect(DEFAULT_MEDIA_LIMITS.maxVideoPixels).toBe(7680 * 4320);
    expect(maxUploadBytes(DEFAULT_MEDIA_LIMITS)).toBe(8 * 1024 ** 3);
  });
});
