import { apiJson, messageOf } from '$lib/api-client';
import { bufferOfStatus, type GeneratorBufferView, type GeneratorStatusJson } from '$lib/generator';
import type { JobJson } from '$lib/job';
import type { LiveOutputHealth, LiveStatus, NowPlayingView, PlayLogEntryView } from '$lib/live';
import type { ProjectSocket } from '$lib/realtime/project-socket';
import type { SongRequestView } from '$lib/song-request';

export const PLAY_LOG_SIZE = 20;

export interface DashboardAlert {
  key: string;
  text: string;
}

/** An output's state in plain words: connected, retrying with its last error and next attempt, stalled n times. */
export function outputText(o: LiveOutputHealth, now = Date.now()): string {
  const stalls = o.stalls > 0 ? `; stalled ${o.stalls} time${o.stalls === 1 ? '' : 's'} and restarted` : '';
  if (o.state === 'connected') return `connected${stalls}`;
  if (o.state === 'starting') return `connecting${stalls}`;
  if (o.state === 'stopped') return 'stopped';
  const wait = o.nextAttemptAt === null ? '' : o.nextAttemptAt > now ? `; next attempt in ${Math.ceil((o.nextAttemptAt - now) / 1000)} s` : '; trying again now';
  return `retrying${o.lastError ? ` after “${o.lastError}”` : ''}${wait}${stalls}`;
}

/** The generated music buffer under its DEPLETED threshold, in plain words (null while it is not, or the generator is off). */
export function generatorAlert(g: GeneratorBufferView | null): DashboardAlert | null {
  if (!g?.enabled || g.state !== 'DEPLETED') return null;
  // Tenths as the dashboard shows hours; hundredths under an hour, where thresholds may be set that low.
  const hours = (h: number) => `${Number(h.toFixed(h < 1 ? 2 : 1))} h`;
  return {
    key: 'generator',
    text: `Generated music buffer depleted: ${hours(g.hoursBuffered)} ahead (under ${hours(g.depletedBelowHours)}); when it runs out the air falls back to the rest of the rotation, the fallback playlist, then the station ID.`
  };
}

/**
 * What needs someone's attention, in plain words: dead air, the emergency ID, the fallback playlist, failing outputs,
 * and (on or off air: it fills the air ahead) a depleted generated music buffer.
 */
export function alertsOf(status: LiveStatus | null, nowPlaying: NowPlayingView | null, now = Date.now(), generator: GeneratorBufferView | null = null): DashboardAlert[] {
  const alerts: DashboardAlert[] = [];
  const depleted = generatorAlert(generator);
  if (depleted) alerts.push(depleted);
  if (!status) return alerts;
  if (status.state === 'error') alerts.push({ key: 'error', text: `The live output failed: ${status.message ?? 'no reason given'}.` });
  const h = status.health;
  if (h?.silent) {
    // The worker's message already says "Dead air: n s of silence…".
    const said = h.message ?? '';
    alerts.push({ key: 'silent', text: /^dead air/i.test(said) ? `${said}.` : `Dead air: ${said || 'the output is silent outside a planned break'}.` });
  }
  if (h?.emergency) alerts.push({ key: 'emergency', text: 'Emergency station ID on air: nothing in the schedule, the rotation or the fallback playlist is playable.' });
  if (status.state === 'on-air' && nowPlaying?.now?.kind === 'fallback') alerts.push({ key: 'fallback', text: 'Fallback playlist in use: nothing scheduled was playable.' });
  for (const o of h?.outputs ?? []) {
    if (o.state === 'retrying') alerts.push({ key: `output:${o.name}`, text: `Output ${o.name} is down: ${outputText(o, now)}.` });
    else if (o.stalls > 0) alerts.push({ key: `output:${o.name}`, text: `Output ${o.name} stalled ${o.stalls} time${o.stalls === 1 ? '' : 's'} (restarted by itself).` });
  }
  return alerts;
}

/**
 * A channel's dashboard for the team: the live status (on air, health), now playing and next, the listener count,
 * the request queue and the play log, loaded once and kept current from the project room's pushes.
 */
export class ChannelDashboard {
  status = $state.raw<LiveStatus | null>(null);
  nowPlaying = $state.raw<NowPlayingView | null>(null);
  listeners = $state(0);
  requests = $state.raw<SongRequestView[]>([]);
  plays = $state.raw<PlayLogEntryView[]>([]);
  /** The channel's generated music buffer (its generator may be off). */
  generator = $state.raw<GeneratorBufferView | null>(null);
  /** Start or stop in flight. */
  busy = $state(false);
  error = $state('');
  private readonly stop: (() => void)[] = [];

