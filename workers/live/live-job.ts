/**
 * `channel.live`: airs a channel's playout plan as one continuous 48 kHz stereo stream, clocked by the wall clock.
 *
 * PCM flow: the plan (fetched from the server every 10 s, and whenever less than 20 s of it is left) lists items with
 * exact wall-clock starts. Each asset item gets its own ffmpeg decoding its broadcast copy a few seconds before it is
 * due; every 100 ms block the mixer sums the items overlapping the block with their fade gains (crossfades are two
 * items overlapping, both fading), breaks are the only silence, emergencies a tone. Frame n of the stream sounds at
 * t0 + n/48000 s, and a block is made no earlier than LEAD_MS before its time, so the stream never runs ahead of real
 * time and a stall is caught up without a gap. The block goes to the fan-out (HLS now; Icecast/RTMP later).
 *
 * Resume: a (re)started job asks the plan for what is on air now; that item's decoder seeks to its offset, so air
 * picks up where it should. Each item's start is reported (lease-checked) when the stream reaches it: the server logs
 * it in the play log (the plan's history) and pushes now playing.
 */
import path from 'node:path';
import { mkdir, readFile } from 'node:fs/promises';
import type { LiveItem, LiveOutputConfig } from '../../src/lib/live';
import { LIVE_CHANNELS, LIVE_SAMPLE_RATE } from '../../src/lib/live';
import { PermanentJobError, type JobContext, type JobHandler } from '../worker-client';
import { Decoder } from './decoder';
import { clip, duckGain, emergencyTone, frameAt, introWindow, itemKey, mixInto, overlap, SilenceWatch, timeOfFrame } from './mixer';
import type { LiveIntro } from '../../src/lib/dj';
import { Picture, SAMPLES_PER_VIDEO_FRAME } from './picture';
import { LiveTakeover } from './takeover';
import type { TakeoverForJob } from '../../src/lib/takeover';
import { HlsOutput, IcecastOutput, PcmFanout, RecordingOutput, RtmpOutput, type OutputLog, type PcmOutput } from './outputs';

const BLOCK_FRAMES = LIVE_SAMPLE_RATE / 10;
/** How far ahead of the wall clock a block may be made: enough to ride out timer jitter, small for a low latency. */
const LEAD_MS = 300;
/** Decoding starts this long before an item is due. */
const DECODE_AHEAD_MS = 4000;
/**
 * The DJ's voice is decoded earlier: a voice that starts late is heard late (shifted over the rest of its item), and
 * on a loaded box (load 15 on 2 cores) 4 s was sometimes not enough. Decoded, a 15 s line is under 6 MB.
 */
const INTRO_DECODE_AHEAD_MS = 15_000;
const PLAN_EVERY_MS = 10_000;
const START_DELAY_MS = 2000;
/**
 * A crashed job's next attempt (listeners are waiting) airs as soon as the decoders of what is on air have audio: a
 * broadcast copy seeked over loopback gave its first PCM in 120–200 ms on an idle 2-core box, 350–450 ms at load 14,
 * more at times (measured), so a fixed delay is either slow or silent. Waited for this long at most.
 */
const RESUME_WAIT_MS = 3000;
const PLAN_MIN_AHEAD_MS = 20_000;
const PLAN_COUNT = 8;
/** How often the outputs' states are compared with the last report (sent when changed, and every 30 s anyway). */
const OUTPUT_HEALTH_EVERY_MS = 1000;

type LiveContext = JobContext & Required<Pick<JobContext, 'request' | 'serverUrl'>>;

const keyOf = itemKey;

interface PlanAnswer {
  items: LiveItem[];
}

export class LiveStation {
  private items: LiveItem[] = [];
  private readonly decoders = new Map<string, Decoder>();
  /** The DJ's voice per item key, with the intro it was started for (a replan that drops the intro does not cut it). */
  private readonly intros = new Map<string, { decoder: Decoder; intro: LiveIntro }>();
  /** Items whose intro was started (or passed): each voice airs once. */
  private readonly introDone = new Set<string>();
  private readonly announced = new Set<string>();
  private lastPlanAt = 0;
  private planning: Promise<void> | null = null;
  private readonly watch = new SilenceWatch();
  private emergency = false;
  private reporting = Promise.resolve();
  /** The stream frame each decoder's first sample belongs to (later than the item's start when resuming). */
  private readonly firstFrameOf = new Map<string, number>();
  /** Set when a report finds the lease gone: the loop ends this attempt. */
  private lost: Error | null = null;
  private serverUrl = '';
  private lastOutputs = '';
  private lastHealthAt = 0;
  private takeover: LiveTakeover | null = null;
  /** Wall-clock ms of frame 0, and the next frame to mix. */
  t0 = 0;
  frame = 0;
  /** The next video frame of a video channel's picture: frame v shows stream sample v * SAMPLES_PER_VIDEO_FRAME. */
  videoFrame = 0;

