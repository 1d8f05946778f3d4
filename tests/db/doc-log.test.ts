import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { newComment } from '$lib/editor/model/comment';
import { userOrigin } from '$lib/editor/model/origin';
import { SharedDoc } from '$lib/server/yjs/shared-doc';
import { createStudioServer } from '$lib/server/studio-server';
import type { UserRow } from '$lib/server/db/schema';
import { createTestApp, makeUser, type TestApp } from '../helpers/app';
import { DIALECTS } from '../helpers/db';
import { docFingerprint, rebuild } from '../helpers/ydoc';
import { connectClient, waitFor } from '../helpers/yclient';

const COMPACT_AFTER = 5;

/** One small, varied edit: text, a comment, a field update or a deletion. */
function edit(p: ProjectDoc, user: UserRow, i: number) {
  p.transact(userOrigin(user.id), () => {
    if (i % 4 === 0) p.notes.insert(p.notes.length, `line ${i}\n`);
    else if (i % 4 === 1) p.comments.insert(newComment({ authorId: user.id, authorName: user.username, body: `comment ${i}`, createdAt: i }));
    else if (i % 4 === 2) {
      const c = p.commentList().at(-1);
      if (c) p.comments.update(c.id, { resolved: !c.resolved, body: `edited ${i}` });
    } else if (p.notes.length > 3) p.notes.delete(0, 3);
  });
}

