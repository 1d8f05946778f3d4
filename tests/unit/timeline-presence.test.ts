import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SHARED_SELECTION, UNKNOWN_COLOR } from '$lib/editor/model/presence';
import { clipMarks, readPeerTimeline, readPeerTimelines, timelinePresence } from '$lib/timeline/timeline-presence';

// Awareness states arrive from other browsers unchecked: every field is read as hostile input.
const ann = { id: 'u-ann', name: 'Ann', color: '#e11d48' };

describe('reading a peer’s timeline presence', () => {
  it('reads a well-formed state', () => {
    const peer = readPeerTimeline(7, { user: ann, timeline: { playhead: 3.5, selection: ['c1', 'c2'], editing: 'c1' } });
    expect(peer).toEqual({ clientId: 7, userId: 'u-ann', name: 'Ann', color: '#e11d48', playhead: 3.5, selection: ['c1', 'c2'], editing: 'c1' });
  });

  it('skips states without a timeline field, whatever they are', () => {
    for (const state of [null, undefined, 0, 'x', [], [1], { user: ann }, { user: ann, timeline: null }, { timeline: 'x' }, { timeline: [1, 2] }]) {
      expect(readPeerTimeline(1, state)).toBeNull();
    }
  });

  it('drops each malformed field and keeps the rest', () => {
    const bad = [Number.NaN, Infinity, -Infinity, -1, '3', null, {}, [], 2e6, true];
    for (const playhead of bad) {
      const peer = readPeerTimeline(1, { user: ann, timeline: { playhead, selection: ['c1'], editing: 'c1' } });
      expect(peer?.playhead).toBeNull();
      expect(peer?.selection).toEqual(['c1']);
      expect(peer?.editing).toBe('c1');
    }
    const peer = readPeerTimeline(1, { user: ann, timeline: { playhead: 2, selection: 'c1', editing: { id: 'c1' } } });
    expect(peer).toMatchObject({ playhead: 2, selection: [], editing: null });
  });

  it('keeps only plain ids in a selection, de-duplicated and bounded', () => {
    const selection = ['ok_1', 'ok_1', 'has space', '', 'x'.repeat(65), 42, null, { id: 'c' }, ['c'], '__proto__', 'a;b', '<img>'];
    expect(readPeerTimeline(1, { timeline: { selection } })?.selection).toEqual(['ok_1', '__proto__']);
    const many = Array.from({ length: 5000 }, (_, i) => `c${i}`);
    const read = readPeerTimeline(1, { timeline: { selection: many } })!.selection;
    expect(read).toHaveLength(MAX_SHARED_SELECTION);
    expect(read[0]).toBe('c0');
  });

  it('never lets a colour or name carry markup or CSS', () => {
    const peer = readPeerTimeline(1, { user: { name: '\u0000Ann\u001b[31m\n', color: 'red;background:url(//evil)' }, timeline: {} })!;
    expect(peer.color).toBe(UNKNOWN_COLOR);
    expect(peer.name).toBe('Ann[31m');
    expect(readPeerTimeline(1, { user: { name: 42, color: '#12345' }, timeline: {} })).toMatchObject({ name: 'Someone', color: UNKNOWN_COLOR, userId: null });
    expect(readPeerTimeline(1, { user: { name: 'x'.repeat(500) }, timeline: {} })!.name).toHaveLength(64);
  });

  it('leaves out this tab and sorts the others by name', () => {
    const states = new Map<number, unknown>([
      [1, { user: { name: 'Zoe' }, timeline: { playhead: 1 } }],
      [2, { user: { name: 'Me' }, timeline: { playhead: 2 } }],
      [3, { user: { name: 'Ann' }, timeline: { playhead: 3 } }],
      [4, { user: { name: 'Bob' } }]
    ]);
    expect(readPeerTimelines(states, 2).map((p) => p.name)).toEqual(['Ann', 'Zoe']);
  });

  it('never throws and only yields valid shapes, whatever JSON a peer sends', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), fc.jsonValue(), (user, timeline, junk) => {
        for (const state of [junk, { user, timeline }, { user: junk, timeline: { playhead: junk, selection: junk, editing: junk } }]) {
          const peer = readPeerTimeline(5, state);
          if (!peer) continue;
          expect(peer.playhead === null || (Number.isFinite(peer.playhead) && peer.playhead >= 0)).toBe(true);
          expect(peer.selection.every((id) => /^[A-Za-z0-9_-]{1,64}$/.test(id))).toBe(true);
          expect(peer.editing === null || /^[A-Za-z0-9_-]{1,64}$/.test(peer.editing)).toBe(true);
          expect(peer.color).toMatch(/^#[0-9a-fA-F]{6}$/);
          expect(typeof peer.name).toBe('string');
        }
      }),
      { numRuns: 300 }
    );
  });
});

describe('what this tab shares', () => {
  it('bounds the selection as readers do and reads back unchanged', () => {
    const selection = Array.from({ length: 300 }, (_, i) => `c${i}`);
    const shared = timelinePresence(1.5, selection, 'c3');
    expect(shared.selection).toHaveLength(MAX_SHARED_SELECTION);
    expect(readPeerTimeline(9, { user: ann, timeline: JSON.parse(JSON.stringify(shared)) })).toMatchObject({ playhead: 1.5, editing: 'c3', selection: shared.selection });
  });
});

describe('marks on clips', () => {
  it('lists who selected each clip, whoever edits it first', () => {
    const states = new Map<number, unknown>([
      [1, { user: { name: 'Ann', color: '#e11d48' }, timeline: { playhead: 0, selection: ['c1', 'c2'] } }],
      [2, { user: { name: 'Bob', color: '#2563eb' }, timeline: { playhead: 0, selection: ['c2'], editing: 'c2' } }]
    ]);
    const marks = clipMarks(readPeerTimelines(states, 99));
    expect(marks.get('c1')).toEqual([{ clientId: 1, name: 'Ann', color: '#e11d48', editing: false }]);
    expect(marks.get('c2')?.map((m) => `${m.name}:${m.editing}`)).toEqual(['Bob:true', 'Ann:false']);
    expect(marks.has('c3')).toBe(false);
  });
});
