import type { AssetJson } from '$lib/asset';
import type { CommandContext } from '$lib/editor/commands/command';
import { runGesture } from '$lib/editor/commands/operation-command';
import type { TimelineCommand } from '$lib/editor/commands/timeline/timeline-command';
import type { ProjectSession } from '$lib/editor/project-session.svelte';
import type { TimelineSnapshot } from '$lib/editor/model/timeline/snapshot';
import { PlaybackClock, shuttleRate } from './playback-clock.svelte';
import { readPeerTimelines, timelinePresence, type PeerTimeline } from './timeline-presence';

/** Pixels within which a dragged edge snaps (to the playhead, clip edges, markers). */
export const SNAP_PX = 8;
/** Drag type of a media bin item (HTML5 drag and drop onto a track lane). */
export const ASSET_DRAG_TYPE = 'application/x-airstudio-asset';
export const MIN_ZOOM = 4;
export const MAX_ZOOM = 800;
/** Awareness updates at most this often (ms): ten a second is smooth enough for a playhead and cheap on the wire. */
const PUBLISH_MS = 100;

/**
 * The timeline editor's local state for one open studio: zoom (px per second), scroll, playhead and its transport
 * clock, selection, whom you follow, and the live snapshot of the shared timeline. Edits go through the timeline
 * commands with this state as their context; playhead, selection and the clip being edited are shared (awareness).
 */
export class TimelineView {
  zoom = $state(60);
  scrollLeft = $state(0);
  playhead = $state(0);
  #selection = $state.raw<string[]>([]);
  /** The transition picked on the timeline (Delete removes it); picking clips clears it. */
  selectedTransition = $state<string | null>(null);
  /** The marker picked on the ruler (Delete removes it). */
  selectedMarker = $state<string | null>(null);
  /** The clip this user is dragging, trimming or inspecting now: the others see it marked. */
  editing = $state<string | null>(null);
  snapshot = $state.raw<TimelineSnapshot>({ settings: { width: 1920, height: 1080, fps: 30 }, tracks: [], clips: [], transitions: [], markers: [] });
  /** Assets the timeline may show, by id (from the media bin's listing). */
  assets = $state.raw<Record<string, AssetJson>>({});
  /** Everyone else's timeline presence (validated awareness), one entry per browser tab. */
  peers = $state.raw<PeerTimeline[]>([]);
  /** The tab (awareness client id) whose playhead yours tracks, until you move it yourself. */
  following = $state<number | null>(null);
  /** The last refusal, shown as a toast until the next edit or a timeout. */
  message = $state<string | null>(null);
  #messageTimer: ReturnType<typeof setTimeout> | undefined;
  #publishTimer: ReturnType<typeof setTimeout> | undefined;
  #durations: Record<string, number> = {};
  readonly #clock = new PlaybackClock((seconds) => this.#step(seconds));
  readonly #stop: () => void;

  constructor(readonly session: ProjectSession) {
    const refresh = () => {
      this.snapshot = session.project.timeline.snapshot(this.#durations);
      const ids = new Set(this.snapshot.clips.map((c) => c.id));
      if (this.selection.some((id) => !ids.has(id))) this.selection = this.selection.filter((id) => ids.has(id));
      if (this.selectedTransition && !this.snapshot.transitions.some((t) => t.id === this.selectedTransition)) this.selectedTransition = null;
      if (this.selectedMarker && !this.snapshot.markers.some((m) => m.id === this.selectedMarker)) this.selectedMarker = null;
      if (this.editing && !ids.has(this.editing)) this.setEditing(null);
    };
    refresh();
    // Read after the transaction has ended: inside an observer the timeline's cached reading is not yet invalidated.
    let dirty = false;
    const unobserve = session.project.timeline.observe(() => (dirty = true));
    const after = () => {
      if (!dirty) return;
      dirty = false;
      refresh();
    };
    session.doc.on('afterTransaction', after);
    const awareness = session.provider.awareness;
    const peersChanged = () => this.readPeers();
    awareness.on('change', peersChanged);
    this.readPeers();
    this.publish();
    this.#stop = () => {
      unobserve();
      session.doc.off('afterTransaction', after);
      awareness.off('change', peersChanged);
    };
  }

  get fps(): number {
    return this.snapshot.settings.fps;
  }

  /** End of the last clip (seconds). */
  get duration(): number {
    let end = 0;
    for (const c of this.snapshot.clips) end = Math.max(end, c.start + (c.out - c.in) / c.speed);
    return end;
  }

  /** Selected clip ids, shared with the others here (they see them outlined in your colour). */
  get selection(): string[] {
    return this.#selection;
  }
  set selection(ids: string[]) {
    this.#selection = ids;
    if (ids.length) this.selectedTransition = null;
    this.publish();
  }

  /** Other tabs' playheads (those that share one). */
  get peerPlayheads(): (PeerTimeline & { playhead: number })[] {
    return this.peers.filter((p): p is PeerTimeline & { playhead: number } => p.playhead !== null);
  }

  get followedPeer(): PeerTimeline | undefined {
    return this.following === null ? undefined : this.peers.find((p) => p.clientId === this.following);
  }

