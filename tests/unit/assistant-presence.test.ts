import { describe, expect, it } from 'vitest';
import { assistantPresence, readPeersAsking, SHARED_ASKING_MAX, SHARED_REPLY_MAX } from '$lib/assistant/assistant-presence';

// Teammates' assistant turns under way, read from awareness states that come from other browsers unchecked.
const user = (id: string, name: string) => ({ id, name, username: name.toLowerCase(), color: '#2563eb', role: 'editor' });

describe('assistant presence', () => {
  it('lists other tabs with a turn under way, with the reply so far', () => {
    const states = new Map<number, unknown>([
      [1, { user: user('ana1', 'Ana'), assistant: { asking: 'add 2 lofi tracks to Morning Mix', reply: 'Adding' } }],
      [2, { user: user('ben1', 'Ben'), assistant: null }],
      [3, { user: user('me', 'Me'), assistant: { asking: 'mine', reply: '' } }]
    ]);
    expect(readPeersAsking(states, 3)).toEqual([{ clientId: 1, userId: 'ana1', name: 'Ana', color: '#2563eb', asking: 'add 2 lofi tracks to Morning Mix', reply: 'Adding' }]);
  });

  it('drops malformed fields and bounds what it keeps', () => {
    const states = new Map<number, unknown>([
      [1, { user: user('ana1', 'Ana'), assistant: { asking: 42, reply: 'x' } }],
      [2, { user: { id: 'bad id!', name: '\u0007' }, assistant: { asking: 'a'.repeat(5000), reply: ['no'] } }],
      [3, { assistant: 'asking' }]
    ]);
    const peers = readPeersAsking(states, 0);
    expect(peers).toHaveLength(1);
    expect(peers[0]).toMatchObject({ userId: null, name: 'Someone', color: '#888888', reply: '' });
    expect(peers[0].asking).toHaveLength(SHARED_ASKING_MAX);
  });

  it('publishes within the bounds readers keep: the reply’s latest part', () => {
    const shared = assistantPresence('q'.repeat(1000), 'a'.repeat(SHARED_REPLY_MAX) + 'tail');
    expect(shared.asking).toHaveLength(SHARED_ASKING_MAX);
    expect(shared.reply).toHaveLength(SHARED_REPLY_MAX);
    expect(shared.reply.endsWith('tail')).toBe(true);
  });
});
