/**
 * A listing video from local files: a title card, each photo as a Ken Burns move aimed at its focus point (frames
 * composed here, piped raw into x264), crossfades on the cuts, the agent's outro or an unbranded end card, the music
 * with cuts on its beats. Each piece (a photo's body, a transition, a card) is encoded on its own and cached; a variant
 * is its pieces joined without re-encoding, with the sound muxed in.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { ListingSnapshot } from '../../src/lib/editor/model/brief/snapshot';
import { LISTING_SIZES, type ListingAspect, type ListingVariant } from '../../src/lib/listing-video';
import { detectBeats } from './beats';
import { endCard, stagedMark, titleCard } from './cards';
import { ClipCache, settingsHash } from './clip-cache';
import { crossfade, drawOverlay, rgbToYuv, Sampler, yuvSize, type Overlay, type Yuv } from './frames';
import { baseCrop, KEN_BURNS_ZOOM, kenBurnsView, planCuts, type CutPlan, type Move } from './plan';

export const LISTING_FPS = 30;
export const TITLE_SECONDS = 2.5;
export const END_SECONDS = 3.5;
export const DEFAULT_PHOTO_SECONDS = 3;
const X264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-x264-params', 'me=dia:subme=1:scenecut=0', '-crf', '21', '-profile:v', 'high', '-pix_fmt', 'yuv420p'];
const COLOUR_TAGS = ['-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709', '-color_range', 'tv'];
/** Bumped when the way pieces are drawn changes, so old cached pieces are not reused. */
const PIECE_VERSION = 1;

export interface ListingPhotoFile {
  /** What is shown: the staged copy when there is one. */
  file: string;
  staged: boolean;
  focus: { x: number; y: number } | null;
}

export interface RenderListingOptions {
  photos: ListingPhotoFile[];
  music: string | null;
  listing: ListingSnapshot;
  variants: ListingVariant[];
  logo: string | null;
  originalsUrl: string | null;
  photoSeconds?: number;
  workDir: string;
  cacheDir: string;
  signal?: AbortSignal;
  onProgress?: (fraction: number, message: string) => void;
}

export interface RenderedListing {
  outputs: { aspect: ListingAspect; branded: boolean; file: string; width: number; height: number; seconds: number }[];
  beats: number[];
  cachedClips: number;
  renderedClips: number;
  plan: CutPlan;
  moves: Move[];
}

interface PhotoInfo {
  hash: string;
  width: number;
  height: number;
  focus: { x: number; y: number };
  move: Move;
  staged: boolean;
  file: string;
}

