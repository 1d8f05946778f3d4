import { z } from 'zod';
import type { RecordKind } from '../record-map';
import { idSchema } from '../timeline/ids';
import { newStationId, type PlaylistId } from './ids';
import type { JingleRule, PlaybackOrder, PlaylistKind, PlaylistSnapshot } from './snapshot';

export const PLAYLIST_KINDS = ['standard', 'jingle', 'generated'] as const satisfies readonly PlaylistKind[];
export const PLAYBACK_ORDERS = ['sequential', 'shuffle'] as const satisfies readonly PlaybackOrder[];
export const MAX_NO_REPEAT = 500;
export const MAX_JINGLE_SONGS = 100;
export const MAX_PROMPT_LENGTH = 2000;
export const DEFAULT_JINGLE_RULE: JingleRule = { every: 'songs', songs: 4 };

export interface Playlist extends Omit<PlaylistSnapshot, 'id'> {
  id: PlaylistId;
}

export const jingleRuleSchema: z.ZodType<JingleRule> = z.discriminatedUnion('every', [
  z.object({
    every: z.literal('songs'),
    songs: z.number().int().min(1, 'A jingle plays at most once per song.').max(MAX_JINGLE_SONGS, `A jingle plays at least once every ${MAX_JINGLE_SONGS} songs.`)
  }),
  z.object({ every: z.literal('hour'), minute: z.number().int().min(0, 'The minute is 0 to 59.').max(59, 'The minute is 0 to 59.') })
]);

export const playlistNameSchema = z.string().trim().min(1, 'A playlist needs a name.').max(80, 'A playlist name has at most 80 characters.');
export const promptSchema = z.string().trim().min(1, 'An empty prompt is no prompt: clear it instead.').max(MAX_PROMPT_LENGTH, `A prompt has at most ${MAX_PROMPT_LENGTH} characters.`).nullable();

// Every field is independent of the others, so whatever concurrent edits merge into is a valid playlist.
export const playlistSchema: z.ZodType<Playlist> = z.object({
  id: idSchema<PlaylistId>('playlist'),
  name: playlistNameSchema,
  order: z.string().min(1).max(200),
  kind: z.enum(PLAYLIST_KINDS),
  playback: z.enum(PLAYBACK_ORDERS),
  noRepeat: z.number().int().min(0, 'No-repeat is 0 or more songs.').max(MAX_NO_REPEAT, `No-repeat is at most ${MAX_NO_REPEAT} songs.`),
  jingle: jingleRuleSchema,
  prompt: promptSchema
});

export const playlistKind: RecordKind<Playlist> = { collection: 'stationPlaylists', schema: playlistSchema };

const KIND_NAME: Record<PlaylistKind, string> = { standard: 'Playlist', jingle: 'Jingles', generated: 'Generated' };

/** The next free default name for a kind: Playlist 1, Jingles 1, Generated 1 … */
export function defaultPlaylistName(kind: PlaylistKind, existing: readonly Pick<PlaylistSnapshot, 'name'>[]): string {
  const taken = new Set(existing.map((p) => p.name));
  for (let n = 1; ; n++) if (!taken.has(`${KIND_NAME[kind]} ${n}`)) return `${KIND_NAME[kind]} ${n}`;
}

export function newPlaylist(input: { name: string; order: string; kind?: PlaylistKind; id?: string } & Partial<Pick<PlaylistSnapshot, 'playback' | 'noRepeat' | 'jingle' | 'prompt'>>): PlaylistSnapshot {
  const kind = input.kind ?? 'standard';
  return {
    id: input.id ?? newStationId<PlaylistId>(),
    name: input.name,
    order: input.order,
    kind,
    // Jingles and IDs sound best varied; music in rotation too. Generated music plays in the order it was made.
    playback: input.playback ?? (kind === 'generated' ? 'sequential' : 'shuffle'),
    noRepeat: input.noRepeat ?? (kind === 'jingle' ? 1 : 10),
    jingle: input.jingle ?? DEFAULT_JINGLE_RULE,
    prompt: input.prompt ?? null
  };
}
