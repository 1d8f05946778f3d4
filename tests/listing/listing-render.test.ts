import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LISTING } from '$lib/editor/model/brief/listing';
import type { ListingSnapshot } from '$lib/editor/model/brief/snapshot';
import { LISTING_ASPECTS, LISTING_SIZES, type ListingVariant } from '$lib/listing-video';
import { ListingInputError, renderListing, type RenderedListing, type RenderListingOptions } from '../../workers/listing/listing-render';
import { ffmpeg, ffprobe, tempDir } from '../helpers/media';

const exec = promisify(execFile);
const FPS = 30;
const PHOTOS = 20;
const STAGED = 3;
/** Every shape, branded and MLS-unbranded. */
const ALL: ListingVariant[] = LISTING_ASPECTS.flatMap((aspect) => [
  { aspect, branded: true },
  { aspect, branded: false }
]);
const LISTING: ListingSnapshot = {
  ...DEFAULT_LISTING,
  address: '12 Elm Street, Springfield',
  price: 850000,
  beds: 3,
  baths: 2.5,
  area: 1850,
  branding: { ...DEFAULT_LISTING.branding, name: 'Ann Agent', phone: '+1 555 0100' }
};

// Listing videos rendered by the worker's own code, measured with ffprobe/ffmpeg: photos alternate dark and bright so
// each cut shows in the frames' mean brightness, and the music is a click track at 120 bpm (a clear beat).
let dir: string;
let photos: string[];
let music: string;
let first: RenderedListing;

const options = (o: Partial<RenderListingOptions> = {}): RenderListingOptions => ({
  photos: photos.map((file, i) => ({ file, staged: i === STAGED, focus: i === 2 ? { x: 0.2, y: 0.3 } : null })),
  music,
  listing: LISTING,
  variants: ALL,
  logo: null,
  originalsUrl: 'http://studio.test/listing/token/originals',
  photoSeconds: 1,
  workDir: path.join(dir, 'work'),
  cacheDir: path.join(dir, 'cache'),
  ...o
});

/** Mean luma of each frame (the picture shrunk to 32×18 grey by ffmpeg), optionally of one region only. */
async function frameMeans(file: string, crop?: string): Promise<number[]> {
  const { stdout } = await exec('ffmpeg', ['-v', 'error', '-i', file, '-vf', `${crop ? `${crop},` : ''}scale=32:18,format=gray`, '-f', 'rawvideo', '-'], { encoding: 'buffer', maxBuffer: 256 << 20 });
  const means: number[] = [];
  for (let o = 0; o + 576 <= stdout.length; o += 576) {
    let sum = 0;
    for (let i = o; i < o + 576; i++) sum += stdout[i]!;
    means.push(sum / 576);
  }
  return means;
}

async function photo(file: string, colour: string, seed: number): Promise<void> {
  await ffmpeg('-f', 'lavfi', '-i', `color=c=${colour}:s=1600x1067,drawgrid=w=100:h=100:t=3:c=white@0.5,noise=alls=12:allf=t:all_seed=${seed}`, '-frames:v', '1', '-q:v', '3', file);
}

