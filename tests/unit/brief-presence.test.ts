import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SHARED_SELECTION } from '$lib/editor/model/presence';
import { briefPresence, readPeerBrief, readPeerBriefs } from '$lib/brief/brief-presence';
import { presenceMarks } from '$lib/station/station-presence';

// The brief board's awareness field arrives from other browsers unchecked: every field is read as hostile input.
const ann = { id: 'u-ann', name: 'Ann', color: '#e11d48' };

describe('reading a peer’s brief presence', () => {
  it('reads a well-formed state, and drops each malformed field keeping the rest', () => {
    expect(readPeerBrief(3, { user: ann, brief: { selection: ['p1', 'p2'], viewing: 'p2' } })).toEqual({ clientId: 3, userId: 'u-ann', name: 'Ann', color: '#e11d48', selection: ['p1', 'p2'], viewing: 'p2' });
    for (const bad of [null, 5, {}, [], '', 'has space', 'x'.repeat(65), '<img onerror>', true]) {
      expect(readPeerBrief(1, { user: ann, brief: { selection: ['p1', bad, 'p1'], viewing: bad } })).toMatchObject({ selection: ['p1'], viewing: null });
    }
    for (const state of [null, 1, { user: ann }, { user: ann, brief: null }, { brief: 'p1' }]) expect(readPeerBrief(1, state)).toBeNull();
  });

  it('never throws and always yields a well-formed peer or null, whatever arrives', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (user, brief) => {
        const peer = readPeerBrief(1, { user, brief });
        if (peer === null) return;
        expect(peer.color).toMatch(/^#[0-9a-fA-F]{6}$/);
        for (const id of [peer.viewing, ...peer.selection]) if (id !== null) expect(id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
      })
    );
  });

  it('bounds what this tab publishes, and marks each photo with who has it selected or open', () => {
    expect(briefPresence({ selection: Array.from({ length: 999 }, (_, i) => `p${i}`), viewing: 'p1' }).selection).toHaveLength(MAX_SHARED_SELECTION);
    const peers = readPeerBriefs(
      new Map<number, unknown>([
        [1, { user: ann, brief: { selection: ['p1'], viewing: 'p1' } }],
        [2, { user: { id: 'u-bob', name: 'Bob', color: '#0000ff' }, brief: { selection: [], viewing: 'p1' } }],
        [9, { user: { id: 'u-me', name: 'Me', color: '#00ff00' }, brief: { selection: ['p2'], viewing: null } }]
      ]),
      9
    );
    const marks = presenceMarks(peers, (p) => [...p.selection, p.viewing]);
    expect(marks.get('p1')?.map((m) => m.name)).toEqual(['Ann', 'Bob']);
    expect(marks.has('p2')).toBe(false);
  });
});
