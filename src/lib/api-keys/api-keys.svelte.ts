import { apiJson, messageOf } from '$lib/api-client';
import type { WebhookDelivery } from '$lib/webhook';

export const API_SCOPES = ['photos:classify', 'video:render', 'jobs:read', 'assets:write'] as const;

export interface ApiKeyInfo {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** A request callback's delivery: which job and URL it was for. */
export interface CallbackDelivery extends WebhookDelivery {
  jobId: string;
  url: string;
}

/** The API keys page: the project's keys, a new key and its signing secret (shown once), and the request callbacks' delivery log. */
export class ApiKeysState {
  keys = $state<ApiKeyInfo[]>([]);
  deliveries = $state<CallbackDelivery[]>([]);
  created = $state<{ key: string; signingSecret: string } | null>(null);
  error = $state<string | null>(null);
  busy = $state(false);

  constructor(readonly projectId: string) {}

  async load(): Promise<void> {
    try {
      const [{ keys }, deliveries] = await Promise.all([
        apiJson<{ keys: ApiKeyInfo[] }>(`/api/projects/${this.projectId}/api-keys`),
        apiJson<CallbackDelivery[]>(`/api/projects/${this.projectId}/callback-deliveries`)
      ]);
      this.keys = keys;
      this.deliveries = deliveries;
    } catch (e) {
      this.error = messageOf(e);
    }
  }

  async create(name: string, scopes: string[]): Promise<boolean> {
    this.error = null;
    this.busy = true;
    try {
      const made = await apiJson<ApiKeyInfo & { key: string; signingSecret: string }>(`/api/projects/${this.projectId}/api-keys`, { method: 'POST', body: { name, scopes } });
      this.created = { key: made.key, signingSecret: made.signingSecret };
      await this.load();
      return true;
    } catch (e) {
      this.error = messageOf(e);
      return false;
    } finally {
      this.busy = false;
    }
  }

  async revoke(id: string): Promise<void> {
    this.error = null;
    try {
      await apiJson(`/api/api-keys/${id}`, { method: 'DELETE' });
      await this.load();
    } catch (e) {
      this.error = messageOf(e);
    }
  }
}
