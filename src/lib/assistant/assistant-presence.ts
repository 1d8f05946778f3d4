/**
 * The `assistant` field of an awareness state: the request a person is having answered and the reply so far, so
 * everyone sees a turn live before it lands in the conversation. Read field by field: awareness comes unchecked.
 */
import { readPeer, readPeers, type PeerIdentity } from '$lib/editor/model/presence';

export const SHARED_ASKING_MAX = 300;
export const SHARED_REPLY_MAX = 2000;

/** What this tab shares while the assistant answers it (null when idle). */
export interface AssistantPresence {
  asking: string;
  reply: string;
}

export interface PeerAsking extends AssistantPresence, PeerIdentity {}

const text = (v: unknown, max: number) => (typeof v === 'string' ? v.slice(-max) : '');

export function readPeerAsking(clientId: number, state: unknown): PeerAsking | null {
  const peer = readPeer(clientId, state, 'assistant', (a) => ({ asking: text(a.asking, SHARED_ASKING_MAX), reply: text(a.reply, SHARED_REPLY_MAX) }));
  return peer && peer.asking ? peer : null;
}

/** Every other tab with a turn under way. */
export function readPeersAsking(states: ReadonlyMap<number, unknown>, selfClientId: number): PeerAsking[] {
  return readPeers(states, selfClientId, undefined, readPeerAsking);
}

/** What this tab publishes: bounded as readers bound it (the reply's latest part). */
export function assistantPresence(asking: string, reply: string): AssistantPresence {
  return { asking: asking.slice(0, SHARED_ASKING_MAX), reply: reply.slice(-SHARED_REPLY_MAX) };
}
