import { z } from 'zod';

/** Collaborator colours: distinct on light and dark backgrounds. */
export const PRESENCE_COLORS = [
  '#e11d48', '#2563eb', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#ea580c', '#4f46e5'
] as const;

export function colorForId(id: string): string {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return PRESENCE_COLORS[h % PRESENCE_COLORS.length];
}

/** The `user` field of a client's awareness state: who is here. */
export const presenceUserSchema = z.object({
  id: z.string().max(64),
  name: z.string().max(64),
  username: z.string().max(64),
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/),
  colorLight: z.string().max(16).optional(),
  role: z.enum(['owner', 'editor', 'viewer'])
});
export type PresenceUser = z.infer<typeof presenceUserSchema>;

export function initials(name: string): string {
  const parts = name.trim().split(/[\s._-]+/).filter(Boolean);
  return ((parts[0]?.[0] ?? '?') + (parts[1]?.[0] ?? '')).toUpperCase();
}

/** A selection of thousands of records is shared as its first ones: enough to show, bounded for the wire. */
export const MAX_SHARED_SELECTION = 200;
export const UNKNOWN_COLOR = '#888888';
const ID_SHAPE = /^[A-Za-z0-9_-]{1,64}$/;
const COLOR_SHAPE = /^#[0-9a-fA-F]{6}$/;

export const isPresenceRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isPresenceId = (v: unknown): v is string => typeof v === 'string' && ID_SHAPE.test(v);

/** A peer's shared selection: ids only, no duplicates, bounded. */
export function presenceSelection(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  const ids = new Set<string>();
  for (const id of v.slice(0, MAX_SHARED_SELECTION)) if (isPresenceId(id)) ids.add(id);
  return [...ids];
}

/** Who another tab is, as far as its awareness state can be trusted (it comes from other browsers unchecked). */
export interface PeerIdentity {
  clientId: number;
  /** The account behind the tab (several tabs of one person share it), or null when not given. */
  userId: string | null;
  name: string;
  color: string;
}

/**
 * Reads one editor's field (`timeline`, `station`) of an awareness state with `read`, which validates it field by
 * field; null when the tab does not show that editor.
 */
export function readPeer<P>(clientId: number, state: unknown, field: string, read: (value: Record<string, unknown>) => P): (PeerIdentity & P) | null {
  if (!isPresenceRecord(state) || !isPresenceRecord(state[field])) return null;
  const user = isPresenceRecord(state.user) ? state.user : {};
  // Control characters would garble tags and titles; an empty name reads as nobody.
  const name = typeof user.name === 'string' ? user.name.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 64) : '';
  return {
    clientId,
    userId: isPresenceId(user.id) ? user.id : null,
    name: name || 'Someone',
    color: typeof user.color === 'string' && COLOR_SHAPE.test(user.color) ? user.color : UNKNOWN_COLOR,
    ...read(state[field] as Record<string, unknown>)
  };
}

/** Every other tab's peer reading, by name; `selfUserId` also leaves out this person's other tabs. */
export function readPeers<P extends PeerIdentity>(states: ReadonlyMap<number, unknown>, selfClientId: number, selfUserId: string | undefined, read: (clientId: number, state: unknown) => P | null): P[] {
  const out: P[] = [];
  for (const [clientId, state] of states) {
    if (clientId === selfClientId) continue;
    const peer = read(clientId, state);
    if (peer && !(selfUserId !== undefined && peer.userId === selfUserId)) out.push(peer);
  }
  return out.sort((a, b) => a.name.localeCompare(b.name) || a.clientId - b.clientId);
}