  constructor(
    private readonly ctx: LiveContext,
    private readonly fanout: PcmFanout,
    /** A video channel's picture; null on an audio channel. */
    private readonly picture: Picture | null = null
  ) {}

  private log(level: 'info' | 'warn' | 'error', msg: string) {
    console[level === 'info' ? 'log' : level](JSON.stringify({ level, msg, jobId: this.ctx.job.id }));
  }

  private async call<T>(pathname: string, init?: RequestInit): Promise<T> {
    const res = await this.ctx.request(pathname, init);
    const body = (await res.json().catch(() => ({}))) as T & { error?: { code: string; message: string } };
    if (!res.ok) {
      const err = new Error(`${pathname.split('?')[0]}: HTTP ${res.status} ${body.error?.message ?? ''}`);
      // The lease is gone (stopped, or taken over): this attempt must end rather than air twice.
      if (res.status === 409 || res.status === 410) throw new PermanentJobError(err.message);
      throw err;
    }
    return body;
  }

  private base = () => `/api/worker/jobs/${this.ctx.job.id}`;

  async fetchPlan(from: number): Promise<void> {
    const plan = await this.call<PlanAnswer>(`${this.base()}/plan?from=${Math.floor(from)}&count=${PLAN_COUNT}`);
    this.lastPlanAt = Date.now();
    const now = timeOfFrame(this.t0, this.frame);
    const fresh = new Set(plan.items.map(keyOf));
    // What is already sounding stays even if a replan differs: air is never cut mid-item by an edit.
    const sounding = this.items.filter((i) => !fresh.has(keyOf(i)) && i.start <= now && i.end > now);
    this.items = [...sounding, ...plan.items].sort((a, b) => a.start - b.start);
    const keep = new Set(this.items.map(keyOf));
    for (const [k, d] of this.decoders) {
      if (!keep.has(k)) {
        d.kill();
        this.decoders.delete(k);
      }
    }
    for (const [k, v] of this.intros) {
      if (!keep.has(k)) {
        v.decoder.kill();
        this.intros.delete(k);
      }
    }
  }

  private refreshPlan(): void {
    if (this.planning) return;
    const now = timeOfFrame(this.t0, this.frame);
    this.planning = this.fetchPlan(now)
      .catch((e) => {
        if (e instanceof PermanentJobError) this.lost = e;
        else this.log('warn', `plan refresh failed: ${(e as Error).message}`);
        // Try again in 2 s rather than 10: the plan ahead is running out.
        this.lastPlanAt = Date.now() - PLAN_EVERY_MS + 2000;
      })
      .finally(() => (this.planning = null));
  }

  /** Starts decoders for items due within DECODE_AHEAD_MS; ends those of items that are over. */
  private prepare(blockStartMs: number): void {
    for (const item of this.items) {
      const k = keyOf(item);
      if (item.end <= blockStartMs) {
        this.decoders.get(k)?.kill();
        this.decoders.delete(k);
        this.intros.get(k)?.decoder.kill();
        this.intros.delete(k);
        continue;
      }
      this.prepareIntro(item, k, blockStartMs);
      if (!(item.url || item.videoUrl) || this.decoders.has(k) || this.firstFrameOf.has(k) || item.start > blockStartMs + DECODE_AHEAD_MS) continue;
      // From the item's start, or (resuming, or late) from where the stream is now.
      const firstFrame = Math.max(frameAt(this.t0, item.start), this.frame);
      const into = (firstFrame - frameAt(this.t0, item.start)) / LIVE_SAMPLE_RATE;
      if (item.url) this.decoders.set(k, new Decoder(new URL(item.url, this.serverUrl).href, item.cueIn + into, {}));
      this.firstFrameOf.set(k, firstFrame);
      this.picture?.startVideo(item, into);
    }
    this.items = this.items.filter((i) => i.end > blockStartMs - 60_000);
    for (const k of this.firstFrameOf.keys()) if (!this.items.some((i) => keyOf(i) === k)) this.firstFrameOf.delete(k);
    for (const k of this.introDone) if (!this.items.some((i) => keyOf(i) === k)) this.introDone.delete(k);
    this.picture?.prepare(this.items, blockStartMs);
  }

