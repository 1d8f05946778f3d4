/**
 * The `timeline` field of an awareness state: where each person's playhead is, what they have selected, and which
 * clip they are dragging, trimming or inspecting. Awareness comes from other browsers unchecked, so everything read
 * here is validated field by field: a malformed field is dropped, the rest of that peer still shows.
 */
import { isPresenceId, MAX_SHARED_SELECTION, presenceSelection, readPeer, readPeers, type PeerIdentity } from '$lib/editor/model/presence';

/** What this tab shares (`awareness.setLocalStateField('timeline', …)`). */
export interface TimelinePresence {
  playhead: number;
  selection: string[];
  editing: string | null;
}

/** Another tab on this timeline, as far as its awareness state could be trusted. */
export interface PeerTimeline extends PeerIdentity {
  /** Seconds, or null when the peer shares none (or garbage). */
  playhead: number | null;
  selection: string[];
  editing: string | null;
}

/** Later than any cut: a playhead past this is garbage. */
const MAX_TIME = 1e6;

function playheadOf(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_TIME ? v : null;
}

/** Reads one awareness state; null when it has no `timeline` field at all (a tab not showing the timeline). */
export function readPeerTimeline(clientId: number, state: unknown): PeerTimeline | null {
  return readPeer(clientId, state, 'timeline', (timeline) => ({
    playhead: playheadOf(timeline.playhead),
    selection: presenceSelection(timeline.selection),
    editing: isPresenceId(timeline.editing) ? timeline.editing : null
  }));
}

/** Every other tab's timeline presence; `selfUserId` also leaves out this person's other tabs. */
export function readPeerTimelines(states: ReadonlyMap<number, unknown>, selfClientId: number, selfUserId?: string): PeerTimeline[] {
  return readPeers(states, selfClientId, selfUserId, readPeerTimeline);
}

/** What this tab publishes: the selection bounded as readers bound it. */
export function timelinePresence(playhead: number, selection: readonly string[], editing: string | null): TimelinePresence {
  return { playhead, selection: selection.slice(0, MAX_SHARED_SELECTION), editing };
}

export interface ClipMark {
  clientId: number;
  name: string;
  color: string;
  editing: boolean;
}

/** Per clip id: who has it selected or is editing it (an editor first), so a clip box can outline and tag it. */
export function clipMarks(peers: readonly PeerTimeline[]): Map<string, ClipMark[]> {
  const marks = new Map<string, ClipMark[]>();
  const add = (clipId: string, mark: ClipMark) => {
    const list = marks.get(clipId) ?? [];
    const existing = list.find((m) => m.clientId === mark.clientId);
    if (existing) existing.editing ||= mark.editing;
    else list.push(mark);
    marks.set(clipId, list);
  };
  for (const p of peers) {
    const base = { clientId: p.clientId, name: p.name, color: p.color };
    if (p.editing) add(p.editing, { ...base, editing: true });
    for (const id of p.selection) add(id, { ...base, editing: false });
  }
  for (const list of marks.values()) list.sort((a, b) => Number(b.editing) - Number(a.editing));
  return marks;
}
