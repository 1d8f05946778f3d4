/**
 * The playout plan: a pure function from the station document (playlists, schedule), the library's asset facts, the
 * play history, the channel's settings and a time, to the next items with exact start times. The worker airs it;
 * after a crash it asks `nowPlaying` what should be on air now and at what offset, and is back at the right item.
 *
 * Deterministic: the same inputs give the same plan on every machine. Shuffles and weighted choices are seeded from
 * stable ids and block occurrence times, never Math.random; times are whole milliseconds since the epoch.
 *
 * Time-based: the plan is simulated forward from an anchor that moves only with the history — the end of the last
 * play (when it ended within `catchUpHours` of `at`), else the start of the station's local day — so plans asked at
 * different times from one history agree on every item they share, and `nowPlaying(input, t)` agrees with them.
 *
 * Rules (after AzuraCast's AutoDJ and LibreTime's shows; where they drift, this plans ahead exactly):
 * - Slots: at each item boundary the block on air (overlaps: higher priority, then the later start, then the smaller
 *   id) chooses the next item; when none is, the default rotation does. A block with nothing playable falls back to
 *   the rotation, then to the channel's fallback playlist, then to an emergency station-ID item flagged as an alert:
 *   the air is never silent by accident.
 * - Soft start: a block begins at the first item boundary at or after its start; the item playing finishes, even
 *   when it is longer than the block before. The next soft block simply begins later.
 * - Hard start: the block's first item begins exactly at its start. What plays is cut with a fade-out ending where
 *   the break before the show begins (or at the start itself when no break is due). Seconds too few for a track
 *   before that cut (under 5) are a pause instead of a blip.
 * - Break: `breakSeconds` of silence when the show changes (another block, or block ↔ rotation) or the generator
 *   prompt of the songs changes (a generated item's own prompt, else the block's, else the playlist's). Jingles and requests keep the prompt.
 * - Crossfade: the next item starts `crossfadeSeconds` before the previous ends (both fade over it) when both are
 *   audio and at least twice the crossfade long; never across a break, a hard start, into an item a hard start will
 *   cut (a replan from the history, which cannot tell a cut item, must agree), or into or out of an emergency.
 * - Weighted playlists: smooth weighted round-robin over the block's playable song playlists, rebuilt from this
 *   occurrence's picks and seeded by it. Sequential playlists continue after the last item of theirs in the history;
 *   shuffled ones walk a seeded shuffle (one per occurrence and cycle) without repeating an asset within the
 *   station's last N songs while another can play.
 * - Jingles (jingle playlists listed in the block or rotation): "every N songs" after N songs of this show since the
 *   playlist last played; "hourly at :MM" at the first boundary at or after :MM (in the block's zone) each hour the
 *   show is on at :MM. Never two jingles in a row; hourly ones first.
 * - Requests: at the first soft boundary at or after the request (not the first item of a hard start), oldest first,
 *   once each (a request in the history is done), and not within `requestRepeatGapSeconds` of the asset's last start.
 * - Assets: missing (deleted), unapproved or sub-second assets are skipped. A history item whose asset has since
 *   been pulled is read as if it had never been chosen: the plan replaces it from its start.
 */
import { itemsOf } from '../playlist/normalize';
import { playableMs, type PlaylistItemSnapshot, type PlaylistSnapshot, type PlaylistsSnapshot, type StationAssets } from '../playlist/snapshot';
import { Occurrences, type BlockOccurrence } from './occurrences';
import { seededShuffle, smoothWeightedNext } from './playout-choice';
import type { BlockSnapshot, PlaylistWeight, ScheduleSnapshot } from './snapshot';
import { lastMinuteOfHour, startOfLocalDay } from './wall-time';

export type PlannedKind = 'track' | 'jingle' | 'break' | 'fallback' | 'emergency';

