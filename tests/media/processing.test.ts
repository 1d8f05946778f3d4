import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { topLevelBoxes } from '../helpers/media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processMedia, type ProcessedMedia, type ProducedVariant } from '../../workers/media/process-media';

const run = promisify(execFile);
let dir = '';

/** Fixtures are made with lavfi so the test needs nothing but ffmpeg; ultrafast because only their content matters. */
async function ffmpeg(...args: string[]): Promise<string> {
  const { stderr } = await run('ffmpeg', ['-hide_banner', '-nostats', '-y', ...args], { maxBuffer: 64 << 20 });
  return stderr;
}

async function ffprobe(file: string): Promise<{ format: Record<string, string>; streams: Record<string, unknown>[] }> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file]);
  return JSON.parse(stdout);
}

/** Measured here with ebur128, a different filter from the loudnorm the worker uses, so the meta is not checked against itself. */
async function ebur128(file: string): Promise<{ integrated: number; truePeak: number }> {
  const stderr = await ffmpeg('-i', file, '-af', 'ebur128=peak=true:framelog=verbose', '-f', 'null', '-');
  const summary = stderr.slice(stderr.lastIndexOf('Summary:'));
  const integrated = Number(/I:\s+(-?[\d.]+) LUFS/.exec(summary)?.[1]);
  const truePeak = Number(/Peak:\s+(-?[\d.]+) dBFS/.exec(summary)?.[1]);
  return { integrated, truePeak };
}

const sha256 = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');

function variant(result: ProcessedMedia, name: ProducedVariant['name']): ProducedVariant {
  const found = result.variants.find((v) => v.name === name);
  if (!found) throw new Error(`no ${name} variant`);
  return found;
}

/** Records progress so every test can check it is monotonic, bounded and ends at 1. */
function progressLog() {
  const log: { fraction: number; message: string }[] = [];
  return { log, onProgress: (fraction: number, message: string) => log.push({ fraction, message }) };
}

function expectSaneProgress(log: { fraction: number; message: string }[]) {
  expect(log.length).toBeGreaterThan(2);
  for (let i = 1; i < log.length; i++) expect(log[i]!.fraction).toBeGreaterThanOrEqual(log[i - 1]!.fraction);
  expect(log.every((p) => p.fraction >= 0 && p.fraction <= 1 && p.message.length > 0)).toBe(true);
  expect(log.at(-1)!.fraction).toBe(1);
}