  setAssets(list: AssetJson[]): void {
    const byId: Record<string, AssetJson> = { ...this.assets };
    const durations: Record<string, number> = { ...this.#durations };
    for (const a of list) {
      byId[a.id] = a;
      if (a.duration) durations[a.id] = a.duration;
    }
    this.assets = byId;
    this.#durations = durations;
    this.snapshot = this.session.project.timeline.snapshot(this.#durations);
  }

  get context(): CommandContext {
    return {
      ...this.session.context,
      timeline: { playhead: this.playhead, selection: this.selection, snapDistance: SNAP_PX / this.zoom, assetDurations: this.#durations }
    };
  }

  /** Runs a timeline command as one undo step of this user; a refusal shows as the toast. Returns whether it ran. */
  run<A>(command: TimelineCommand<A>, args: A): boolean {
    const refusal = runGesture(command, this.context, args);
    if (refusal) this.say(refusal);
    else this.message = null;
    return refusal === null;
  }

  say(message: string): void {
    this.message = message;
    clearTimeout(this.#messageTimer);
    this.#messageTimer = setTimeout(() => (this.message = null), 5000);
  }

  select(id: string, extend: boolean): void {
    if (extend) this.selection = this.selection.includes(id) ? this.selection.filter((x) => x !== id) : [...this.selection, id];
    else this.selection = [id];
    this.selectedMarker = null;
  }

  selectTransition(id: string | null): void {
    this.selectedTransition = id;
    this.selectedMarker = null;
    if (id && this.selection.length) {
      this.#selection = [];
      this.publish();
    }
  }

  selectMarker(id: string | null): void {
    this.selectedMarker = id;
    this.selectedTransition = null;
  }

  /**
   * Marks the clip you are dragging, trimming or editing in the inspector (null when done): the others see
   * "Ann is editing" on it. Clears itself when the clip leaves the timeline.
   */
  setEditing(clipId: string | null): void {
    if (this.editing === clipId) return;
    this.editing = clipId;
    this.publish();
  }

  /** You move the playhead (a click, a key, an edit): it snaps to a frame and stops following anyone. */
  setPlayhead(t: number): void {
    this.following = null;
    this.#place(t);
  }

  #place(t: number): void {
    const frame = 1 / this.fps;
    this.playhead = Math.max(0, Math.round(t / frame) * frame);
    this.publish();
  }

  stepFrames(n: number): void {
    this.setPlayhead(this.playhead + n / this.fps);
  }

  // ---- transport ----

  /** Playing forward (the monitor's media plays along); reverse shuttle moves the playhead with this false. */
  get playing(): boolean {
    return this.#clock.running && this.#clock.rate > 0;
  }
  set playing(on: boolean) {
    if (on) this.play(1);
    else this.pause();
  }

  /** The playhead is moving (either way, any speed). */
  get moving(): boolean {
    return this.#clock.running;
  }

  /** Timeline seconds per second while moving: 1 is real time, 2 double speed, -1 backwards; 1 when stopped. */
  get rate(): number {
    return this.#clock.rate;
  }

  /** Plays at `rate` (negative: backwards) from the playhead until an end of the cut, `pause()` or a new rate. */
  play(rate = 1): void {
    this.following = null;
    this.#clock.start(rate);
  }

  /** Stops the playhead on the frame it reached. */
  pause(): void {
    if (!this.#clock.running) return;
    this.#clock.stop();
    this.#place(this.playhead);
  }

  /** Space: play, or stop whatever is moving (a reverse shuttle too); from the end of the cut, play starts over. */
  togglePlay(): void {
    if (this.moving) return this.pause();
    if (this.playhead >= this.duration) this.setPlayhead(0);
    this.play(1);
  }

  /** J (-1) and L (+1): play that way, faster on each press. */
  shuttle(direction: 1 | -1): void {
    this.play(shuttleRate(this.#clock.rate, this.#clock.running, direction));
  }

  #step(seconds: number): boolean {
    const next = this.playhead + seconds;
    const end = seconds > 0 ? this.duration : 0;
    if ((seconds > 0 && next >= end) || (seconds < 0 && next <= end)) {
      this.#place(end);
      return false;
    }
    this.playhead = next;
    this.publish();
    return true;
  }

  // ---- presence ----

  /** Your playhead tracks this tab's until you move it yourself (or `stopFollowing`). */
  follow(clientId: number): void {
    const peer = this.peers.find((p) => p.clientId === clientId);
    if (!peer) return;
    this.pause();
    this.following = clientId;
    if (peer.playhead !== null) this.playhead = peer.playhead;
    this.publish();
  }

  stopFollowing(): void {
    this.following = null;
  }

  /** Shares playhead, selection and the clip being edited with the others here (awareness), ten times a second at most. */
  private publish(): void {
    if (this.#publishTimer) return;
    this.#publishTimer = setTimeout(() => {
      this.#publishTimer = undefined;
      this.session.provider.awareness.setLocalStateField('timeline', timelinePresence(this.playhead, this.selection, this.editing));
    }, PUBLISH_MS);
  }

  private readPeers(): void {
    const awareness = this.session.provider.awareness;
    this.peers = readPeerTimelines(awareness.getStates(), this.session.doc.clientID);
    if (this.following === null) return;
    const followed = this.followedPeer;
    if (!followed) this.following = null;
    else if (followed.playhead !== null && followed.playhead !== this.playhead) {
      this.playhead = followed.playhead;
      this.publish();
    }
  }

  zoomBy(factor: number): void {
    this.zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, this.zoom * factor));
  }

  setZoom(zoom: number): void {
    this.zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));
  }

  destroy(): void {
    this.#clock.stop();
    clearTimeout(this.#messageTimer);
    clearTimeout(this.#publishTimer);
    this.#stop();
    // Peers stop showing this tab's playhead and marks once the timeline is gone (a no-op after the session closed).
    this.session.provider.awareness.setLocalStateField('timeline', null);
  }
}
