import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserRow } from '$lib/server/db/schema';
import type { ProjectEvent } from '$lib/server/project/project.service';
import { createTestApp, makeUser, type TestApp } from '../helpers/app';
import { DIALECTS } from '../helpers/db';

describe.each(DIALECTS)('ProjectService on %s', (kind) => {
  let t: TestApp;
  let owner: UserRow, editor: UserRow, viewer: UserRow, outsider: UserRow;

  beforeAll(async () => {
    t = await createTestApp(kind);
    [owner, editor, viewer, outsider] = await Promise.all(['owner', 'editor', 'viewer', 'outsider'].map((p) => makeUser(t.app, p)));
  });
  afterAll(async () => t?.close());

  async function team(name = 'Morning show') {
    const p = await t.app.projects.create(owner, name);
    await t.app.projects.addMember(owner, p.id, editor.username, 'editor');
    await t.app.projects.addMember(owner, p.id, viewer.username.toUpperCase(), 'viewer');
    return p.id;
  }

  it('creates a project with its creator as owner and lists it for members only', async () => {
    const id = await team();
    expect((await t.app.projects.list(owner)).find((p) => p.id === id)).toMatchObject({ name: 'Morning show', role: 'owner' });
    expect((await t.app.projects.list(viewer)).find((p) => p.id === id)?.role).toBe('viewer');
    expect((await t.app.projects.list(outsider)).some((p) => p.id === id)).toBe(false);
    const members = await t.app.projects.members(editor, id);
    expect(members.map((m) => [m.username, m.role])).toEqual([
      [owner.username, 'owner'],
      [editor.username, 'editor'],
      [viewer.username, 'viewer']
    ]);
  });

  it('answers 404 to non-members and to malformed ids, so ids cannot be probed', async () => {
    const id = await team();
    await expect(t.app.projects.get(outsider, id)).rejects.toMatchObject({ status: 404 });
    await expect(t.app.projects.get(owner, '../../etc/passwd')).rejects.toMatchObject({ status: 404 });
    expect(await t.app.projects.roleOf(outsider.id, id)).toBeNull();
    expect(await t.app.projects.roleOf(owner.id, "x' or '1'='1")).toBeNull();
    expect(await t.app.projects.roleOf(viewer.id, id)).toBe('viewer');
  });

  it('lets editors and the owner rename, never viewers', async () => {
    const id = await team();
    await expect(t.app.projects.rename(viewer, id, 'Nope')).rejects.toMatchObject({ status: 403 });
    expect((await t.app.projects.rename(editor, id, 'Evening show')).name).toBe('Evening show');
    expect((await t.app.projects.get(viewer, id)).name).toBe('Evening show');
  });

  it('lets only the owner invite, change roles and remove; members may leave; the owner stays', async () => {
    const id = await team();
    const extra = await makeUser(t.app, 'extra');
    await expect(t.app.projects.addMember(editor, id, extra.username, 'viewer')).rejects.toMatchObject({ status: 403 });
    await expect(t.app.projects.addMember(owner, id, 'nobody-here', 'viewer')).rejects.toMatchObject({ status: 400, code: 'unknown_user' });
    await expect(t.app.projects.addMember(owner, id, owner.username, 'viewer')).rejects.toMatchObject({ status: 400, code: 'owner_role' });
    await t.app.projects.addMember(owner, id, extra.username, 'viewer');
    await t.app.projects.addMember(owner, id, extra.username, 'editor');
    expect(await t.app.projects.roleOf(extra.id, id)).toBe('editor');

    await expect(t.app.projects.removeMember(editor, id, extra.username)).rejects.toMatchObject({ status: 403 });
    await expect(t.app.projects.removeMember(owner, id, owner.username)).rejects.toMatchObject({ status: 400 });
    await expect(t.app.projects.removeMember(owner, id, outsider.username)).rejects.toMatchObject({ status: 404 });
    await t.app.projects.removeMember(viewer, id, viewer.username);
    expect(await t.app.projects.roleOf(viewer.id, id)).toBeNull();
    await t.app.projects.removeMember(owner, id, extra.username);
    expect(await t.app.projects.roleOf(extra.id, id)).toBeNull();
  });

  it('lets only the owner delete, and deleting removes the document log and snapshot', async () => {
    const id = await team();
    const events: ProjectEvent[] = [];
    const off = t.app.projects.onEvent((e) => events.push(e));
    await t.app.docLog.append(id, new Uint8Array([0, 0]), Date.now());
    await t.app.docLog.compact(id, new Uint8Array([0, 0]), 0, Date.now());
    await t.app.docLog.append(id, new Uint8Array([0, 0]), Date.now());
    await expect(t.app.projects.delete(editor, id)).rejects.toMatchObject({ status: 403 });
    await expect(t.app.projects.delete(viewer, id)).rejects.toMatchObject({ status: 403 });
    await t.app.projects.delete(owner, id);
    off();
    expect(events).toContainEqual({ type: 'deleted', projectId: id });
    await expect(t.app.projects.get(owner, id)).rejects.toMatchObject({ status: 404 });
    expect(await t.app.docLog.load(id)).toEqual({ snapshot: null, updates: [], updateIds: [], snapshotUpToId: 0, lastUpdateId: 0 });
  });

  it('tells the realtime layers about membership changes', async () => {
    const id = await team();
    const events: ProjectEvent[] = [];
    const off = t.app.projects.onEvent((e) => events.push(e));
    await t.app.projects.addMember(owner, id, outsider.username, 'viewer');
    await t.app.projects.removeMember(owner, id, outsider.username);
    await t.app.projects.rename(owner, id, 'Renamed');
    off();
    expect(events.map((e) => e.type)).toEqual(['members', 'member-removed', 'members', 'renamed']);
    expect(events[1]).toEqual({ type: 'member-removed', projectId: id, userId: outsider.id });
  });
});
