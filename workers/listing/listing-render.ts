/**
 * A listing video from local files: a title card, each photo as a Ken Burns move aimed at its focus point (frames
 * composed here, piped raw into x264), crossfades on the cuts, the agent's outro or an unbranded end card, the music
 * with cuts on its beats. Each piece (a photo's body, a transition, a card) is encoded on its own and cached; a variant
 * is its pieces joined without re-encoding, with the sound muxed in.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { ListingSnapshot } from '../../src/lib/editor/model/brief/snapshot';
import { LISTING_SIZES, type ListingAspect, type ListingVariant } from '../../src/lib/listing-video';
import { detectBeats } from './beats';
import { endCard, stagedMark, titleCard } from './cards';
import { ClipCache, settingsHash, type ClipCacheStats, type SharedClipStore } from './clip-cache';
import { crossfade, drawOverlay, rgbToYuv, yuvSize, type Overlay, type Yuv } from './frames';
import { baseCrop, KEN_BURNS_ZOOM, kenBurnsView, planCuts, type CutPlan, type Move } from './plan';
import { loadSampler, Sampler, stillWidth } from './sampler';

export const LISTING_FPS = 30;
export const TITLE_SECONDS = 2.5;
export const END_SECONDS = 3.5;
export const DEFAULT_PHOTO_SECONDS = 3;
// ultrafast's cheap analysis with CABAC, B-frames and deblocking back: on a Ken Burns move at CRF 22, 37 % less CPU
// than with sub-pixel refinement, 8×8 transforms and adaptive quantisation too, at an SSIM of 0.993 (0.992) and 1.6 times
// the bytes (~6 Mbps for 1080p): x264 is most of a render. Two threads each, as two pieces are encoded at once.
const X264 = ['-c:v', 'libx264', '-threads', '2', '-preset', 'ultrafast', '-x264-params', 'scenecut=0:cabac=1:bframes=3:b-adapt=0:deblock=1', '-crf', '22', '-profile:v', 'high', '-pix_fmt', 'yuv420p'];
// AAC's fast coder: half the CPU of the default two-loop search; at 160 kb/s it is still clean for a music bed.
const AAC = ['-c:a', 'aac', '-aac_coder', 'fast', '-b:a', '160k', '-ar', '48000', '-ac', '2'];
const COLOUR_TAGS = ['-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709', '-color_range', 'tv'];
/** Bumped when the way pieces are drawn or encoded changes, so old cached pieces are not reused. */
const PIECE_VERSION = 3;

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
  /** The local folder's size limit (default LISTING_CLIP_CACHE_MB). */
  cacheBytes?: number;
  /** The studio's store every worker shares; without it the cache is this folder only. */
  sharedCache?: SharedClipStore | null;
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
  timings: RenderTimings;
  cache: ClipCacheStats;
}

/**
 * Milliseconds by stage. Pieces are made two at a time and stills are decoded alongside, so the stages overlap:
 * `draw` is the JS time composing frames, `encode` the time spent waiting for x264 to take frames and finish.
 */
