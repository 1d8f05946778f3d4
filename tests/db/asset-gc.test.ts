import fs from 'node:fs';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { createTestApp, makeUser, type TestApp } from '../helpers/app';
import { DIALECTS } from '../helpers/db';
import type { LocalStorage } from '$lib/server/storage/local-storage';

describe.each(DIALECTS)('media garbage collection on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind, { LOCAL_WORKERS: '0' });
  });
  afterAll(async () => t?.close());

  const put = (text: string) => t.app.storage.putStream(Readable.from([Buffer.from(text)]));
  const age = (sha: string, ms: number) => {
    const when = new Date(Date.now() - ms);
    fs.utimesSync((t.app.storage as LocalStorage).pathOf(sha), when, when);
  };

  it('removes stored files nothing uses once they are old enough, and keeps the rest', async () => {
    const owner = await makeUser(t.app, 'gc');
    const project = await t.app.projects.create(owner, 'GC');
    const original = await put('an original');
    const variant = await put('a variant of it');
    const orphan = await put('left by a failed job');
    const young = await put('an upload whose row is being written');
    const raw = t.app.db.kysely as unknown as Kysely<any>;
    await raw.insertInto('assets').values({ id: 'gcasset', project_id: project.id, kind: 'audio', status: 'approved', sha256: original.sha256, bytes: original.bytes, mime: 'audio/mpeg', original_name: 'x', title: 'x', processing: 'ready', created_at: 1, updated_at: 1 }).execute();
    await raw.insertInto('asset_variants').values({ asset_id: 'gcasset', name: 'broadcast', sha256: variant.sha256, bytes: variant.bytes, mime: 'audio/mpeg', created_at: 1 }).execute();
    for (const b of [original, variant, orphan]) age(b.sha256, 2 * 3600_000);

    const r = await t.app.assets.collectGarbage();
    expect(r.removed).toBe(1);
    expect(r.bytes).toBe(orphan.bytes);
    expect(await t.app.storage.has(orphan.sha256)).toBe(false);
    for (const b of [original, variant, young]) expect(await t.app.storage.has(b.sha256)).toBe(true);

    // Deleting the project cascades to its rows; the next sweep takes its files.
    await t.app.projects.delete(owner, project.id);
    const again = await t.app.assets.collectGarbage();
    expect(again.removed).toBe(2);
    expect(await t.app.storage.has(original.sha256)).toBe(false);
    expect(await t.app.storage.has(young.sha256)).toBe(true);
  });
});
