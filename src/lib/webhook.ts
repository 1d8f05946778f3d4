/** Webhook events and deliveries as the server, the studio's webhooks card and its API keys page know them. */

/** Job events: every job of the project (progress throttled), and what an API request's callbackUrl receives. */
export const JOB_WEBHOOK_EVENTS = ['job.progress', 'job.completed', 'job.failed'] as const;
export type JobWebhookEvent = (typeof JOB_WEBHOOK_EVENTS)[number];

/**
 * Every event a webhook can subscribe to (live.* are live takeover's: a live source connecting and leaving;
 * generator.* the generated music buffer falling under DEPLETED and leaving it).
 */
export const WEBHOOK_EVENTS = ['song.changed', 'channel.online', 'channel.offline', 'live.connected', 'live.disconnected', 'generator.depleted', 'generator.recovered', ...JOB_WEBHOOK_EVENTS] as const;
export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

/** One delivery in a delivery log (a project webhook's, or a request callback's). */
export interface WebhookDelivery {
  id: string;
  event: string;
  status: string;
  attempts: number;
  responseCode: number | null;
  error: string | null;
  createdAt: string;
}