export interface PlannedItem {
  kind: PlannedKind;
  /** Null for breaks and emergency items (the worker plays its built-in station ID or tone). */
  assetId: string | null;
  /** The playlist item it came from; null for requests, breaks and emergencies. */
  itemId: string | null;
  requestId: string | null;
  /** Milliseconds since the epoch; the item sounds over [start, end). */
  start: number;
  end: number;
  /** Seconds into the file where playback starts. */
  cueIn: number;
  /** Seconds. */
  fadeIn: number;
  fadeOut: number;
  blockId: string | null;
  playlistId: string | null;
  show: string;
  /** The generator prompt on air (the block's, else the playlist's). */
  prompt: string | null;
  /** Why this item is here, for the operator. */
  reason: string;
  /** Nothing playable anywhere: the station is on its emergency ID and someone should look. */
  alert: boolean;
}

/** What the worker records for each item it aired (a planned item as it went out; extra fields are optional). */
export type PlayRecord = Pick<PlannedItem, 'kind' | 'assetId' | 'start' | 'end' | 'blockId' | 'playlistId'> & Partial<PlannedItem>;

export interface SongRequest {
  id: string;
  assetId: string;
  requestedAt: number;
}

/** The channel's settings (from the database) the plan needs. */
export interface PlayoutChannel {
  id: string;
  crossfadeSeconds: number;
  fallbackPlaylistId: string | null;
}

export interface PlayoutOptions {
  /** How long an emergency item lasts before the plan looks again for something playable. */
  emergencySeconds: number;
  /** A requested asset does not start again within this many seconds of its last start. */
  requestRepeatGapSeconds: number;
  /** A history ending longer ago than this is not continued: the plan starts afresh from the local day's start. */
  catchUpHours: number;
}

export const DEFAULT_PLAYOUT_OPTIONS: PlayoutOptions = { emergencySeconds: 30, requestRepeatGapSeconds: 1800, catchUpHours: 24 };

export interface PlayoutInput {
  playlists: PlaylistsSnapshot;
  schedule: ScheduleSnapshot;
  assets: StationAssets;
  channel: PlayoutChannel;
  /** What aired, any order; entries starting after `at` are ignored. */
  history?: readonly PlayRecord[];
  requests?: readonly SongRequest[];
  at: number;
  /** How many items to return, starting with the one on air at `at` (two during a crossfade). */
  count: number;
  options?: Partial<PlayoutOptions>;
}

export const ROTATION_SHOW = 'Rotation';
/** Fewer seconds than this before a hard-start cut: a pause, not a blip of a track. */
export const MIN_CUT_PLAY_MS = 5000;
/** No-repeat looks back at most this many plays: a category that rarely plays must not make every step scan the day. */
const MAX_LOOKBACK = 2000;

const AUDIO: ReadonlySet<PlannedKind> = new Set(['track', 'jingle', 'fallback']);
const isSong = (r: PlayRecord) => r.kind === 'track' || r.kind === 'fallback';

/** The block or rotation choosing items at a boundary. */
interface Slot {
  blockId: string | null;
  show: string;
  /** When this show went on air: the occurrence's start, or for the rotation the later of the last block's end and local midnight. */
  since: number;
  /** Seeds this slot's shuffles and weighted choice. */
  key: string;
  zone: string;
  blockPrompt: string | null;
  songs: PlaylistWeight[];
  jingles: PlaylistSnapshot[];
  /** Set when a block had nothing playable and the rotation's songs stand in. */
  fellBack: boolean;
}

interface Candidate {
  kind: PlannedKind;
  assetId: string | null;
  itemId: string | null;
  requestId: string | null;
  playlistId: string | null;
  lengthMs: number;
  cueIn: number;
  prompt: string | null;
  /** A song from a playlist: it sets the prompt on air (jingles, requests and fallbacks keep it). */
  fromPlaylist: boolean;
  reason: string;
}

interface Entry {
  item: PlaylistItemSnapshot;
  lengthMs: number;
  cueIn: number;
}