export async function renderListing(o: RenderListingOptions): Promise<RenderedListing> {
  await mkdir(o.workDir, { recursive: true });
  const cache = new ClipCache(o.cacheDir);
  const report = (f: number, m: string) => o.onProgress?.(Math.min(1, Math.max(0, f)), m);

  report(0, 'Reading the photos');
  const photos: PhotoInfo[] = [];
  for (const [i, p] of o.photos.entries()) {
    o.signal?.throwIfAborted();
    const bytes = await readFile(p.file);
    const meta = await sharp(bytes).metadata().catch(() => null);
    if (!meta?.width || !meta.height) throw new ListingInputError(`Photo ${i + 1} is not an image sharp can read.`);
    const turned = (meta.orientation ?? 1) >= 5;
    photos.push({
      hash: createHash('sha256').update(bytes).digest('hex'),
      width: turned ? meta.height : meta.width,
      height: turned ? meta.width : meta.height,
      focus: p.focus ?? { x: 0.5, y: 0.5 },
      move: i % 2 === 0 ? 'in' : 'out',
      staged: p.staged,
      file: p.file
    });
  }

  let beats: number[] = [];
  if (o.music) {
    report(0.02, 'Finding the beat');
    beats = (await detectBeats(o.music, o.signal)).beats;
  }
  const photoSeconds = o.photoSeconds ?? DEFAULT_PHOTO_SECONDS;
  // Every variant has the same cut (the unbranded end card stands where the outro does), so pieces are shared.
  const plan = planCuts([TITLE_SECONDS, ...photos.map(() => photoSeconds), END_SECONDS], beats, LISTING_FPS);
  const sizes = [...new Set(o.variants.map((v) => v.aspect))];
  const logo = o.logo ? await readFile(o.logo) : null;
  const logoHash = logo ? createHash('sha256').update(logo).digest('hex') : null;
  const pieceCount = sizes.length * (2 * (photos.length + 2) - 1) + o.variants.length * 2;
  let done = 0;
  // Photo clips by key: one a job draws counts as rendered even when a later variant reuses it.
  const rendered = new Set<string>();
  const cached = new Set<string>();
  const outputs: RenderedListing['outputs'] = [];

  for (const aspect of sizes) {
    const { width: W, height: H } = LISTING_SIZES[aspect];
    const sampler = new Sampler(W, H);
    const frameBytes = yuvSize(W, H);
    const stills = new Map<number, Yuv>();
    let mark: Overlay | null = null;
    const still = async (i: number) => {
      if (!stills.has(i)) stills.set(i, await prescale(photos[i]!, W, H));
      return stills.get(i)!;
    };
    const photoKey = (i: number) => {
      const p = photos[i]!;
      const span = plan.spans[i + 1]!;
      return { v: PIECE_VERSION, photo: p.hash, focus: p.focus, move: p.move, staged: p.staged, W, H, fps: LISTING_FPS, frames: span.end - span.start };
    };
    // Items: 0 title, 1..n photos, n+1 the end card; branded variants differ only there.
    const n = photos.length;
    const titleKey = { v: PIECE_VERSION, card: 'title', address: o.listing.address, price: o.listing.price, currency: o.listing.currency, beds: o.listing.beds, baths: o.listing.baths, area: o.listing.area, unit: o.listing.areaUnit, bg: photos[0]!.hash, focus: photos[0]!.focus, W, H, frames: plan.spans[0]!.end };
    const endKey = (branded: boolean) => ({ v: PIECE_VERSION, card: branded ? 'outro' : 'end', address: branded ? null : o.listing.address, branding: branded ? o.listing.branding : null, logo: branded ? logoHash : null, originals: o.originalsUrl, W, H, frames: plan.frames - plan.spans[n + 1]!.start });
    const cards = new Map<string, Yuv>();
    const card = async (which: 'title' | 'outro' | 'end') => {
      if (!cards.has(which)) {
        if (which === 'title') {
          const bg = await sharp(photos[0]!.file).rotate().resize(W, H, { fit: 'cover', position: 'centre' }).removeAlpha().raw().toBuffer();
          cards.set(which, await titleCard(W, H, o.listing, bg));
        } else {
          cards.set(which, await endCard({ width: W, height: H, listing: o.listing, branded: which === 'outro', logo, originalsUrl: o.originalsUrl }));
        }
      }
      return cards.get(which)!;
    };
    /** Draws frame k (from the item's span start) of item `item` into buf. */
    const draw = async (item: number, k: number, buf: Uint8Array, branded: boolean) => {
      if (item === 0 || item === n + 1) {
        buf.set((await card(item === 0 ? 'title' : branded ? 'outro' : 'end')).data);
        return;
      }
      const p = photos[item - 1]!;
      const s = await still(item - 1);
      const span = plan.spans[item]!;
      const crop = baseCrop(p.width, p.height, W / H, p.focus);
      const rel = { x: clamp01((p.focus.x * p.width - crop.x) / crop.w), y: clamp01((p.focus.y * p.height - crop.y) / crop.h) };
      const view = kenBurnsView(s.width, s.height, rel, p.move, k / Math.max(1, span.end - span.start - 1));
      sampler.sample(s, view, buf);
      if (p.staged) drawOverlay(buf, W, H, (mark ??= await stagedMark(W, H)));
    };
    const itemKey = (item: number, branded: boolean) => (item === 0 ? titleKey : item === n + 1 ? endKey(branded) : photoKey(item - 1));

    for (const branded of [...new Set(o.variants.filter((v) => v.aspect === aspect).map((v) => v.branded))].sort((a, b) => Number(b) - Number(a))) {
      const pieces: string[] = [];
      const frameA = new Uint8Array(frameBytes);
      const frameB = new Uint8Array(frameBytes);
      for (let item = 0; item <= n + 1; item++) {
        o.signal?.throwIfAborted();
        const span = plan.spans[item]!;
        const bodyStart = item === 0 ? 0 : plan.cuts[item - 1]! + plan.half;
        const bodyEnd = item === n + 1 ? plan.frames : plan.cuts[item]! - plan.half;
        const label = item === 0 ? 'the title card' : item === n + 1 ? (branded ? 'the outro' : 'the end card') : `photo ${item}`;
        const body = await piece(cache, { body: itemKey(item, branded), from: bodyStart - span.start, to: bodyEnd - span.start }, W, H, bodyEnd - bodyStart, async (f, buf) => draw(item, bodyStart - span.start + f, buf, branded), o.signal);
        if (item >= 1 && item <= n) (body.cached && !rendered.has(body.key) ? cached : rendered).add(body.key);
        pieces.push(body.file);
        report(0.03 + (0.9 * ++done) / pieceCount, `${aspect}${branded ? '' : ' unbranded'}: ${label}`);
        if (item <= n) {
          const cut = plan.cuts[item]!;
          const next = plan.spans[item + 1]!;
          const t = await piece(cache, { fade: [itemKey(item, branded), itemKey(item + 1, branded)], half: plan.half }, W, H, 2 * plan.half, async (f, buf) => {
            const at = cut - plan.half + f;
            await draw(item, at - span.start, frameA, branded);
            await draw(item + 1, at - next.start, frameB, branded);
            crossfade(frameA, frameB, (f + 0.5) / (2 * plan.half), buf);
          }, o.signal);
          pieces.push(t.file);
          report(0.03 + (0.9 * ++done) / pieceCount, `${aspect}${branded ? '' : ' unbranded'}: transition after ${label}`);
        }
      }
      const out = path.join(o.workDir, `listing-${aspect.replace(':', 'x')}-${branded ? 'branded' : 'unbranded'}.mp4`);
      await join(pieces, o.music, plan.frames / LISTING_FPS, out, path.join(o.workDir, `pieces-${aspect.replace(':', 'x')}-${branded}.txt`), o.signal);
      done += 2;
      report(0.03 + (0.9 * done) / pieceCount, `${aspect}${branded ? '' : ' unbranded'}: joined`);
      for (const v of o.variants) if (v.aspect === aspect && v.branded === branded) outputs.push({ aspect, branded, file: out, width: W, height: H, seconds: plan.frames / LISTING_FPS });
    }
  }
  report(1, 'Rendered');
  return { outputs: dedupe(outputs), beats, cachedClips: cached.size, renderedClips: rendered.size, plan, moves: photos.map((p) => p.move) };
}