export interface RenderTimings {
  read: number;
  beats: number;
  stills: number;
  cards: number;
  draw: number;
  encode: number;
  /** Talking to the shared clip store (fetches and uploads). */
  shared: number;
  /** Encoding the sound track (alongside the pieces). */
  sound: number;
  join: number;
  total: number;
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

/** Pieces encoded at once: while one encoder starts or flushes, the other piece's frames are drawn (2 cores). */
const PIECES_AT_ONCE = 2;

export async function renderListing(o: RenderListingOptions): Promise<RenderedListing> {
  const t0 = performance.now();
  const timings: RenderTimings = { read: 0, beats: 0, stills: 0, cards: 0, draw: 0, encode: 0, shared: 0, sound: 0, join: 0, total: 0 };
  const timed = async <T>(stage: keyof RenderTimings, run: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    try {
      return await run();
    } finally {
      timings[stage] += performance.now() - t;
    }
  };
  await mkdir(o.workDir, { recursive: true });
  const cache = new ClipCache(o.cacheDir, o.cacheBytes, o.sharedCache ?? null);
  const report = (f: number, m: string) => o.onProgress?.(Math.min(1, Math.max(0, f)), m);

  report(0, 'Reading the photos and finding the beat');
  const musicHash = o.music ? createHash('sha256').update(await readFile(o.music)).digest('hex') : null;
  const [photos, beats, kernel] = await Promise.all([timed('read', () => readPhotos(o)), timed('beats', () => (o.music && musicHash ? musicBeats(o.music, musicHash, o.cacheDir, o.signal) : Promise.resolve([]))), loadSampler()]);
  const photoSeconds = o.photoSeconds ?? DEFAULT_PHOTO_SECONDS;
  // Every variant has the same cut (the unbranded end card stands where the outro does), so pieces are shared.
  const plan = planCuts([TITLE_SECONDS, ...photos.map(() => photoSeconds), END_SECONDS], beats, LISTING_FPS);
  const logo = o.logo ? await readFile(o.logo) : null;
  const logoHash = logo ? createHash('sha256').update(logo).digest('hex') : null;
  const n = photos.length;
  const seconds = plan.frames / LISTING_FPS;
  // The sound track is made once for every variant, while the pieces are drawn; the joins only copy it in.
  const soundKey = settingsHash({ v: PIECE_VERSION, sound: musicHash, seconds: seconds.toFixed(3) });
  const sound = timed('sound', async () => (await cache.get(soundKey)) ?? encodeSound(cache, soundKey, o.music, seconds, o.signal));
  sound.catch(() => undefined); // awaited before the joins; a failure there stops the render

  // Every piece of every variant, each once (branded and unbranded cuts share all but the end card and the fade to it).
  const pieces = new Map<string, PieceTask>();
  const variantPieces: { aspect: ListingAspect; branded: boolean; keys: string[] }[] = [];
  for (const aspect of [...new Set(o.variants.map((v) => v.aspect))]) {
    const shape = new ShapeContext(aspect, photos, plan, o.listing, logo, o.originalsUrl, timings, kernel);
    const { width: W, height: H } = shape;
    const photoKey = (i: number) => {
      const p = photos[i]!;
      const span = plan.spans[i + 1]!;
      return { v: PIECE_VERSION, photo: p.hash, focus: p.focus, move: p.move, staged: p.staged, W, H, fps: LISTING_FPS, frames: span.end - span.start };
    };
    // Items: 0 title, 1..n photos, n+1 the end card; branded variants differ only there.
    const titleKey = { v: PIECE_VERSION, card: 'title', address: o.listing.address, price: o.listing.price, currency: o.listing.currency, beds: o.listing.beds, baths: o.listing.baths, area: o.listing.area, unit: o.listing.areaUnit, bg: photos[0]!.hash, focus: photos[0]!.focus, W, H, frames: plan.spans[0]!.end };
    const endKey = (branded: boolean) => ({ v: PIECE_VERSION, card: branded ? 'outro' : 'end', address: branded ? null : o.listing.address, branding: branded ? o.listing.branding : null, logo: branded ? logoHash : null, originals: o.originalsUrl, W, H, frames: plan.frames - plan.spans[n + 1]!.start });
    const itemKey = (item: number, branded: boolean) => (item === 0 ? titleKey : item === n + 1 ? endKey(branded) : photoKey(item - 1));
    const brandings = [...new Set(o.variants.filter((v) => v.aspect === aspect).map((v) => v.branded))].sort((a, b) => Number(b) - Number(a));
    for (const branded of brandings) {
      const keys: string[] = [];
      const add = (task: Omit<PieceTask, 'key' | 'shape'>, settings: unknown) => {
        const key = settingsHash(settings);
        if (!pieces.has(key)) pieces.set(key, { ...task, key, shape });
        keys.push(key);
      };
      for (let item = 0; item <= n + 1; item++) {
        const span = plan.spans[item]!;
        const from = (item === 0 ? 0 : plan.cuts[item - 1]! + plan.half) - span.start;
        const to = (item === n + 1 ? plan.frames : plan.cuts[item]! - plan.half) - span.start;
        const label = item === 0 ? 'the title card' : item === n + 1 ? (branded ? 'the outro' : 'the end card') : `photo ${item}`;
        add({ label: `${aspect}: ${label}`, items: [item], branded, from, frames: to - from, photo: item >= 1 && item <= n }, { body: itemKey(item, branded), from, to });
        if (item <= n) {
          const fadeFrom = plan.cuts[item]! - plan.half - span.start;
          add({ label: `${aspect}: transition after ${label}`, items: [item, item + 1], branded, from: fadeFrom, frames: 2 * plan.half, photo: false }, { fade: [itemKey(item, branded), itemKey(item + 1, branded)], half: plan.half });
        }
      }
      variantPieces.push({ aspect, branded, keys });
    }
  }
  for (const task of pieces.values()) for (const item of task.items) task.shape.use(item, 1);

  const total = pieces.size + variantPieces.length;
  let done = 0;
  const rendered = new Set<string>();
  const cached = new Set<string>();
  const files = new Map<string, string>();
  await pool([...pieces.values()], PIECES_AT_ONCE, async (task) => {
    o.signal?.throwIfAborted();
    const hit = await cache.get(task.key);
    if (hit) {
      files.set(task.key, hit);
      if (task.photo) cached.add(task.key);
    } else {
      files.set(task.key, await encodePiece(cache, task, timings, o.signal));
      if (task.photo) rendered.add(task.key);
    }
    for (const item of task.items) task.shape.use(item, -1);
    report(0.03 + (0.9 * ++done) / total, task.label);
  });

  const outputs: RenderedListing['outputs'] = [];
  await pool(variantPieces, PIECES_AT_ONCE, async ({ aspect, branded, keys }) => {
    const { width, height } = LISTING_SIZES[aspect];
    const name = `${aspect.replace(':', 'x')}-${branded ? 'branded' : 'unbranded'}`;
    const out = path.join(o.workDir, `listing-${name}.mp4`);
    const track = await sound;
    await timed('join', () => join(keys.map((k) => files.get(k)!), track, seconds, out, path.join(o.workDir, `pieces-${name}.txt`), o.signal));
    report(0.03 + (0.9 * ++done) / total, `${aspect}${branded ? '' : ' unbranded'}: joined`);
    for (const v of o.variants) if (v.aspect === aspect && v.branded === branded) outputs.push({ aspect, branded, file: out, width, height, seconds });
  });
  report(0.95, 'Storing the pieces');
  await cache.flush();
  timings.shared = cache.stats.sharedMs;
  timings.total = performance.now() - t0;
  report(1, 'Rendered');
  const order = (v: { aspect: string; branded: boolean }) => o.variants.findIndex((w) => w.aspect === v.aspect && w.branded === v.branded);
  return {
    outputs: dedupe(outputs).sort((a, b) => order(a) - order(b)),
    beats,
    cachedClips: cached.size,
    renderedClips: rendered.size,
    plan,
    moves: photos.map((p) => p.move),
    timings: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])) as unknown as RenderTimings,
    cache: { ...cache.stats, sharedMs: Math.round(cache.stats.sharedMs) }
  };
}

