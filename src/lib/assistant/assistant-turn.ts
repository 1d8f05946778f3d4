import type { AssetJson } from '$lib/asset';
import type { AssistantEvent } from '$lib/assistant';
import { parseToolCall, runToolCall, type AssistantAsset, type AssistantContext, type AssistantRequest } from '$lib/editor/assistant/assistant-tools';
import { parseCommand } from '$lib/editor/assistant/command-language';
import type { CommandContext } from '$lib/editor/commands/command';
import { ASSISTANT_MESSAGE_MAX, type AssistantAction, type AssistantMessage } from '$lib/editor/model/assistant-conversation';
import { assistantOrigin } from '$lib/editor/model/origin';

/** How the client reaches the API: the browser's own fetch (session cookie), or a headless client's with a token. */
export interface AssistantTransport {
  fetch: typeof fetch;
  /** '' in the browser; the server's URL for a headless client. */
  baseUrl?: string;
  headers?: Record<string, string>;
}

export interface TurnCallbacks {
  /** Text of the reply as it streams in. */
  onText?(delta: string): void;
  onAction?(action: AssistantAction): void;
}

export interface TurnResult {
  source: AssistantMessage['source'];
  text: string;
  actions: AssistantAction[];
}

const HISTORY_TURNS = 10;

/**
 * One assistant turn in the asker's client: the request goes into the shared conversation, the project's language model
 * (or, without one, the command language) answers, and each tool call runs here as one transaction with the asker's
 * assistant origin — attributed to the assistant, and one undo of the asker's takes it back. The answer and what was
 * done go into the conversation.
 */
export async function runAssistantTurn(
  command: CommandContext,
  projectId: string,
  message: string,
  transport: AssistantTransport,
  callbacks: TurnCallbacks = {}
): Promise<TurnResult> {
  const conversation = command.project.assistant;
  const history = conversation
    .list()
    .slice(-HISTORY_TURNS)
    // The model remembers what was done, not only what was said.
    .map((m) => ({ role: m.role, text: [m.text, ...m.actions.map((a) => `[${a.ok ? 'done' : 'not done'}: ${a.summary}]`)].filter(Boolean).join('\n').slice(0, ASSISTANT_MESSAGE_MAX * 4) }));
  const asked = command.project.transact(command.origin, () => conversation.add({ role: 'user', byId: command.user.id, byName: command.user.name, text: message, source: 'llm' }));
  const library = await loadLibrary(projectId, transport).catch(() => [] as AssistantAsset[]);
  const ctx: AssistantContext = { command: { ...command, origin: assistantOrigin(command.user.id) }, projectId, library };
  const result = await answer(ctx, message, history, transport, callbacks);
  command.project.transact(command.origin, () => {
    // Who answers is known only now: the request says which, as its answer does.
    if (result.source !== asked.source && conversation.messages.has(asked.id)) conversation.messages.update(asked.id, { source: result.source });
    conversation.add({ role: 'assistant', byId: command.user.id, byName: command.user.name, text: result.text, actions: result.actions, source: result.source });
  });
  return result;
}

async function answer(ctx: AssistantContext, message: string, history: { role: 'user' | 'assistant'; text: string }[], transport: AssistantTransport, callbacks: TurnCallbacks): Promise<TurnResult> {
  const snap = ctx.command.project;
  const context = {
    playlists: snap.playlists.snapshot().playlists.map((p) => p.name),
    shows: snap.schedule.snapshot().blocks.map((b) => b.name),
    clips: snap.timeline
      .snapshot()
      .clips.map((c) => c.title?.text ?? ctx.library.find((a) => a.id === c.assetId)?.title ?? '')
      .filter(Boolean)
      .slice(0, 200),
    library: ctx.library.map((a) => a.title).filter(Boolean).slice(0, 200)
  };
  let response: Response;
  try {
    response = await transport.fetch(`${transport.baseUrl ?? ''}/api/projects/${projectId(ctx)}/assistant`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...transport.headers },
      body: JSON.stringify({ message, history, context })
    });
  } catch {
    return { source: 'llm', text: 'The studio could not be reached: check your connection and ask again.', actions: [] };
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
    if (body?.error?.code === 'llm_not_configured') return commandLanguage(ctx, message, transport, callbacks);
    return { source: 'llm', text: body?.error?.message ?? `The assistant failed (${response.status}).`, actions: [] };
  }
  let text = '';
  const actions: AssistantAction[] = [];
  for await (const event of readEvents(response)) {
    if (event.type === 'text') {
      text += event.delta;
      callbacks.onText?.(event.delta);
    } else if (event.type === 'tool_call') {
      const action = event.error ? refused(event.name, event.arguments, event.error) : await perform(ctx, event.name, event.arguments, transport);
      actions.push(action);
      callbacks.onAction?.(action);
    } else if (event.type === 'error') {
      text += `${text ? '\n' : ''}${event.message}`;
    }
  }
  return { source: 'llm', text, actions };
}

