import { describe, expect, it } from 'vitest';
import type { AssetJson } from '../../src/lib/asset';
import { compareAssets, filterParams, LibraryState, matchesFilters, DEFAULT_FILTERS } from '../../src/lib/library/library.svelte';

let seq = 0;
function asset(over: Partial<AssetJson> = {}): AssetJson {
  seq++;
  return {
    id: `a${String(seq).padStart(3, '0')}`,
    projectId: 'p1',
    kind: 'audio',
    status: 'approved',
    rejectionReason: null,
    sha256: 'x'.repeat(64),
    bytes: 1000,
    mime: 'audio/mpeg',
    originalName: 'file.mp3',
    title: `Asset ${seq}`,
    artist: '',
    description: '',
    category: '',
    tags: [],
    duration: 30,
    width: null,
    height: null,
    processing: { state: 'ready', error: null, jobId: null },
    probe: null,
    variants: [],
    url: '/x',
    uploadedBy: null,
    render: null,
    createdAt: 1000 + seq,
    updatedAt: 1000 + seq,
    ...over
  };
}

const page = (assets: AssetJson[], total = assets.length) => ({ assets, total, offset: 0, limit: 48 });
const titles = (l: LibraryState) => l.items.map((a) => a.title);

describe('library filters in the browser mirror the API', () => {
  it('matches kind, status, processing, tag, duration buckets and the search fields', () => {
    const a = asset({ title: 'Morning Jingle', tags: ['station id'], duration: 45, kind: 'audio', status: 'pending' });
    expect(matchesFilters(a, DEFAULT_FILTERS)).toBe(true);
    expect(matchesFilters(a, { ...DEFAULT_FILTERS, kind: 'video' })).toBe(false);
    expect(matchesFilters(a, { ...DEFAULT_FILTERS, status: 'pending' })).toBe(true);
    expect(matchesFilters(a, { ...DEFAULT_FILTERS, processing: 'running' })).toBe(false);
    expect(matchesFilters(a, { ...DEFAULT_FILTERS, tag: 'Station ID' })).toBe(true);
    expect(matchesFilters(a, { ...DEFAULT_FILTERS, tag: 'station' })).toBe(false);
    expect(matchesFilters(a, { ...DEFAULT_FILTERS, duration: 'short' })).toBe(true);
    expect(matchesFilters(a, { ...DEFAULT_FILTERS, duration: 'medium' })).toBe(false);
    expect(matchesFilters(asset({ duration: null }), { ...DEFAULT_FILTERS, duration: 'long' })).toBe(false);
    expect(matchesFilters(a, { ...DEFAULT_FILTERS, q: 'jingle' })).toBe(true);
    expect(matchesFilters(a, { ...DEFAULT_FILTERS, q: 'STATION' })).toBe(true);
    expect(matchesFilters(a, { ...DEFAULT_FILTERS, q: 'weather' })).toBe(false);
  });

  it('builds the query string the API takes', () => {
    const p = filterParams({ ...DEFAULT_FILTERS, q: ' news ', kind: 'video', duration: 'medium', sort: 'title' });
    expect(Object.fromEntries(p)).toEqual({ q: 'news', kind: 'video', minDuration: '60', maxDuration: '300', sort: 'title' });
  });

  it('orders like the server, ties by id, unknown durations last', () => {
    const x = asset({ title: 'b', duration: null });
    const y = asset({ title: 'A', duration: 10 });
    expect(compareAssets(y, x, 'title')).toBeLessThan(0);
    expect(compareAssets(y, x, 'duration')).toBeLessThan(0);
    expect(compareAssets(y, x, 'newest')).toBeLessThan(0);
    expect(compareAssets(x, y, 'oldest')).toBeLessThan(0);
  });
});

describe('LibraryState live updates', () => {
  it('inserts a new asset at its sorted place and counts it, when everything is loaded', () => {
    const old = asset({ title: 'old' });
    const lib = new LibraryState('p1', page([old]));
    lib.applyChanged(asset({ title: 'fresh' }));
    expect(titles(lib)).toEqual(['fresh', 'old']);
    expect(lib.total).toBe(2);
  });

  it('ignores other filters’ assets, drops assets that leave the filter, and updates in place', () => {
    const a = asset({ title: 'pending one', status: 'pending' });
    const lib = new LibraryState('p1', page([a]));
    lib.filters = { ...lib.filters, status: 'pending' };
    lib.applyChanged(asset({ title: 'approved', status: 'approved' }));
    expect(titles(lib)).toEqual(['pending one']);
    lib.selected.add(a.id);
    lib.applyChanged({ ...a, title: 'renamed', updatedAt: a.updatedAt + 1 });
    expect(titles(lib)).toEqual(['renamed']);
    lib.applyChanged({ ...a, status: 'approved', updatedAt: a.updatedAt + 2 });
    expect(titles(lib)).toEqual([]);
    expect(lib.total).toBe(0);
    expect(lib.selected.size).toBe(0);
  });

  it('never goes back to an older copy of an asset', () => {
    const a = asset({ title: 'new title' });
    const lib = new LibraryState('p1', page([a]));
    lib.applyChanged({ ...a, title: 'stale', updatedAt: a.updatedAt - 5 });
    expect(titles(lib)).toEqual(['new title']);
  });

  it('leaves an asset past the loaded pages for "Load more"', () => {
    const loaded = [asset({ title: 'b' }), asset({ title: 'c' })];
    const lib = new LibraryState('p1', page(loaded, 10));
    lib.filters = { ...lib.filters, sort: 'title' };
    lib.applyChanged(asset({ title: 'z' }));
    expect(titles(lib)).toEqual(['b', 'c']);
    lib.applyChanged(asset({ title: 'a' }));
    expect(titles(lib)).toEqual(['a', 'b', 'c']);
    expect(lib.hasMore).toBe(true);
  });

  it('moves an asset when its sort key changes, and removes it on delete', () => {
    const [a, b, c] = [asset({ title: 'a' }), asset({ title: 'b' }), asset({ title: 'c' })];
    const lib = new LibraryState('p1', page([a, b, c]));
    lib.filters = { ...lib.filters, sort: 'title' };
    lib.applyChanged({ ...a, title: 'd', updatedAt: a.updatedAt + 1 });
    expect(titles(lib)).toEqual(['b', 'c', 'd']);
    lib.applyDeleted(b.id);
    expect(titles(lib)).toEqual(['c', 'd']);
    expect(lib.total).toBe(2);
    expect(lib.deleted.has(b.id)).toBe(true);
  });
});
