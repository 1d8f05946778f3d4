import { z } from 'zod';
import { WEBHOOK_EVENTS, type WebhookEventName } from '$lib/webhook';
import { isHttpUrlWithoutCredentials } from '../http/http-url';

const urlSchema = z
  .string({ error: 'url is a string' })
  .trim()
  .max(2000, 'A webhook URL has at most 2000 characters.')
  .refine(isHttpUrlWithoutCredentials, 'url is an http:// or https:// URL without credentials.');

const eventsSchema = z
  .array(z.enum(WEBHOOK_EVENTS, { error: `events are among ${WEBHOOK_EVENTS.join(', ')}` }))
  .min(1, 'Subscribe to at least one event.')
  .transform((e) => [...new Set(e)]);

const channelIdSchema = z.string().regex(/^[a-z2-7]{16}$/, 'channelId is a channel id').nullable();

export const createWebhookSchema = z.strictObject({
  url: urlSchema,
  events: eventsSchema,
  channelId: channelIdSchema.default(null),
  enabled: z.boolean({ error: 'enabled is true or false' }).default(true)
});
export type CreateWebhookInput = z.infer<typeof createWebhookSchema>;

export const updateWebhookSchema = z
  .strictObject({ url: urlSchema, events: eventsSchema, channelId: channelIdSchema, enabled: z.boolean({ error: 'enabled is true or false' }) })
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'Send at least one field to change.');
export type UpdateWebhookInput = z.infer<typeof updateWebhookSchema>;

export interface WebhookView {
  id: string;
  projectId: string;
  channelId: string | null;
  url: string;
  events: WebhookEventName[];
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  /** Only in the answer that created the webhook. */
  secret?: string;
}

export interface WebhookDeliveryView {
  id: string;
  /** Request callbacks only: where it goes and the job it reports on. */
  url?: string;
  jobId?: string;
  event: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  responseCode: number | null;
  error: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  updatedAt: string;
}
