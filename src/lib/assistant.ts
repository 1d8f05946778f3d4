/** The assistant's reply stream (NDJSON, one event a line) as POST /api/projects/:id/assistant sends it. */
export type AssistantEvent =
  | { type: 'text'; delta: string }
  /** A tool call from the language model; `error` says why its arguments were refused (the client then runs nothing). */
  | { type: 'tool_call'; id: string; name: string; arguments: unknown; error?: string }
  | { type: 'done'; text: string }
  | { type: 'error'; code: string; message: string };

export const ASSISTANT_STREAM_TYPE = 'application/x-ndjson';
