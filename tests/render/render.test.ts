import { execFile, execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { topLevelBoxes } from '../helpers/media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClipSnapshot, TimelineSnapshot, TrackSnapshot } from '../../src/lib/editor/model/timeline/snapshot';
import type { RenderSource } from '../../src/lib/editor/render/filter-graph';
import { renderTimeline, timelineRenderJob, type RenderedTimeline } from '../../workers/render/render-job';
import { PermanentJobError, type JobContext } from '../../workers/worker-client';

const run = promisify(execFile);
const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';
const FPS = 25;
const FRAME = 1 / FPS;
let dir = '';
let sources: Record<string, RenderSource> = {};

async function ffmpeg(...args: string[]): Promise<string> {
  const { stderr } = await run('ffmpeg', ['-hide_banner', '-nostats', '-y', ...args], { maxBuffer: 64 << 20 });
  return stderr;
}

async function ffprobe(file: string): Promise<{ format: Record<string, string>; streams: Record<string, string | number>[] }> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-count_frames', '-print_format', 'json', '-show_format', '-show_streams', file]);
  return JSON.parse(stdout);
}

/** ebur128, not the loudnorm the render uses, so the result is not checked against itself. */
async function integratedLoudness(file: string): Promise<number> {
  const stderr = await ffmpeg('-i', file, '-map', '0:a:0', '-af', 'ebur128', '-f', 'null', '-');
  const summary = stderr.slice(stderr.lastIndexOf('Summary:'));
  return Number(/I:\s+(-?[\d.]+) LUFS/.exec(summary)?.[1]);
}

/** Luma (0–255) of a w×h region (centred unless x/y are given) at `time` seconds. */
async function lumaRegion(file: string, time: number, w: number, h: number, at?: { x: number; y: number }): Promise<Buffer> {
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', '-ss', String(time), '-i', file, '-frames:v', '1', '-vf', at ? `crop=${w}:${h}:${at.x}:${at.y}` : `crop=${w}:${h}`, '-f', 'rawvideo', '-pix_fmt', 'gray', '-'],
    { encoding: 'buffer', maxBuffer: 16 << 20 }
  );
  return stdout as unknown as Buffer;
}

