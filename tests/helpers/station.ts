import { keysBetween } from '$lib/editor/model/order';
import { sortPlaylists } from '$lib/editor/model/playlist/changes';
import { newPlaylist } from '$lib/editor/model/playlist/playlist';
import type { PlaylistItemSnapshot, PlaylistSnapshot, PlaylistsSnapshot, StationAsset } from '$lib/editor/model/playlist/snapshot';
import { newBlock } from '$lib/editor/model/schedule/block';
import { sortSchedule } from '$lib/editor/model/schedule/changes';
import { DEFAULT_SCHEDULE_SETTINGS } from '$lib/editor/model/schedule/schedule-settings';
import type { BlockSnapshot, ScheduleSettings, ScheduleSnapshot } from '$lib/editor/model/schedule/snapshot';
import type { PlannedItem, PlayoutInput } from '$lib/editor/model/schedule/playout-plan';

/** Milliseconds of an ISO instant (with its offset or Z). */
export const at = (iso: string) => Date.parse(iso);
export const MIN = 60_000;
export const SEC = 1000;

/** An approved asset of `seconds`. */
export const song = (seconds: number, extra: Partial<StationAsset> = {}): StationAsset => ({ duration: seconds, approved: true, ...extra });

/** `n` approved assets `prefix1…prefixN` of `seconds` each. */
export function songs(prefix: string, n: number, seconds: number): Record<string, StationAsset> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i + 1}`, song(seconds)]));
}

export type PlaylistDef = { id: string; assets: string[] } & Partial<Omit<PlaylistSnapshot, 'id' | 'order'>>;

/** Playlists in the order given; item ids are `<playlist>-<asset>-<index>`. */
export function playlistsOf(defs: readonly PlaylistDef[]): PlaylistsSnapshot {
  const orders = keysBetween(null, null, Math.max(1, defs.length));
  const playlists: PlaylistSnapshot[] = [];
  const items: PlaylistItemSnapshot[] = [];
  defs.forEach(({ assets, ...def }, i) => {
    playlists.push({ ...newPlaylist({ name: def.id, kind: def.kind, order: orders[i], id: def.id, playback: def.playback ?? 'sequential', noRepeat: def.noRepeat ?? 0 }), ...def });
    const keys = keysBetween(null, null, Math.max(1, assets.length));
    assets.forEach((assetId, j) => items.push({ id: `${def.id}-${assetId}-${j}`, playlistId: def.id, assetId, order: keys[j] }));
  });
  return sortPlaylists({ playlists, items });
}

export type BlockDef = { id: string; start: string; minutes: number } & Partial<Omit<BlockSnapshot, 'id' | 'when' | 'durationMinutes'>> & { weekdays?: number[]; dates?: string[] };

/** Blocks from readable definitions: `start` is local HH:MM. */
export function scheduleOf(blocks: readonly BlockDef[], settings: Partial<ScheduleSettings> = {}): ScheduleSnapshot {
  const list = blocks.map(({ id, start, minutes, weekdays, dates, ...rest }) => {
    const [h, m] = start.split(':').map(Number);
    return { ...newBlock({ id, name: rest.name ?? id, startMinute: h * 60 + m, durationMinutes: minutes, timezone: rest.timezone ?? settings.timezone ?? 'UTC', weekdays, dates }), ...rest };
  });
  return sortSchedule({ settings: { ...DEFAULT_SCHEDULE_SETTINGS, ...settings }, blocks: list });
}

export const CHANNEL = { id: 'ch1', crossfadeSeconds: 0, fallbackPlaylistId: null };

export function inputOf(parts: Pick<PlayoutInput, 'playlists' | 'schedule' | 'assets'> & Partial<PlayoutInput>): PlayoutInput {
  return { channel: CHANNEL, at: at('2026-01-05T00:00:00Z'), count: 20, ...parts };
}

/** A plan line for readable failures: kind, asset, times as ISO. */
export function describe(items: readonly PlannedItem[]): string[] {
  return items.map((i) => `${new Date(i.start).toISOString().slice(11, 23)} ${new Date(i.end).toISOString().slice(11, 23)} ${i.kind} ${i.assetId ?? '-'} ${i.show}`);
}
