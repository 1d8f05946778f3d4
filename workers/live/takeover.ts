import type { TakeoverForJob } from '../../src/lib/takeover';
import { LIVE_SAMPLE_RATE } from '../../src/lib/live';
import { LiveInput } from './live-input';
import { takeoverMix } from './mixer';

const POLL_MS = 1000;
/** The crossfade between AutoDJ and the live source, both ways. */
const FADE_FRAMES = LIVE_SAMPLE_RATE;
/** Audio buffered before the live source fades in: rides out network and scheduling jitter (0.3 s underran on a busy 2-core box). */
const PREROLL_FRAMES = LIVE_SAMPLE_RATE;
/** No audio for this long and the source is dropped (AutoDJ is already back: an underrun fades to it at once). */
const STALL_MS = 2000;
/** A source that sends nothing this long after being opened is dropped too. */
const OPEN_TIMEOUT_MS = 10_000;
const RETRY_MS = 3000;

type Log = (level: 'info' | 'warn' | 'error', msg: string) => void;

/**
 * Live takeover inside the live job: polls the server (lease-checked) for a connected live source, pulls it from the
 * RTMP ingest, and crossfades the air from the plan to it and back. The plan keeps running underneath (its decoders go
 * on), so when the source ends, stalls or underruns, AutoDJ comes back where the plan is at that moment.
 */
export class LiveTakeover {
  private input: LiveInput | null = null;
  private wanted: TakeoverForJob['live'] = null;
  private polling = false;
  private lastPollAt = 0;
  private retryAt = 0;
  /** 0: the plan has the air; 1: the live source has it. */
  private x = 0;
  /** The live source has been faded in fully (and reported) and has not ended yet. */
  onAir = false;
  private underrun = false;

  constructor(
    private readonly host: string,
    private readonly poll: () => Promise<TakeoverForJob>,
    private readonly report: (onAir: boolean) => void,
    private readonly log: Log
  ) {}

  /** Asks the server about the live source about every second (never blocks the mixer). */
  tick(): void {
    const now = Date.now();
    if (this.polling || now - this.lastPollAt < POLL_MS) return;
    this.polling = true;
    this.lastPollAt = now;
    this.poll()
      .then((answer) => {
        this.wanted = answer.live;
        if (!this.wanted && this.input) this.drop('the server says it disconnected');
        else if (this.wanted && this.input && this.input.streamName !== this.wanted.streamName) this.drop('another source took over');
        if (this.wanted && !this.input && Date.now() >= this.retryAt) {
          const url = `rtmp://${this.host}:${this.wanted.port}/${this.wanted.app}/${this.wanted.streamName}`;
          this.input = new LiveInput(url, this.wanted.streamName);
          this.log('info', `live source (${this.wanted.kind}, ${this.wanted.djName}) connected: pulling it`);
        }
      })
      .catch((e) => this.log('warn', `takeover poll failed: ${(e as Error).message}`))
      .finally(() => (this.polling = false));
  }

  private drop(why: string): void {
    this.log('info', `live source dropped: ${why}`);
    this.input?.kill();
    this.input = null;
    this.retryAt = Date.now() + RETRY_MS;
  }

  /**
   * Mixes the live source over the plan's block `pcm` (in place). Answers whether the plan is audible (its starting
   * items are announced only then) and whether the takeover just ended (the plan's items on air are announced again).
   */
  mix(pcm: Float32Array, frames: number): { planAudible: boolean; ended: boolean } {
    const input = this.input;
    if (input) {
      const now = Date.now();
      if (input.ended) this.drop(input.error ?? 'the source ended');
      else if (input.lastDataAt && now - input.lastDataAt > STALL_MS) this.drop(`no audio for ${STALL_MS / 1000} s`);
      else if (!input.lastDataAt && now - input.openedAt > OPEN_TIMEOUT_MS) this.drop(`no audio within ${OPEN_TIMEOUT_MS / 1000} s`);
    }
    const src = this.input;
    const enough = src !== null && src.bufferedFrames >= (this.x > 0 && !this.underrun ? frames : PREROLL_FRAMES);
    if (src && this.x > 0 && !enough && !this.underrun) this.log('warn', 'live source underrun: AutoDJ fades back in under it until it has buffered again');
    // After an underrun the source fades in again only with a full preroll, so it does not flutter in and out.
    this.underrun = src !== null && !enough && (this.x > 0 || this.underrun);
    const x0 = this.x;
    const x1 = Math.min(1, Math.max(0, x0 + ((enough ? 1 : -1) * frames) / FADE_FRAMES));
    // Read only with enough buffered: before the fade-in, and in an underrun, the buffer fills while the plan has the air.
    const live = src && enough ? src.read(frames) : null;
    if (x0 > 0 || x1 > 0) takeoverMix(pcm, live, x0, x1);
    this.x = x1;
    let ended = false;
    if (!this.onAir && x1 >= 1) {
      this.onAir = true;
      this.report(true);
    } else if (this.onAir && !this.input && x1 <= 0) {
      this.onAir = false;
      this.report(false);
      ended = true;
    }
    return { planAudible: x1 < 0.5, ended };
  }

  stop(): void {
    this.input?.kill();
    this.input = null;
  }
}
