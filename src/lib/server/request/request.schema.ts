import { z } from 'zod';
import { REQUEST_MESSAGE_MAX, REQUEST_NAME_MAX } from '$lib/song-request';

const guestId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'guestId is 8 to 64 letters, digits, "_" or "-"');
// Blank means not given: stored as null.
const note = (field: string, max: number) =>
  z
    .string({ error: `${field} is text` })
    .trim()
    .max(max, `${field} has at most ${max} characters`)
    .transform((v) => v || null)
    .optional();

export const createRequestSchema = z.strictObject({
  assetId: z.string({ error: 'assetId is the id of a song' }).regex(/^[a-z2-7]{16}$/, 'assetId is the id of a song'),
  // The stream page's guest id (as the chat's); signed-in listeners are counted by account.
  guestId: guestId.optional(),
  name: note('name', REQUEST_NAME_MAX),
  message: note('message', REQUEST_MESSAGE_MAX)
});

/** ?guestId=: whose requests the stream page shows (signed-in listeners are known by account). */
export const myRequestsQuerySchema = z.object({ guestId: guestId.optional() });
export type CreateRequestInput = z.infer<typeof createRequestSchema>;

export const requestableQuerySchema = z.object({
  q: z.string().trim().max(200, 'q has at most 200 characters').default(''),
  limit: z.coerce.number({ error: 'limit is a number' }).int().min(1).max(100).default(25),
  offset: z.coerce.number({ error: 'offset is a number' }).int().min(0).max(100_000).default(0)
});

export type { RequestableSong, SongRequestView } from '$lib/song-request';