/** What one slot run (a block occurrence, or a rotation stretch) has played so far, kept up to date as items are placed. */
interface RunStats {
  /** How far into `played` this has counted. */
  upTo: number;
  /** Song picks per playlist made by this slot (the weighted choice's state). */
  picks: Map<string, number>;
  /** Playlist items played per playlist since the run began, oldest first (the shuffle's cycle). */
  plays: Map<string, string[]>;
}

const quote = (name: string) => `"${name}"`;

class Planner {
  readonly occ: Occurrences;
  readonly opts: PlayoutOptions;
  readonly xfMs: number;
  readonly breakMs: number;
  readonly fadeMs: number;
  readonly playlistById: Map<string, PlaylistSnapshot>;
  readonly entries = new Map<string, Entry[]>();
  /** History (up to the anchor) and everything planned since, in start order: what the look-backs read. */
  readonly played: PlayRecord[] = [];
  /** What the simulation placed, the anchor first when it came from the history. */
  readonly items: PlannedItem[] = [];
  // Kept up to date by `record`, so no step rescans the day: songsBefore[i] counts the songs in played[0..i).
  readonly songsBefore: number[] = [0];
  readonly lastPlayOf = new Map<string, number>();
  readonly served = new Set<string>();
  onAir: { blockId: string | null | undefined; prompt: string | null | undefined } = { blockId: undefined, prompt: undefined };
  readonly runs = new Map<string, RunStats>();
  readonly playableIds = new Set<string>();
  readonly requests: SongRequest[];

  constructor(readonly input: PlayoutInput) {
    this.opts = { ...DEFAULT_PLAYOUT_OPTIONS, ...input.options };
    const settings = input.schedule.settings;
    this.occ = new Occurrences(input.schedule.blocks);
    this.xfMs = Math.max(0, Math.round(input.channel.crossfadeSeconds * 1000));
    this.breakMs = Math.max(0, Math.round(settings.breakSeconds * 1000));
    this.fadeMs = Math.max(0, Math.round(settings.hardStartFadeSeconds * 1000));
    this.playlistById = new Map(input.playlists.playlists.map((p) => [p.id, p]));
    for (const p of input.playlists.playlists) {
      this.entries.set(
        p.id,
        itemsOf(input.playlists, p.id).map((item) => {
          const asset = input.assets[item.assetId];
          return { item, lengthMs: playableMs(asset), cueIn: Math.max(0, asset?.cueIn ?? 0) };
        })
      );
      if (this.entries.get(p.id)!.some((e) => e.lengthMs > 0)) this.playableIds.add(p.id);
    }
    this.requests = (input.requests ?? []).filter((r) => playableMs(input.assets[r.assetId]) > 0).sort((a, b) => a.requestedAt - b.requestedAt || (a.id < b.id ? -1 : 1));
  }

  playable(playlistId: string): boolean {
    return this.playableIds.has(playlistId);
  }

  /** Appends to `played` and updates what the look-backs read. */
  record(r: PlayRecord): void {
    const i = this.played.push(r) - 1;
    this.songsBefore.push(this.songsBefore[i] + (isSong(r) ? 1 : 0));
    if (r.playlistId) this.lastPlayOf.set(r.playlistId, i);
    if (r.requestId) this.served.add(r.requestId);
    if (r.blockId !== this.onAir.blockId) this.onAir = { blockId: r.blockId, prompt: undefined };
    if (r.kind === 'track' && r.playlistId && !r.requestId) this.onAir.prompt = r.prompt ?? null;
  }

