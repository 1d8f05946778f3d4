import { describe, expect, it } from 'vitest';
import { applyPlaylistChanges } from '$lib/editor/model/playlist/changes';
import { playlistDuration } from '$lib/editor/model/playlist/duration';
import { normalizePlaylists } from '$lib/editor/model/playlist/normalize';
import * as pl from '$lib/editor/model/playlist/operations';
import type { PlaylistOperationResult } from '$lib/editor/model/playlist/operations';
import type { PlaylistsSnapshot, StationAssets } from '$lib/editor/model/playlist/snapshot';
import { validatePlaylists } from '$lib/editor/model/playlist/validate';
import { applyScheduleChanges } from '$lib/editor/model/schedule/changes';
import { normalizeSchedule } from '$lib/editor/model/schedule/normalize';
import * as sc from '$lib/editor/model/schedule/operations';
import type { ScheduleOperationResult } from '$lib/editor/model/schedule/operations';
import type { ScheduleSnapshot } from '$lib/editor/model/schedule/snapshot';
import { validateSchedule } from '$lib/editor/model/schedule/validate';
import { counterIds } from '../helpers/timeline';
import { playlistsOf, scheduleOf, song } from '../helpers/station';

const ASSETS: StationAssets = {
  a: song(200, { title: 'Alpha' }),
  b: song(100.5, { title: 'Bravo' }),
  c: song(60, { title: 'Charlie', cueIn: 5, cueOut: 50 }),
  pending: song(90, { approved: false, title: 'Pending one' }),
  blip: song(0.4, { title: 'Blip' })
};

/** Applies a successful playlist operation, checking the result is sound; fails the test on a refusal. */
function playlists(s: PlaylistsSnapshot, r: PlaylistOperationResult): PlaylistsSnapshot {
  if (!r.ok) expect.fail(`refused: ${r.reason}`);
  const next = applyPlaylistChanges(s, r.changes);
  expect(validatePlaylists(next)).toEqual([]);
  return next;
}

function schedule(s: ScheduleSnapshot, r: ScheduleOperationResult): ScheduleSnapshot {
  if (!r.ok) expect.fail(`refused: ${r.reason}`);
  const next = applyScheduleChanges(s, r.changes);
  expect(validateSchedule(next)).toEqual([]);
  return next;
}

const refusal = (r: { ok: boolean; reason?: string }) => (r.ok ? expect.fail('expected a refusal') : r.reason);
const assetsIn = (s: PlaylistsSnapshot, playlistId: string) => s.items.filter((i) => i.playlistId === playlistId).map((i) => i.assetId);