/** ffmpeg children whose command line mentions `needle` (the job's workDir appears in every output path). */
function processesMentioning(needle: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', needle], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/** A phone-style 90° display matrix, patched into tkhd because ffmpeg 5.1 ignores `-metadata:s:v rotate=90`. */
async function rotate90(from: string, to: string): Promise<void> {
  const buf = await readFile(from);
  const tkhd = buf.indexOf('tkhd') - 4;
  const matrixAt = tkhd + (buf[tkhd + 8] === 1 ? 60 : 48);
  const matrix = [0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000];
  matrix.forEach((v, i) => buf.writeInt32BE(v, matrixAt + 4 * i));
  await writeFile(to, buf);
}

const fx = {
  tone: '',
  gap: '',
  landscape: '',
  portrait: '',
  silent: '',
  rotated: '',
  photo: ''
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'airstudio-media-'));
  for (const key of Object.keys(fx) as (keyof typeof fx)[]) fx[key] = join(dir, key);
  fx.tone += '.wav';
  fx.gap += '.wav';
  fx.landscape += '.mp4';
  fx.portrait += '.mp4';
  fx.silent += '.mp4';
  fx.rotated += '.mp4';
  fx.photo += '.jpg';

  await Promise.all([
    // 20 s stereo: a tone plus pink noise, about -30 LUFS.
    ffmpeg(
      '-f', 'lavfi', '-i', 'sine=frequency=440:duration=20:sample_rate=48000',
      '-f', 'lavfi', '-i', 'anoisesrc=duration=20:color=pink:amplitude=0.3:sample_rate=48000',
      '-filter_complex', '[0:a][1:a]amix=inputs=2,volume=-4dB,tremolo=f=0.25:d=0.6,pan=stereo|c0=c0|c1=c0', '-c:a', 'pcm_s16le', fx.tone
    ),
    // 5 s of digital silence, then 5 s of loud tone (mono).
    ffmpeg('-f', 'lavfi', '-i', "sine=frequency=440:duration=10:sample_rate=48000,volume='if(lt(t,5),0,6)':eval=frame", fx.gap),
    ffmpeg(
      '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=25:duration=12',
      '-f', 'lavfi', '-i', 'sine=frequency=300:duration=12',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', fx.landscape
    ),
    ffmpeg(
      '-f', 'lavfi', '-i', 'testsrc2=size=720x1280:rate=25:duration=2',
      '-f', 'lavfi', '-i', 'sine=frequency=300:duration=2',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', fx.portrait
    ),
    ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=2', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', fx.silent),
    ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=25:duration=2', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', `${fx.rotated}.plain.mp4`).then(
      () => rotate90(`${fx.rotated}.plain.mp4`, fx.rotated)
    ),
    // Stored landscape with a red top-left corner; EXIF orientation 6 says "turn 90° clockwise to view", so it should end up top-right.
    sharp({ create: { width: 1200, height: 800, channels: 3, background: { r: 0, g: 0, b: 255 } } })
      .composite([{ input: { create: { width: 200, height: 200, channels: 3, background: { r: 255, g: 0, b: 0 } } }, left: 0, top: 0 }])
      .jpeg({ quality: 90 })
      .withExif({ IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 0/1' } })
      .withMetadata({ orientation: 6 })
      .toFile(fx.photo)
  ]);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('audio', () => {
  it('makes a -16 LUFS broadcast MP3 and a waveform, leaving the original alone', async () => {
    const before = await sha256(fx.tone);
    const original = await ebur128(fx.tone);
    expect(original.integrated).toBeGreaterThan(-31.5);
    expect(original.integrated).toBeLessThan(-28.5);

    const { log, onProgress } = progressLog();
    const result = await processMedia({ kind: 'audio', file: fx.tone, workDir: join(dir, 'out-tone'), onProgress });

    expect(await sha256(fx.tone)).toBe(before);
    expect(result.probe.audio).toMatchObject({ codec: 'pcm_s16le', sampleRate: 48000, channels: 2 });
    expect(result.probe.video).toBeNull();
    expect(result.duration).toBeCloseTo(20, 1);
    expect(result.width).toBeNull();
    expect(result.variants.map((v) => v.name).sort()).toEqual(['broadcast', 'waveform']);

    const broadcast = variant(result, 'broadcast');
    expect(broadcast.mime).toBe('audio/mpeg');
    const measured = await ebur128(broadcast.file);
    expect(Math.abs(measured.integrated - -16)).toBeLessThanOrEqual(1);
    expect(measured.truePeak).toBeLessThanOrEqual(-1.0);

    const probed = await ffprobe(broadcast.file);
    expect(probed.streams).toHaveLength(1);
    expect(probed.streams[0]).toMatchObject({ codec_name: 'mp3', sample_rate: '44100', channels: 2 });

    const meta = broadcast.meta as {
      targetLufs: number;
      truePeakDbtp: number;
      input: { integratedLufs: number; truePeakDbtp: number; lra: number; threshold: number };
      output: { integratedLufs: number; truePeakDbtp: number };
    };
    expect(meta.targetLufs).toBe(-16);
    expect(meta.truePeakDbtp).toBe(-1.5);
    // +14 dB keeps this file's peaks under the ceiling, so the second pass must be a plain gain, not the dynamic compressor.
    expect(broadcast.meta.normalization).toBe('linear');
    expect(Math.abs(meta.input.integratedLufs - original.integrated)).toBeLessThan(0.5);
    expect(Number.isFinite(meta.input.lra) && Number.isFinite(meta.input.threshold)).toBe(true);
    expect(Math.abs(meta.output.integratedLufs - measured.integrated)).toBeLessThan(0.5);
    expect(meta.output.truePeakDbtp).toBeLessThanOrEqual(-1.0);

    const waveform = variant(result, 'waveform');
    expect(waveform.mime).toBe('application/json');
    const json = JSON.parse(await readFile(waveform.file, 'utf8'));
    expect(Object.keys(json).sort()).toEqual(['bits', 'channels', 'data', 'length', 'sample_rate', 'samples_per_pixel', 'version']);
    expect(json).toMatchObject({ version: 2, channels: 1, bits: 8, sample_rate: 8000, samples_per_pixel: 400 });
    expect(Math.abs(json.length - 20 * 20)).toBeLessThanOrEqual(2);
    expect(json.data).toHaveLength(json.length * 2);
    expect(json.data.every((v: unknown) => Number.isInteger(v) && (v as number) >= -128 && (v as number) <= 127)).toBe(true);
    for (let i = 0; i < json.data.length; i += 2) expect(json.data[i]).toBeLessThanOrEqual(json.data[i + 1]);
    expect(waveform.meta).toEqual({ length: json.length, samplesPerPixel: 400, sampleRate: 8000 });

    expectSaneProgress(log);
    expect(log.some((p) => p.message === 'Measuring loudness')).toBe(true);
    expect(log.some((p) => /^Normalizing broadcast copy \d+%$/.test(p.message))).toBe(true);
  });

  it('draws silence flat and sound tall, and turns a loud mono file down to target', async () => {
    const result = await processMedia({ kind: 'audio', file: fx.gap, workDir: join(dir, 'out-gap') });
    const json = JSON.parse(await readFile(variant(result, 'waveform').file, 'utf8'));
    expect(Math.abs(json.length - 10 * 20)).toBeLessThanOrEqual(2);
    const peak = (fromSec: number, toSec: number) => {
      let max = 0;
      for (let px = fromSec * 20; px < toSec * 20; px++) max = Math.max(max, Math.abs(json.data[2 * px]), Math.abs(json.data[2 * px + 1]));
      return max;
    };
    expect(peak(0, 4.5)).toBeLessThanOrEqual(1);
    expect(peak(5.5, 10)).toBeGreaterThan(60);

    const broadcast = variant(result, 'broadcast');
    const probed = await ffprobe(broadcast.file);
    expect(probed.streams[0]).toMatchObject({ codec_name: 'mp3', channels: 1 });
    const measured = await ebur128(broadcast.file);
    expect(Math.abs(measured.integrated - -16)).toBeLessThanOrEqual(1);
    expect(measured.truePeak).toBeLessThanOrEqual(-1.0);
  });
});

