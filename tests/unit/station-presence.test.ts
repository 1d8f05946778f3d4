import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SHARED_SELECTION, UNKNOWN_COLOR } from '$lib/editor/model/presence';
import { mergeStationPresence, presenceMarks, readPeerStation, readPeerStations } from '$lib/station/station-presence';

// The station editors' awareness field arrives from other browsers unchecked: every field is read as hostile input.
const ann = { id: 'u-ann', name: 'Ann', color: '#e11d48' };

describe('reading a peer’s station presence', () => {
  it('reads a well-formed state', () => {
    expect(readPeerStation(3, { user: ann, station: { playlistId: 'p1', selection: ['i1', 'i2'], blockId: 'b1' } })).toEqual({
      clientId: 3,
      userId: 'u-ann',
      name: 'Ann',
      color: '#e11d48',
      playlistId: 'p1',
      selection: ['i1', 'i2'],
      blockId: 'b1'
    });
  });

  it('skips states without a station field', () => {
    for (const state of [null, undefined, 1, 'x', [], { user: ann }, { user: ann, station: null }, { station: [1] }, { station: 'p1' }]) {
      expect(readPeerStation(1, state)).toBeNull();
    }
  });

  it('drops each malformed field and keeps the rest', () => {
    for (const bad of [null, 5, {}, [], '', 'has space', 'x'.repeat(65), '<script>', true]) {
      const peer = readPeerStation(1, { user: ann, station: { playlistId: bad, selection: ['i1', bad, 'i1'], blockId: 'b1' } });
      expect(peer).toMatchObject({ playlistId: null, selection: ['i1'], blockId: 'b1' });
      expect(readPeerStation(1, { user: ann, station: { playlistId: 'p1', selection: bad, blockId: bad } })).toMatchObject({ playlistId: 'p1', selection: [], blockId: null });
    }
  });

  it('names and colours garbage as someone in grey, control characters stripped', () => {
    expect(readPeerStation(1, { user: { id: 7, name: '\u0000\u0007 ', color: 'red' }, station: {} })).toMatchObject({ userId: null, name: 'Someone', color: UNKNOWN_COLOR });
    expect(readPeerStation(1, { user: { name: 'Bo\nb', color: '#00ff00' }, station: {} })).toMatchObject({ name: 'Bob', color: '#00ff00' });
  });

  it('bounds a huge selection', () => {
    const selection = Array.from({ length: 5000 }, (_, i) => `i${i}`);
    expect(readPeerStation(1, { station: { selection } })!.selection).toHaveLength(MAX_SHARED_SELECTION);
  });

  it('never throws and always yields a well-formed peer or null, whatever arrives', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (user, station) => {
        const peer = readPeerStation(1, { user, station });
        if (peer === null) return;
        expect(typeof peer.name).toBe('string');
        expect(peer.color).toMatch(/^#[0-9a-fA-F]{6}$/);
        expect(Array.isArray(peer.selection)).toBe(true);
        for (const id of [peer.playlistId, peer.blockId, ...peer.selection]) if (id !== null) expect(id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
      })
    );
  });

  it('lists other tabs only, leaving out this tab and (when asked) this person’s other tabs', () => {
    const states = new Map<number, unknown>([
      [1, { user: ann, station: { playlistId: 'p1' } }],
      [2, { user: { id: 'u-bob', name: 'Bob', color: '#0000ff' }, station: { blockId: 'b1' } }],
      [3, { user: ann, station: { playlistId: 'p2' } }],
      [4, { user: { id: 'u-cy', name: 'Cy' } }]
    ]);
    expect(readPeerStations(states, 1).map((p) => p.clientId)).toEqual([3, 2]);
    expect(readPeerStations(states, 2, 'u-ann').map((p) => p.clientId)).toEqual([]);
  });
});

describe('what this tab shares', () => {
  it('merges one editor’s half over the other’s, repairing a garbled previous field', () => {
    const after = mergeStationPresence({ playlistId: 'p1', selection: ['i1'], blockId: null }, { blockId: 'b2' });
    expect(after).toEqual({ playlistId: 'p1', selection: ['i1'], blockId: 'b2' });
    expect(mergeStationPresence('garbage', { playlistId: 'p3' })).toEqual({ playlistId: 'p3', selection: [], blockId: null });
    expect(mergeStationPresence(null, { selection: Array.from({ length: 999 }, (_, i) => `i${i}`) }).selection).toHaveLength(MAX_SHARED_SELECTION);
  });

  it('marks each id with who has it, once per tab', () => {
    const peers = readPeerStations(
      new Map<number, unknown>([
        [5, { user: ann, station: { playlistId: 'p1', selection: ['i1', 'i2'], blockId: 'b1' } }],
        [6, { user: { id: 'u-bob', name: 'Bob', color: '#0000ff' }, station: { playlistId: 'p1', selection: [], blockId: 'b1' } }]
      ]),
      0
    );
    const marks = presenceMarks(peers, (p) => [p.playlistId, ...p.selection]);
    expect(marks.get('p1')?.map((m) => m.name)).toEqual(['Ann', 'Bob']);
    expect(marks.get('i2')?.map((m) => m.name)).toEqual(['Ann']);
    expect(marks.has('b1')).toBe(false);
  });
});
