import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { memoryRateLimiters, type RateLimiterFactory } from '../redis/rate-limiters';
import { parseToolCall, toolDefinitions } from '$lib/editor/assistant/assistant-tools';
import type { AssistantEvent } from '$lib/assistant';
import { canEdit } from '$lib/editor/model/role';
import type { ProvidersService } from '../ai/providers.service';
import { describeFailure, LlmClient, type ChatMessage } from '../ai/llm-client';
import type { UserRow } from '../db/schema';
import { conflict, forbidden, tooManyRequests } from '../http/api-error';
import type { ProjectService } from '../project/project.service';
import type { AskAssistantInput } from './assistant.schema';

/** Each turn calls the project's language model: a person may ask this many a minute. */
const TURNS_PER_MINUTE = 20;

const SYSTEM_PROMPT = `You are the assistant of airstudio, a collaborative studio for radio and video teams. You edit the project by calling tools; everyone in the project sees what you do, and the person who asked can undo each tool call.
Call a tool for every change asked for; refer to playlists, shows, clips and files by the names given below. Answer briefly in plain words. If something cannot be done with the tools, say so.`;

/**
 * The assistant's language-model side: checks the caller may edit, then streams the project's model's reply and its
 * tool calls back. The tool calls are run by the asker's client (so their undo takes them back), never here.
 */
export class AssistantService {
  private readonly limiter: RateLimiterAbstract;

  constructor(
    private readonly projects: ProjectService,
    private readonly providers: ProvidersService,
    limiters: RateLimiterFactory = memoryRateLimiters
  ) {
    this.limiter = limiters({ keyPrefix: 'assistant_turns', points: TURNS_PER_MINUTE, duration: 60 });
  }

  /** Refuses before any streaming starts: not an editor, too many turns, or no language model. */
  async prepare(user: UserRow, projectId: string): Promise<LlmClient> {
    const role = await this.projects.requireRole(user.id, projectId);
    if (!canEdit(role)) throw forbidden('Viewers can read the assistant conversation; ask the owner for the editor role to ask it for changes.');
    try {
      await this.limiter.consume(user.id);
    } catch (e) {
      if (e instanceof RateLimiterRes) throw tooManyRequests(e.msBeforeNext / 1000, `At most ${TURNS_PER_MINUTE} assistant requests a minute: wait a moment.`);
      throw e;
    }
    const config = await this.providers.llmFor(projectId);
    if (!config) throw conflict('No language model is configured for this project: the assistant uses its command language (type "help"), or set a model under AI providers.', 'llm_not_configured');
    return new LlmClient(config, { maxRetries: 0 });
  }

  /** One turn: text deltas as they stream, then each tool call (checked against the catalogue), then done. */
  async *turn(llm: LlmClient, input: AskAssistantInput, signal?: AbortSignal): AsyncGenerator<AssistantEvent> {
    const queue: AssistantEvent[] = [];
    let wake: (() => void) | null = null;
    let finished = false;
    const push = (e: AssistantEvent) => {
      queue.push(e);
      wake?.();
    };
    const run = llm
      .chat(messagesFor(input), { tools: toolDefinitions(), signal, onText: (delta) => push({ type: 'text', delta }) })
      .then(
        (result) => {
          for (const call of result.toolCalls) {
            const parsed = parseToolCall(call.name, call.arguments);
            push({ type: 'tool_call', id: call.id, name: call.name, arguments: call.arguments, ...(parsed.ok ? {} : { error: parsed.error }) });
          }
          push({ type: 'done', text: result.content });
        },
        (e: Error) => push({ type: 'error', code: 'llm_failed', message: `The language model failed: ${describeFailure(e, llm.config.baseUrl, llm.config.model)}` })
      )
      .finally(() => {
        finished = true;
        wake?.();
      });
    while (true) {
      if (queue.length) {
        yield queue.shift()!;
        continue;
      }
      if (finished) break;
      await new Promise<void>((r) => (wake = r));
      wake = null;
    }
    await run;
  }
}

function messagesFor(input: AskAssistantInput): ChatMessage[] {
  const c = input.context;
  const list = (label: string, names: string[]) => (names.length ? `${label}: ${names.map((n) => JSON.stringify(n)).join(', ')}` : `${label}: none`);
  const facts = [list('Playlists', c.playlists), list('Shows', c.shows), list('Timeline clips', c.clips), list('Library files', c.library)].join('\n');
  return [
    { role: 'system', content: `${SYSTEM_PROMPT}\n\nThe project now:\n${facts}` },
    ...input.history.map((h): ChatMessage => ({ role: h.role, content: h.text })),
    { role: 'user', content: input.message }
  ];
}
