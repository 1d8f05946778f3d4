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
