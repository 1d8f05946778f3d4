/** A secret token (API token, worker token) as the settings pages list it: its name and dates, never the secret. */
export interface TokenInfo {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}