  /**
   * Starts decoding the DJ's voice for an item due soon, once: only when the stream has not passed the voice's start
   * (a resumed stream mid-item airs the item without its intro rather than half a sentence).
   */
  private prepareIntro(item: LiveItem, k: string, blockStartMs: number): void {
    if (!item.intro || !item.url || this.introDone.has(k) || item.start > blockStartMs + INTRO_DECODE_AHEAD_MS) return;
    this.introDone.add(k);
    const voice = introWindow(item, item.intro.duration);
    if (frameAt(this.t0, voice.start) < this.frame) return;
    this.intros.set(k, { decoder: new Decoder(new URL(item.intro.url, this.serverUrl).href, 0, {}), intro: item.intro });
  }

  /** Mixes block [frame, frame + BLOCK_FRAMES). */
  mixBlock(): { pcm: Float32Array; plannedSilence: boolean; starting: LiveItem[] } {
    const pcm = new Float32Array(BLOCK_FRAMES * LIVE_CHANNELS);
    let covered = false;
    let plannedSilence = false;
    let emergency = false;
    const starting: LiveItem[] = [];
    for (const item of this.items) {
      const o = overlap(this.t0, item, this.frame, BLOCK_FRAMES);
      if (!o) continue;
      covered = true;
      const k = keyOf(item);
      if (!this.announced.has(k)) starting.push(item);
      if (item.kind === 'break') {
        plannedSilence = true;
        continue;
      }
      if (item.kind !== 'emergency' && !item.url && item.videoUrl) {
        // A video without sound: its silence is planned, like a break's, and its picture is on air.
        plannedSilence = true;
        continue;
      }
      if (item.kind === 'emergency' || !item.url) {
        emergency = true;
        mixInto(pcm, o.at, emergencyTone(o.count, o.itemFrame), o.count, item, o.itemFrame);
        continue;
      }
      const d = this.decoders.get(k);
      const first = this.firstFrameOf.get(k) ?? 0;
      // A decoder that started late (resume) begins at its first frame; before that it has nothing.
      if (!d || this.frame + o.at + o.count <= first) continue;
      const skip = Math.max(0, first - (this.frame + o.at));
      const src = d.read(o.count - skip);
      const intro = this.intros.get(k);
      // Under the DJ's voice the item ducks; the voice is mixed over it from its own decoder.
      mixInto(pcm, o.at + skip, src, o.count - skip, item, o.itemFrame + skip, intro ? (f) => duckGain(f, intro.intro.duration, intro.intro.duckDb) : undefined);
      if (intro) {
        const voice = introWindow(item, intro.intro.duration);
        const v = overlap(this.t0, voice, this.frame, BLOCK_FRAMES);
        if (v) {
          mixInto(pcm, v.at, intro.decoder.read(v.count), v.count, voice, v.itemFrame);
          const frames = Math.round(intro.intro.duration * LIVE_SAMPLE_RATE);
          // Said once, as the voice ends: frames that were not decoded in time were aired as silence.
          const late = intro.decoder.missing - Math.max(0, v.itemFrame + v.count - frames);
          if (v.itemFrame + v.count >= frames && late > LIVE_SAMPLE_RATE / 100) {
            this.log('warn', `the DJ's voice for "${item.title}" was not decoded in time: ${Math.round((late * 1000) / LIVE_SAMPLE_RATE)} ms of it aired as silence`);
          }
        }
      }
    }
    if (!covered) {
      // Nothing planned (the server unreachable for long): the station ID rather than dead air.
      emergency = true;
      pcm.set(emergencyTone(BLOCK_FRAMES, this.frame));
    }
    clip(pcm);
    if (emergency !== this.emergency) {
      this.emergency = emergency;
      this.reportHealth();
    }
    return { pcm, plannedSilence, starting };
  }

  private reportHealth(): void {
    const message = this.watch.alerting
      ? `Dead air: ${(this.watch.silentMs / 1000).toFixed(1)} s of silence outside a planned break`
      : this.emergency
        ? 'Nothing playable: the emergency station ID is on air'
        : null;
    if (message) this.log('warn', message);
    this.ctx.progress(0, message ?? 'On air');
    const outputs = this.fanout.health();
    this.lastOutputs = JSON.stringify(outputs.map(({ nextAttemptAt: _n, ...o }) => o));
    this.lastHealthAt = Date.now();
    const body = JSON.stringify({ silent: this.watch.alerting, emergency: this.emergency, message, outputs });
    this.reporting = this.reporting.then(() => this.post('health', body));
  }

