/**
 * A video channel's picture, frame by frame in step with the sound: video frame v shows wall-clock time
 * t0 + v * 1920 / 48000 s, the same clock as the audio. A video item shows its own frames (decoded from its proxy,
 * seeked like its sound); everything else shows a card of what is on air. In a crossfade the picture cuts to the
 * incoming item halfway through.
 */
import type { LiveItem } from '../../src/lib/live';
import { LIVE_SAMPLE_RATE, LIVE_VIDEO_FPS } from '../../src/lib/live';
import { blackFrame, renderCard, type CardText } from './card';
import { itemKey as keyOf } from './mixer';
import { VideoDecoder } from './video-decoder';

export const SAMPLES_PER_VIDEO_FRAME = LIVE_SAMPLE_RATE / LIVE_VIDEO_FPS;

/** The item whose picture is on air at `t`: of those covering it, the newest once it is past the middle of its crossfade. */
export function onPicture(items: readonly LiveItem[], t: number): LiveItem | null {
  const covering = items.filter((i) => i.start <= t && i.end > t).sort((a, b) => a.start - b.start);
  let shown: LiveItem | null = covering[0] ?? null;
  for (const item of covering.slice(1)) {
    const outgoing = covering.filter((o) => o.start < item.start && o.end > item.start);
    const cutAt = outgoing.length ? (item.start + Math.max(...outgoing.map((o) => o.end))) / 2 : item.start;
    if (t >= cutAt) shown = item;
  }
  return shown;
}

export class Picture {
  private readonly decoders = new Map<string, { d: VideoDecoder; into: number; start: number }>();
  private readonly cards = new Map<string, Buffer | 'rendering'>();
  private last: Buffer = blackFrame();
  private cardCount = 0;
  cardErrors = 0;

  constructor(
    private readonly channelName: string,
    private readonly serverUrl: string,
    private readonly dir: string,
    private readonly log: (level: 'warn', msg: string) => void
  ) {}

  /** Starts the decoder of a video item `into` seconds after its start (as its sound's decoder does). */
  startVideo(item: LiveItem, into: number): void {
    const k = keyOf(item);
    if (!item.videoUrl || this.decoders.has(k)) return;
    this.decoders.set(k, { d: new VideoDecoder(new URL(item.videoUrl, this.serverUrl).href, item.cueIn + into), into, start: item.start });
  }

  /** Renders cards ahead for items without a picture of their own; ends what is over. */
  prepare(items: readonly LiveItem[], blockStartMs: number): void {
    const keep = new Set(items.filter((i) => i.end > blockStartMs).map(keyOf));
    for (const [k, v] of this.decoders) {
      if (!keep.has(k)) {
        v.d.kill();
        this.decoders.delete(k);
      }
    }
    for (const item of items) if (item.end > blockStartMs && !item.videoUrl) this.card(this.textOf(item));
  }

  private textOf(item: LiveItem | null): CardText {
    if (!item || item.kind === 'break') return { title: this.channelName, artist: '', channel: '' };
    return { title: item.title || (item.kind === 'emergency' ? 'Station ID' : 'Untitled'), artist: item.artist, channel: this.channelName };
  }

  /** The card for `text`, rendered once (in the background: null until it is there). */
  private card(text: CardText): Buffer | null {
    const k = JSON.stringify(text);
    const have = this.cards.get(k);
    if (have) return have === 'rendering' ? null : have;
    this.cards.set(k, 'rendering');
    // Cards of the last few items are kept; older ones are rendered again if they come back.
    if (this.cards.size > 16) this.cards.delete(this.cards.keys().next().value!);
    renderCard(text, this.dir, String(this.cardCount++ % 32)).then(
      (frame) => this.cards.set(k, frame),
      (e: Error) => {
        this.cards.delete(k);
        if (this.cardErrors++ % 20 === 0) this.log('warn', e.message);
      }
    );
    return null;
  }

  /**
   * The frame at wall-clock `t`: a "Live" card while a live source has the air, else the item on picture. A frame that
   * is not ready (decoder behind, card rendering) repeats the last one sent.
   */
  frameAt(items: readonly LiveItem[], t: number, live: boolean): Buffer {
    let frame: Buffer | null = null;
    if (live) frame = this.card({ title: 'Live', artist: '', channel: this.channelName });
    else {
      const item = onPicture(items, t);
      const v = item ? this.decoders.get(keyOf(item)) : undefined;
      if (v) frame = v.d.frame(Math.floor(((t - v.start) / 1000 - v.into) * LIVE_VIDEO_FPS));
      // A video whose first frame is not decoded yet shows its title meanwhile.
      frame ??= this.card(this.textOf(item));
    }
    if (frame) this.last = frame;
    return this.last;
  }

  /** Frames video items asked for that were not decoded in time. */
  get late(): number {
    let n = 0;
    for (const v of this.decoders.values()) n += v.d.late;
    return n;
  }

  stop(): void {
    for (const v of this.decoders.values()) v.d.kill();
    this.decoders.clear();
  }
}
