import { z } from 'zod';
import { ASSISTANT_MESSAGE_MAX } from '$lib/editor/model/assistant-conversation';

const names = z.array(z.string().max(200)).max(200).default([]);

/** POST /api/projects/:id/assistant: the request, recent turns for context, and the names the project holds now. */
export const askAssistantSchema = z
  .object({
    message: z.string().trim().min(1, 'message is required').max(ASSISTANT_MESSAGE_MAX, `message has at most ${ASSISTANT_MESSAGE_MAX} characters`),
    history: z
      .array(z.object({ role: z.enum(['user', 'assistant']), text: z.string().max(ASSISTANT_MESSAGE_MAX * 4) }).strict())
      .max(20, 'history has at most 20 turns')
      .default([]),
    context: z.object({ playlists: names, shows: names, library: names, clips: names }).strict().default({ playlists: [], shows: [], library: [], clips: [] })
  })
  .strict();
export type AskAssistantInput = z.infer<typeof askAssistantSchema>;
