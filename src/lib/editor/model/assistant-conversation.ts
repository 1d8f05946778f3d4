import { z } from 'zod';
import type * as Y from 'yjs';
import { newId } from './ids';
import { RecordMap, type RecordKind } from './record-map';

/** The shared conversation keeps this many messages: older ones go, so the document does not grow without end. */
export const CONVERSATION_LIMIT = 100;
export const ASSISTANT_MESSAGE_MAX = 2000;
const TEXT_MAX = 8000;

export const assistantActionSchema = z.object({
  tool: z.string().max(64),
  /** The arguments as the tool took them (or as the model sent them, when refused). */
  args: z.record(z.string(), z.unknown()).default({}),
  /** One line a person reads: what was done, or why not. */
  summary: z.string().max(500),
  ok: z.boolean()
});
export type AssistantAction = z.infer<typeof assistantActionSchema>;

/**
 * One message of the project's assistant conversation: a person's request or the assistant's answer with what it did.
 * `source` says who answered: the project's language model, or the command language when none is configured.
 */
export const assistantMessageSchema = z.object({
  id: z.string().min(1).max(64),
  role: z.enum(['user', 'assistant']),
  /** The person who asked (for an answer: the person it answered). */
  byId: z.string().max(64),
  byName: z.string().max(64),
  text: z.string().max(TEXT_MAX),
  actions: z.array(assistantActionSchema).max(50).default([]),
  source: z.enum(['llm', 'commands']),
  at: z.number().int().nonnegative()
});
export type AssistantMessage = z.infer<typeof assistantMessageSchema>;

export const assistantMessageKind: RecordKind<AssistantMessage> = { collection: 'assistantMessages', schema: assistantMessageSchema };

/** The conversation, keyed by id in one root map (never a Y.Array, per the modelling rules), in time order when read. */
export class AssistantConversation {
  readonly messages: RecordMap<AssistantMessage>;

  constructor(doc: Y.Doc) {
    this.messages = new RecordMap(doc, assistantMessageKind);
  }

  /** Oldest first. */
  list(): AssistantMessage[] {
    return this.messages.all().sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1));
  }

  /** Adds a message (inside the caller's transaction) and drops the oldest past CONVERSATION_LIMIT. */
  add(input: Omit<AssistantMessage, 'id' | 'at' | 'actions'> & { actions?: AssistantAction[]; at?: number }): AssistantMessage {
    const message: AssistantMessage = {
      id: newId(),
      role: input.role,
      byId: input.byId,
      byName: input.byName.slice(0, 64),
      text: input.text.slice(0, TEXT_MAX),
      actions: (input.actions ?? []).slice(0, 50),
      source: input.source,
      at: Math.max(0, Math.round(input.at ?? Date.now()))
    };
    this.messages.insert(message);
    const all = this.list();
    for (const old of all.slice(0, Math.max(0, all.length - CONVERSATION_LIMIT))) this.messages.delete(old.id);
    return message;
  }

  observe(fn: () => void): () => void {
    return this.messages.observe(fn);
  }
}