/** The music's beats, kept beside the clips under the music's hash: a re-render does not analyse the same track again. */
async function musicBeats(music: string, hash: string, cacheDir: string, signal?: AbortSignal): Promise<number[]> {
  const file = path.join(cacheDir, 'beats', `${hash}.json`);
  const known = await readFile(file, 'utf8').then((text) => JSON.parse(text) as unknown, () => null);
  if (Array.isArray(known) && known.every((b) => typeof b === 'number')) return known as number[];
  const { beats } = await detectBeats(music, signal);
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(beats));
  await rename(temp, file);
  return beats;
}

async function readPhotos(o: RenderListingOptions): Promise<PhotoInfo[]> {
  return Promise.all(
    o.photos.map(async (p, i) => {
      o.signal?.throwIfAborted();
      const bytes = await readFile(p.file);
      const meta = await sharp(bytes).metadata().catch(() => null);
      if (!meta?.width || !meta.height) throw new ListingInputError(`Photo ${i + 1} is not an image sharp can read.`);
      const turned = (meta.orientation ?? 1) >= 5;
      return {
        hash: createHash('sha256').update(bytes).digest('hex'),
        width: turned ? meta.height : meta.width,
        height: turned ? meta.width : meta.height,
        focus: p.focus ?? { x: 0.5, y: 0.5 },
        move: i % 2 === 0 ? 'in' : 'out',
        staged: p.staged,
        file: p.file
      } satisfies PhotoInfo;
    })
  );
}

/** One piece to encode: frames [from, from + frames) of its items' spans (two items: a crossfade from the first to the second). */
interface PieceTask {
  key: string;
  label: string;
  shape: ShapeContext;
  items: number[];
  branded: boolean;
  from: number;
  frames: number;
  /** A photo's body: what cachedClips and renderedClips count. */
  photo: boolean;
}

/**
 * What the pieces of one frame shape draw from: each photo's pre-scaled still (made once, on first use, dropped after
 * the last piece that shows it), the cards, the staged mark.
 */
