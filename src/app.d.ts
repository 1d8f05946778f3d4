import type { UserRow } from '$lib/server/db/schema';

declare global {
  namespace App {
    interface Locals {
      user: UserRow | null;
      /** The session id when the request came with a session (cookie or bearer session token). */
      sessionId: string | null;
      authVia: 'session' | 'token' | null;
    }
    interface Error {
      code?: string;
      message: string;
    }
  }
}

export {};
