import type HlsType from 'hls.js';

export type PlayerStatus = 'idle' | 'loading' | 'playing' | 'paused' | 'reconnecting' | 'off-air' | 'unsupported';

// Tuned for delay behind live within standard HLS (2 s segments): start two segments from the live edge, catch up
// by playing slightly faster rather than jumping, and never let the buffer run far ahead of the edge.
const HLS_CONFIG = {
  // Our CSP has no blob: worker-src; remuxing (MPEG-TS to fMP4, no decoding) is light enough for the main thread, video too.
  enableWorker: false,
  lowLatencyMode: false,
  liveSyncDurationCount: 2,
  liveMaxLatencyDurationCount: 4,
  maxLiveSyncPlaybackRate: 1.1,
  maxBufferLength: 10,
  backBufferLength: 30
};
// Without program date time from the player (native HLS without getStartDate), assume a typical delay.
const ASSUMED_DELAY_MS = 6_000;
const MAX_BACKOFF_MS = 15_000;

/**
 * The stream page's player (an <audio>, or a <video> on a video channel): hls.js on browsers with Media Source, native HLS on Safari. It reports the program
 * time of what is sounding (EXT-X-PROGRAM-DATE-TIME) and rides out network blips and off-air spells by itself.
 */
export class StreamPlayer {
  status = $state<PlayerStatus>('idle');
  /** Wall-clock ms (station clock) of the audio sounding now; null until playing. */
  programTime = $state<number | null>(null);
  /** Seconds behind live, from the program date time against this device's clock. */
  delaySeconds = $state<number | null>(null);
  engine = $state<'hls.js' | 'native' | null>(null);
  /** The listener pressed play and not pause: stays true through stalls and reconnects (what the listener count counts). */
  active = $state(false);

  private media: HTMLMediaElement | null = null;
  private Hls: typeof HlsType | null = null;
  private hls: HlsType | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly offs: (() => void)[] = [];

  constructor(private readonly src: string) {}

  /** Picks the engine and loads hls.js ahead of the tap, so play() starts within the tap's user gesture. */
  async attach(media: HTMLMediaElement): Promise<void> {
    this.media = media;
    const on = (type: string, fn: () => void) => {
      media.addEventListener(type, fn);
      this.offs.push(() => media.removeEventListener(type, fn));
    };
    on('playing', () => {
      this.attempt = 0;
      this.status = 'playing';
    });
    on('waiting', () => this.active && this.status === 'playing' && (this.status = 'loading'));
    on('pause', () => !this.active && (this.status = 'paused'));
    on('timeupdate', () => this.updateClock());
    // The playlist ended (EXT-X-ENDLIST): the station stopped; wait for it to come back.
    on('ended', () => this.lost(true));
    on('error', () => this.engine === 'native' && this.lost(false));
    const onOnline = () => this.active && this.status !== 'playing' && this.retryNow();
    window.addEventListener('online', onOnline);
    this.offs.push(() => window.removeEventListener('online', onOnline));

    const native = media.canPlayType('application/vnd.apple.mpegurl') !== '';
    // Safari plays HLS itself (better for the lock screen and background play); elsewhere hls.js over Media Source.
    if (native && /Apple/.test(navigator.vendor)) return void (this.engine = 'native');
    const Hls = (await import('hls.js')).default;
    if (Hls.isSupported()) {
      this.Hls = Hls;
      this.engine = 'hls.js';
    } else if (native) this.engine = 'native';
    else this.status = 'unsupported';
  }

  play(): void {
    if (!this.media || this.status === 'unsupported') return;
    this.active = true;
    if (this.status !== 'playing') this.status = 'loading';
    if (this.engine === 'native') {
      if (!this.media.src) this.media.src = this.src;
    } else if (!this.hls) this.startHls();
    this.media.play().catch((e: DOMException) => {
      // Autoplay refused (no gesture): wait for the next tap.
      if (e?.name === 'NotAllowedError') {
        this.active = false;
        this.status = 'paused';
      }
    });
  }

  pause(): void {
    this.active = false;
    this.media?.pause();
    this.status = 'paused';
  }

  toggle(): void {
    if (this.active) this.pause();
    else this.play();
  }

  get playing(): boolean {
    return this.status === 'playing';
  }

  /** The program time to show titles for: the audio's when playing, else live minus the usual delay. */
  clock(now = Date.now()): number {
    return this.programTime ?? now - ASSUMED_DELAY_MS;
  }

  /** The station announced it is on air again: if we were waiting, reload now rather than at the next backoff. */
  streamBack(): void {
    if (this.active && (this.status === 'off-air' || this.status === 'reconnecting')) this.retryNow();
  }

  destroy(): void {
    this.active = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.teardown();
    for (const off of this.offs.splice(0)) off();
  }

  private startHls(): void {
    const Hls = this.Hls!;
    const hls = new Hls(HLS_CONFIG);
    this.hls = hls;
    hls.on(Hls.Events.ERROR, (_e, data) => {
      if (!data.fatal || this.hls !== hls) return;
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR) return hls.recoverMediaError();
      // hls.js has retried per its load policies; start over from the playlist once the network or stream is back.
      const offAir = data.response?.code === 404;
      this.lost(offAir);
    });
    hls.loadSource(this.src);
    hls.attachMedia(this.media!);
  }

  private updateClock(): void {
    const media = this.media;
    if (!media) return;
    let t: number | null = null;
    if (this.hls) t = this.hls.playingDate?.getTime() ?? null;
    else {
      const start = (media as HTMLMediaElement & { getStartDate?: () => Date }).getStartDate?.().getTime();
      if (start !== undefined && Number.isFinite(start)) t = start + media.currentTime * 1000;
    }
    this.programTime = t;
    this.delaySeconds = t === null ? null : Math.max(0, (Date.now() - t) / 1000);
  }

  private teardown(): void {
    this.hls?.destroy();
    this.hls = null;
    if (this.engine === 'native' && this.media) {
      this.media.removeAttribute('src');
      this.media.load();
    }
    this.programTime = null;
    this.delaySeconds = null;
  }

  /** The stream broke or ended: tear down and try again with backoff while the listener still wants to play. */
  private lost(offAir: boolean): void {
    this.teardown();
    if (!this.active) return;
    this.status = offAir ? 'off-air' : 'reconnecting';
    const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** this.attempt++);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.retry(), delay);
  }

  private retryNow(): void {
    this.attempt = 0;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    void this.retry();
  }

  private async retry(): Promise<void> {
    this.retryTimer = null;
    if (!this.active) return;
    const r = await fetch(this.src, { cache: 'no-store' }).catch(() => null);
    const text = r?.ok ? await r.text().catch(() => '') : '';
    // Only a playlist that is still being written (no ENDLIST) is worth loading.
    if (!text.includes('#EXTINF') || text.includes('#EXT-X-ENDLIST')) return this.lost(r?.status === 404 || text.includes('#EXT-X-ENDLIST'));
    this.teardown();
    this.play();
  }
}