describe('video', () => {
  it('makes a faststart 720p proxy, a poster, a 12-tile sprite, a waveform and a broadcast copy of its sound', async () => {
    const before = await sha256(fx.landscape);
    const { log, onProgress } = progressLog();
    const result = await processMedia({ kind: 'video', file: fx.landscape, workDir: join(dir, 'out-landscape'), onProgress });

    expect(await sha256(fx.landscape)).toBe(before);
    expect(result.probe.video).toMatchObject({ codec: 'h264', width: 1920, height: 1080, fps: 25, rotation: 0 });
    expect(result.probe.audio).toMatchObject({ codec: 'aac', channels: 1 });
    expect(result.duration).toBeCloseTo(12, 1);
    expect([result.width, result.height]).toEqual([1920, 1080]);
    expect(result.variants.map((v) => v.name).sort()).toEqual(['broadcast', 'poster', 'proxy', 'sprite', 'waveform']);
    // Its sound airs on video channels at the station's loudness, like a track's.
    const broadcast = variant(result, 'broadcast');
    expect(broadcast.mime).toBe('audio/mpeg');
    expect(broadcast.meta).toMatchObject({ targetLufs: -16 });
    expect((await ffprobe(broadcast.file)).streams.map((s) => s.codec_type)).toEqual(['audio']);

    const proxy = variant(result, 'proxy');
    expect(proxy.mime).toBe('video/mp4');
    expect(proxy.meta).toEqual({ width: 1280, height: 720 });
    const probed = await ffprobe(proxy.file);
    const v = probed.streams.find((s) => s.codec_type === 'video');
    const a = probed.streams.find((s) => s.codec_type === 'audio');
    expect(v).toMatchObject({ codec_name: 'h264', profile: 'High', pix_fmt: 'yuv420p', width: 1280, height: 720 });
    expect(a).toMatchObject({ codec_name: 'aac' });
    expect(Number(probed.format.duration)).toBeCloseTo(12, 0);
    const boxes = topLevelBoxes(await readFile(proxy.file));
    expect(boxes).toContain('mdat');
    expect(boxes.indexOf('moov')).toBeGreaterThanOrEqual(0);
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
    // Keyframes every half second, so the editor's monitor seeks without decoding from the clip's start.
    const keyframes = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-skip_frame', 'nokey', '-show_entries', 'frame=pts_time', '-of', 'csv=p=0', proxy.file], { encoding: 'utf8' })
      .split(/[\s,]+/)
      .filter(Boolean)
      .map(Number);
    expect(keyframes.length).toBeGreaterThanOrEqual(24);
    for (let i = 1; i < keyframes.length; i++) expect(keyframes[i] - keyframes[i - 1]).toBeLessThanOrEqual(0.5 + 1 / 25 + 1e-3); // the first frame at or after each half second

    const poster = variant(result, 'poster');
    expect(poster.mime).toBe('image/jpeg');
    const posterMeta = await sharp(poster.file).metadata();
    expect([posterMeta.format, posterMeta.width, posterMeta.height]).toEqual(['jpeg', 1280, 720]);
    expect(poster.meta).toEqual({ width: 1280, height: 720 });

    const sprite = variant(result, 'sprite');
    expect(sprite.meta).toEqual({ interval: 1, count: 12, columns: 10, rows: 2, tileWidth: 160, tileHeight: 90 });
    const spriteMeta = await sharp(sprite.file).metadata();
    expect([spriteMeta.format, spriteMeta.width, spriteMeta.height]).toEqual(['jpeg', 10 * 160, 2 * 90]);
    // Exactly 12 tiles: the 12th cell shows the colourful test picture, the 13th is the tile filter's black padding.
    const cellMean = async (index: number) => {
      const region = { left: (index % 10) * 160, top: Math.floor(index / 10) * 90, width: 160, height: 90 };
      // Raw pixels, because sharp's stats() describes the whole input and ignores extract().
      const pixels = await sharp(sprite.file).extract(region).removeAlpha().raw().toBuffer();
      return pixels.reduce((sum, v) => sum + v, 0) / pixels.length;
    };
    expect(await cellMean(11)).toBeGreaterThan(40);
    expect(await cellMean(12)).toBeLessThan(8);

    const waveform = JSON.parse(await readFile(variant(result, 'waveform').file, 'utf8'));
    expect(Math.abs(waveform.length - 12 * 20)).toBeLessThanOrEqual(2);

    expectSaneProgress(log);
    expect(log.some((p) => /^Encoding web proxy \d+%$/.test(p.message) && p.fraction > 0.1 && p.fraction < 0.75)).toBe(true);
  }, 45_000);

  it('fits a portrait video inside 1280x720 without distorting it', async () => {
    const result = await processMedia({ kind: 'video', file: fx.portrait, workDir: join(dir, 'out-portrait') });
    const proxy = variant(result, 'proxy');
    const v = (await ffprobe(proxy.file)).streams.find((s) => s.codec_type === 'video') as { width: number; height: number };
    expect(v.height).toBe(720);
    expect(v.width % 2).toBe(0);
    expect(Math.abs(v.width - (720 * 720) / 1280)).toBeLessThanOrEqual(2);
    expect(proxy.meta).toEqual({ width: v.width, height: v.height });
    expect(variant(result, 'sprite').meta).toMatchObject({ count: 2, columns: 2, rows: 1, tileWidth: 160, tileHeight: 286 });
  });

  it('turns a phone video with a 90° display matrix upright', async () => {
    const sourceStream = (await ffprobe(fx.rotated)).streams[0] as { side_data_list?: { rotation?: number }[] };
    expect(sourceStream.side_data_list?.[0]?.rotation).toBe(-90);

    const result = await processMedia({ kind: 'video', file: fx.rotated, workDir: join(dir, 'out-rotated') });
    expect(result.probe.video).toMatchObject({ width: 1280, height: 720, rotation: 90 });
    expect([result.width, result.height]).toEqual([720, 1280]);
    const v = (await ffprobe(variant(result, 'proxy').file)).streams[0] as { width: number; height: number; side_data_list?: unknown[] };
    expect([v.width, v.height]).toEqual([404, 720]);
    // Pixels were rotated, so the proxy must not carry the matrix too (players would turn it twice).
    expect(v.side_data_list ?? []).toEqual([]);
    const poster = await sharp(variant(result, 'poster').file).metadata();
    expect([poster.width, poster.height]).toEqual([404, 720]);
  });

  it('neither upscales nor invents audio for a small silent video', async () => {
    const result = await processMedia({ kind: 'video', file: fx.silent, workDir: join(dir, 'out-silent') });
    expect(result.probe.audio).toBeNull();
    expect(result.variants.map((v) => v.name).sort()).toEqual(['poster', 'proxy', 'sprite']);
    const probed = await ffprobe(variant(result, 'proxy').file);
    expect(probed.streams.map((s) => s.codec_type)).toEqual(['video']);
    expect(probed.streams[0]).toMatchObject({ width: 320, height: 240 });
    expect(existsSync(join(dir, 'out-silent', 'waveform.json'))).toBe(false);
  });

  it('aborting mid-encode kills ffmpeg and rejects with AbortError', async () => {
    const workDir = join(dir, 'out-abort');
    const controller = new AbortController();
    let runningAtAbort: number[] = [];
    let abortedAt = 0;
    const job = processMedia({
      kind: 'video',
      file: fx.landscape,
      workDir,
      signal: controller.signal,
      onProgress: (fraction, message) => {
        if (abortedAt || !message.startsWith('Encoding web proxy ') || fraction < 0.05) return;
        runningAtAbort = processesMentioning(workDir);
        abortedAt = Date.now();
        controller.abort();
      }
    });
    const error = await job.then(
      () => null,
      (e: unknown) => e as Error
    );
    expect(abortedAt).toBeGreaterThan(0);
    expect(Date.now() - abortedAt).toBeLessThan(2000);
    expect(error).toBeInstanceOf(Error);
    expect(error?.name).toBe('AbortError');
    // The check below means something only if ffmpeg was findable this way while it ran.
    expect(runningAtAbort.length).toBeGreaterThan(0);
    expect(processesMentioning(workDir)).toEqual([]);
    for (const pid of runningAtAbort) expect(() => process.kill(pid, 0)).toThrow();
    expect(existsSync(join(workDir, 'proxy.mp4'))).toBe(false);
  });

  it('an already-aborted signal starts nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(processMedia({ kind: 'video', file: fx.landscape, workDir: join(dir, 'out-preaborted'), signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError'
    });
    expect(existsSync(join(dir, 'out-preaborted'))).toBe(false);
  });
});