describe.each(DIALECTS)('update log and compaction on %s', (kind) => {
  let t: TestApp;
  let user: UserRow;

  beforeAll(async () => {
    t = await createTestApp(kind, { YJS_COMPACT_AFTER_UPDATES: String(COMPACT_AFTER) });
    user = await makeUser(t.app, 'doclog');
  });
  afterAll(async () => t?.close());

  const newProject = async () => (await t.app.projects.create(user, 'Doc log')).id;
  const rowCount = async (projectId: string) =>
    (await t.app.db.kysely.selectFrom('doc_updates').select('id').where('project_id', '=', projectId).execute()).length;

  it('appends one row per flushed update; the log alone rebuilds the live document', async () => {
    const projectId = await newProject();
    const shared = new SharedDoc(projectId, t.app.docLog, { compactAfterUpdates: 1000 }, t.app.logger);
    await shared.load();
    const p = new ProjectDoc(shared.doc);
    for (let i = 0; i < 12; i++) {
      edit(p, user, i);
      await shared.flush();
    }
    const stored = await t.app.docLog.load(projectId);
    expect(stored.snapshot).toBeNull();
    expect(stored.updates).toHaveLength(12);
    expect(docFingerprint(rebuild(stored))).toEqual(docFingerprint(shared.doc));
    shared.destroy();
  });

  it('the full state a new client receives is the whole document, before and after further edits', async () => {
    const projectId = await newProject();
    const first = new SharedDoc(projectId, t.app.docLog, { compactAfterUpdates: 1000 }, t.app.logger);
    await first.load();
    for (let i = 0; i < 8; i++) edit(new ProjectDoc(first.doc), user, i);
    await first.persistAndCompact();
    first.destroy();

    const shared = new SharedDoc(projectId, t.app.docLog, { compactAfterUpdates: 1000 }, t.app.logger);
    await shared.load();
    const empty = Y.encodeStateVector(new Y.Doc());
    const fresh = () => {
      const d = new Y.Doc();
      Y.applyUpdate(d, shared.encodeStateFor(empty));
      return docFingerprint(d);
    };
    expect(fresh()).toEqual(docFingerprint(shared.doc));
    edit(new ProjectDoc(shared.doc), user, 100);
    expect(fresh()).toEqual(docFingerprint(shared.doc));
    expect(new ProjectDoc(shared.doc).notes.toString()).toContain('line 100');
    shared.destroy();
  });

  it('merges a burst of edits made in one turn of the event loop into few rows', async () => {
    const projectId = await newProject();
    const shared = new SharedDoc(projectId, t.app.docLog, { compactAfterUpdates: 1000 }, t.app.logger);
    await shared.load();
    const p = new ProjectDoc(shared.doc);
    for (let i = 0; i < 200; i++) p.transact(userOrigin(user.id), () => p.notes.insert(p.notes.length, `${i},`));
    await new Promise((r) => setImmediate(r));
    await shared.flush();
    expect(await rowCount(projectId)).toBeLessThanOrEqual(2);
    expect(rebuild(await t.app.docLog.load(projectId)).getText('notes').toString()).toBe(p.notes.toString());
    shared.destroy();
  });

  it('compacts after the threshold: snapshot + remaining log equals the live document', async () => {
    const projectId = await newProject();
    const shared = await t.app.docs.acquire(projectId);
    const p = new ProjectDoc(shared.doc);
    const edits = 4 * COMPACT_AFTER + 3;
    for (let i = 0; i < edits; i++) {
      edit(p, user, i);
      await shared.flush();
    }
    const stored = await t.app.docLog.load(projectId);
    expect(stored.snapshot).not.toBeNull();
    // Every full batch of COMPACT_AFTER rows was folded into the snapshot and deleted.
    expect(stored.updates).toHaveLength(edits % COMPACT_AFTER);
    expect(await rowCount(projectId)).toBe(edits % COMPACT_AFTER);
    expect(docFingerprint(rebuild(stored))).toEqual(docFingerprint(shared.doc));
    await t.app.docs.unload(projectId);
  });

  it('unloading (the last client left) persists and compacts everything; loading again gives the same document', async () => {
    const projectId = await newProject();
    const shared = await t.app.docs.acquire(projectId);
    expect(await t.app.docs.acquire(projectId)).toBe(shared); // one live copy per project
    const p = new ProjectDoc(shared.doc);
    for (let i = 0; i < 7; i++) edit(p, user, i); // not flushed by hand: unload must do it
    const before = docFingerprint(shared.doc);
    await t.app.docs.unload(projectId);
    expect(await rowCount(projectId)).toBe(0);
    const stored = await t.app.docLog.load(projectId);
    expect(stored.updates).toHaveLength(0);
    expect(docFingerprint(rebuild(stored))).toEqual(before);

    const again = await t.app.docs.acquire(projectId);
    expect(again).not.toBe(shared);
    expect(docFingerprint(again.doc)).toEqual(before);
    // Edits after a compaction land in the log after the snapshot, and loading applies both.
    edit(new ProjectDoc(again.doc), user, 100);
    await again.flush();
    const later = await t.app.docLog.load(projectId);
    expect(later.snapshot).not.toBeNull();
    expect(later.updates).toHaveLength(1);
    expect(docFingerprint(rebuild(later))).toEqual(docFingerprint(again.doc));
    await t.app.docs.unload(projectId);
    expect(t.app.docs.loadedCount).toBe(0);
  });

  it('a client arriving while the document unloads gets it back whole', async () => {
    const projectId = await newProject();
    const shared = await t.app.docs.acquire(projectId);
    for (let i = 0; i < 9; i++) edit(new ProjectDoc(shared.doc), user, i);
    const before = docFingerprint(shared.doc);
    const unloading = t.app.docs.unload(projectId);
    const [again] = await Promise.all([t.app.docs.acquire(projectId), unloading]);
    expect(again).not.toBe(shared);
    expect(docFingerprint(again.doc)).toEqual(before);
    await t.app.docs.unload(projectId);
  });

  it('a compaction keeps the rows that arrived after its snapshot was taken', async () => {
    const projectId = await newProject();
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    const text = doc.getText('notes');
    text.insert(0, 'one ');
    const id1 = await t.app.docLog.append(projectId, updates[0], 1);
    text.insert(text.length, 'two ');
    const id2 = await t.app.docLog.append(projectId, updates[1], 2);
    const stateAtTwo = Y.encodeStateAsUpdate(doc);
    text.insert(text.length, 'three');
    const id3 = await t.app.docLog.append(projectId, updates[2], 3);
    expect(id1).toBeLessThan(id2);
    expect(id2).toBeLessThan(id3);

    await t.app.docLog.compact(projectId, stateAtTwo, id2, 4);
    const stored = await t.app.docLog.load(projectId);
    expect(stored.updates).toHaveLength(1);
    expect(stored.lastUpdateId).toBe(id3);
    expect(rebuild(stored).getText('notes').toString()).toBe('one two three');
    expect(await t.app.docLog.countSince(projectId, 0)).toBe(1);
  });

  it('through real sockets: the last client leaving unloads and compacts, and a new client loads the compacted document', async () => {
    const studio = createStudioServer(t.app, (_req, _res, next) => next?.());
    await new Promise<void>((r) => studio.http.listen(0, '127.0.0.1', r));
    const wsUrl = `ws://127.0.0.1:${(studio.http.address() as { port: number }).port}`;
    try {
      const projectId = await newProject();
      const { token } = await t.app.tokens.create(user.id, 'yjs');
      const a = connectClient(wsUrl, projectId, token);
      const b = connectClient(wsUrl, projectId, token);
      await Promise.all([a.synced, b.synced]);
      a.doc.getText('notes').insert(0, 'from a; ');
      b.doc.getText('notes').insert(0, 'from b; ');
      await waitFor(() => a.doc.getText('notes').length === 16 && b.doc.getText('notes').length === 16, 'both edits on both clients');
      const expected = a.doc.getText('notes').toString();
      expect(t.app.docs.loadedCount).toBe(1);
      a.destroy();
      b.destroy();
      await waitFor(() => t.app.docs.loadedCount === 0, 'the document to be unloaded');
      let stored = await t.app.docLog.load(projectId);
      await waitFor(async () => {
        stored = await t.app.docLog.load(projectId);
        return stored.snapshot !== null && stored.updates.length === 0;
      }, 'the unload to fold the log into a snapshot');
      expect(stored.snapshot).not.toBeNull();
      expect(stored.updates).toHaveLength(0);
      expect(rebuild(stored).getText('notes').toString()).toBe(expected);

      const c = connectClient(wsUrl, projectId, token);
      await c.synced;
      expect(c.doc.getText('notes').toString()).toBe(expected);
      c.destroy();
    } finally {
      await studio.close();
    }
  });
});
