/**
 * Transaction origins. Each edit runs in `doc.transact(fn, origin)`; the origin decides whose undo stack
 * the change joins and who it is attributed to. I/O providers skip updates carrying their own origin.
 */
export interface UserOrigin {
  readonly kind: 'user';
  readonly userId: string;
}
export interface ServiceOrigin {
  readonly kind: 'server' | 'assistant' | 'worker';
  readonly name: string;
}
export type EditOrigin = UserOrigin | ServiceOrigin;

const userOrigins = new Map<string, UserOrigin>();

/** One origin object per user, so `Y.UndoManager({ trackedOrigins })` can match it by identity. */
export function userOrigin(userId: string): UserOrigin {
  let o = userOrigins.get(userId);
  if (!o) userOrigins.set(userId, (o = Object.freeze({ kind: 'user', userId })));
  return o;
}

export const SERVER_ORIGIN: ServiceOrigin = Object.freeze({ kind: 'server', name: 'server' });