describe('listing.render in the worker (real ffmpeg, sharp, music-tempo)', () => {
  beforeAll(async () => {
    dir = await tempDir('airstudio-listing');
    photos = [];
    for (let i = 0; i < PHOTOS; i++) {
      photos.push(path.join(dir, `photo-${i}.jpg`));
      await photo(photos[i]!, i % 2 === 0 ? '0x30405a' : '0xd8c8a0', i + 1);
    }
    music = path.join(dir, 'clicks.wav');
    // Clicks on 0.25 s + k·0.5 s: a 120 bpm beat, long enough for the whole video.
    await ffmpeg('-f', 'lavfi', '-i', "aevalsrc='0.8*sin(2*PI*1000*t)*exp(-40*mod(t-0.25\\,0.5))*lt(mod(t-0.25\\,0.5)\\,0.08)':s=44100:d=40", music);
    first = await renderListing(options());
  }, 1_800_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('renders every shape branded and unbranded: sizes, 30 fps H.264 + AAC, one duration', async () => {
    expect(first.outputs.map((o) => `${o.aspect}/${o.branded}`).sort()).toEqual(ALL.map((v) => `${v.aspect}/${v.branded}`).sort());
    const seconds = first.plan.frames / FPS;
    for (const out of first.outputs) {
      const p = await ffprobe(out.file);
      const video = p.streams.find((s) => s.codec_type === 'video')!;
      const audio = p.streams.find((s) => s.codec_type === 'audio')!;
      expect(video, out.aspect).toMatchObject({ codec_name: 'h264', ...LISTING_SIZES[out.aspect], r_frame_rate: '30/1', pix_fmt: 'yuv420p' });
      expect(Number(video.nb_frames)).toBe(first.plan.frames);
      expect(audio.codec_name).toBe('aac');
      expect(Math.abs(Number(p.format.duration) - seconds)).toBeLessThan(0.1);
    }
    // A title card, twenty photos of about a second each (two beats), an end card.
    expect(seconds).toBeGreaterThan(2 + PHOTOS * 0.9 + 3);
    expect(seconds).toBeLessThan(3 + PHOTOS * 1.6 + 4);
  });

  it('finds the beat of the music and puts every cut within one frame of a detected beat', async () => {
    // music-tempo's beats sit on the clicks (its time step is 10 ms).
    expect(first.beats.length).toBeGreaterThan(40);
    for (const b of first.beats.slice(0, 60)) expect(Math.abs(((b - 0.25) / 0.5) % 1 - Math.round(((b - 0.25) / 0.5) % 1)) * 0.5).toBeLessThan(0.02);
    const wide = first.outputs.find((o) => o.aspect === '16:9' && o.branded)!;
    const means = await frameMeans(wide.file);
    const mid = 130;
    // Where the brightness crosses the middle between a dark and a bright photo is the middle of a crossfade: the cut.
    const crossings: number[] = [];
    for (let f = 0; f + 1 < means.length; f++) {
      const a = means[f]! - mid;
      const b = means[f + 1]! - mid;
      if (a * b < 0) crossings.push((f + a / (a - b)) / FPS);
    }
    // Nineteen cuts between photos and the one to the end card (the title card and the first photo are both dark).
    expect(crossings).toHaveLength(PHOTOS);
    for (const t of crossings) {
      const nearest = Math.min(...first.beats.map((b) => Math.abs(b - t)));
      expect(nearest, `cut at ${t.toFixed(3)} s`).toBeLessThanOrEqual(1 / FPS);
    }
  });

  it('draws the "Virtually staged" mark on the staged photo’s frames only', async () => {
    const frameOf = (photoIndex: number) => {
      const span = first.plan.spans[photoIndex + 1]!;
      return Math.round((span.start + span.end) / 2);
    };
    for (const aspect of ['16:9', '9:16'] as const) {
      const out = first.outputs.find((o) => o.aspect === aspect && !o.branded)!;
      const { width, height } = LISTING_SIZES[aspect];
      // The mark's corner: bottom left, above the reel's bottom bar.
      const s = Math.min(width, height) / 1080;
      const region = `crop=${Math.round(300 * s)}:${Math.round(40 * s)}:${Math.round(60 * s)}:${height - Math.round((aspect === '9:16' ? 280 : 110) * s)}`;
      const means = await frameMeans(out.file, region);
      const staged = means[frameOf(STAGED)]!;
      const plain = means[frameOf(STAGED + 2)]!; // another bright photo, not staged
      expect(plain, aspect).toBeGreaterThan(150);
      expect(staged, aspect).toBeLessThan(plain - 60);
    }
  }, 120_000); // two full videos decoded: more than the default 30 s on a loaded box

  it('re-renders exactly one photo clip per shape after one photo changes, and reuses the rest', async () => {
    expect(first.renderedClips).toBe(PHOTOS * LISTING_ASPECTS.length);
    expect(first.cachedClips).toBe(0);
    const changed = path.join(dir, 'photo-7b.jpg');
    await photo(changed, '0xe0d0b0', 99);
    const again = await renderListing(options({ photos: options().photos.map((p, i) => (i === 7 ? { ...p, file: changed } : p)), workDir: path.join(dir, 'work2') }));
    expect(again.renderedClips).toBe(LISTING_ASPECTS.length);
    expect(again.cachedClips).toBe((PHOTOS - 1) * LISTING_ASPECTS.length);
    // The music's beats were kept from the first render (one analysis of one track), and the cut is the same.
    expect(fs.readdirSync(path.join(dir, 'cache', 'beats'))).toHaveLength(1);
    expect(again.beats).toEqual(first.beats);
    const p = await ffprobe(again.outputs[0]!.file);
    expect(Number(p.streams.find((s) => s.codec_type === 'video')!.nb_frames)).toBe(first.plan.frames);
  }, 300_000);

  it('refuses a file that is not an image, and draws a hostile address as text', async () => {
    const text = path.join(dir, 'not-a-photo.jpg');
    fs.writeFileSync(text, 'this is not a JPEG');
    await expect(renderListing(options({ photos: [{ file: text, staged: false, focus: null }], variants: [{ aspect: '1:1', branded: false }] }))).rejects.toThrow(ListingInputError);
    const hostile = { ...LISTING, address: `</text><script>alert(1)</script><text>&amp; "x" ${'A'.repeat(250)}\n\u0000` };
    const r = await renderListing(options({ photos: options().photos.slice(0, 2), music: null, listing: hostile, variants: [{ aspect: '1:1', branded: false }], workDir: path.join(dir, 'work3') }));
    expect(r.beats).toEqual([]);
    const p = await ffprobe(r.outputs[0]!.file);
    expect(p.streams.find((s) => s.codec_type === 'video')).toMatchObject({ width: 1080, height: 1080 });
  }, 300_000);
});
