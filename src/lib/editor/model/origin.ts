/**
 * Transaction origins. Each edit runs in `doc.transact(fn, origin)`; the origin decides whose undo stack
 * the change joins and who it is attributed to. I/O providers skip updates carrying their own origin.
 */
export interface UserOrigin {
  readonly kind: 'user';
  readonly userId: string;
}
export interface ServiceOrigin {
  readonly kind: 'server' | 'worker';
  readonly name: string;
}
/** The assistant editing for one user: attributed to the assistant, undone by that user's UndoManager. */
export interface AssistantOrigin {
  readonly kind: 'assistant';
  readonly name: 'assistant';
  /** Who asked. */
  readonly userId: string;
}
export type EditOrigin = UserOrigin | ServiceOrigin | AssistantOrigin;

const userOrigins = new Map<string, UserOrigin>();

/** One origin object per user, so `Y.UndoManager({ trackedOrigins })` can match it by identity. */
export function userOrigin(userId: string): UserOrigin {
  let o = userOrigins.get(userId);
  if (!o) userOrigins.set(userId, (o = Object.freeze({ kind: 'user', userId })));
  return o;
}

const assistantOrigins = new Map<string, AssistantOrigin>();

/** One assistant origin per user, so that user's UndoManager can track it beside their own. */
export function assistantOrigin(userId: string): AssistantOrigin {
  let o = assistantOrigins.get(userId);
  if (!o) assistantOrigins.set(userId, (o = Object.freeze({ kind: 'assistant', name: 'assistant', userId })));
  return o;
}

/** What one user's UndoManager tracks: their own edits and what the assistant did at their request. */
export function undoOriginsOf(userId: string): Set<unknown> {
  return new Set<unknown>([userOrigin(userId), assistantOrigin(userId)]);
}

export const SERVER_ORIGIN: ServiceOrigin = Object.freeze({ kind: 'server', name: 'server' });