  /** Reports the outputs when one changed state (connected, retrying, stalled), and every 30 s regardless. */
  private reportOutputs(): void {
    const now = JSON.stringify(this.fanout.health().map(({ nextAttemptAt: _n, ...o }) => o));
    if (now !== this.lastOutputs || Date.now() - this.lastHealthAt > 30_000) this.reportHealth();
  }

  private async post(what: string, body: string): Promise<void> {
    try {
      await this.call(`${this.base()}/${what}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    } catch (e) {
      if (e instanceof PermanentJobError) this.lost = e;
      else this.log('warn', `${what} report failed: ${(e as Error).message}`);
    }
  }

  private announce(item: LiveItem): void {
    this.announced.add(keyOf(item));
    if (item.kind === 'break') return;
    if (item.kind !== 'emergency') this.ctx.progress(0, `On air: ${item.title || 'Untitled'}${item.artist ? ` — ${item.artist}` : ''}`);
    const { url: _url, videoUrl: _videoUrl, assetKind: _assetKind, intro: _intro, ...played } = item;
    this.reporting = this.reporting.then(() => this.post('played', JSON.stringify(played)));
  }

  /**
   * Resuming: moves t0 (nothing is mixed yet) to when the decoders of what is on air have audio up to it, and drops
   * what they decoded before it, so air comes back as soon as it can and at the plan's position.
   */
  private async startWhenDecoded(signal: AbortSignal): Promise<void> {
    const from = this.t0;
    const audioFrom = (i: LiveItem) => Math.max(i.start, from);
    const sounding = this.items.filter((i) => i.start <= from && i.end > from && this.decoders.has(keyOf(i)));
    const deadline = Date.now() + RESUME_WAIT_MS;
    const decodedTo = (i: LiveItem) => {
      const d = this.decoders.get(keyOf(i))!;
      return d.done ? Infinity : audioFrom(i) + d.bufferedSeconds * 1000;
    };
    // Ready when each has audio to a block past where the stream would start now.
    while (!signal.aborted && Date.now() < deadline && !sounding.every((i) => decodedTo(i) >= Date.now() + LEAD_MS + 200)) await sleep(20, signal);
    this.t0 = Math.max(from, Date.now() + LEAD_MS);
    for (const item of this.items) {
      const k = keyOf(item);
      const d = this.decoders.get(k);
      if (!d) continue;
      d.skip(Math.max(0, frameAt(audioFrom(item), this.t0)));
      this.firstFrameOf.set(k, Math.max(frameAt(this.t0, item.start), 0));
    }
    this.log('info', `resumed: on air ${Math.round(this.t0 - from)} ms after the planned restart point, once the decoders had audio`);
  }

  async run(serverUrl: string): Promise<void> {
    const { signal } = this.ctx;
    this.serverUrl = serverUrl;
    const onAir = (on: boolean) => (this.reporting = this.reporting.then(() => this.post('takeover', JSON.stringify({ onAir: on }))));
    const takeover = (this.takeover = new LiveTakeover(new URL(serverUrl).hostname, () => this.call<TakeoverForJob>(`${this.base()}/takeover`), onAir, (level, msg) => this.log(level, msg)));
    const resuming = this.ctx.job.attempt > 1;
    // The stream begins a little in the future, so the decoders of what is on air have audio before it is due.
    this.t0 = Date.now() + (resuming ? LEAD_MS : START_DELAY_MS);
    this.frame = 0;
    // The encoders first: an ffmpeg spawned on a busy box takes a moment to start, and the first block is due soon.
    this.fanout.start();
    try {
      await this.fetchPlan(this.t0);
      this.prepare(this.t0);
      if (resuming) await this.startWhenDecoded(signal);
      while (!signal.aborted) {
        if (this.lost) throw this.lost;
        const blockStart = timeOfFrame(this.t0, this.frame);
        const wait = blockStart - LEAD_MS - Date.now();
        if (wait > 0) await sleep(wait, signal);
        if (signal.aborted) break;
        const horizon = this.items.at(-1)?.end ?? 0;
        if (Date.now() - this.lastPlanAt > PLAN_EVERY_MS || horizon - blockStart < PLAN_MIN_AHEAD_MS) this.refreshPlan();
        if (this.planning && horizon <= blockStart) await this.planning;
        this.prepare(blockStart);
        const { pcm, plannedSilence, starting } = this.mixBlock();
        takeover.tick();
        const air = takeover.mix(pcm, BLOCK_FRAMES);
        clip(pcm);
        // What a live source covers is not aired: not logged, not announced. When it ends, what the plan has on air is.
        if (air.ended) for (const i of this.items) if (overlap(this.t0, i, this.frame, BLOCK_FRAMES)) this.announced.delete(keyOf(i));
        if (air.planAudible) for (const item of starting) this.announce(item);
        this.fanout.write(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength), blockStart);
        if (this.picture) {
          // The frames whose time falls in this block, right after its sound: the encoders get both in step.
          for (; this.videoFrame * SAMPLES_PER_VIDEO_FRAME < this.frame + BLOCK_FRAMES; this.videoFrame++) {
            this.fanout.writeVideo(this.picture.frameAt(this.items, timeOfFrame(this.t0, this.videoFrame * SAMPLES_PER_VIDEO_FRAME), !air.planAudible));
          }
        }
        if (this.watch.feed(pcm, 100, plannedSilence)) this.reportHealth();
        else if (this.frame % (BLOCK_FRAMES * (OUTPUT_HEALTH_EVERY_MS / 100)) === 0) this.reportOutputs();
        this.frame += BLOCK_FRAMES;
      }
    } finally {
      this.takeover?.stop();
      for (const d of this.decoders.values()) d.kill();
      this.decoders.clear();
      for (const v of this.intros.values()) v.decoder.kill();
      this.intros.clear();
      this.picture?.stop();
      await this.fanout.stop();
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export const channelLiveJob: JobHandler = async (job) => {
    if (!job.request || !job.serverUrl) throw new PermanentJobError('This worker cannot talk to the server for a live job.');
    const ctx = job as LiveContext;
    const dir = path.join(ctx.workDir, 'hls');
    await mkdir(dir, { recursive: true });
    const upload = async (name: string, body: Buffer) => {
      const res = await ctx.request(`/api/worker/jobs/${ctx.job.id}/hls/${name}`, {
        method: 'PUT',
        body: new Uint8Array(body),
        headers: { 'content-type': name.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'video/mp2t' }
      });
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
    };
    const log: OutputLog = (level, msg, extra) => console[level === 'info' ? 'log' : level](JSON.stringify({ level, msg, jobId: ctx.job.id, ...extra }));
    // The other outputs as the channel sets them, with their secrets: the server gives them to the lease holder only.
    const res = await ctx.request(`/api/worker/jobs/${ctx.job.id}/outputs`);
    if (res.status === 409 || res.status === 410) throw new PermanentJobError(`outputs: HTTP ${res.status}`);
    if (!res.ok) throw new Error(`outputs: HTTP ${res.status}`);
    const config = (await res.json()) as LiveOutputConfig;
    const video = config.channel.kind === 'video';
    const outputs: PcmOutput[] = [new HlsOutput(dir, upload, log, video)];
    if (config.icecast) outputs.push(new IcecastOutput(config.icecast, { name: config.channel.name }, log));
    for (const r of config.rtmp) outputs.push(new RtmpOutput(r, log, video));
    if (config.recording.enabled) {
      const recDir = path.join(ctx.workDir, 'recording');
      await mkdir(recDir, { recursive: true });
      const uploadRecording = async (name: string, file: string) => {
        // Its own time limit, not the job's signal: the last file is uploaded after the stop that aborted the job.
        const r = await ctx.request(`/api/worker/jobs/${ctx.job.id}/recordings/${name}`, { method: 'PUT', body: new Uint8Array(await readFile(file)), headers: { 'content-type': 'audio/mp4' }, signal: AbortSignal.timeout(120_000) });
        await r.arrayBuffer().catch(() => undefined);
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
      };
      outputs.push(new RecordingOutput(recDir, config.recording.segmentSeconds, uploadRecording, log));
    }
    let picture: Picture | null = null;
    if (video) {
      const cardDir = path.join(ctx.workDir, 'cards');
      await mkdir(cardDir, { recursive: true });
      picture = new Picture(config.channel.name, ctx.serverUrl, cardDir, (level, msg) => log(level, msg));
    }
    const station = new LiveStation(ctx, new PcmFanout(outputs), picture);
    await station.run(ctx.serverUrl);
    return { stopped: true };
};
