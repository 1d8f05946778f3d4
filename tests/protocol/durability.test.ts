import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { userOrigin } from '$lib/editor/model/origin';
import { runCommand } from '$lib/editor/commands/command';
import { addComment } from '$lib/editor/commands/add-comment';
import { api, createApiToken, createTeam, type Team } from '../helpers/api';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/db';
import { seededRng } from '../helpers/prng';
import { startServer, type RunningServer } from '../helpers/server';
import { docFingerprint } from '../helpers/ydoc';
import { editStream, expectAll } from '../helpers/token-edits';
import { clientTracker, notes, waitFor } from '../helpers/yclient';

describe.each(DIALECTS)('durability and convergence through the real server on %s', (kind) => {
  let database: TestDatabase | undefined;
  let server: RunningServer;
  let team: Team;
  const clients = clientTracker();
  const client = (token: string) => clients.connect(server.wsUrl, team.projectId, token);
  const synced = (...tokens: string[]) => clients.connectSynced(server.wsUrl, team.projectId, tokens);

  beforeAll(async () => {
    if (kind === 'postgres') database = await createTestDatabase('postgres');
    server = await startServer({ databaseUrl: database?.url });
    team = await createTeam(server, `Durability ${kind}`);
  });
  afterEach(() => clients.closeAll());
  afterAll(async () => {
    await server?.destroy();
    await database?.drop();
  });

  it('two editors converge after concurrent edits, and a fresh client loads the same document', async () => {
    expect((await api(server, 'GET', '/health')).body.database.dialect).toBe(kind);
    const [a, b] = await synced(team.owner.token, await createApiToken(server, team.editor, 'headless'));
    const pa = new ProjectDoc(a.doc);
    const pb = new ProjectDoc(b.doc);
    const ctx = (p: ProjectDoc, id: string) => ({ project: p, origin: userOrigin(id), role: 'editor' as const, user: { id, name: id } });
    // Interleaved, without waiting: each side edits on top of a state the other has not seen yet.
    for (let i = 0; i < 30; i++) {
      pa.transact(userOrigin('a'), () => pa.notes.insert(i % 3 === 0 ? 0 : pa.notes.length, `(a${i})`));
      pb.transact(userOrigin('b'), () => pb.notes.insert(i % 2 === 0 ? 0 : pb.notes.length, `(b${i})`));
      if (i % 10 === 0) {
        runCommand(addComment, ctx(pa, team.owner.id), { body: `from a ${i}` });
        runCommand(addComment, ctx(pb, team.editor.id), { body: `from b ${i}` });
      }
    }
    const first = pa.commentList()[0];
    pb.transact(userOrigin('b'), () => pb.notes.delete(pb.notes.toString().indexOf('(b0)'), 4));
    pa.transact(userOrigin('a'), () => pa.comments.update(first.id, { resolved: true }));
    await waitFor(() => notes(a) === notes(b) && pa.comments.size === 6 && pb.comments.size === 6 && pb.comments.get(first.id)?.resolved === true, 'the two editors to converge');
    expect(docFingerprint(a.doc)).toEqual(docFingerprint(b.doc));
    for (let i = 1; i < 30; i++) expect(notes(a)).toContain(`(b${i})`);
    for (let i = 0; i < 30; i++) expect(notes(a)).toContain(`(a${i})`);
    expect(notes(a)).not.toContain('(b0)');

    const [fresh] = await synced(team.viewer.token);
    expect(docFingerprint(fresh.doc).content).toEqual(docFingerprint(a.doc).content);
  });

  it('SIGKILL during a stream of edits: clients reconnect by themselves, converge, and keep every edit', async () => {
    const rng = seededRng(kind === 'sqlite' ? 42 : 4242);
    const [a, b] = await synced(team.owner.token, team.editor.token);
    const madeA: string[] = [];
    const madeB: string[] = [];
    const COUNT = 60;
    const streams = Promise.all([editStream(a, 'a', rng, COUNT, madeA), editStream(b, 'b', rng, COUNT, madeB)]);

    await waitFor(() => madeA.length >= 20 && madeB.length >= 20, 'the stream to be under way');
    await server.kill9();
    // Both keep editing while the server is gone; the restart comes while they are still at it.
    await waitFor(() => madeA.length >= 35 && madeB.length >= 35, 'edits made while the server is down');
    server = await server.restart();
    await streams;

    const all = [...madeA, ...madeB];
    expect(all).toHaveLength(2 * COUNT);
    await waitFor(
      () => a.provider.wsconnected && b.provider.wsconnected && notes(a) === notes(b) && all.every((t) => notes(a).includes(t)),
      'both clients to reconnect and converge on every edit',
      30_000
    );
    expectAll(notes(a), all, 'client a');
    expectAll(notes(b), all, 'client b');

    const [fresh] = await synced(team.viewer.token);
    expectAll(notes(fresh), all, 'a fresh client');
    expect(notes(fresh)).toBe(notes(a));
  });

  it('SIGTERM persists what the server holds: after stop and restart, a fresh client sees everything', async () => {
    const rng = seededRng(kind === 'sqlite' ? 7 : 77);
    const [a, b] = await synced(team.owner.token, team.editor.token);
    const made: string[] = [];
    await Promise.all([editStream(a, 'c', rng, 20, made, 2), editStream(b, 'd', rng, 20, made, 2)]);
    const before = client(team.viewer.token);
    await waitFor(() => made.every((t) => notes(before).includes(t)), 'the server to hold every edit');
    const expected = notes(before);

    // Stopped with the clients still connected, which then go away before the restart: they cannot re-send
    // anything, so what the fresh client finds is what the shutdown wrote.
    expect(await server.stop()).toBe(0);
    clients.closeAll();
    server = await server.restart();
    const [after] = await synced(team.viewer.token);
    expectAll(notes(after), made, 'a fresh client after the restart');
    expect(notes(after)).toBe(expected);
  });
});
