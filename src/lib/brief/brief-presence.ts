/**
 * The `brief` field of an awareness state: which photos each person has selected and which one they are looking at
 * in the detail panel. Awareness comes from other browsers unchecked, so everything read here is validated field by
 * field: a malformed field is dropped, the rest of that peer still shows.
 */
import { isPresenceId, MAX_SHARED_SELECTION, presenceSelection, readPeer, readPeers, type PeerIdentity } from '$lib/editor/model/presence';

/** What this tab shares (`awareness.setLocalStateField('brief', …)`). */
export interface BriefPresence {
  selection: string[];
  viewing: string | null;
}

export interface PeerBrief extends BriefPresence, PeerIdentity {}

/** Reads one awareness state; null when it has no `brief` field (a tab without the board). */
export function readPeerBrief(clientId: number, state: unknown): PeerBrief | null {
  return readPeer(clientId, state, 'brief', (brief) => ({
    selection: presenceSelection(brief.selection),
    viewing: isPresenceId(brief.viewing) ? brief.viewing : null
  }));
}

export function readPeerBriefs(states: ReadonlyMap<number, unknown>, selfClientId: number, selfUserId?: string): PeerBrief[] {
  return readPeers(states, selfClientId, selfUserId, readPeerBrief);
}

/** The field as published: the selection bounded as readers bound it. */
export function briefPresence(p: BriefPresence): BriefPresence {
  return { selection: p.selection.slice(0, MAX_SHARED_SELECTION), viewing: p.viewing };
}