  constructor(
    readonly channelId: string,
    readonly slug: string
  ) {}

  /** Follows the pushes; every (re)connect loads everything again, since pushes were missed meanwhile. */
  attach(socket: ProjectSocket): void {
    const mine = (e: { channelId: string }) => e.channelId === this.channelId;
    const onLive = (s: LiveStatus) => mine(s) && (this.status = s);
    const onNow = (e: NowPlayingView & { channelId: string }) => {
      if (!mine(e)) return;
      this.nowPlaying = e;
      this.listeners = e.listeners;
      void this.loadPlays();
    };
    const onListeners = (e: { channelId: string; listeners: number }) => mine(e) && (this.listeners = e.listeners);
    const onRequests = (e: { channelId: string; requests: SongRequestView[] }) => mine(e) && (this.requests = e.requests);
    const onGenerator = ({ channelId, ...buffer }: GeneratorBufferView & { channelId: string }) => channelId === this.channelId && (this.generator = buffer);
    // The live job's own changes (queued, running, retrying, failed) change the status too.
    const onJob = (job: JobJson) => job.id === this.status?.jobId && void this.loadStatus();
    socket.on('channel:live', onLive);
    socket.on('channel:now-playing', onNow);
    socket.on('channel:listeners', onListeners);
    socket.on('channel:requests', onRequests);
    socket.on('channel:generator', onGenerator);
    socket.on('job', onJob);
    this.stop.push(() => {
      socket.off('channel:live', onLive);
      socket.off('channel:now-playing', onNow);
      socket.off('channel:listeners', onListeners);
      socket.off('channel:requests', onRequests);
      socket.off('channel:generator', onGenerator);
      socket.off('job', onJob);
    });
  }

  async load(): Promise<void> {
    await Promise.all([this.loadStatus(), this.loadNowPlaying(), this.loadRequests(), this.loadPlays(), this.loadGenerator()]);
  }

  private async attempt(what: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      this.error = `${what}: ${messageOf(e)}`;
    }
  }

  loadStatus(): Promise<void> {
    return this.attempt('The live status could not be loaded', async () => {
      this.status = await apiJson<LiveStatus>(`/api/channels/${this.channelId}/live`);
    });
  }

  loadNowPlaying(): Promise<void> {
    return this.attempt('Now playing could not be loaded', async () => {
      const np = await apiJson<NowPlayingView>(`/api/channels/by-slug/${encodeURIComponent(this.slug)}/now-playing`);
      this.nowPlaying = np;
      this.listeners = np.listeners;
    });
  }

  loadRequests(): Promise<void> {
    return this.attempt('The request queue could not be loaded', async () => {
      this.requests = await apiJson<SongRequestView[]>(`/api/channels/${this.channelId}/requests`);
    });
  }

  loadPlays(): Promise<void> {
    return this.attempt('The play log could not be loaded', async () => {
      this.plays = (await apiJson<{ plays: PlayLogEntryView[] }>(`/api/channels/${this.channelId}/plays?limit=${PLAY_LOG_SIZE}`)).plays;
    });
  }

  loadGenerator(): Promise<void> {
    return this.attempt('The generated music buffer could not be loaded', async () => {
      this.generator = bufferOfStatus((await apiJson<{ generator: GeneratorStatusJson }>(`/api/channels/${this.channelId}/generator`)).generator);
    });
  }

  async setLive(action: 'start' | 'stop'): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.error = '';
    try {
      this.status = await apiJson<LiveStatus>(`/api/channels/${this.channelId}/live`, { method: 'POST', body: { action } });
      await this.loadNowPlaying();
    } catch (e) {
      this.error = messageOf(e);
    } finally {
      this.busy = false;
    }
  }

  async removeRequest(id: string): Promise<void> {
    this.error = '';
    try {
      await apiJson(`/api/channels/${this.channelId}/requests/${id}`, { method: 'DELETE' });
      this.requests = this.requests.filter((r) => r.id !== id);
    } catch (e) {
      this.error = messageOf(e);
    }
  }

  destroy(): void {
    for (const fn of this.stop) fn();
  }
}