describe('image', () => {
  it('applies EXIF orientation, strips metadata and sizes web and thumb copies', async () => {
    const source = await sharp(fx.photo).metadata();
    // The fixture really carries what must be removed.
    expect(source.orientation).toBe(6);
    // Tag 0x8825 is the pointer to the GPS IFD, in whichever byte order the EXIF block uses.
    const exif = source.exif ?? Buffer.alloc(0);
    const gpsTag = exif.includes('MM\0*') ? Buffer.from([0x88, 0x25]) : Buffer.from([0x25, 0x88]);
    expect(exif.includes(gpsTag)).toBe(true);

    const before = await sha256(fx.photo);
    const { log, onProgress } = progressLog();
    const result = await processMedia({ kind: 'image', file: fx.photo, workDir: join(dir, 'out-photo'), onProgress });
    expect(await sha256(fx.photo)).toBe(before);

    expect(result.probe).toEqual({ format: 'jpeg', duration: null, bitRate: null, video: null, audio: null });
    expect([result.width, result.height, result.duration]).toEqual([800, 1200, null]);
    expect(result.variants.map((v) => v.name)).toEqual(['web', 'thumb']);

    const web = variant(result, 'web');
    const webMeta = await sharp(web.file).metadata();
    expect([webMeta.format, webMeta.width, webMeta.height]).toEqual(['webp', 800, 1200]);
    expect(webMeta.exif).toBeUndefined();
    expect(webMeta.orientation).toBeUndefined();
    expect(web.meta).toEqual({ width: 800, height: 1200 });
    expect(web.mime).toBe('image/webp');
    // The red corner moved to the top right, so pixels were rotated, not just the header changed.
    const pixel = async (left: number, top: number) =>
      [...(await sharp(web.file).extract({ left, top, width: 1, height: 1 }).removeAlpha().raw().toBuffer())];
    const [r1, , b1] = await pixel(790, 10);
    const [r2, , b2] = await pixel(10, 10);
    expect(r1).toBeGreaterThan(200);
    expect(b1).toBeLessThan(60);
    expect(b2).toBeGreaterThan(200);
    expect(r2).toBeLessThan(60);

    const thumb = variant(result, 'thumb');
    const thumbMeta = await sharp(thumb.file).metadata();
    expect([thumbMeta.format, thumbMeta.width, thumbMeta.height]).toEqual(['webp', 213, 320]);
    expect(thumbMeta.exif).toBeUndefined();
    expect(thumb.meta).toEqual({ width: 213, height: 320 });

    expectSaneProgress(log);
  });
});