  /** The index of the first play starting at or after `t` (played is in start order). */
  firstPlayFrom(t: number): number {
    let [lo, hi] = [0, this.played.length];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.played[mid].start < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  runStats(slot: Slot): RunStats {
    const key = `${slot.key}|${slot.blockId}`;
    let stats = this.runs.get(key);
    if (!stats) this.runs.set(key, (stats = { upTo: this.firstPlayFrom(slot.since), picks: new Map(), plays: new Map() }));
    for (; stats.upTo < this.played.length; stats.upTo++) {
      const r = this.played[stats.upTo];
      if (r.playlistId && r.itemId) {
        const list = stats.plays.get(r.playlistId);
        if (list) list.push(r.itemId);
        else stats.plays.set(r.playlistId, [r.itemId]);
      }
      if (r.kind === 'track' && r.blockId === slot.blockId && !r.requestId && r.playlistId) stats.picks.set(r.playlistId, (stats.picks.get(r.playlistId) ?? 0) + 1);
    }
    return stats;
  }

  songPlaylists(list: readonly PlaylistWeight[]): PlaylistWeight[] {
    return list.filter((w) => this.playlistById.get(w.playlistId)?.kind !== 'jingle' && this.playable(w.playlistId));
  }

  jinglePlaylists(list: readonly PlaylistWeight[]): PlaylistSnapshot[] {
    return list
      .map((w) => this.playlistById.get(w.playlistId))
      .filter((p): p is PlaylistSnapshot => p?.kind === 'jingle' && this.playable(p.id))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  slotAt(t: number, occ: BlockOccurrence | null = this.occ.winnerAt(t)): Slot {
    const settings = this.input.schedule.settings;
    if (occ) {
      const block = occ.block;
      const own = this.songPlaylists(block.playlists);
      const songs = own.length ? own : this.songPlaylists(settings.rotation);
      return { blockId: block.id, show: block.name, since: occ.start, key: occ.key, zone: block.timezone, blockPrompt: block.prompt, songs, jingles: this.jinglePlaylists(block.playlists), fellBack: own.length === 0 };
    }
    const since = Math.max(startOfLocalDay(t, settings.timezone), this.occ.lastEndBefore(t) ?? -Infinity);
    return { blockId: null, show: ROTATION_SHOW, since, key: `rotation@${since}`, zone: settings.timezone, blockPrompt: null, songs: this.songPlaylists(settings.rotation), jingles: this.jinglePlaylists(settings.rotation), fellBack: false };
  }

  /** The prompt of the last playlist song of the show on air (undefined when it has had none yet). */
  promptOnAir(blockId: string | null): string | null | undefined {
    return this.onAir.blockId === blockId ? this.onAir.prompt : undefined;
  }

  /** The next item of a playlist (to air as `kind`): in order after its last play, or from this slot's seeded shuffle. */
  pickFrom(playlist: PlaylistSnapshot, slot: Slot, kind: PlannedKind): Entry | null {
    const entries = this.entries.get(playlist.id) ?? [];
    const playable = entries.filter((e) => e.lengthMs > 0);
    if (playable.length === 0) return null;
    if (playlist.playback === 'sequential') {
      const r = this.played[this.lastPlayOf.get(playlist.id) ?? -1];
      const byItem = r ? entries.findIndex((e) => e.item.id === r.itemId) : -1;
      // An item since removed from the playlist is found by its asset; failing that, the playlist starts over.
      const last = byItem >= 0 || !r ? byItem : entries.map((e) => e.item.assetId).lastIndexOf(r.assetId ?? '');
      for (let k = 1; k <= entries.length; k++) {
        const e = entries[(last + k) % entries.length];
        if (e.lengthMs > 0) return e;
      }
      return null;
    }
    // The last N of what it airs as (jingles among jingles, songs among songs), most recent first.
    const recent: string[] = [];
    const stop = Math.max(0, this.played.length - MAX_LOOKBACK);
    for (let i = this.played.length - 1; i >= stop && recent.length < playlist.noRepeat; i--) {
      const r = this.played[i];
      if ((kind === 'jingle' ? r.kind === 'jingle' : isSong(r)) && r.assetId) recent.push(r.assetId);
    }
    // Each cycle plays every item once in its own seeded order; this cycle's plays are the latest ones.
    const inRun = this.runStats(slot).plays.get(playlist.id) ?? [];
    const cycle = Math.floor(inRun.length / playable.length);
    const thisCycle = new Set(inRun.slice(inRun.length - (inRun.length % playable.length)));
    const order = seededShuffle(playable, `${this.input.channel.id}|${playlist.id}|${slot.key}|${cycle}`, (e) => e.item.id);
    const fresh = (e: Entry) => !recent.includes(e.item.assetId);
    // Not repeating within N beats finishing the cycle; when every asset is recent, the least recently played goes.
    return (
      order.find((e) => fresh(e) && !thisCycle.has(e.item.id)) ??
      order.find(fresh) ??
      order.reduce((best, e) => (recent.indexOf(e.item.assetId) > recent.indexOf(best.item.assetId) ? e : best))
    );
  }

  jingleDue(slot: Slot, t: number): { playlist: PlaylistSnapshot; reason: string } | null {
    if (this.played.at(-1)?.kind === 'jingle') return null;
    for (const j of slot.jingles) {
      if (j.jingle.every !== 'hour') continue;
      const mark = lastMinuteOfHour(t, j.jingle.minute, slot.zone);
      if (mark < slot.since) continue;
      const lastPlay = this.played[this.lastPlayOf.get(j.id) ?? -1];
      if (!lastPlay || lastPlay.start < mark) return { playlist: j, reason: `${quote(j.name)}: hourly at :${String(j.jingle.minute).padStart(2, '0')}` };
    }
    for (const j of slot.jingles) {
      if (j.jingle.every !== 'songs') continue;
      const from = Math.max(this.firstPlayFrom(slot.since), (this.lastPlayOf.get(j.id) ?? -1) + 1);
      const songs = this.songsBefore[this.played.length] - this.songsBefore[from];
      if (songs >= j.jingle.songs) return { playlist: j, reason: `${quote(j.name)}: every ${j.jingle.songs} songs` };
    }
    return null;
  }

  nextRequest(t: number): SongRequest | null {
    const gapMs = this.opts.requestRepeatGapSeconds * 1000;
    for (const r of this.requests) {
      if (r.requestedAt > t) break;
      if (this.served.has(r.id)) continue;
      let recent = false;
      for (let i = this.played.length - 1; i >= 0 && this.played[i].start > t - gapMs && !recent; i--) recent = this.played[i].assetId === r.assetId;
      if (!recent) return r;
    }
    return null;
  }

  choose(slot: Slot, t: number, atHard: boolean, promptOnAir: string | null | undefined): Candidate {
    const keep = promptOnAir ?? slot.blockPrompt;
    const fromEntry = (kind: PlannedKind, p: PlaylistSnapshot, e: Entry, reason: string, fromPlaylist: boolean): Candidate => ({
      kind,
      assetId: e.item.assetId,
      itemId: e.item.id,
      requestId: null,
      playlistId: p.id,
      lengthMs: e.lengthMs,
      cueIn: e.cueIn,
      // A generated item's own prompt says what it is; then the block's, then the playlist's.
      prompt: fromPlaylist ? (e.item.prompt ?? slot.blockPrompt ?? p.prompt) : keep,
      fromPlaylist,
      reason
    });
    const jingle = this.jingleDue(slot, t);
    if (jingle) return fromEntry('jingle', jingle.playlist, this.pickFrom(jingle.playlist, slot, 'jingle')!, jingle.reason, false);
    const request = atHard ? null : this.nextRequest(t);
    if (request) {
      const asset = this.input.assets[request.assetId];
      return { kind: 'track', assetId: request.assetId, itemId: null, requestId: request.id, playlistId: null, lengthMs: playableMs(asset), cueIn: Math.max(0, asset?.cueIn ?? 0), prompt: keep, fromPlaylist: false, reason: 'request' };
    }
    if (slot.songs.length) {
      const p = this.playlistById.get(smoothWeightedNext(slot.songs, this.runStats(slot).picks, `${this.input.channel.id}|${slot.key}`))!;
      const reason = `${quote(p.name)} (${p.playback})${slot.fellBack ? `; ${quote(slot.show)} has nothing playable: default rotation` : ''}`;
      return fromEntry('track', p, this.pickFrom(p, slot, 'track')!, reason, true);
    }
    const fallback = this.playlistById.get(this.input.channel.fallbackPlaylistId ?? '');
    const entry = fallback && this.pickFrom(fallback, slot, 'fallback');
    if (fallback && entry) return fromEntry('fallback', fallback, entry, `nothing playable in ${quote(slot.show)}: fallback playlist ${quote(fallback.name)}`, false);
    return {
      kind: 'emergency',
      assetId: null,
      itemId: null,
      requestId: null,
      playlistId: null,
      lengthMs: Math.max(1000, Math.round(this.opts.emergencySeconds * 1000)),
      cueIn: 0,
      prompt: keep,
      fromPlaylist: false,
      reason: `nothing playable in ${quote(slot.show)}, the rotation or the fallback playlist: emergency station ID`
    };
  }

  emit(item: PlannedItem): PlannedItem {
    this.items.push(item);
    this.record(item);
    return item;
  }

  emitBreak(start: number, end: number, block: { id: string | null; name: string }, reason: string): void {
    if (end <= start) return;
    this.emit({ kind: 'break', assetId: null, itemId: null, requestId: null, start, end, cueIn: 0, fadeIn: 0, fadeOut: 0, blockId: block.id, playlistId: null, show: block.name, prompt: null, reason, alert: false });
  }

  /** Whether a show change to `block` at a hard start needs the break before it. */
  breakBefore(block: BlockSnapshot, blockId: string | null, prompt: string | null | undefined): boolean {
    return this.breakMs > 0 && (block.id !== blockId || (block.prompt !== null && block.prompt !== (prompt ?? null)));
  }

  /** Where the item before a hard start must end: the break before the show starts there. */
  cutFor(hard: BlockOccurrence, blockId: string | null, prompt: string | null | undefined): number {
    return hard.start - (this.breakBefore(hard.block, blockId, prompt) ? this.breakMs : 0);
  }

  fadeOutFor(item: PlannedItem): number {
    return Math.max(0, Math.min(this.fadeMs, item.end - item.start - item.fadeIn * 1000)) / 1000;
  }

  /** Sets up the simulation from the history; returns where it continues. */
  anchor(): { t: number } {
    const { at } = this.input;
    const history = [...(this.input.history ?? [])].filter((r) => r.start <= at && r.end > r.start).sort((a, b) => a.start - b.start || a.end - b.end);
    let kept = history.length;
    while (kept > 0 && AUDIO.has(history[kept - 1].kind) && playableMs(this.input.assets[history[kept - 1].assetId ?? '']) === 0) kept--;
    const pulled = history[kept];
    const last = history[kept - 1];
    for (const r of history.slice(0, Math.max(0, kept - 1))) this.record(r);
    const catchUp = at - this.opts.catchUpHours * 3_600_000;
    // A pulled item that followed the last kept one is replaced from that boundary, as if it had never been chosen.
    if (last && last.end >= catchUp && (!pulled || last.end >= pulled.start)) return this.continueFrom(last);
    if (last) this.record(last);
    if (pulled && pulled.start >= catchUp) return { t: pulled.start };
    return { t: Math.max(startOfLocalDay(at, this.input.schedule.settings.timezone), last?.end ?? -Infinity) };
  }

  /** The last play, as the plan's first item: cut when a hard start (added since it began) falls inside it. */
  continueFrom(last: PlayRecord): { t: number } {
    const show = last.blockId === null ? ROTATION_SHOW : (this.input.schedule.blocks.find((b) => b.id === last.blockId)?.name ?? '');
    const recorded = Object.fromEntries(Object.entries(last).filter(([, v]) => v !== undefined)) as PlayRecord;
    const item: PlannedItem = { itemId: null, requestId: null, cueIn: 0, fadeIn: 0, fadeOut: 0, show, prompt: null, reason: 'on air (from the history)', alert: last.kind === 'emergency', ...recorded };
    const hard = this.occ.firstHardStart(last.start, last.end - 1);
    if (!hard) {
      this.emit(item);
      return { t: item.end };
    }
    let cut = last.kind === 'break' ? hard.start : this.cutFor(hard, last.blockId, last.prompt);
    if (cut <= last.start) cut = hard.start;
    item.end = cut;
    item.fadeOut = last.kind === 'break' ? 0 : this.fadeOutFor(item);
    item.reason += `; cut for the hard start of ${quote(hard.block.name)}`;
    this.emit(item);
    this.emitBreak(cut, hard.start, hard.block, `before the hard start of ${quote(hard.block.name)}`);
    return { t: hard.start };
  }

  /** One boundary: the next item (with the break before it, or the pause before a hard start). Returns the next boundary. */
  step(t: number): number {
    const hardHere = this.occ.hardStartAt(t);
    const slot = this.slotAt(t, hardHere ?? undefined);
    const prev = this.items.at(-1) ?? null;
    const atHard = hardHere !== null;
    const onAir = this.promptOnAir(slot.blockId);
    const cand = this.choose(slot, t, atHard, onAir);
    const showChange = prev !== null && prev.blockId !== slot.blockId;
    const promptChange = !showChange && cand.fromPlaylist && onAir !== undefined && cand.prompt !== onAir;
    const needBreak = this.breakMs > 0 && !atHard && prev !== null && prev.kind !== 'break' && (showChange || promptChange);
    let xf =
      !needBreak && !atHard && prev !== null && this.xfMs > 0 && AUDIO.has(prev.kind) && AUDIO.has(cand.kind) && prev.end - prev.start >= 2 * this.xfMs && cand.lengthMs >= 2 * this.xfMs
        ? this.xfMs
        : 0;
    let start = needBreak ? t + this.breakMs : t - xf;
    const breakReason = showChange ? `show change: ${quote(prev!.show)} → ${quote(slot.show)}` : 'generator prompt change';

    let end = start + cand.lengthMs;
    let cutBy: BlockOccurrence | null = null;
    const hard = this.occ.firstHardStart(t, end);
    if (hard) {
      const cut = this.cutFor(hard, slot.blockId, cand.fromPlaylist ? cand.prompt : onAir);
      if (end > cut) {
        // No crossfade into an item a hard start cuts: a replan from the history (which cannot tell a cut) agrees.
        if (xf) [xf, start, end] = [0, t, t + cand.lengthMs];
        if (cut - start < MIN_CUT_PLAY_MS) {
          this.emitBreak(t, hard.start, hard.block, `before the hard start of ${quote(hard.block.name)}`);
          return hard.start;
        }
        [end, cutBy] = [cut, hard];
      }
    }
    if (needBreak) this.emitBreak(t, start, { id: slot.blockId, name: slot.show }, breakReason);
    if (xf) prev!.fadeOut = xf / 1000;
    const item = this.emit({
      kind: cand.kind,
      assetId: cand.assetId,
      itemId: cand.itemId,
      requestId: cand.requestId,
      start,
      end,
      cueIn: cand.cueIn,
      fadeIn: xf / 1000,
      fadeOut: 0,
      blockId: slot.blockId,
      playlistId: cand.playlistId,
      show: slot.show,
      prompt: cand.prompt,
      reason: cand.reason,
      alert: cand.kind === 'emergency'
    });
    if (!cutBy) return end;
    item.fadeOut = this.fadeOutFor(item);
    item.reason += `; cut for the hard start of ${quote(cutBy.block.name)}`;
    this.emitBreak(end, cutBy.start, cutBy.block, `before the hard start of ${quote(cutBy.block.name)}`);
    return cutBy.start;
  }

  run(): PlannedItem[] {
    const { at, count } = this.input;
    let { t } = this.anchor();
    let ahead = this.items.filter((i) => i.end > at).length;
    // One item beyond `count`: an item's fade-out depends on whether the next crossfades into it.
    // Every step moves t forward by at least a second, so this ends; the cap guards against absurd inputs.
    for (let steps = 0; ahead <= count && steps < 1_000_000; steps++) {
      const before = this.items.length;
      t = this.step(t);
      for (let i = before; i < this.items.length; i++) if (this.items[i].end > at) ahead++;
    }
    return this.items.filter((i) => i.end > at).slice(0, count);
  }
}

/** The next `count` items from the one on air at `at`, with exact start times (see the rules at the top of this file). */
export function planPlayout(input: PlayoutInput): PlannedItem[] {
  if (!(input.count > 0)) return [];
  return new Planner(input).run();
}

export interface NowPlaying {
  item: PlannedItem;
  /** Seconds since the item started. */
  offset: number;
  /** Seconds into the file: where the worker seeks to resume. */
  position: number;
}

/**
 * What should be on air at `t` and how far into it: from a plan covering `t`, or straight from the inputs (the worker
 * after a restart). During a crossfade the incoming item is the answer; the outgoing one is fading away.
 */
export function nowPlaying(source: readonly PlannedItem[] | Omit<PlayoutInput, 'at' | 'count'>, t: number): NowPlaying | null {
  const plan = Array.isArray(source) ? (source as readonly PlannedItem[]) : planPlayout({ ...(source as Omit<PlayoutInput, 'at' | 'count'>), at: t, count: 2 });
  let found: PlannedItem | null = null;
  for (const item of plan) if (item.start <= t && t < item.end && (!found || item.start >= found.start)) found = item;
  if (!found) return null;
  const offset = (t - found.start) / 1000;
  return { item: found, offset, position: found.cueIn + offset };
}

/**
 * Everything a sound plan satisfies, as readable problems (empty when sound): items in start order, no gap and no
 * overlap except a crossfade (both sides fading over exactly the channel's crossfade), every asset item playable and
 * within its file, fades within the item, emergencies flagged. Tests run it on random inputs; a worker can too.
 */
export function validatePlan(plan: readonly PlannedItem[], input: Pick<PlayoutInput, 'assets' | 'channel'>): string[] {
  const problems: string[] = [];
  const xf = Math.round(input.channel.crossfadeSeconds * 1000);
  plan.forEach((item, i) => {
    const what = `item ${i} (${item.kind} ${item.assetId ?? ''})`;
    const length = item.end - item.start;
    if (!(length > 0)) problems.push(`${what} does not last`);
    if (!Number.isInteger(item.start) || !Number.isInteger(item.end)) problems.push(`${what} is not on whole milliseconds`);
    if ((item.fadeIn + item.fadeOut) * 1000 > length + 1e-6 || item.fadeIn < 0 || item.fadeOut < 0) problems.push(`${what} has fades longer than itself`);
    if (item.alert !== (item.kind === 'emergency')) problems.push(`${what} is flagged wrongly`);
    if (item.kind === 'break' || item.kind === 'emergency') {
      if (item.assetId !== null) problems.push(`${what} carries an asset`);
    } else {
      const asset = item.assetId === null ? undefined : input.assets[item.assetId];
      const playable = playableMs(asset);
      if (playable === 0) problems.push(`${what} plays an asset that cannot go on air`);
      else if (item.cueIn * 1000 + length > Math.max(0, asset!.cueIn ?? 0) * 1000 + playable + 1e-6) problems.push(`${what} runs past the end of its file`);
    }
    const prev = plan[i - 1];
    if (!prev) return;
    if (item.start < prev.start) problems.push(`${what} starts before the item before it`);
    const overlap = prev.end - item.start;
    if (overlap < 0) problems.push(`a gap of ${-overlap} ms before ${what}`);
    else if (overlap > 0) {
      const crossfade = overlap === xf && AUDIO.has(prev.kind) && AUDIO.has(item.kind) && prev.fadeOut * 1000 === xf && item.fadeIn * 1000 === xf;
      if (!crossfade) problems.push(`${what} overlaps the item before it by ${overlap} ms`);
    }
  });
  return problems;
}
