import { z } from 'zod';
import type { TokenInfo } from '$lib/token';
import { getApp, type App } from '../app';
import type { UserRow } from '../db/schema';
import { actionFailure, parseForm, requireLogin } from './pages';

/** What a settings page of secret tokens needs from its service (API tokens, worker tokens). */
export interface TokenKind {
  list(app: App, user: UserRow): Promise<TokenInfo[]>;
  create(app: App, user: UserRow, name: string): Promise<{ token: string; info: TokenInfo }>;
  revoke(app: App, user: UserRow, id: string): Promise<void>;
}

const createTokenSchema = z.object({ name: z.string().trim().min(1, 'Give the token a name, e.g. "render box".').max(80, 'A token name has at most 80 characters.') });
const revokeTokenSchema = z.object({ id: z.string().min(1).max(64) });

/** `load` and form actions of a token settings page: list, create (secret shown once), revoke. */
export function tokenPage(kind: TokenKind) {
  return {
    load: async ({ locals, url }: { locals: App.Locals; url: URL }) => {
      const user = requireLogin(locals, url);
      return { tokens: await kind.list(await getApp(), user) };
    },
    actions: {
      create: async ({ request, locals, url }: { request: Request; locals: App.Locals; url: URL }) => {
        const user = requireLogin(locals, url);
        try {
          const { name } = parseForm(await request.formData(), createTokenSchema);
          const { token, info } = await kind.create(await getApp(), user, name);
          // The secret is shown this once: only its hash is stored.
          return { action: 'create' as const, created: { token, name: info.name } };
        } catch (e) {
          return actionFailure(e, { action: 'create' as const });
        }
      },
      revoke: async ({ request, locals, url }: { request: Request; locals: App.Locals; url: URL }) => {
        const user = requireLogin(locals, url);
        try {
          const { id } = parseForm(await request.formData(), revokeTokenSchema);
          await kind.revoke(await getApp(), user, id);
          return { action: 'revoke' as const };
        } catch (e) {
          return actionFailure(e, { action: 'revoke' as const });
        }
      }
    }
  };
}