class ShapeContext {
  readonly width: number;
  readonly height: number;
  readonly sampler: Sampler;
  private readonly stills = new Map<number, Promise<Yuv>>();
  private readonly uses = new Map<number, number>();
  private readonly cards = new Map<string, Promise<Yuv>>();
  private mark: Promise<Overlay> | null = null;

  constructor(
    readonly aspect: ListingAspect,
    private readonly photos: PhotoInfo[],
    private readonly plan: CutPlan,
    private readonly listing: ListingSnapshot,
    private readonly logo: Buffer | null,
    private readonly originalsUrl: string | null,
    private readonly timings: RenderTimings,
    kernel: WebAssembly.Module
  ) {
    ({ width: this.width, height: this.height } = LISTING_SIZES[aspect]);
    this.sampler = new Sampler(this.width, this.height, kernel);
  }

  /** Counts the pieces still to draw each photo item; its still is freed at 0. */
  use(item: number, delta: number): void {
    if (item < 1 || item > this.photos.length) return;
    const left = (this.uses.get(item) ?? 0) + delta;
    this.uses.set(item, left);
    if (left <= 0) this.stills.delete(item);
  }

  private still(item: number): Promise<Yuv> {
    if (!this.stills.has(item)) {
      const t = performance.now();
      const made = prescale(this.photos[item - 1]!, this.width, this.height);
      this.stills.set(item, made);
      void made.then(() => (this.timings.stills += performance.now() - t), () => undefined);
    }
    return this.stills.get(item)!;
  }

  private card(which: 'title' | 'outro' | 'end'): Promise<Yuv> {
    if (!this.cards.has(which)) {
      const { width: W, height: H } = this;
      const t = performance.now();
      const made =
        which === 'title'
          ? sharp(this.photos[0]!.file).rotate().resize(W, H, { fit: 'cover', position: 'centre' }).removeAlpha().raw().toBuffer().then((bg) => titleCard(W, H, this.listing, bg))
          : endCard({ width: W, height: H, listing: this.listing, branded: which === 'outro', logo: this.logo, originalsUrl: this.originalsUrl });
      this.cards.set(which, made);
      void made.then(() => (this.timings.cards += performance.now() - t), () => undefined);
    }
    return this.cards.get(which)!;
  }

  /** The frame an item's span starts at. */
  startOf(item: number): number {
    return this.plan.spans[item]!.start;
  }

  /** Resolves what `item` needs, then draws its frame k (from the item's span start) synchronously. */
  async drawer(item: number, branded: boolean): Promise<(k: number, buf: Uint8Array) => void> {
    const n = this.photos.length;
    if (item === 0 || item === n + 1) {
      const card = await this.card(item === 0 ? 'title' : branded ? 'outro' : 'end');
      return (_k, buf) => buf.set(card.data);
    }
    const p = this.photos[item - 1]!;
    const [s, mark] = await Promise.all([this.still(item), p.staged ? (this.mark ??= stagedMark(this.width, this.height)) : null]);
    const span = this.plan.spans[item]!;
    const crop = baseCrop(p.width, p.height, this.width / this.height, p.focus);
    const rel = { x: clamp01((p.focus.x * p.width - crop.x) / crop.w), y: clamp01((p.focus.y * p.height - crop.y) / crop.h) };
    const last = Math.max(1, span.end - span.start - 1);
    return (k, buf) => {
      this.sampler.sample(s, kenBurnsView(s.width, s.height, rel, p.move, k / last), buf);
      if (mark) drawOverlay(buf, this.width, this.height, mark);
    };
  }
}

/** Runs `work` over `items`, at most `limit` at a time; the first failure stops the rest. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

export class ListingInputError extends Error {}

function dedupe<T extends { aspect: string; branded: boolean }>(list: T[]): T[] {
  return list.filter((v, i) => list.findIndex((w) => w.aspect === v.aspect && w.branded === v.branded) === i);
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}

/**
 * The photo's base crop for this frame shape, pre-scaled by the zoom so that no frame of the move is upsampled (a
 * little over, to a width the sampler reads a word at a time).
 */
