import type { UserRow } from '$lib/server/db/schema';
import type { ApiKeyPrincipal } from '$lib/server/api-key/api-key.service';

declare global {
  namespace App {
    interface Locals {
      user: UserRow | null;
      /** The session id when the request came with a session (cookie or bearer session token). */
      sessionId: string | null;
      authVia: 'session' | 'token' | null;
      /** Set when the request came with a project API key (`ask_…`): the integration API's caller. */
      apiKey: ApiKeyPrincipal | null;
    }
    interface Error {
      code?: string;
      message: string;
    }
  }
}

export {};
