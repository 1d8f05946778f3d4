/**
 * The `staging` field of an awareness state: which photo's staging board a person has open and which cut-out they
 * are editing. Read field by field (awareness comes from other browsers unchecked).
 */
import { isPresenceId, readPeer, readPeers, type PeerIdentity } from '$lib/editor/model/presence';

export interface StagingPresence {
  photoId: string | null;
  placementId: string | null;
}

export interface PeerStaging extends StagingPresence, PeerIdentity {}

export function readPeerStaging(clientId: number, state: unknown): PeerStaging | null {
  return readPeer(clientId, state, 'staging', (s) => ({
    photoId: isPresenceId(s.photoId) ? s.photoId : null,
    placementId: isPresenceId(s.placementId) ? s.placementId : null
  }));
}

export function readPeerStagings(states: ReadonlyMap<number, unknown>, selfClientId: number): PeerStaging[] {
  return readPeers(states, selfClientId, undefined, readPeerStaging);
}
