import type { AssetJson } from '$lib/asset';
import { runCommand } from '$lib/editor/commands/command';
import { addComment } from '$lib/editor/commands/add-comment';
import { runGesture } from '$lib/editor/commands/operation-command';
import type { BriefCommand } from '$lib/editor/commands/brief/brief-command';
import { addPhotosCommand } from '$lib/editor/commands/brief/add-photos';
import { movePhotosCommand } from '$lib/editor/commands/brief/move-photos';
import { removePhotosCommand } from '$lib/editor/commands/brief/remove-photos';
import { setHeroCommand } from '$lib/editor/commands/brief/set-hero';
import { setIncludeInVideoCommand } from '$lib/editor/commands/brief/set-include-in-video';
import { setListingCommand } from '$lib/editor/commands/brief/set-listing';
import { setRoomCommand } from '$lib/editor/commands/brief/set-room';
import { setSettingCommand } from '$lib/editor/commands/brief/set-setting';
import { setStagingCommand } from '$lib/editor/commands/brief/set-staging';
import { setStatusCommand } from '$lib/editor/commands/brief/set-status';
import { redo, undo } from '$lib/editor/commands/undo';
import { DEFAULT_LISTING, type ListingPatch } from '$lib/editor/model/brief/listing';
import { heroId } from '$lib/editor/model/brief/normalize';
import { resolveTag } from '$lib/editor/model/brief/photo';
import { PHOTO_STATUSES, ROOM_TYPES, type BriefAssets, type BriefPhotoSnapshot, type BriefSnapshot, type PhotoSetting, type PhotoStatus, type RoomType, type StagingInstruction } from '$lib/editor/model/brief/snapshot';
import type { Comment } from '$lib/editor/model/comment';
import { canEdit } from '$lib/editor/model/role';
import type { ProjectSession } from '$lib/editor/project-session.svelte';
import { listenToSession } from '$lib/editor/session-listeners';
import { presenceMarks, type PresenceMark } from '$lib/station/station-presence';
import { briefPresence, readPeerBriefs, type PeerBrief } from './brief-presence';

/** Awareness updates at most this often (ms): ten a second. */
const PUBLISH_MS = 100;

/** What the board shows: every photo, or those of one room ('untagged': none yet), status and score range. */
export interface BriefFilters {
  room: RoomType | 'untagged' | null;
  status: PhotoStatus | null;
  /** Quality score range, 0–100; photos not yet scored show only while the range is the whole 0–100. */
  minScore: number;
  maxScore: number;
}
export const NO_FILTERS: BriefFilters = { room: null, status: null, minScore: 0, maxScore: 100 };

/**
 * The brief board's local state for one open studio: the live brief, the selection, the filters, the photo in the
 * detail panel, and everyone else's selection and photo. Edits go through the brief commands (one undo step each).
 */
export class BriefBoard {
  snapshot = $state.raw<BriefSnapshot>({ listing: DEFAULT_LISTING, photos: [] });
  #selection = $state.raw<string[]>([]);
  /** The photo in the detail panel (the last one clicked); null shows the listing. */
  #viewing = $state<string | null>(null);
  filters = $state<BriefFilters>({ ...NO_FILTERS });
  /** The last refusal, shown until the next edit or a timeout. */
  message = $state<string | null>(null);
  peers = $state.raw<PeerBrief[]>([]);
  /** Where Shift+click extends the selection from. */
  anchor: string | null = null;
  #messageTimer: ReturnType<typeof setTimeout> | undefined;
  #publishTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #stop: (() => void)[] = [];

