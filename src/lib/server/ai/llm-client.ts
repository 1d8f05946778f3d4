import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import type { ProviderTestResult } from '$lib/ai';

export interface LlmConfig {
  baseUrl: string;
  model: string;
  apiKey: string | null;
}

export type ChatMessage = ChatCompletionMessageParam;

export interface ChatTool {
  name: string;
  description: string;
  /** JSON Schema of the arguments. */
  parameters: Record<string, unknown>;
}

export interface ToolCall {
  id: string;
  name: string;
  /** Parsed JSON, or the raw text when the model sent something that is not JSON. */
  arguments: unknown;
}

export interface ChatResult {
  content: string;
  toolCalls: ToolCall[];
  finishReason: string | null;
}

export interface ChatOptions {
  tools?: ChatTool[];
  /** Each piece of text as it streams in. */
  onText?: (delta: string) => void;
  signal?: AbortSignal;
}

/** A language model behind an OpenAI-compatible API (OpenAI, Ollama, vLLM, llama.cpp's server, LM Studio …). */
export class LlmClient {
  private readonly client: OpenAI;

  constructor(
    readonly config: LlmConfig,
    { timeoutMs = 60_000, maxRetries = 1 }: { timeoutMs?: number; maxRetries?: number } = {}
  ) {
    // Local servers take no key, but the client library insists on one.
    this.client = new OpenAI({ baseURL: config.baseUrl, apiKey: config.apiKey ?? 'none', timeout: timeoutMs, maxRetries });
  }

  /** A streamed chat completion; tool calls arrive in pieces and come back assembled. */
  async chat(messages: ChatMessage[], { tools, onText, signal }: ChatOptions = {}): Promise<ChatResult> {
    const stream = this.client.chat.completions.stream(
      {
        model: this.config.model,
        messages,
        ...(tools?.length ? { tools: tools.map((t): ChatCompletionTool => ({ type: 'function', function: t })) } : {})
      },
      { signal }
    );
    if (onText) stream.on('content', (delta) => onText(delta));
    const done = await stream.finalChatCompletion();
    const choice = done.choices[0];
    const toolCalls = (choice?.message.tool_calls ?? []).flatMap((c) => (c.type === 'function' ? [{ id: c.id, name: c.function.name, arguments: parseArguments(c.function.arguments) }] : []));
    return { content: choice?.message.content ?? '', toolCalls, finishReason: choice?.finish_reason ?? null };
  }

  /** Whether the service answers with this key and knows the model, in plain words. */
  async test(): Promise<ProviderTestResult> {
    const where = this.config.baseUrl;
    let models: string[] | undefined;
    try {
      models = [];
      for await (const m of this.client.models.list()) models.push(m.id);
    } catch (e) {
      // Some servers have no /models: a one-token completion then tells the same story.
      if (!(e instanceof OpenAI.NotFoundError)) return { ok: false, message: describeFailure(e, where, this.config.model) };
      models = undefined;
    }
    if (models && models.length && !models.includes(this.config.model)) {
      return { ok: false, message: `The service at ${where} has no model "${this.config.model}". It offers: ${models.slice(0, 20).join(', ')}.`, models };
    }
    try {
      await this.client.chat.completions.create({ model: this.config.model, messages: [{ role: 'user', content: 'Say OK.' }], max_tokens: 1 });
    } catch (e) {
      return { ok: false, message: describeFailure(e, where, this.config.model), models };
    }
    return { ok: true, message: `Connected to ${where}: model "${this.config.model}" answered.`, models };
  }
}

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text || '{}');
  } catch {
    return text;
  }
}

/** An error from the client library as a sentence a person can act on. */
export function describeFailure(e: unknown, where: string, model: string): string {
  if (e instanceof OpenAI.APIConnectionTimeoutError) return `The service at ${where} did not answer in time.`;
  if (e instanceof OpenAI.APIConnectionError) return `The service at ${where} cannot be reached (${causeOf(e)}).`;
  if (e instanceof OpenAI.AuthenticationError) return `The service at ${where} refused the API key (401): check the key.`;
  if (e instanceof OpenAI.PermissionDeniedError) return `The service at ${where} does not allow this key to use "${model}" (403).`;
  if (e instanceof OpenAI.NotFoundError) return `The service at ${where} has no model "${model}", or ${where} is not an OpenAI-compatible API (404).`;
  if (e instanceof OpenAI.RateLimitError) return `The service at ${where} is rate-limiting this key (429): try again later.`;
  if (e instanceof OpenAI.APIError) return `The service at ${where} answered ${e.status ?? 'an error'}: ${e.message}`;
  return `The service at ${where} failed: ${(e as Error).message}`;
}

function causeOf(e: Error): string {
  const cause = (e as { cause?: { code?: string; message?: string; cause?: { code?: string } } }).cause;
  return cause?.code ?? cause?.cause?.code ?? cause?.message ?? e.message;
}
