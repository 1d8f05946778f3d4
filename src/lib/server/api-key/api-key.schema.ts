import { z } from 'zod';

/** What a project API key may do; each /api/v1 endpoint names the one it needs. */
export const API_SCOPES = ['photos:classify', 'video:render', 'jobs:read', 'assets:write'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export const createApiKeySchema = z.strictObject({
  name: z.string({ error: 'name is a string' }).trim().min(1, 'Give the key a name, e.g. "listing backend".').max(80, 'A key name has at most 80 characters.'),
  scopes: z
    .array(z.enum(API_SCOPES, { error: `scopes are among ${API_SCOPES.join(', ')}` }))
    .min(1, 'Give the key at least one scope.')
    .transform((s) => [...new Set(s)])
});
export type CreateApiKeyInput = z.infer<typeof createApiKeySchema>;

export interface ApiKeyView {
  id: string;
  projectId: string;
  name: string;
  scopes: ApiScope[];
  createdBy: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  /** Only in the answer that created the key: the bearer key and the secret request callbacks are signed with. */
  key?: string;
  signingSecret?: string;
}
