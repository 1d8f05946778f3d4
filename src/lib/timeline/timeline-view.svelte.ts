import type { AssetJson } from '$lib/asset';
import { runCommand, type CommandContext } from '$lib/editor/commands/command';
import type { TimelineCommand } from '$lib/editor/commands/timeline/timeline-command';
import type { ProjectSession } from '$lib/editor/project-session.svelte';
import type { TimelineSnapshot } from '$lib/editor/model/timeline/snapshot';

/** Pixels within which a dragged edge snaps (to the playhead, clip edges, markers). */
export const SNAP_PX = 8;
/** Drag type of a media bin item (HTML5 drag and drop onto a track lane). */
export const ASSET_DRAG_TYPE = 'application/x-airstudio-asset';
export const MIN_ZOOM = 4;
export const MAX_ZOOM = 800;

/**
 * The timeline editor's local state for one open studio: zoom (px per second), scroll, playhead, selection and the
 * live snapshot of the shared timeline. Edits go through the timeline commands with this state as their context.
 */
export class TimelineView {
  zoom = $state(60);
  scrollLeft = $state(0);
  playhead = $state(0);
  selection = $state.raw<string[]>([]);
  snapshot = $state.raw<TimelineSnapshot>({ settings: { width: 1920, height: 1080, fps: 30 }, tracks: [], clips: [], transitions: [], markers: [] });
  /** Assets the timeline may show, by id (from the media bin's listing). */
  assets = $state.raw<Record<string, AssetJson>>({});
  /** Playing: the program monitor advances the playhead in real time. */
  playing = $state(false);
  /** Other people's playheads on this timeline (from awareness), one per browser tab. */
  peerPlayheads = $state.raw<{ clientId: number; name: string; color: string; playhead: number }[]>([]);
  #publishTimer: ReturnType<typeof setTimeout> | undefined;
  /** The last refusal, shown as a toast until the next edit or a timeout. */
  message = $state<string | null>(null);
  #messageTimer: ReturnType<typeof setTimeout> | undefined;
  #durations: Record<string, number> = {};
  readonly #stop: () => void;

  constructor(readonly session: ProjectSession) {
    const refresh = () => {
      this.snapshot = session.project.timeline.snapshot(this.#durations);
      const ids = new Set(this.snapshot.clips.map((c) => c.id));
      if (this.selection.some((id) => !ids.has(id))) this.selection = this.selection.filter((id) => ids.has(id));
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
    const ctx = this.context;
    const refusal = command.refusal(ctx, args);
    if (refusal) {
      this.say(refusal);
      return false;
    }
    const ran = runCommand(command, ctx, args);
    // Each gesture is its own undo step, however quickly the next one follows.
    ctx.undoManager?.stopCapturing();
    if (ran) this.message = null;
    return ran;
  }

  say(message: string): void {
    this.message = message;
    clearTimeout(this.#messageTimer);
    this.#messageTimer = setTimeout(() => (this.message = null), 5000);
  }

  select(id: string, extend: boolean): void {
    if (extend) this.selection = this.selection.includes(id) ? this.selection.filter((x) => x !== id) : [...this.selection, id];
    else this.selection = [id];
  }

  setPlayhead(t: number): void {
    const frame = 1 / this.fps;
    this.playhead = Math.max(0, Math.round(t / frame) * frame);
    this.publishPlayhead();
  }

  /** While playing: the exact time (not rounded to a frame). */
  advance(t: number): void {
    this.playhead = Math.max(0, t);
    this.publishPlayhead();
  }

  /** Shares the playhead with the others here (awareness), at most ten times a second. */
  private publishPlayhead(): void {
    if (this.#publishTimer) return;
    this.#publishTimer = setTimeout(() => {
      this.#publishTimer = undefined;
      this.session.provider.awareness.setLocalStateField('timeline', { playhead: this.playhead });
    }, 100);
  }

  private readPeers(): void {
    const awareness = this.session.provider.awareness;
    const list: { clientId: number; name: string; color: string; playhead: number }[] = [];
    for (const [clientId, state] of awareness.getStates()) {
      if (clientId === this.session.doc.clientID) continue;
      const st = state as { user?: { name?: unknown; color?: unknown }; timeline?: { playhead?: unknown } };
      const playhead = st.timeline?.playhead;
      if (typeof playhead !== 'number' || !Number.isFinite(playhead) || playhead < 0) continue;
      const name = typeof st.user?.name === 'string' ? st.user.name : 'Someone';
      const color = typeof st.user?.color === 'string' && /^#[0-9a-f]{3,8}$/i.test(st.user.color) ? st.user.color : '#888888';
      list.push({ clientId, name, color, playhead });
    }
    this.peerPlayheads = list;
  }

  stepFrames(n: number): void {
    this.setPlayhead(this.playhead + n / this.fps);
  }

  zoomBy(factor: number): void {
    this.zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, this.zoom * factor));
  }

  destroy(): void {
    clearTimeout(this.#messageTimer);
    clearTimeout(this.#publishTimer);
    this.#stop();
  }
}
