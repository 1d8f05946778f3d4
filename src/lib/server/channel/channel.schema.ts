import { z } from 'zod';

/** Words a slug may not be: they name pages, or would pass for the station itself. */
export const RESERVED_SLUGS = new Set([
  'admin', 'api', 'app', 'assets', 'auth', 'by-slug', 'channel', 'channels', 'chat', 'embed', 'health', 'hls', 'icecast', 'live',
  'login', 'logout', 'metrics', 'new', 'projects', 'public', 'rtmp', 'settings', 'signup', 'socket-io', 'static', 'station', 'stream',
  'system', 'yjs', 'airstudio'
]);

export const slugSchema = z
  .string({ error: 'slug is a string' })
  .trim()
  .min(3, 'A slug has at least 3 characters.')
  .max(48, 'A slug has at most 48 characters.')
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, 'A slug uses lowercase letters, digits and hyphens, and starts and ends with a letter or digit.')
  .refine((s) => !RESERVED_SLUGS.has(s), { message: 'That slug is reserved: pick another.' });

const nameSchema = z.string({ error: 'name is a string' }).trim().min(1, 'A channel needs a name.').max(80, 'A channel name has at most 80 characters.');
const secretInput = z.string({ error: 'secrets are strings' }).max(512, 'A secret has at most 512 characters.');

const icecastInput = z.strictObject({
  host: z.string({ error: 'icecast.host is required' }).trim().min(1, 'icecast.host is required').max(253).regex(/^[A-Za-z0-9.:[\]-]+$/, 'icecast.host is a host name or address, without a scheme.'),
  port: z.number({ error: 'icecast.port is a number' }).int().min(1).max(65535),
  mount: z.string({ error: 'icecast.mount is required' }).regex(/^\/[A-Za-z0-9._/-]{1,100}$/, 'icecast.mount starts with "/" and uses letters, digits, ".", "_", "-" and "/".'),
  username: z.string().trim().max(100).default('source'),
  // Empty or absent on update keeps the stored password.
  password: secretInput.optional(),
  format: z.enum(['mp3', 'aac'], { error: 'icecast.format is "mp3" or "aac"' }),
  bitrate: z.number({ error: 'icecast.bitrate is a number (kbit/s)' }).int().min(32, 'bitrate is at least 32 kbit/s').max(320, 'bitrate is at most 320 kbit/s')
});

const rtmpInput = z.strictObject({
  // The id of a stored destination: an empty streamKey then keeps its key.
  id: z.string().max(64).optional(),
  name: z.string({ error: 'rtmp name is required' }).trim().min(1, 'An RTMP destination needs a name.').max(80),
  preset: z.enum(['youtube', 'twitch', 'custom'], { error: 'preset is "youtube", "twitch" or "custom"' }).default('custom'),
  url: z.string().trim().max(500).regex(/^rtmps?:\/\/[^\s]+$/, 'An RTMP URL starts with rtmp:// or rtmps://.').optional(),
  streamKey: secretInput.optional()
});

export const outputsInput = z.strictObject({
  icecast: icecastInput.nullable().optional(),
  rtmp: z.array(rtmpInput).max(10, 'At most 10 RTMP destinations.').optional()
});
export type OutputsInput = z.infer<typeof outputsInput>;

/** The outputs as stored (server side only: it holds the secrets). */
export const storedOutputs = z.object({
  icecast: z
    .object({ host: z.string(), port: z.number(), mount: z.string(), username: z.string(), password: z.string(), format: z.enum(['mp3', 'aac']), bitrate: z.number() })
    .nullable()
    .default(null),
  rtmp: z.array(z.object({ id: z.string(), name: z.string(), preset: z.enum(['youtube', 'twitch', 'custom']), url: z.string(), streamKey: z.string() })).default([])
});
export type StoredOutputs = z.infer<typeof storedOutputs>;

const minutes = (what: string) => z.number({ error: `${what} is a number of minutes` }).int().min(0).max(7 * 24 * 60);

const settings = {
  name: nameSchema,
  kind: z.enum(['audio', 'video'], { error: 'kind is "audio" or "video"' }),
  visibility: z.enum(['public', 'private'], { error: 'visibility is "public" or "private"' }),
  crossfadeSeconds: z.number({ error: 'crossfadeSeconds is a number' }).min(0).max(30, 'crossfadeSeconds is at most 30'),
  loudnessTarget: z.number({ error: 'loudnessTarget is a number (LUFS)' }).min(-40, 'loudnessTarget is between -40 and -5 LUFS').max(-5, 'loudnessTarget is between -40 and -5 LUFS'),
  // A playlist of the project document; the playout checks that it exists.
  fallbackPlaylistId: z.string({ error: 'fallbackPlaylistId is a playlist id' }).regex(/^[A-Za-z0-9_-]{1,64}$/, 'fallbackPlaylistId is a playlist id').nullable(),
  outputs: outputsInput,
  requestsEnabled: z.boolean({ error: 'requestsEnabled is true or false' }),
  requestDelayMinutes: minutes('requestDelayMinutes'),
  minRepeatMinutes: minutes('minRepeatMinutes'),
  chatEnabled: z.boolean({ error: 'chatEnabled is true or false' }),
  slowModeSeconds: z.number({ error: 'slowModeSeconds is a number' }).int().min(0).max(3600, 'slowModeSeconds is at most 3600'),
  recordingEnabled: z.boolean({ error: 'recordingEnabled is true or false' }),
  recordingRetentionDays: z.number({ error: 'recordingRetentionDays is a number of days' }).int().min(1).max(3650)
};

export const createChannelSchema = z.strictObject({
  ...settings,
  slug: slugSchema,
  kind: settings.kind.default('audio'),
  visibility: settings.visibility.default('public')
}).partial({
  crossfadeSeconds: true, loudnessTarget: true, fallbackPlaylistId: true, outputs: true, requestsEnabled: true, requestDelayMinutes: true,
  minRepeatMinutes: true, chatEnabled: true, slug: true, slowModeSeconds: true, recordingEnabled: true, recordingRetentionDays: true
});
export type CreateChannelInput = z.infer<typeof createChannelSchema>;

export const updateChannelSchema = z
  .strictObject({ ...settings, slug: slugSchema })
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'Send at least one setting to change.');
export type UpdateChannelInput = z.infer<typeof updateChannelSchema>;