/** ffmpeg children whose command line mentions `needle` (the render's graph script lives in its workDir). */
function processesMentioning(needle: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', needle], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}


const transform = { x: 0, y: 0, scale: 1, rotation: 0, crop: { top: 0, right: 0, bottom: 0, left: 0 } };

function clip(c: Partial<ClipSnapshot> & Pick<ClipSnapshot, 'id' | 'trackId' | 'start' | 'in' | 'out'>): ClipSnapshot {
  return { assetId: null, speed: 1, volume: 1, fadeIn: 0, fadeOut: 0, opacity: 1, transform, keyframes: {}, title: null, ...c };
}

function track(id: string, kind: TrackSnapshot['kind'], order: string, extra: Partial<TrackSnapshot> = {}): TrackSnapshot {
  return { id, kind, name: id, order, muted: false, solo: false, locked: false, hidden: false, ducking: null, ...extra };
}

/**
 * A: dark still-coloured picture with a 440 Hz tone, 0–3 s; B: test pattern with 660 Hz, 3–6 s from its second 1;
 * a 1 s crossfade centred on the cut at 3 s (both have the handles); pink-noise music on an audio track, ducked
 * under the video track's sound; a white title over A from 0.5 to 2.5 s.
 */
function threeClipTimeline(): TimelineSnapshot {
  return {
    settings: { width: 1920, height: 1080, fps: FPS },
    tracks: [track('v1', 'video', 'a0'), track('t1', 'title', 'a1'), track('m1', 'audio', 'a2', { ducking: { byTrackId: 'v1', amountDb: 9, mode: 'level', attack: 0.02, release: 0.4 } })],
    clips: [
      clip({ id: 'A', trackId: 'v1', assetId: 'A', start: 0, in: 0, out: 3 }),
      clip({ id: 'B', trackId: 'v1', assetId: 'B', start: 3, in: 1, out: 4 }),
      clip({ id: 'M', trackId: 'm1', assetId: 'M', start: 0, in: 0, out: 6, volume: 0.7, fadeOut: 1 }),
      clip({
        id: 'T',
        trackId: 't1',
        start: 0.5,
        in: 0,
        out: 2,
        title: {
          text: "Hello, World: 100% 'ok'",
          font: 'DejaVu Sans Bold',
          size: 140,
          color: '#ffffff',
          box: null,
          x: 0.5,
          y: 0.5,
          animationIn: 'fade',
          animationOut: 'none'
        }
      })
    ],
    transitions: [{ id: 'x1', fromClipId: 'A', toClipId: 'B', kind: 'fade', duration: 1 }],
    markers: []
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'airstudio-render-'));
  const a = join(dir, 'a.mp4');
  const b = join(dir, 'b.mp4');
  const m = join(dir, 'music.m4a');
  const still = join(dir, 'still.png');
  await Promise.all([
    ffmpeg('-f', 'lavfi', '-i', `color=c=0x101828:s=320x180:r=${FPS}:d=4`, '-f', 'lavfi', '-i', 'sine=f=440:d=4',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', a),
    ffmpeg('-f', 'lavfi', '-i', `testsrc2=s=320x180:r=30:d=4`, '-f', 'lavfi', '-i', 'sine=f=660:d=4',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', b),
    ffmpeg('-f', 'lavfi', '-i', 'anoisesrc=c=pink:a=0.1:d=8', '-ac', '2', '-c:a', 'aac', m),
    ffmpeg('-f', 'lavfi', '-i', 'testsrc=s=160x120:d=1', '-frames:v', '1', still)
  ]);
  sources = {
    A: { input: a, duration: 4, hasVideo: true, hasAudio: true, width: 320, height: 180 },
    B: { input: b, duration: 4, hasVideo: true, hasAudio: true, width: 320, height: 180 },
    M: { input: m, duration: 8, hasVideo: false, hasAudio: true },
    S: { input: still, duration: 0, hasVideo: true, hasAudio: false, still: true }
  };
}, 60_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('renderTimeline', () => {
  let rendered: RenderedTimeline;
  const progress: number[] = [];
  let seconds = 0;

  beforeAll(async () => {
    const t0 = performance.now();
    rendered = await renderTimeline({
      snapshot: threeClipTimeline(),
      sources,
      preset: { width: 640, height: 360 },
      workDir: join(dir, 'full'),
      fontFile: FONT,
      onProgress: (f) => progress.push(f)
    });
    seconds = (performance.now() - t0) / 1000;
    console.log(`rendered 6 s at 640x360 in ${seconds.toFixed(2)} s (${(6 / seconds).toFixed(1)}x real time)`);
  }, 60_000);

  it('renders the cut to its duration as H.264 High + AAC', async () => {
    expect(rendered.warnings).toEqual([]);
    expect(rendered).toMatchObject({ width: 640, height: 360, fps: FPS });
    const probe = await ffprobe(rendered.file);
    expect(Math.abs(Number(probe.format.duration) - 6)).toBeLessThanOrEqual(FRAME);
    expect(Math.abs(rendered.duration - 6)).toBeLessThanOrEqual(FRAME);
    const video = probe.streams.find((s) => s.codec_type === 'video')!;
    const audio = probe.streams.find((s) => s.codec_type === 'audio')!;
    expect(video).toMatchObject({ codec_name: 'h264', profile: 'High', pix_fmt: 'yuv420p', width: 640, height: 360 });
    expect(Number(video.nb_read_frames)).toBe(6 * FPS);
    expect(Math.abs(Number(video.duration) - 6)).toBeLessThanOrEqual(FRAME);
    expect(audio).toMatchObject({ codec_name: 'aac', sample_rate: '48000', channels: 2 });
    expect(Math.abs(Number(audio.duration) - 6)).toBeLessThanOrEqual(FRAME);
    expect(Number(audio.bit_rate)).toBeGreaterThan(100_000);
  });

  it('puts moov before mdat (faststart)', async () => {
    const boxes = topLevelBoxes(await readFile(rendered.file));
    expect(boxes.indexOf('moov')).toBeGreaterThan(-1);
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
  });

  it('draws the title only while it is on', async () => {
    // The title is centred; A behind it is a dark flat colour, so white text lifts the region's luma.
    const during = await lumaRegion(rendered.file, 1.5, 400, 60);
    const before = await lumaRegion(rendered.file, 0.2, 400, 60);
    const brightDuring = during.filter((y) => y > 200).length;
    const brightBefore = before.filter((y) => y > 200).length;
    expect(brightBefore).toBe(0);
    expect(brightDuring).toBeGreaterThan(during.length * 0.05);
    expect(Math.max(...before)).toBeLessThan(60);
  });

  it('crossfades A into B around the cut', async () => {
    const mean = (b: Buffer) => b.reduce((s, y) => s + y, 0) / b.length;
    // A band below the title: A alone until 2.5 s, the fade 2.5–3.5 s, B alone after.
    const band = { x: 20, y: 290 };
    const a = mean(await lumaRegion(rendered.file, 2.2, 600, 40, band));
    const mid = mean(await lumaRegion(rendered.file, 3.0, 600, 40, band));
    const b = mean(await lumaRegion(rendered.file, 4.0, 600, 40, band));
    expect(b).toBeGreaterThan(a + 40);
    expect(mid).toBeGreaterThan(a + 10);
    expect(mid).toBeLessThan(b - 10);
  });

  it('is normalized to -14 LUFS', async () => {
    const lufs = await integratedLoudness(rendered.file);
    expect(Math.abs(lufs - -14)).toBeLessThanOrEqual(1);
    expect(rendered.loudness.targetLufs).toBe(-14);
    expect(rendered.loudness.input).not.toBeNull();
    expect(Math.abs(rendered.loudness.output! - -14)).toBeLessThanOrEqual(1);
  });

  it('reports monotonic progress ending at 1', () => {
    expect(progress.length).toBeGreaterThan(2);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!).toBeGreaterThanOrEqual(progress[i - 1]!);
    expect(progress.at(-1)).toBe(1);
  });
});

describe('renderTimeline ranges and odd timelines', () => {
  it('renders only the range asked for', async () => {
    const r = await renderTimeline({
      snapshot: threeClipTimeline(),
      sources,
      preset: { width: 320, height: 180 },
      range: { start: 2, end: 4.6 },
      workDir: join(dir, 'range'),
      fontFile: FONT
    });
    const probe = await ffprobe(r.file);
    expect(Math.abs(Number(probe.format.duration) - 2.6)).toBeLessThanOrEqual(FRAME);
    const video = probe.streams.find((s) => s.codec_type === 'video')!;
    expect(Number(video.nb_read_frames)).toBe(65);
  });

  it('renders an empty timeline as one second of black and silence', async () => {
    const r = await renderTimeline({
      snapshot: { settings: { width: 1920, height: 1080, fps: FPS }, tracks: [], clips: [], transitions: [], markers: [] },
      sources: {},
      preset: { width: 320, height: 180 },
      workDir: join(dir, 'empty'),
      fontFile: FONT
    });
    expect(Math.abs(r.duration - 1)).toBeLessThanOrEqual(FRAME);
    expect(r.loudness.targetLufs).toBeNull();
    const luma = await lumaRegion(r.file, 0.5, 320, 180);
    expect(Math.max(...luma)).toBeLessThan(24);
  });

  it('renders keyframes, speed, rotation, crop, stills, odd titles and missing sources without failing', async () => {
    const kf = (pairs: [number, number][], easing: 'linear' | 'ease-in-out' = 'linear') => pairs.map(([t, value]) => ({ t, value, easing }));
    const snapshot: TimelineSnapshot = {
      settings: { width: 1280, height: 720, fps: 30 },
      tracks: [
        track('v1', 'video', 'a0'),
        track('v2', 'video', 'a1'),
        track('hidden', 'video', 'a2', { hidden: true }),
        track('t1', 'title', 'a3'),
        track('m1', 'audio', 'a4', { muted: true })
      ],
      clips: [
        clip({ id: 'fast', trackId: 'v1', assetId: 'B', start: 0, in: 0, out: 4, speed: 2, fadeIn: 0.3 }),
        clip({ id: 'slow', trackId: 'v1', assetId: 'A', start: 2, in: 0, out: 0.6, speed: 0.25, fadeOut: 0.5 }),
        clip({
          id: 'pip',
          trackId: 'v2',
          assetId: 'B',
          start: 0.5,
          in: 0.5,
          out: 3.5,
          opacity: 0.8,
          transform: { x: 300, y: -150, scale: 0.4, rotation: 12, crop: { top: 0.1, right: 0.2, bottom: 0, left: 0.05 } },
          keyframes: {
            opacity: kf([[0, 0], [1, 1]], 'ease-in-out'),
            x: kf([[0, -300], [2, 300]]),
            scale: kf([[0, 0.2], [3, 0.6]]),
            rotation: kf([[0, 0], [3, 90]]),
            volume: kf([[0, 0], [1.5, 1], [3, 0.2]])
          }
        }),
        clip({ id: 'still', trackId: 'v2', assetId: 'S', start: 3.6, in: 0, out: 0.8 }),
        clip({ id: 'gone', trackId: 'v1', assetId: 'nope', start: 4, in: 0, out: 1 }),
        clip({ id: 'h', trackId: 'hidden', assetId: 'A', start: 0, in: 0, out: 1 }),
        clip({ id: 'mus', trackId: 'm1', assetId: 'M', start: 0, in: 0, out: 4 }),
        clip({
          id: 'odd',
          trackId: 't1',
          start: 1,
          in: 0,
          out: 2,
          fadeIn: 0.2,
          title: {
            text: ` [a,b];c\\d \n%{pts} 'q' = x:y `,
            font: 'unknown',
            size: 60,
            color: 'rgba(255, 200, 0, 0.9)',
            box: { color: 'black', padding: 12 },
            x: 0.3,
            y: 0.8,
            animationIn: 'slide-up',
            animationOut: 'slide-up'
          }
        })
      ],
      transitions: [{ id: 'bad', fromClipId: 'fast', toClipId: 'slow', kind: 'wipeleft', duration: 10 }],
      markers: []
    };
    const r = await renderTimeline({ snapshot, sources, preset: { width: 320, height: 180 }, workDir: join(dir, 'odd'), fontFile: FONT, loudnessTarget: null });
    // fast: 0–2 s; slow: 2–4.4 s; still ends at 4.4 s as well.
    expect(Math.abs(r.duration - 4.4)).toBeLessThanOrEqual(1 / 30 + 0.03);
    expect(r.warnings.some((w) => w.includes('nope'))).toBe(true);
  });

  it('renders a transition chain whose middle clip is shorter than its two transitions, frame-exact', async () => {
    // B plays 0.4 s: the transitions around it overlap inside it, so the chain is joined by xfades alone.
    const snapshot: TimelineSnapshot = {
      settings: { width: 1920, height: 1080, fps: FPS },
      tracks: [track('v1', 'video', 'a0')],
      clips: [
        clip({ id: 'A', trackId: 'v1', assetId: 'A', start: 0, in: 0, out: 3 }),
        clip({ id: 'B', trackId: 'v1', assetId: 'B', start: 3, in: 1, out: 1.4 }),
        clip({ id: 'C', trackId: 'v1', assetId: 'A', start: 3.4, in: 1, out: 3 })
      ],
      transitions: [
        { id: 'x1', fromClipId: 'A', toClipId: 'B', kind: 'fade', duration: 1 },
        { id: 'x2', fromClipId: 'B', toClipId: 'C', kind: 'wipeleft', duration: 1 }
      ],
      markers: []
    };
    const r = await renderTimeline({ snapshot, sources, preset: { width: 320, height: 180 }, workDir: join(dir, 'short-middle'), fontFile: FONT, loudnessTarget: null });
    // Centred on their cuts, both transitions are cut down to what B can give (it is the shortest clip).
    expect(r.warnings).toHaveLength(2);
    expect(r.warnings.join('\n')).toMatch(/x1 shortened[\s\S]*x2 shortened/);
    const probe = await ffprobe(r.file);
    expect(Number(probe.streams.find((s) => s.codec_type === 'video')!.nb_read_frames)).toBe(5.4 * FPS);
    // Mid-B (3.2 s) is between the dark A and the bright test pattern: the two fades meet there.
    const mean = (b: Buffer) => b.reduce((t, y) => t + y, 0) / b.length;
    expect(mean(await lumaRegion(r.file, 3.2, 300, 160))).toBeGreaterThan(mean(await lumaRegion(r.file, 1, 300, 160)) + 10);
  });

  it('stops ffmpeg when aborted', async () => {
    const controller = new AbortController();
    const workDir = join(dir, 'abort');
    let rendering = false;
    const started = renderTimeline({
      snapshot: threeClipTimeline(),
      sources,
      preset: { width: 640, height: 360 },
      workDir,
      fontFile: FONT,
      signal: controller.signal,
      onProgress: (f, message) => {
        // Abort once the picture pass is under way, so there is an ffmpeg to stop.
        if (message === 'Rendering' && !rendering) {
          rendering = true;
          setTimeout(() => controller.abort(new Error('user canceled')), 150);
        }
      }
    });
    await expect(started).rejects.toMatchObject({ name: 'AbortError' });
    expect(rendering).toBe(true);
    expect(processesMentioning(workDir)).toEqual([]);
  });
});

/** A media playlist's init section and segments as byte ranges of its one file, with their EXTINF durations. */
function byteRanges(playlist: string): { file: string; init: [number, number]; segments: { seconds: number; range: [number, number] }[] } {
  const map = /#EXT-X-MAP:URI="([^"]+)",BYTERANGE="(\d+)@(\d+)"/.exec(playlist)!;
  const segments: { seconds: number; range: [number, number] }[] = [];
  const re = /#EXTINF:([\d.]+),\n#EXT-X-BYTERANGE:(\d+)@(\d+)\n([^\n]+)/g;
  for (const m of playlist.matchAll(re)) {
    expect(m[4]).toBe(map[1]);
    segments.push({ seconds: Number(m[1]), range: [Number(m[3]), Number(m[2])] });
  }
  return { file: map[1]!, init: [Number(map[3]), Number(map[2])], segments };
}

describe('renderTimeline with the HLS ladder', () => {
  let r: RenderedTimeline;
  const messages: string[] = [];
  const progress: number[] = [];
  const workDir = () => join(dir, 'hls');
  const CUT = 13;

  beforeAll(async () => {
    // 3 s of A, then 10 s of a still: long enough for three segments, cheap to encode at three sizes.
    const snapshot: TimelineSnapshot = {
      settings: { width: 1920, height: 1080, fps: FPS },
      tracks: [track('v1', 'video', 'a0'), track('t1', 'title', 'a1')],
      clips: [
        clip({ id: 'A', trackId: 'v1', assetId: 'A', start: 0, in: 0, out: 3 }),
        clip({ id: 'S', trackId: 'v1', assetId: 'S', start: 3, in: 0, out: 10 }),
        clip({ id: 'T', trackId: 't1', start: 1, in: 0, out: 2, title: threeClipTimeline().clips[3]!.title })
      ],
      transitions: [],
      markers: []
    };
    r = await renderTimeline({
      snapshot,
      sources,
      preset: 'mp4-720p',
      hls: true,
      workDir: workDir(),
      fontFile: FONT,
      onProgress: (f, message) => {
        progress.push(f);
        messages.push(message);
      }
    });
  }, 240_000);

  it('writes a master playlist of the three renditions with bandwidth, resolution and codecs', async () => {
    expect(r.hls).not.toBeNull();
    const master = await readFile(join(workDir(), 'hls', 'hls.m3u8'), 'utf8');
    const variants = [...master.matchAll(/#EXT-X-STREAM-INF:([^\n]+)\n([^\n]+)/g)].map((m) => ({ attrs: m[1]!, uri: m[2]! }));
    expect(variants.map((v) => v.uri)).toEqual(['hls-1080p.m3u8', 'hls-720p.m3u8', 'hls-480p.m3u8']);
    expect(variants.map((v) => /RESOLUTION=(\d+x\d+)/.exec(v.attrs)?.[1])).toEqual(['1920x1080', '1280x720', '854x480']);
    for (const v of variants) {
      expect(v.attrs).toMatch(/CODECS="avc1\.6400[0-9a-f]{2},mp4a\.40\.2"/);
      expect(Number(/(?:^|,)BANDWIDTH=(\d+)/.exec(v.attrs)?.[1])).toBeGreaterThan(Number(/AVERAGE-BANDWIDTH=(\d+)/.exec(v.attrs)?.[1]) - 1);
    }
    const bandwidths = variants.map((v) => Number(/(?:^|,)BANDWIDTH=(\d+)/.exec(v.attrs)?.[1]));
    expect(bandwidths[0]).toBeGreaterThan(bandwidths[1]!);
    expect(bandwidths[1]).toBeGreaterThan(bandwidths[2]!);
    expect(r.hls!.files.map((f) => f.name).sort()).toEqual(['hls-1080p.m3u8', 'hls-1080p.mp4', 'hls-480p.m3u8', 'hls-480p.mp4', 'hls-720p.m3u8', 'hls-720p.mp4', 'hls.m3u8']);
  });

  it('cuts every rendition into ~6 s segments on the same frames, each decodable, adding up to the cut', async () => {
    const durations: number[][] = [];
    for (const name of ['1080p', '720p', '480p']) {
      const playlist = await readFile(join(workDir(), 'hls', `hls-${name}.m3u8`), 'utf8');
      expect(playlist).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
      expect(playlist).toContain('#EXT-X-ENDLIST');
      const { file, init, segments } = byteRanges(playlist);
      const media = await readFile(join(workDir(), 'hls', file));
      let frames = 0;
      for (const [i, seg] of segments.entries()) {
        // A segment plays on its own after the init section: that is how a player fetches it.
        const piece = join(dir, `segment-${name}-${i}.mp4`);
        await writeFile(piece, Buffer.concat([media.subarray(init[0], init[0] + init[1]), media.subarray(seg.range[0], seg.range[0] + seg.range[1])]));
        const probe = await ffprobe(piece);
        const video = probe.streams.find((s) => s.codec_type === 'video')!;
        expect(probe.streams.some((s) => s.codec_type === 'audio')).toBe(true);
        expect(Number(video.nb_read_frames)).toBe(Math.round(seg.seconds * FPS));
        frames += Number(video.nb_read_frames);
      }
      expect(segments.length).toBe(3);
      expect(Math.max(...segments.map((x) => x.seconds))).toBeLessThanOrEqual(6 + FRAME);
      expect(frames).toBe(CUT * FPS);
      expect(Math.abs(segments.reduce((t, x) => t + x.seconds, 0) - CUT)).toBeLessThanOrEqual(FRAME);
      durations.push(segments.map((x) => x.seconds));
    }
    expect(durations[1]).toEqual(durations[0]);
    expect(durations[2]).toEqual(durations[0]);
  });

  it('makes the MP4 the rung of its size without encoding it twice', async () => {
    expect(r).toMatchObject({ width: 1280, height: 720 });
    const packets = async (file: string) =>
      (await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=size', '-of', 'csv=p=0', file])).stdout.trim();
    expect(await packets(join(workDir(), 'hls', 'hls-720p.mp4'))).toBe(await packets(r.file));
    expect(await packets(join(workDir(), 'hls', 'hls-1080p.mp4'))).not.toBe(await packets(r.file));
  });

  it('reports progress through rendering and packaging, ending at 1', () => {
    for (let i = 1; i < progress.length; i++) expect(progress[i]!).toBeGreaterThanOrEqual(progress[i - 1]!);
    expect(messages).toContain('Packaging HLS');
    expect(progress.filter((_, i) => messages[i] === 'Rendering' && progress[i]! > 0.3 && progress[i]! < 0.9).length).toBeGreaterThan(0);
    expect(progress.at(-1)).toBe(1);
  });
});

describe('timeline.render job', () => {
  function fakeContext(input: unknown, workDir: string) {
    const uploads: { name: string; file: string; mime: string; meta?: Record<string, unknown>; bytes: number }[] = [];
    const downloads: string[] = [];
    const files: Record<string, string> = { A: sources.A!.input, B: sources.B!.input, M: sources.M!.input };
    const ctx: JobContext = {
      job: { id: 'j1', projectId: 'p1', type: 'timeline.render', input, attempt: 1, maxAttempts: 2, leaseMs: 30_000, urls: { 'asset:A': '/a', 'asset:B': '/b', 'asset:M': '/m' } },
      signal: new AbortController().signal,
      workDir,
      progress: () => {},
      download: async (key, dest) => {
        downloads.push(key);
        await copyFile(files[key.slice('asset:'.length)]!, dest);
      },
      upload: async (name, file, mime, meta) => {
        const { size } = await stat(file);
        uploads.push({ name, file, mime, meta, bytes: size });
        return { name, sha256: '0'.repeat(64), bytes: size, mime, meta };
      }
    };
    return { ctx, uploads, downloads };
  }

  it('downloads the sources the cut plays, renders at the preset and uploads the MP4', async () => {
    const workDir = join(dir, 'job');
    await mkdir(workDir, { recursive: true });
    const assets = {
      A: { duration: 4, hasVideo: true, hasAudio: true, width: 320, height: 180 },
      B: { duration: 4, hasVideo: true, hasAudio: true, width: 320, height: 180 },
      M: { duration: 8, hasVideo: false, hasAudio: true, width: null, height: null },
      unused: { duration: 1, hasVideo: true, hasAudio: false, width: 1, height: 1 }
    };
    const { ctx, uploads, downloads } = fakeContext({ snapshot: threeClipTimeline(), preset: 'mp4-480p', range: { start: 2, end: 3 }, assets }, workDir);
    const result = (await timelineRenderJob(ctx)) as { file: { name: string }; duration: number };
    expect(downloads.sort()).toEqual(['asset:A', 'asset:B', 'asset:M']);
    expect(uploads).toHaveLength(1);
    expect(uploads[0]).toMatchObject({ name: 'render.mp4', mime: 'video/mp4', meta: { width: 854, height: 480, fps: FPS, preset: 'mp4-480p' } });
    expect(Math.abs((uploads[0]!.meta!.loudness as number) - -14)).toBeLessThanOrEqual(1);
    expect(Math.abs(result.duration - 1)).toBeLessThanOrEqual(FRAME);
    expect(result.file.name).toBe('render.mp4');
  });

  it('uploads the HLS ladder beside the MP4 when asked', async () => {
    const workDir = join(dir, 'job-hls');
    await mkdir(workDir, { recursive: true });
    const assets = { A: { duration: 4, hasVideo: true, hasAudio: true, width: 320, height: 180 }, B: { duration: 4, hasVideo: true, hasAudio: true, width: 320, height: 180 }, M: { duration: 8, hasVideo: false, hasAudio: true } };
    const { ctx, uploads } = fakeContext({ snapshot: threeClipTimeline(), preset: 'mp4-480p', range: { start: 2, end: 3 }, hls: true, assets }, workDir);
    const result = (await timelineRenderJob(ctx)) as { hls: { name: string; mime: string }[] };
    expect(uploads.map((u) => [u.name, u.mime])).toEqual([
      ['render.mp4', 'video/mp4'],
      ['hls.m3u8', 'application/vnd.apple.mpegurl'],
      ['hls-1080p.m3u8', 'application/vnd.apple.mpegurl'],
      ['hls-1080p.mp4', 'video/mp4'],
      ['hls-720p.m3u8', 'application/vnd.apple.mpegurl'],
      ['hls-720p.mp4', 'video/mp4'],
      ['hls-480p.m3u8', 'application/vnd.apple.mpegurl'],
      ['hls-480p.mp4', 'video/mp4']
    ]);
    expect(uploads.find((u) => u.name === 'hls-720p.mp4')!.meta).toMatchObject({ width: 1280, height: 720, codecs: expect.stringMatching(/^avc1\./) });
    expect(result.hls.map((f) => f.name)).toEqual(uploads.slice(1).map((u) => u.name));
  });

  it('refuses input it cannot render as a permanent failure', async () => {
    const { ctx } = fakeContext({ snapshot: { clips: [] }, preset: 'mp4-4k', assets: {} }, join(dir, 'bad-job'));
    await expect(timelineRenderJob(ctx)).rejects.toBeInstanceOf(PermanentJobError);
  });
});