/** Without a language model: the sentence is read by the command language's fixed rules. */
async function commandLanguage(ctx: AssistantContext, message: string, transport: AssistantTransport, callbacks: TurnCallbacks): Promise<TurnResult> {
  const parsed = parseCommand(message);
  if (parsed.kind !== 'call') {
    callbacks.onText?.(parsed.text);
    return { source: 'commands', text: parsed.text, actions: [] };
  }
  const action = await perform(ctx, parsed.tool, parsed.args, transport);
  callbacks.onAction?.(action);
  return { source: 'commands', text: action.summary, actions: [action] };
}

/** Checks and runs one tool call; refused arguments leave the document untouched. */
async function perform(ctx: AssistantContext, name: string, args: unknown, transport: AssistantTransport): Promise<AssistantAction> {
  const call = parseToolCall(name, args);
  if (!call.ok) return refused(name, args, call.error);
  const outcome = runToolCall(ctx, call);
  const action: AssistantAction = { tool: name, args: call.args, summary: outcome.summary, ok: outcome.ok };
  if (!outcome.ok || !('request' in outcome) || !outcome.request) return action;
  const failure = await send(outcome.request, transport);
  return failure ? { ...action, ok: false, summary: failure } : action;
}

/** A render or a media tool, asked of the API with the asker's own session; returns the server's refusal, or null. */
async function send(request: AssistantRequest, transport: AssistantTransport): Promise<string | null> {
  try {
    const r = await transport.fetch(`${transport.baseUrl ?? ''}${request.path}`, { method: request.method, headers: { 'content-type': 'application/json', ...transport.headers }, body: JSON.stringify(request.body) });
    if (r.ok) return null;
    const body = (await r.json().catch(() => null)) as { error?: { message?: string } } | null;
    return body?.error?.message ?? `The studio refused it (${r.status}).`;
  } catch {
    return 'The studio could not be reached: check your connection and ask again.';
  }
}

function refused(tool: string, args: unknown, why: string): AssistantAction {
  const plain = typeof args === 'object' && args !== null && !Array.isArray(args) ? (args as Record<string, unknown>) : { raw: String(args).slice(0, 200) };
  return { tool: tool.slice(0, 64), args: plain, summary: why.slice(0, 500), ok: false };
}

/** NDJSON lines as they arrive. */
async function* readEvents(response: Response): AsyncGenerator<AssistantEvent> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  while (true) {
    const { value, done } = await reader.read();
    if (value) buffer += value;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (line) yield JSON.parse(line) as AssistantEvent;
    }
    if (done) break;
  }
}

/** The library as the assistant searches it (the first 200 files, as the station editors list them). */
async function loadLibrary(projectId: string, transport: AssistantTransport): Promise<AssistantAsset[]> {
  const r = await transport.fetch(`${transport.baseUrl ?? ''}/api/projects/${projectId}/assets?limit=200`, { headers: transport.headers });
  if (!r.ok) return [];
  const { assets } = (await r.json()) as { assets: AssetJson[] };
  return assets.map((a) => ({
    id: a.id,
    kind: a.kind,
    title: a.title,
    artist: a.artist,
    tags: a.tags,
    description: a.description,
    category: a.category,
    duration: a.duration,
    approved: a.status === 'approved',
    ready: a.processing.state === 'ready'
  }));
}

const projectId = (ctx: AssistantContext) => ctx.projectId;
