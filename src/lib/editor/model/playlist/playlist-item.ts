import { z } from 'zod';
import type { RecordKind } from '../record-map';
import { idSchema } from '../timeline/ids';
import { newStationId, type PlaylistId, type PlaylistItemId } from './ids';
import { promptSchema } from './playlist';
import type { PlaylistItemSnapshot } from './snapshot';

export interface PlaylistItem extends Omit<PlaylistItemSnapshot, 'id' | 'playlistId'> {
  id: PlaylistItemId;
  playlistId: PlaylistId;
}

export const playlistItemSchema: z.ZodType<PlaylistItem> = z.object({
  id: idSchema<PlaylistItemId>('playlist item'),
  playlistId: idSchema<PlaylistId>('playlist'),
  assetId: z.string().min(1).max(64),
  order: z.string().min(1).max(200),
  prompt: promptSchema.optional()
});

export const playlistItemKind: RecordKind<PlaylistItem> = { collection: 'stationPlaylistItems', schema: playlistItemSchema };

export function newPlaylistItem(input: { playlistId: string; assetId: string; order: string; id?: string; prompt?: string | null }): PlaylistItemSnapshot {
  const item: PlaylistItemSnapshot = { id: input.id ?? newStationId<PlaylistItemId>(), playlistId: input.playlistId, assetId: input.assetId, order: input.order };
  return input.prompt ? { ...item, prompt: input.prompt } : item;
}