describe('playlist operations', () => {
  const empty: PlaylistsSnapshot = { playlists: [], items: [] };
  const opts = () => ({ newId: counterIds('n') });

  it('creates playlists with default names per kind, in order, with kind-appropriate defaults', () => {
    const o = opts();
    let s = playlists(empty, pl.createPlaylist(empty, {}, o));
    s = playlists(s, pl.createPlaylist(s, { kind: 'jingle' }, o));
    s = playlists(s, pl.createPlaylist(s, {}, o));
    s = playlists(s, pl.createPlaylist(s, { kind: 'generated', prompt: 'calm piano', index: 0 }, o));
    expect(s.playlists.map((p) => [p.name, p.kind, p.playback])).toEqual([
      ['Generated 1', 'generated', 'sequential'],
      ['Playlist 1', 'standard', 'shuffle'],
      ['Jingles 1', 'jingle', 'shuffle'],
      ['Playlist 2', 'standard', 'shuffle']
    ]);
    expect(s.playlists[0].prompt).toBe('calm piano');
    expect(refusal(pl.createPlaylist(s, { name: '   ' }, o))).toBe('A playlist needs a name.');
  });

  it('adds only approved, playable assets, once each, at the end or at an index', () => {
    let s = playlistsOf([{ id: 'p', assets: [] }]);
    s = playlists(s, pl.addPlaylistItems(s, { playlistId: 'p', assetIds: ['a', 'b'], assets: ASSETS }, opts()));
    s = playlists(s, pl.addPlaylistItems(s, { playlistId: 'p', assetIds: ['c'], index: 1, assets: ASSETS }, { newId: counterIds('m') }));
    expect(assetsIn(s, 'p')).toEqual(['a', 'c', 'b']);
    expect(refusal(pl.addPlaylistItems(s, { playlistId: 'p', assetIds: ['pending'], assets: ASSETS }))).toBe('Only approved media goes on air: approve "Pending one" first.');
    expect(refusal(pl.addPlaylistItems(s, { playlistId: 'p', assetIds: ['blip'], assets: ASSETS }))).toBe('"Blip" is too short to go on air.');
    expect(refusal(pl.addPlaylistItems(s, { playlistId: 'p', assetIds: ['gone'], assets: ASSETS }))).toBe('A file you are adding is no longer in the library.');
    expect(refusal(pl.addPlaylistItems(s, { playlistId: 'p', assetIds: ['a'], assets: ASSETS }))).toBe('That file is already in the playlist.');
    expect(refusal(pl.addPlaylistItems(s, { playlistId: 'x', assetIds: ['a'], assets: ASSETS }))).toBe('That playlist no longer exists.');
    // Adding a mix skips the ones already there.
    const mixed = pl.addPlaylistItems(s, { playlistId: 'p', assetIds: ['a', 'a'], assets: { ...ASSETS, d: song(30) } });
    expect(mixed.ok).toBe(false);
    const d = playlists(s, pl.addPlaylistItems(s, { playlistId: 'p', assetIds: ['a', 'd'], assets: { ...ASSETS, d: song(30) } }, { newId: counterIds('k') }));
    expect(assetsIn(d, 'p')).toEqual(['a', 'c', 'b', 'd']);
  });

  it('moves selected items together, keeping their order; only they get new keys', () => {
    const s = playlistsOf([{ id: 'p', assets: ['a', 'b', 'c', 'd', 'e'] }]);
    const ids = (x: string) => s.items.find((i) => i.assetId === x)!.id;
    const r = pl.movePlaylistItems(s, { itemIds: [ids('d'), ids('b')], index: 0 });
    const moved = playlists(s, r);
    expect(assetsIn(moved, 'p')).toEqual(['b', 'd', 'a', 'c', 'e']);
    expect(r.ok && r.changes.length).toBe(2);
    expect(assetsIn(playlists(s, pl.movePlaylistItems(s, { itemIds: [ids('a')], index: 99 })), 'p')).toEqual(['b', 'c', 'd', 'e', 'a']);
    expect(pl.movePlaylistItems(s, { itemIds: [ids('a')], index: 0 })).toEqual({ ok: true, changes: [], created: [] });
    const two = playlistsOf([{ id: 'p', assets: ['a'] }, { id: 'q', assets: ['b'] }]);
    expect(refusal(pl.movePlaylistItems(two, { itemIds: two.items.map((i) => i.id), index: 0 }))).toBe('Items move within one playlist at a time.');
  });

  it('re-keys the playlist when two items share a key (added offline at one spot)', () => {
    const base = playlistsOf([{ id: 'p', assets: ['a', 'b', 'c'] }]);
    const s: PlaylistsSnapshot = { ...base, items: base.items.map((i) => (i.assetId === 'c' ? { ...i, order: base.items[1].order } : i)) };
    const sorted = normalizePlaylists(s).snapshot;
    expect(assetsIn(sorted, 'p')).toEqual(['a', 'b', 'c']); // tie broken by id: p-b-1 < p-c-2
    const r = pl.movePlaylistItems(sorted, { itemIds: [sorted.items[0].id], index: 1 });
    expect(assetsIn(playlists(sorted, r), 'p')).toEqual(['b', 'a', 'c']);
    expect(r.ok && r.changes.length).toBe(3);
  });

  it('rules: only the fields named change; a blank prompt clears it; invalid rules are refused with the reason', () => {
    const s = playlistsOf([{ id: 'p', assets: ['a'], prompt: 'calm' }]);
    const r = pl.setPlaylistRules(s, { playlistId: 'p', kind: 'jingle', jingle: { every: 'hour', minute: 15 }, prompt: '  ' });
    expect(r.ok && r.changes).toEqual([{ op: 'update', kind: 'playlist', id: 'p', patch: { kind: 'jingle', jingle: { every: 'hour', minute: 15 }, prompt: null } }]);
    expect(pl.setPlaylistRules(s, { playlistId: 'p', playback: 'sequential' })).toEqual({ ok: true, changes: [], created: [] });
    expect(refusal(pl.setPlaylistRules(s, { playlistId: 'p', jingle: { every: 'hour', minute: 60 } }))).toBe('The minute is 0 to 59.');
    expect(refusal(pl.setPlaylistRules(s, { playlistId: 'p', noRepeat: -1 }))).toBe('No-repeat is 0 or more songs.');
    expect(refusal(pl.setPlaylistRules(s, { playlistId: 'p', jingle: { every: 'songs', songs: 0 } }))).toBe('A jingle plays at most once per song.');
  });

  it('rename, reorder, remove items, delete a playlist with its items', () => {
    let s = playlistsOf([{ id: 'p', assets: ['a', 'b'] }, { id: 'q', assets: ['c'] }]);
    s = playlists(s, pl.renamePlaylist(s, { playlistId: 'p', name: ' Morning ' }));
    expect(s.playlists[0].name).toBe('Morning');
    s = playlists(s, pl.reorderPlaylist(s, { playlistId: 'q', index: 0 }));
    expect(s.playlists.map((p) => p.id)).toEqual(['q', 'p']);
    s = playlists(s, pl.removePlaylistItems(s, { itemIds: [s.items.find((i) => i.assetId === 'a')!.id] }));
    expect(assetsIn(s, 'p')).toEqual(['b']);
    expect(refusal(pl.removePlaylistItems(s, { itemIds: ['nope'] }))).toBe('An item you are removing is no longer in the playlist.');
    s = playlists(s, pl.deletePlaylist(s, { playlistId: 'p' }));
    expect([s.playlists.map((p) => p.id), s.items.map((i) => i.assetId)]).toEqual([['q'], ['c']]);
    expect(refusal(pl.deletePlaylist(s, { playlistId: 'p' }))).toBe('That playlist no longer exists.');
  });

  it('the total duration counts only what goes on air, and says what is skipped and why', () => {
    const s = playlistsOf([{ id: 'p', assets: ['a', 'b', 'c', 'pending', 'gone', 'blip'] }]);
    const d = playlistDuration(s, 'p', ASSETS);
    expect(d.seconds).toBe(200 + 100.5 + 45);
    expect(d.playable).toBe(3);
    expect([d.missing, d.unapproved, d.tooShort]).toEqual([['p-gone-4'], ['p-pending-3'], ['p-blip-5']]);
    expect(pl.unplayableItems(s, 'p', ASSETS)).toEqual(['p-pending-3', 'p-gone-4', 'p-blip-5']);
  });

  it('items of a deleted playlist are left out of the view, not lost', () => {
    const s = playlistsOf([{ id: 'p', assets: ['a'] }, { id: 'q', assets: ['b'] }]);
    const reading = normalizePlaylists({ playlists: s.playlists.filter((p) => p.id !== 'p'), items: s.items });
    expect(reading.snapshot.items.map((i) => i.assetId)).toEqual(['b']);
    expect(reading.dropped.items).toEqual(['p-a-0']);
  });
});