export class ListingInputError extends Error {}

function dedupe<T extends { aspect: string; branded: boolean }>(list: T[]): T[] {
  return list.filter((v, i) => list.findIndex((w) => w.aspect === v.aspect && w.branded === v.branded) === i);
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}

/** The photo's base crop for this frame shape, pre-scaled by the zoom so that no frame of the move is upsampled. */
async function prescale(p: PhotoInfo, W: number, H: number): Promise<Yuv> {
  const crop = baseCrop(p.width, p.height, W / H, p.focus);
  const sw = Math.round((W * KEN_BURNS_ZOOM) / 2) * 2;
  const sh = Math.round((H * KEN_BURNS_ZOOM) / 2) * 2;
  const left = Math.floor(crop.x);
  const top = Math.floor(crop.y);
  const data = await sharp(p.file)
    .rotate()
    .extract({ left, top, width: Math.min(p.width - left, Math.round(crop.w)), height: Math.min(p.height - top, Math.round(crop.h)) })
    .resize(sw, sh, { fit: 'fill', kernel: 'lanczos3' })
    .removeAlpha()
    .raw()
    .toBuffer();
  return rgbToYuv(data, sw, sh);
}

/** A cached piece, or one encoded now from frames drawn by `frame`. */
async function piece(cache: ClipCache, settings: unknown, W: number, H: number, frames: number, frame: (f: number, buf: Uint8Array) => Promise<void>, signal?: AbortSignal): Promise<{ file: string; cached: boolean; key: string }> {
  const key = settingsHash(settings);
  const hit = await cache.get(key);
  if (hit) return { file: hit, cached: true, key };
  const { temp, commit } = await cache.reserve(key);
  const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${W}x${H}`, '-r', String(LISTING_FPS), '-i', 'pipe:0', ...X264, '-g', String(2 * LISTING_FPS), ...COLOUR_TAGS, '-an', '-f', 'mp4', '-y', temp], { signal, stdio: ['pipe', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const closed = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  // Two buffers: one is drawn while the encoder reads the other.
  const bufs = [new Uint8Array(yuvSize(W, H)), new Uint8Array(yuvSize(W, H))];
  child.stdin.on('error', () => undefined);
  for (let f = 0; f < frames; f++) {
    const buf = bufs[f & 1]!;
    await frame(f, buf);
    if (!child.stdin.write(buf)) await new Promise<void>((resolve) => child.stdin.once('drain', resolve));
  }
  child.stdin.end();
  const code = await closed;
  if (code !== 0) throw new Error(`x264 failed on a piece of the listing video: ${err.trim().split('\n')[0] ?? `exit ${code}`}`);
  return { file: await commit(), cached: false, key };
}

/** The pieces back to back (stream copy: all came from the same encoder settings) with the music or silence. */
async function join(pieces: string[], music: string | null, seconds: number, out: string, listFile: string, signal?: AbortSignal): Promise<void> {
  await writeFile(listFile, pieces.map((p) => `file '${p.replace(/'/g, "'\\''")}'`).join('\n'));
  const fadeFrom = Math.max(0, seconds - 1.5).toFixed(3);
  const audio = music
    ? ['-i', music, '-map', '1:a:0', '-af', `afade=t=out:st=${fadeFrom}:d=1.5,apad`]
    : ['-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo', '-map', '1:a:0'];
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-f', 'concat', '-safe', '0', '-i', listFile, ...audio, '-map', '0:v:0', '-c:v', 'copy', '-c:a', 'aac', '-b:a', '160k', '-ar', '48000', '-ac', '2', '-t', seconds.toFixed(3), '-movflags', '+faststart', '-y', out];
  const child = spawn('ffmpeg', args, { signal, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`ffmpeg could not join the listing video: ${err.trim().split('\n')[0] ?? `exit ${code}`}`);
}

