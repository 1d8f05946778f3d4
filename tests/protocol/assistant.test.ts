import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { runAssistantTurn, type AssistantTransport } from '$lib/assistant/assistant-turn';
import type { CommandContext } from '$lib/editor/commands/command';
import { runCommand } from '$lib/editor/commands/command';
import { undo } from '$lib/editor/commands/undo';
import { undoOriginsOf, userOrigin } from '$lib/editor/model/origin';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { addMember, api, createTeam, expectApiError, signup, uniqueName, type Team, type TestUser } from '../helpers/api';
import { startServer, type RunningServer } from '../helpers/server';
import { startOpenAiStub, STUB_TEXT, type OpenAiStub } from '../helpers/openai-stub';
import { connectClient, waitFor, type YClient } from '../helpers/yclient';

// The assistant's language-model path through the real server, against a protocol-faithful OpenAI-compatible stub
// (SSE chunks, a tool call whose arguments stream in pieces); the tool call runs in a headless y-websocket client.
const TITLE_CALL = { name: 'add_title', arguments: JSON.stringify({ text: 'Hello from the stub', at: 2, duration: 3 }) };

describe('assistant over a stub language model', () => {
  let server: RunningServer;
  let stub: OpenAiStub;
  let badStub: OpenAiStub;
  let team: Team;
  const clients: YClient[] = [];
  const ask = (token: string, body: unknown, raw?: string) => api(server, 'POST', `/api/projects/${team.projectId}/assistant`, { token, body, raw });
  const useModel = (s: OpenAiStub) => api(server, 'PUT', `/api/projects/${team.projectId}/providers`, { token: team.owner.token, body: { llm: { baseUrl: s.baseUrl, model: 'stub-chat-1', apiKey: s.key } } });

  /** A person's studio, headless: the document over y-websocket, their UndoManager tracking their own and their assistant origin. */
  async function studioOf(user: TestUser): Promise<{ ctx: CommandContext; client: YClient; transport: AssistantTransport }> {
    const client = connectClient(server.wsUrl, team.projectId, user.token);
    clients.push(client);
    await client.synced;
    const project = new ProjectDoc(client.doc);
    const undoManager = new Y.UndoManager([...project.timeline.undoScope, ...project.playlists.undoScope, ...project.schedule.undoScope], { trackedOrigins: undoOriginsOf(user.id) });
    const ctx: CommandContext = { project, origin: userOrigin(user.id), role: 'owner', user: { id: user.id, name: user.username }, undoManager };
    return { ctx, client, transport: { fetch, baseUrl: server.url, headers: { authorization: `Bearer ${user.token}` } } };
  }

  beforeAll(async () => {
    stub = await startOpenAiStub({ toolCall: TITLE_CALL });
    badStub = await startOpenAiStub({ toolCall: { name: 'add_title', arguments: '{"text": "Oops", "at": -4' } });
    server = await startServer();
    team = await createTeam(server, 'Assistant');
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server?.destroy();
    await stub?.close();
    await badStub?.close();
  });

  it('without a language model, answers 409 llm_not_configured (the client then uses the command language)', async () => {
    expectApiError(await ask(team.editor.token, { message: 'add title "Hi" at 00:01' }), 409, 'llm_not_configured');
    const { ctx, transport, client } = await studioOf(team.editor);
    const r = await runAssistantTurn(ctx, team.projectId, 'add title "Hi" at 00:01', transport);
    expect(r).toMatchObject({ source: 'commands', text: 'Added the title "Hi" at 00:01.', actions: [{ tool: 'add_title', ok: true }] });
    expect(new ProjectDoc(client.doc).timeline.snapshot().clips.map((c) => c.title?.text)).toEqual(['Hi']);
    expect(new ProjectDoc(client.doc).assistant.list().map((m) => [m.role, m.source])).toEqual([['user', 'commands'], ['assistant', 'commands']]);
    expect(runCommand(undo, ctx, undefined)).toBe(true);
    expect(new ProjectDoc(client.doc).timeline.snapshot().clips).toEqual([]);
  });

  it('streams the reply and the tool call as NDJSON, with the project’s names sent to the model', async () => {
    expect((await useModel(stub)).status).toBe(200);
    const r = await fetch(`${server.url}/api/projects/${team.projectId}/assistant`, {
      method: 'POST',
      headers: { authorization: `Bearer ${team.editor.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'Put a hello title at two seconds', context: { playlists: ['Morning Mix'], shows: [], library: [], clips: [] } })
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/x-ndjson');
    const events = (await r.text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(events).toEqual([
      ...STUB_TEXT.map((delta) => ({ type: 'text', delta })),
      { type: 'tool_call', id: 'call_stub_1', name: 'add_title', arguments: JSON.parse(TITLE_CALL.arguments) },
      { type: 'done', text: STUB_TEXT.join('') }
    ]);
    const sent = stub.requests.at(-1)!.body;
    expect(sent.stream).toBe(true);
    expect(sent.tools.map((t: { function: { name: string } }) => t.function.name)).toContain('add_title');
    expect(sent.messages[0].content).toContain('"Morning Mix"');
    expect(sent.messages.at(-1)).toEqual({ role: 'user', content: 'Put a hello title at two seconds' });
  });

  it('runs the tool call as an edit with the asker’s assistant origin: another replica sees it, one undo by the asker removes it', async () => {
    const ana = await studioOf(team.owner);
    const ben = await studioOf(team.editor);
    const benProject = new ProjectDoc(ben.client.doc);
    const origins: unknown[] = [];
    ana.client.doc.on('afterTransaction', (t: Y.Transaction) => t.local && origins.push(t.origin));
    const streamed: string[] = [];
    const r = await runAssistantTurn(ana.ctx, team.projectId, 'Put a hello title at two seconds', ana.transport, { onText: (d) => streamed.push(d) });
    expect(streamed).toEqual(STUB_TEXT);
    expect(r).toEqual({ source: 'llm', text: STUB_TEXT.join(''), actions: [{ tool: 'add_title', args: { text: 'Hello from the stub', at: 2, duration: 3 }, summary: 'Added the title "Hello from the stub" at 00:02.', ok: true }] });
    expect(origins).toContainEqual({ kind: 'assistant', name: 'assistant', userId: team.owner.id });

    const titles = (p: ProjectDoc) => p.timeline.snapshot().clips.map((c) => c.title?.text);
    await waitFor(() => titles(benProject).includes('Hello from the stub'), 'the other replica to see the assistant’s title');
    // Everyone sees the conversation: the request and the answer with what was done, attributed to who asked.
    await waitFor(() => benProject.assistant.list().some((m) => m.role === 'assistant' && m.source === 'llm' && m.actions[0]?.tool === 'add_title'), 'the shared conversation');
    expect(benProject.assistant.list().filter((m) => m.byId === team.owner.id).map((m) => m.role)).toEqual(['user', 'assistant']);

    // Ben cannot undo it; Ana's one undo takes the tool call back everywhere, and leaves the conversation.
    expect(runCommand(undo, ben.ctx, undefined)).toBe(false);
    expect(runCommand(undo, ana.ctx, undefined)).toBe(true);
    expect(titles(new ProjectDoc(ana.client.doc))).toEqual([]);
    await waitFor(() => !titles(benProject).includes('Hello from the stub'), 'the undo to reach the other replica');
    expect(benProject.assistant.list().length).toBeGreaterThanOrEqual(2);
  });

  it('refuses a tool call with bad arguments from the model with a message, leaving the document untouched', async () => {
    expect((await useModel(badStub)).status).toBe(200);
    const ana = await studioOf(team.owner);
    const before = ana.ctx.project.timeline.snapshot();
    const r = await runAssistantTurn(ana.ctx, team.projectId, 'Add a title', ana.transport);
    expect(r.actions).toEqual([{ tool: 'add_title', args: { raw: '{"text": "Oops", "at": -4' }, summary: 'The arguments of add_title are not a JSON object.', ok: false }]);
    expect(ana.ctx.project.timeline.snapshot()).toEqual(before);
    expect(ana.ctx.undoManager!.canUndo()).toBe(false);
    // The next turn tells the model what was done before, and what was not.
    await runAssistantTurn(ana.ctx, team.projectId, 'Try again', ana.transport);
    const history = badStub.requests.at(-1)!.body.messages.map((m: { content: string }) => m.content).join('\n');
    expect(history).toContain('[done: Added the title "Hello from the stub" at 00:02.]');
    expect(history).toContain('[not done: The arguments of add_title are not a JSON object.]');
    await useModel(stub);
  });

  it('says in the reply when the language model fails (a refused key), and does nothing', async () => {
    expect((await api(server, 'PUT', `/api/projects/${team.projectId}/providers`, { token: team.owner.token, body: { llm: { apiKey: 'sk-wrong' } } })).status).toBe(200);
    const ana = await studioOf(team.owner);
    const r = await runAssistantTurn(ana.ctx, team.projectId, 'Add a title', ana.transport);
    expect(r.actions).toEqual([]);
    expect(r.text).toMatch(/^The language model failed: The service at .* refused the API key \(401\): check the key\.$/);
    expect(ana.ctx.undoManager!.canUndo()).toBe(false);
    await useModel(stub);
  });

  it('answers bad input with a clear 4xx', async () => {
    const token = team.editor.token;
    expectApiError(await ask(token, undefined, '{"message": '), 400, 'invalid_json');
    expectApiError(await ask(token, { message: 'x'.repeat(2001) }), 400, 'invalid_input');
    expectApiError(await ask(token, { message: '   ' }), 400, 'invalid_input');
    expectApiError(await ask(token, { message: 'hi', history: Array.from({ length: 21 }, () => ({ role: 'user', text: 'x' })) }), 400, 'invalid_input');
    expectApiError(await ask(token, { message: 'hi', role: 'system' }), 400, 'invalid_input');
    expectApiError(await ask(team.viewer.token, { message: 'hi' }), 403, 'forbidden');
    expectApiError(await ask(team.outsider.token, { message: 'hi' }), 404, 'not_found');
    expectApiError(await api(server, 'POST', `/api/projects/${team.projectId}/assistant`, { body: { message: 'hi' } }), 401);
  });

  it('limits each person to 20 requests a minute, with Retry-After', async () => {
    const carol = await signup(server, uniqueName('carol'));
    await addMember(server, team.owner, team.projectId, carol.username, 'editor');
    for (let i = 0; i < 20; i++) expect((await ask(carol.token, { message: `turn ${i}` })).status).toBe(200);
    const refused = await ask(carol.token, { message: 'one more' });
    expectApiError(refused, 429);
    expect(refused.body.error.message).toMatch(/At most 20 assistant requests a minute/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another person is not held back by Carol's turns.
    expect((await ask(team.editor.token, { message: 'still here' })).status).toBe(200);
  });
});
