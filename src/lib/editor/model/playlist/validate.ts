import type { z } from 'zod';
import { compareOrder } from '../order';
import { playlistSchema } from './playlist';
import { playlistItemSchema } from './playlist-item';
import type { PlaylistsSnapshot } from './snapshot';

/**
 * Everything sound playlists satisfy, as readable problems (empty when sound): each record valid, ids unique, items
 * on an existing playlist, everything sorted as `sortPlaylists` documents. Tests run it on every replica's snapshot.
 */
export function validatePlaylists(s: PlaylistsSnapshot): string[] {
  const problems: string[] = [];
  const check = (what: string, schema: z.ZodType, value: unknown) => {
    const r = schema.safeParse(value);
    if (!r.success) problems.push(`${what}: ${r.error.issues.map((i) => i.message).join('; ')}`);
  };
  const index = new Map(s.playlists.map((p, i) => [p.id, i]));
  if (index.size !== s.playlists.length) problems.push('two playlists share an id');
  s.playlists.forEach((p, i) => {
    check(`playlist ${p.id}`, playlistSchema, p);
    if (i > 0 && compareOrder(s.playlists[i - 1], p) >= 0) problems.push(`playlist ${p.id} is out of order`);
  });
  if (new Set(s.items.map((i) => i.id)).size !== s.items.length) problems.push('two playlist items share an id');
  s.items.forEach((item, i) => {
    check(`item ${item.id}`, playlistItemSchema, item);
    if (!index.has(item.playlistId)) problems.push(`item ${item.id} is on a missing playlist`);
    const prev = s.items[i - 1];
    if (prev && ((index.get(prev.playlistId) ?? -1) - (index.get(item.playlistId) ?? -1) || compareOrder(prev, item)) >= 0) problems.push(`item ${item.id} is out of order`);
  });
  return problems;
}
