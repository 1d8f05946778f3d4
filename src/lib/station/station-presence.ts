/**
 * The `station` field of an awareness state: which playlist each person has open, the items they selected, and the
 * show (block) they selected on the week calendar. Awareness comes from other browsers unchecked, so everything read
 * here is validated field by field: a malformed field is dropped, the rest of that peer still shows.
 */
import { isPresenceId, MAX_SHARED_SELECTION, presenceSelection, readPeer, readPeers, type PeerIdentity } from '$lib/editor/model/presence';

/** What this tab shares (`awareness.setLocalStateField('station', …)`). */
export interface StationPresence {
  playlistId: string | null;
  selection: string[];
  blockId: string | null;
}

/** Another tab in the station editors, as far as its awareness state could be trusted. */
export interface PeerStation extends StationPresence, PeerIdentity {}

/** Reads one awareness state; null when it has no `station` field (a tab without the station editors). */
export function readPeerStation(clientId: number, state: unknown): PeerStation | null {
  return readPeer(clientId, state, 'station', (station) => ({
    playlistId: isPresenceId(station.playlistId) ? station.playlistId : null,
    selection: presenceSelection(station.selection),
    blockId: isPresenceId(station.blockId) ? station.blockId : null
  }));
}

/** Every other tab's station presence; `selfUserId` also leaves out this person's other tabs. */
export function readPeerStations(states: ReadonlyMap<number, unknown>, selfClientId: number, selfUserId?: string): PeerStation[] {
  return readPeers(states, selfClientId, selfUserId, readPeerStation);
}

/** What this tab publishes: its previous field with `patch` over it, the selection bounded as readers bound it. */
export function mergeStationPresence(previous: unknown, patch: Partial<StationPresence>): StationPresence {
  const prev = readPeerStation(0, { station: previous }) ?? { playlistId: null, selection: [], blockId: null };
  const next = { playlistId: prev.playlistId, selection: prev.selection, blockId: prev.blockId, ...patch };
  return { playlistId: next.playlistId, selection: next.selection.slice(0, MAX_SHARED_SELECTION), blockId: next.blockId };
}

export interface PresenceMark {
  clientId: number;
  name: string;
  color: string;
}

/** Who has each id (a playlist, item, block or brief photo) selected, so a row or box can outline and tag it in their colour. */
export function presenceMarks<P extends PeerIdentity>(peers: readonly P[], pick: (p: P) => readonly (string | null)[]): Map<string, PresenceMark[]> {
  const marks = new Map<string, PresenceMark[]>();
  for (const p of peers) {
    for (const id of new Set(pick(p))) {
      if (!id) continue;
      const list = marks.get(id) ?? [];
      list.push({ clientId: p.clientId, name: p.name, color: p.color });
      marks.set(id, list);
    }
  }
  return marks;
}
