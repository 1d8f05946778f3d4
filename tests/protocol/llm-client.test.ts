import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlmClient } from '../../src/lib/server/ai/llm-client';
import { startOpenAiStub, STUB_TEXT, STUB_TOOL, type OpenAiStub } from '../helpers/openai-stub';

// Our LLM client over real HTTP against a protocol-faithful OpenAI-compatible stub (SSE chunks as OpenAI streams them).
let stub: OpenAiStub;
beforeAll(async () => {
  stub = await startOpenAiStub();
});
afterAll(async () => stub?.close());

describe('LLM client against an OpenAI-compatible stub', () => {
  it('streams text and assembles a tool call whose arguments arrive in pieces', async () => {
    const client = new LlmClient({ baseUrl: stub.baseUrl, model: 'stub-chat-1', apiKey: stub.key });
    const pieces: string[] = [];
    const result = await client.chat([{ role: 'user', content: 'Put the new single third in the morning playlist.' }], {
      tools: [{ name: STUB_TOOL.name, description: 'Adds an asset to a playlist.', parameters: { type: 'object', properties: { playlistId: { type: 'string' }, assetId: { type: 'string' }, position: { type: 'integer' } } } }],
      onText: (d) => pieces.push(d)
    });
    expect(pieces).toEqual(STUB_TEXT);
    expect(result.content).toBe(STUB_TEXT.join(''));
    expect(result.finishReason).toBe('tool_calls');
    expect(result.toolCalls).toEqual([{ id: 'call_stub_1', name: STUB_TOOL.name, arguments: STUB_TOOL.arguments }]);
    const sent = stub.requests.at(-1)!;
    expect(sent.body).toMatchObject({ model: 'stub-chat-1', stream: true, tools: [{ type: 'function', function: { name: STUB_TOOL.name } }] });
  });

  it('streams plain text when no tools are offered', async () => {
    const result = await new LlmClient({ baseUrl: stub.baseUrl, model: 'stub-chat-1', apiKey: stub.key }).chat([{ role: 'user', content: 'Hi' }]);
    expect(result).toEqual({ content: STUB_TEXT.join(''), toolCalls: [], finishReason: 'stop' });
  });

  it('reports a refused key in plain words', async () => {
    const r = await new LlmClient({ baseUrl: stub.baseUrl, model: 'stub-chat-1', apiKey: 'sk-nope' }, { maxRetries: 0 }).test();
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/refused the API key \(401\)/);
  });
});