describe('schedule operations', () => {
  const base = scheduleOf([{ id: 'm', name: 'Morning', start: '06:00', minutes: 180, weekdays: [1, 2, 3, 4, 5], dates: ['2026-12-31'] }], { timezone: 'Europe/Berlin' });
  const known = playlistsOf([{ id: 'p', assets: ['a'] }, { id: 'j', kind: 'jingle', assets: ['b'] }]);

  it('creates a show in the station’s zone by default, every day, soft, priority 0', () => {
    const s = schedule(base, sc.createBlock(base, { name: ' Drive ', startMinute: 16 * 60, durationMinutes: 120 }, { newId: counterIds('b') }));
    expect(s.blocks.find((b) => b.id === 'b1')).toEqual({
      id: 'b1',
      name: 'Drive',
      playlists: [],
      when: { startMinute: 960, weekdays: [1, 2, 3, 4, 5, 6, 7], dates: [] },
      durationMinutes: 120,
      timezone: 'Europe/Berlin',
      startMode: 'soft',
      priority: 0,
      prompt: null
    });
    expect(refusal(sc.createBlock(base, { name: 'X', startMinute: 0, durationMinutes: 0 }))).toBe('A block lasts at least a minute.');
    expect(refusal(sc.createBlock(base, { name: 'X', startMinute: 0, durationMinutes: 1441 }))).toBe('A block lasts at most 24 hours (repeat it on more days instead).');
    expect(refusal(sc.createBlock(base, { name: 'X', startMinute: 0, durationMinutes: 60, timezone: 'Mars/Base' }))).toBe('Pick a time zone from the list (like Europe/Berlin).');
    expect(refusal(sc.createBlock(base, { name: 'X', startMinute: 0, durationMinutes: 60, weekdays: [] }))).toBe('Pick at least one weekday or date for the show.');
    expect(refusal(sc.createBlock(base, { name: 'X', startMinute: 0, durationMinutes: 60, playlists: [{ playlistId: 'zz', weight: 1 }] }, { playlists: known }))).toBe('A playlist for this show no longer exists.');
    expect(refusal(sc.createBlock(base, { name: 'X', startMinute: 0, durationMinutes: 60, playlists: [{ playlistId: 'p', weight: 1 }, { playlistId: 'p', weight: 2 }] }))).toBe('A playlist is listed once (raise its weight instead).');
  });

  it('moving past midnight shifts every weekday and date with the show', () => {
    const later = schedule(base, sc.moveBlock(base, { blockId: 'm', startMinute: 23 * 60 + 30, dayShift: 4 }));
    expect(later.blocks[0].when).toEqual({ startMinute: 1410, weekdays: [1, 2, 5, 6, 7], dates: ['2027-01-04'] });
    const earlier = schedule(base, sc.moveBlock(base, { blockId: 'm', startMinute: -30 }));
    expect(earlier.blocks[0].when).toEqual({ startMinute: 1410, weekdays: [1, 2, 3, 4, 7], dates: ['2026-12-30'] });
    expect(sc.moveBlock(base, { blockId: 'm', startMinute: 360 })).toEqual({ ok: true, changes: [], created: [] });
  });

  it('resizing the end sets the length; resizing the start keeps the end, across midnight too', () => {
    expect(schedule(base, sc.resizeBlock(base, { blockId: 'm', edge: 'end', durationMinutes: 240 })).blocks[0].durationMinutes).toBe(240);
    const earlier = schedule(base, sc.resizeBlock(base, { blockId: 'm', edge: 'start', startMinute: 5 * 60 }));
    expect([earlier.blocks[0].when.startMinute, earlier.blocks[0].durationMinutes]).toEqual([300, 240]);
    const overnight = schedule(base, sc.resizeBlock(base, { blockId: 'm', edge: 'start', startMinute: 23 * 60, dayShift: -1 }));
    expect([overnight.blocks[0].when, overnight.blocks[0].durationMinutes]).toEqual([{ startMinute: 1380, weekdays: [1, 2, 3, 4, 7], dates: ['2026-12-30'] }, 600]);
    expect(refusal(sc.resizeBlock(base, { blockId: 'm', edge: 'start', startMinute: 9 * 60 }))).toBe('A show lasts at least a minute: the start cannot pass its end.');
  });

  it('edit changes only what the form changed; weekdays and dates are kept sorted and unique', () => {
    const r = sc.editBlock(base, { blockId: 'm', name: 'Morning', weekdays: [7, 1, 1], startMode: 'hard', priority: 3, prompt: ' sunrise ', playlists: [{ playlistId: 'p', weight: 2 }] }, { playlists: known });
    expect(r.ok && r.changes).toEqual([
      {
        op: 'update',
        kind: 'block',
        id: 'm',
        patch: { playlists: [{ playlistId: 'p', weight: 2 }], startMode: 'hard', priority: 3, prompt: 'sunrise', when: { startMinute: 360, weekdays: [1, 7], dates: ['2026-12-31'] } }
      }
    ]);
    expect(refusal(sc.editBlock(base, { blockId: 'm', priority: 101 }))).toBe('Priority is -100 to 100.');
    expect(refusal(sc.editBlock(base, { blockId: 'm', dates: ['2026-02-30'] }))).toBe('A date is YYYY-MM-DD.');
    expect(refusal(sc.editBlock(base, { blockId: 'gone', name: 'x' }))).toBe('That show is no longer on the schedule.');
  });

  it('rotation and station settings; deleting a playlist forgets it everywhere', () => {
    let s = schedule(base, sc.setRotation(base, { rotation: [{ playlistId: 'p', weight: 1 }, { playlistId: 'j', weight: 1 }] }, { playlists: known }));
    s = schedule(s, sc.editBlock(s, { blockId: 'm', playlists: [{ playlistId: 'p', weight: 3 }] }));
    s = schedule(s, sc.setScheduleSettings(s, { breakSeconds: 5, hardStartFadeSeconds: 1, timezone: 'America/New_York' }));
    expect(s.settings).toMatchObject({ breakSeconds: 5, hardStartFadeSeconds: 1, timezone: 'America/New_York' });
    expect(refusal(sc.setScheduleSettings(s, { breakSeconds: 31 }))).toBe('The break is at most 30 seconds.');
    expect(refusal(sc.setRotation(s, { rotation: [{ playlistId: 'zz', weight: 1 }] }, { playlists: known }))).toBe('A playlist in the rotation no longer exists.');
    s = schedule(s, sc.forgetPlaylist(s, { playlistId: 'p' }));
    expect([s.settings.rotation, s.blocks[0].playlists]).toEqual([[{ playlistId: 'j', weight: 1 }], []]);
    expect(sc.forgetPlaylist(s, { playlistId: 'p' })).toEqual({ ok: true, changes: [], created: [] });
    s = schedule(s, sc.deleteBlock(s, { blockId: 'm' }));
    expect(s.blocks).toEqual([]);
  });

  it('links to a playlist deleted concurrently are left out of the view and reported', () => {
    const s = scheduleOf([{ id: 'm', start: '06:00', minutes: 60, playlists: [{ playlistId: 'p', weight: 1 }, { playlistId: 'gone', weight: 2 }] }], { rotation: [{ playlistId: 'gone', weight: 1 }] });
    const reading = normalizeSchedule(s, new Set(['p']));
    expect(reading.snapshot.blocks[0].playlists).toEqual([{ playlistId: 'p', weight: 1 }]);
    expect(reading.snapshot.settings.rotation).toEqual([]);
    expect(reading.dropped.links).toEqual([
      { blockId: null, playlistId: 'gone' },
      { blockId: 'm', playlistId: 'gone' }
    ]);
    expect(validateSchedule(s, new Set(['p']))).toEqual(['the rotation plays missing playlist gone', 'block m plays missing playlist gone']);
    expect(validateSchedule(reading.snapshot, new Set(['p']))).toEqual([]);
  });
});
