/**
 * The `timeline` field of an awareness state: where each person's playhead is, what they have selected, and which
 * clip they are dragging, trimming or inspecting. Awareness comes from other browsers unchecked, so everything read
 * here is validated field by field: a malformed field is dropped, the rest of that peer still shows.
 */

/** What this tab shares (`awareness.setLocalStateField('timeline', …)`). */
export interface TimelinePresence {
  playhead: number;
  selection: string[];
  editing: string | null;
}

/** Another tab on this timeline, as far as its awareness state could be trusted. */
export interface PeerTimeline {
  clientId: number;
  /** The account behind the tab (several tabs of one person share it), or null when not given. */
  userId: string | null;
  name: string;
  color: string;
  /** Seconds, or null when the peer shares none (or garbage). */
  playhead: number | null;
  selection: string[];
  editing: string | null;
}

/** A selection of thousands of clips is shared as its first ones: enough to show, bounded for the wire. */
export const MAX_SHARED_SELECTION = 200;
/** Later than any cut: a playhead past this is garbage. */
const MAX_TIME = 1e6;
const ID_SHAPE = /^[A-Za-z0-9_-]{1,64}$/;
const COLOR_SHAPE = /^#[0-9a-fA-F]{6}$/;
export const UNKNOWN_COLOR = '#888888';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is string => typeof v === 'string' && ID_SHAPE.test(v);

function playheadOf(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_TIME ? v : null;
}

function selectionOf(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  const ids = new Set<string>();
  for (const id of v.slice(0, MAX_SHARED_SELECTION)) if (isId(id)) ids.add(id);
  return [...ids];
}

function nameOf(v: unknown): string {
  // Control characters would garble tags and titles; an empty name reads as nobody.
  const name = typeof v === 'string' ? v.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 64) : '';
  return name || 'Someone';
}

/** Reads one awareness state; null when it has no `timeline` field at all (a tab not showing the timeline). */
export function readPeerTimeline(clientId: number, state: unknown): PeerTimeline | null {
  if (!isRecord(state) || !isRecord(state.timeline)) return null;
  const user = isRecord(state.user) ? state.user : {};
  const { timeline } = state;
  return {
    clientId,
    userId: isId(user.id) ? user.id : null,
    name: nameOf(user.name),
    color: typeof user.color === 'string' && COLOR_SHAPE.test(user.color) ? user.color : UNKNOWN_COLOR,
    playhead: playheadOf(timeline.playhead),
    selection: selectionOf(timeline.selection),
    editing: isId(timeline.editing) ? timeline.editing : null
  };
}

/** Every other tab's timeline presence, by client id; `selfUserId` also leaves out this person's other tabs. */
export function readPeerTimelines(states: ReadonlyMap<number, unknown>, selfClientId: number, selfUserId?: string): PeerTimeline[] {
  const out: PeerTimeline[] = [];
  for (const [clientId, state] of states) {
    if (clientId === selfClientId) continue;
    const peer = readPeerTimeline(clientId, state);
    if (peer && !(selfUserId !== undefined && peer.userId === selfUserId)) out.push(peer);
  }
  return out.sort((a, b) => a.name.localeCompare(b.name) || a.clientId - b.clientId);
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