async function prescale(p: PhotoInfo, W: number, H: number): Promise<Yuv> {
  const crop = baseCrop(p.width, p.height, W / H, p.focus);
  const sw = stillWidth(W * KEN_BURNS_ZOOM);
  const sh = Math.round((sw * H) / W / 2) * 2;
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

/** Encodes a piece from frames its items draw, into the cache; the file. */
async function encodePiece(cache: ClipCache, task: PieceTask, timings: RenderTimings, signal?: AbortSignal): Promise<string> {
  const { width: W, height: H } = task.shape;
  const drawers = await Promise.all(task.items.map((item) => task.shape.drawer(item, task.branded)));
  const spans = task.items.map((item) => task.shape.startOf(item));
  const fade = drawers.length === 2;
  const scratch = fade ? [new Uint8Array(yuvSize(W, H)), new Uint8Array(yuvSize(W, H))] : [];
  const frame = (f: number, buf: Uint8Array) => {
    if (!fade) return drawers[0]!(task.from + f, buf);
    // A crossfade: frame f of the transition is the same moment in both items' moves.
    const at = spans[0]! + task.from + f;
    drawers[0]!(at - spans[0]!, scratch[0]!);
    drawers[1]!(at - spans[1]!, scratch[1]!);
    crossfade(scratch[0]!, scratch[1]!, (f + 0.5) / task.frames, buf);
  };
  const { temp, commit } = await cache.reserve(task.key);
  const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${W}x${H}`, '-r', String(LISTING_FPS), '-i', 'pipe:0', ...X264, '-g', String(2 * LISTING_FPS), ...COLOUR_TAGS, '-an', '-f', 'mp4', '-y', temp], { signal, stdio: ['pipe', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const closed = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  child.stdin.on('error', () => undefined);
  // Two buffers: the next frame is drawn while the encoder reads the last one.
  const bufs = [new Uint8Array(yuvSize(W, H)), new Uint8Array(yuvSize(W, H))];
  let written: Promise<void> = Promise.resolve();
  try {
    for (let f = 0; f < task.frames; f++) {
      const buf = bufs[f & 1]!;
      const t = performance.now();
      frame(f, buf);
      timings.draw += performance.now() - t;
      const w = performance.now();
      await written;
      timings.encode += performance.now() - w;
      written = child.stdin.write(buf) ? Promise.resolve() : new Promise<void>((resolve) => {
        const done = () => (child.stdin.off('close', done), child.stdin.off('drain', done), resolve());
        child.stdin.once('drain', done).once('close', done);
      });
    }
    await written;
    child.stdin.end();
    const w = performance.now();
    const code = await closed;
    timings.encode += performance.now() - w;
    if (code !== 0) throw new Error(`x264 failed on a piece of the listing video: ${err.trim().split('\n')[0] ?? `exit ${code}`}`);
  } catch (e) {
    child.kill();
    await rm(temp, { force: true });
    throw e;
  }
  return cache.add(task.key, temp, commit);
}

/** The music faded out over the last 1.5 s and padded to the video's length (or silence), in AAC, into the cache. */
async function encodeSound(cache: ClipCache, key: string, music: string | null, seconds: number, signal?: AbortSignal): Promise<string> {
  const fadeFrom = Math.max(0, seconds - 1.5).toFixed(3);
  const input = music ? ['-i', music, '-af', `afade=t=out:st=${fadeFrom}:d=1.5,apad`] : ['-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo'];
  const { temp, commit } = await cache.reserve(key);
  try {
    await ffmpeg(['-hide_banner', '-nostdin', '-v', 'error', ...input, '-vn', ...AAC, '-t', seconds.toFixed(3), '-f', 'mp4', '-y', temp], 'could not encode the music', signal);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
  return cache.add(key, temp, commit);
}

/** The pieces back to back and the sound track, both copied (all pieces came from the same encoder settings). */
async function join(pieces: string[], sound: string, seconds: number, out: string, listFile: string, signal?: AbortSignal): Promise<void> {
  await writeFile(listFile, pieces.map((p) => `file '${p.replace(/'/g, "'\\''")}'`).join('\n'));
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-f', 'concat', '-safe', '0', '-i', listFile, '-i', sound, '-map', '0:v:0', '-map', '1:a:0', '-c', 'copy', '-t', seconds.toFixed(3), '-movflags', '+faststart', '-y', out];
  await ffmpeg(args, 'could not join the listing video', signal);
}

async function ffmpeg(args: string[], what: string, signal?: AbortSignal): Promise<void> {
  const child = spawn('ffmpeg', args, { signal, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`ffmpeg ${what}: ${err.trim().split('\n')[0] ?? `exit ${code}`}`);
}