  constructor(
    readonly session: ProjectSession,
    readonly images: { byId(id: string): AssetJson | undefined; assets: AssetJson[] }
  ) {
    const refresh = () => {
      this.snapshot = session.project.brief.snapshot();
      const ids = new Set(this.snapshot.photos.map((p) => p.id));
      if (this.#selection.some((id) => !ids.has(id))) this.selection = this.#selection.filter((id) => ids.has(id));
      if (this.#viewing && !ids.has(this.#viewing)) this.viewing = null;
    };
    refresh();
    const readPeers = () => (this.peers = readPeerBriefs(session.provider.awareness.getStates(), session.doc.clientID));
    this.#stop.push(listenToSession(session, (changed) => session.project.brief.observe(changed), refresh, readPeers));
    this.share();
  }

  get editable(): boolean {
    return canEdit(this.session.role);
  }

  get selection(): string[] {
    return this.#selection;
  }
  set selection(ids: string[]) {
    this.#selection = ids;
    this.share();
  }

  get viewing(): string | null {
    return this.#viewing;
  }
  set viewing(id: string | null) {
    this.#viewing = id;
    this.share();
  }

  get viewed(): BriefPhotoSnapshot | undefined {
    return this.snapshot.photos.find((p) => p.id === this.#viewing);
  }

  get heroId(): string | null {
    return heroId(this.snapshot);
  }

  /** The photos the filters let through, in brief order. */
  get visible(): BriefPhotoSnapshot[] {
    const f = this.filters;
    const wholeRange = f.minScore <= 0 && f.maxScore >= 100;
    return this.snapshot.photos.filter((p) => {
      const room = resolveTag(p.room)?.value ?? null;
      if (f.room === 'untagged' ? room !== null : f.room !== null && room !== f.room) return false;
      if (f.status && p.status !== f.status) return false;
      if (p.quality ? p.quality.score < f.minScore || p.quality.score > f.maxScore : !wholeRange) return false;
      return true;
    });
  }

  get filtered(): boolean {
    const f = this.filters;
    return f.room !== null || f.status !== null || f.minScore > 0 || f.maxScore < 100;
  }

  /** Per photo id: who else has it selected or open. */
  get marks(): Map<string, PresenceMark[]> {
    return presenceMarks(this.peers, (p) => [...p.selection, p.viewing]);
  }

  /** What the add-photos picker offers: processed images not in the brief yet. */
  get addable(): AssetJson[] {
    const present = new Set(this.snapshot.photos.map((p) => p.assetId));
    return this.images.assets.filter((a) => a.kind === 'image' && !present.has(a.id));
  }

  /** Comments pinned to the photo in the detail panel, oldest first. */
  pinsOf(comments: readonly Comment[], photoId: string): Comment[] {
    return comments.filter((c) => c.pin?.photoId === photoId);
  }

  // ---- selection ----

  /** A click on a photo: alone, Ctrl/Cmd toggles it, Shift selects the range (among those shown) from the last clicked one. */
  select(id: string, mode: { toggle?: boolean; range?: boolean } = {}): void {
    const ids = this.visible.map((p) => p.id);
    if (mode.range && this.anchor && ids.includes(this.anchor)) {
      const [a, b] = [ids.indexOf(this.anchor), ids.indexOf(id)].sort((x, y) => x - y);
      this.selection = ids.slice(a, b + 1);
    } else if (mode.toggle) {
      this.selection = this.#selection.includes(id) ? this.#selection.filter((x) => x !== id) : [...this.#selection, id];
      this.anchor = id;
    } else {
      this.selection = [id];
      this.anchor = id;
    }
    this.viewing = id;
  }

  selectAll(): void {
    this.selection = this.visible.map((p) => p.id);
  }

  /** Arrow keys: the photo before or after the last one clicked, among those shown; Shift extends. */
  step(delta: number, extend: boolean): void {
    const ids = this.visible.map((p) => p.id);
    if (ids.length === 0) return;
    const from = this.#viewing && ids.includes(this.#viewing) ? ids.indexOf(this.#viewing) : delta > 0 ? -1 : ids.length;
    const next = ids[Math.max(0, Math.min(ids.length - 1, from + delta))];
    if (!extend) return this.select(next);
    this.selection = [...new Set([...this.#selection, next])];
    this.viewing = next;
  }

  // ---- edits ----

  run<A>(command: BriefCommand<A>, args: A): boolean {
    const refusal = runGesture(command, this.session.context, args);
    if (refusal) this.say(refusal);
    else this.message = null;
    return refusal === null;
  }

  say(message: string): void {
    this.message = message;
    clearTimeout(this.#messageTimer);
    this.#messageTimer = setTimeout(() => (this.message = null), 5000);
  }

  undo(): void {
    runCommand(undo, this.session.context, undefined);
  }

  redo(): void {
    runCommand(redo, this.session.context, undefined);
  }

  setListing(patch: ListingPatch): boolean {
    return this.run(setListingCommand, { patch });
  }

  add(assetIds: string[]): boolean {
    const assets: Record<string, BriefAssets[string]> = {};
    for (const id of assetIds) {
      const a = this.images.byId(id);
      if (a) assets[id] = { kind: a.kind, title: a.title };
    }
    return this.run(addPhotosCommand, { assetIds, assets });
  }

  /** Moves photos so they land before the photo `beforeId` (null: at the end). */
  moveBefore(ids: string[], beforeId: string | null): void {
    const moving = new Set(ids);
    const all = this.snapshot.photos;
    const stop = beforeId === null ? all.length : all.findIndex((p) => p.id === beforeId);
    const index = all.slice(0, stop < 0 ? all.length : stop).filter((p) => !moving.has(p.id)).length;
    this.run(movePhotosCommand, { photoIds: all.filter((p) => moving.has(p.id)).map((p) => p.id), index });
  }

  /** Alt+Arrow: the selection one place earlier or later among the photos shown, together. */
  nudge(delta: -1 | 1): void {
    const sel = new Set(this.#selection);
    if (sel.size === 0) return;
    const shown = this.visible;
    const first = shown.findIndex((p) => sel.has(p.id));
    const last = shown.findLastIndex((p) => sel.has(p.id));
    const target = delta < 0 ? shown.slice(0, first).findLast((p) => !sel.has(p.id)) : shown.slice(last + 1).find((p) => !sel.has(p.id));
    if (!target) return;
    if (delta < 0) return this.moveBefore([...sel], target.id);
    const all = this.snapshot.photos;
    const after = all.slice(all.indexOf(target) + 1).find((p) => !sel.has(p.id));
    this.moveBefore([...sel], after?.id ?? null);
  }

  /** The room of the selection (1–9, 0 for other); the same room again clears it. */
  tagRoom(room: RoomType): void {
    const photos = this.selectedPhotos();
    if (photos.length === 0) return this.say('Select photos first, then press 1–9 (0 for other) to tag their room.');
    const all = photos.every((p) => p.room.person === room);
    this.run(setRoomCommand, { photoIds: photos.map((p) => p.id), room: all ? null : room });
  }

  setSetting(setting: PhotoSetting | null): void {
    this.run(setSettingCommand, { photoIds: this.#selection, setting });
  }

  /** H: the photo in the panel (or the first selected) becomes the hero; on the hero, it stops being one. */
  toggleHero(): void {
    const id = this.#viewing && this.#selection.includes(this.#viewing) ? this.#viewing : this.#selection[0];
    if (!id) return this.say('Select the photo to make it the hero.');
    this.run(setHeroCommand, { photoId: this.heroId === id ? null : id });
  }

  /** V: in or out of the listing video; a mixed selection all goes in. */
  toggleVideo(): void {
    const photos = this.selectedPhotos();
    if (photos.length) this.run(setIncludeInVideoCommand, { photoIds: photos.map((p) => p.id), include: !photos.every((p) => p.includeInVideo) });
  }

  /** S: to do → in progress → done → to do, from the first selected photo's status. */
  cycleStatus(): void {
    const photos = this.selectedPhotos();
    if (photos.length === 0) return;
    const next = PHOTO_STATUSES[(PHOTO_STATUSES.indexOf(photos[0].status) + 1) % PHOTO_STATUSES.length];
    this.run(setStatusCommand, { photoIds: photos.map((p) => p.id), status: next });
  }

  setStatus(status: PhotoStatus): void {
    this.run(setStatusCommand, { photoIds: this.#selection, status });
  }

  setStaging(patch: Partial<StagingInstruction>, photoIds: string[] = this.#selection): boolean {
    return this.run(setStagingCommand, { photoIds, patch });
  }

  removeSelected(): void {
    if (this.#selection.length) this.run(removePhotosCommand, { photoIds: this.#selection });
  }

  /** A comment pinned at (x, y), 0–1 of the photo's size. */
  pin(photoId: string, x: number, y: number, body: string): boolean {
    const ran = runCommand(addComment, this.session.context, { body, pin: { photoId, x, y } });
    if (!ran) this.say(this.editable ? 'A note needs text (at most 4,000 characters).' : 'Viewers cannot pin notes.');
    return ran;
  }

  /** The board's keys; true when handled. Typing in a field never reaches here. */
  key(e: KeyboardEvent): boolean {
    const mod = e.ctrlKey || e.metaKey;
    const k = e.key;
    if (mod && k.toLowerCase() === 'z') e.shiftKey ? this.redo() : this.undo();
    else if (mod && k.toLowerCase() === 'y') this.redo();
    else if (mod && k.toLowerCase() === 'a') this.selectAll();
    else if (k.startsWith('Arrow') && e.altKey && this.editable) this.nudge(k === 'ArrowLeft' || k === 'ArrowUp' ? -1 : 1);
    else if (k === 'ArrowLeft' || k === 'ArrowRight') this.step(k === 'ArrowLeft' ? -1 : 1, e.shiftKey);
    else if (k === 'Escape') this.selection = [];
    else if (mod || e.altKey || !this.editable) return false;
    else if (/^[0-9]$/.test(k)) this.tagRoom(ROOM_TYPES[(Number(k) + 9) % 10]);
    else if (k === 'h' || k === 'H') this.toggleHero();
    else if (k === 'v' || k === 'V') this.toggleVideo();
    else if (k === 's' || k === 'S') this.cycleStatus();
    else if (k === 'Delete' || k === 'Backspace') this.removeSelected();
    else return false;
    e.preventDefault();
    return true;
  }

  private selectedPhotos(): BriefPhotoSnapshot[] {
    const sel = new Set(this.#selection);
    return this.snapshot.photos.filter((p) => sel.has(p.id));
  }

  /** Shares the selection and the open photo, ten times a second at most. */
  private share(): void {
    if (this.#publishTimer) return;
    this.#publishTimer = setTimeout(() => {
      this.#publishTimer = undefined;
      this.session.provider.awareness.setLocalStateField('brief', briefPresence({ selection: this.#selection, viewing: this.#viewing }));
    }, PUBLISH_MS);
  }

  destroy(): void {
    clearTimeout(this.#messageTimer);
    clearTimeout(this.#publishTimer);
    for (const stop of this.#stop) stop();
    this.session.provider.awareness.setLocalStateField('brief', null);
  }
}
