import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { COMMENT_MAX_LENGTH, newComment, type Comment } from '$lib/editor/model/comment';
import { compareOrder, keyBetween, keysBetween } from '$lib/editor/model/order';
import { SERVER_ORIGIN, userOrigin } from '$lib/editor/model/origin';
import { SCHEMA_VERSION } from '$lib/editor/model/meta';
import { colorForId, initials, PRESENCE_COLORS, presenceUserSchema } from '$lib/editor/model/presence';

const comment = (over: Partial<Comment> = {}): Comment => ({ ...newComment({ authorId: 'u1', authorName: 'Ann', body: 'Fade out earlier', createdAt: 1000 }), ...over });

function withProject(fn: (p: ProjectDoc) => void): ProjectDoc {
  const p = new ProjectDoc();
  p.transact(SERVER_ORIGIN, () => fn(p));
  return p;
}

describe('RecordMap', () => {
  it('stores each record as a Y.Map of fields keyed by id, and reads it back validated', () => {
    const c = comment();
    const p = withProject((p) => p.comments.insert(c));
    const y = p.comments.ymap.get(c.id);
    expect(y).toBeInstanceOf(Y.Map);
    expect(y!.has('id')).toBe(false); // the key is the id
    expect(y!.get('body')).toBe('Fade out earlier');
    expect(p.comments.get(c.id)).toEqual(c);
    expect(p.comments.size).toBe(1);
    expect(p.comments.all()).toEqual([c]);
  });

  it('refuses invalid records on insert and update, leaving the document untouched', () => {
    const c = comment();
    const p = withProject((p) => p.comments.insert(c));
    const before = Y.encodeStateAsUpdate(p.doc);
    expect(() => p.transact(SERVER_ORIGIN, () => p.comments.insert(comment({ body: '   ' })))).toThrow(/needs text/);
    expect(() => p.transact(SERVER_ORIGIN, () => p.comments.insert(comment({ body: 'x'.repeat(COMMENT_MAX_LENGTH + 1) })))).toThrow(/at most/);
    expect(() => p.transact(SERVER_ORIGIN, () => p.comments.insert({ ...comment(), createdAt: -1 }))).toThrow();
    expect(() => p.transact(SERVER_ORIGIN, () => p.comments.update(c.id, { body: '' }))).toThrow();
    expect(() => p.transact(SERVER_ORIGIN, () => p.comments.update(c.id, { resolved: 'yes' as unknown as boolean }))).toThrow();
    expect(() => p.transact(SERVER_ORIGIN, () => p.comments.update('missing', { body: 'x' }))).toThrow(/No comments record missing/);
    expect(Y.encodeStateAsUpdate(p.doc)).toEqual(before);
    expect(p.comments.get(c.id)).toEqual(c);
  });

  it('hides records a buggy or hostile peer wrote in a wrong shape, instead of crashing readers', () => {
    const good = comment();
    const p = withProject((p) => {
      p.comments.insert(good);
      p.comments.ymap.set('not-a-map', 'just a string' as unknown as Y.Map<unknown>);
      const bad = new Y.Map<unknown>();
      bad.set('body', 42);
      p.comments.ymap.set('bad-fields', bad);
      const partial = new Y.Map<unknown>();
      partial.set('body', 'no author, no time');
      p.comments.ymap.set('partial', partial);
    });
    expect(p.comments.size).toBe(4);
    expect(p.comments.get('not-a-map')).toBeUndefined();
    expect(p.comments.get('bad-fields')).toBeUndefined();
    expect(p.comments.get('partial')).toBeUndefined();
    expect(p.comments.all()).toEqual([good]);
    expect(p.commentList()).toEqual([good]);
  });

  it('writes only the fields that changed, so a concurrent edit of another field survives', () => {
    const c = comment();
    const p = withProject((p) => p.comments.insert(c));
    const changed: string[][] = [];
    p.comments.ymap.get(c.id)!.observe((e) => changed.push([...e.keysChanged]));
    p.transact(SERVER_ORIGIN, () => p.comments.update(c.id, { resolved: true }));
    p.transact(SERVER_ORIGIN, () => p.comments.update(c.id, { resolved: true, body: c.body }));
    expect(changed).toEqual([['resolved']]);
  });

  it('notifies observers of any change to any record until unsubscribed', () => {
    const p = new ProjectDoc();
    let calls = 0;
    const off = p.comments.observe(() => calls++);
    const c = comment();
    p.transact(SERVER_ORIGIN, () => p.comments.insert(c));
    p.transact(SERVER_ORIGIN, () => p.comments.update(c.id, { body: 'Fade out later' }));
    expect(calls).toBe(2);
    off();
    p.transact(SERVER_ORIGIN, () => p.comments.delete(c.id));
    expect(calls).toBe(2);
    expect(p.comments.has(c.id)).toBe(false);
  });
});

describe('ProjectDoc', () => {
  it('stamps the schema version and attributes each transaction to its origin', () => {
    const p = new ProjectDoc();
    expect(p.readMeta().schemaVersion).toBe(0);
    const origins: unknown[] = [];
    p.doc.on('afterTransaction', (tr: Y.Transaction) => origins.push(tr.origin));
    const result = p.transact(userOrigin('u1'), (d) => {
      d.notes.insert(0, 'hello');
      return d.notes.length;
    });
    expect(result).toBe(5);
    expect(p.readMeta().schemaVersion).toBe(SCHEMA_VERSION);
    expect(origins).toEqual([userOrigin('u1')]);
    expect(userOrigin('u1')).toBe(userOrigin('u1')); // identity, for UndoManager's trackedOrigins
    expect(userOrigin('u1')).not.toBe(userOrigin('u2'));
  });

  it('lists comments oldest first, ties broken by id', () => {
    const p = withProject((p) => {
      p.comments.insert(comment({ id: 'b', createdAt: 5 }));
      p.comments.insert(comment({ id: 'a', createdAt: 5 }));
      p.comments.insert(comment({ id: 'c', createdAt: 1 }));
    });
    expect(p.commentList().map((c) => c.id)).toEqual(['c', 'a', 'b']);
  });
});

describe('order keys', () => {
  it('generates keys strictly between their neighbours', () => {
    const a = keyBetween(null, null);
    const b = keyBetween(a, null);
    const mid = keyBetween(a, b);
    expect(a < mid && mid < b).toBe(true);
    const many = keysBetween(a, mid, 20);
    expect([...many].sort()).toEqual(many);
    expect(many.every((k) => k > a && k < mid)).toBe(true);
    expect(new Set(many).size).toBe(20);
  });

  it('compareOrder sorts by key, then by id, so every replica agrees on ties', () => {
    const items = [
      { id: 'z', order: 'a1' },
      { id: 'b', order: 'a0' },
      { id: 'a', order: 'a1' },
      { id: 'c', order: 'Zz' }
    ];
    const sorted = [...items].sort(compareOrder).map((i) => i.id);
    expect(sorted).toEqual(['c', 'b', 'a', 'z']);
    expect([...items].reverse().sort(compareOrder).map((i) => i.id)).toEqual(sorted);
    expect(compareOrder({ id: 'x', order: 'a0' }, { id: 'x', order: 'a0' })).toBe(0);
  });
});

describe('presence', () => {
  it('gives each user a stable colour from the palette, and initials from a name', () => {
    expect(colorForId('abc')).toBe(colorForId('abc'));
    expect(PRESENCE_COLORS).toContain(colorForId('someone-else'));
    expect(initials('Ada Lovelace')).toBe('AL');
    expect(initials('grace_hopper')).toBe('GH');
    expect(initials('  ')).toBe('?');
  });

  it('validates the awareness user field', () => {
    const ok = { id: 'u1', name: 'Ann', username: 'ann', color: '#e11d48', role: 'editor' };
    expect(presenceUserSchema.safeParse(ok).success).toBe(true);
    expect(presenceUserSchema.safeParse({ ...ok, color: 'red' }).success).toBe(false);
    expect(presenceUserSchema.safeParse({ ...ok, role: 'admin' }).success).toBe(false);
    expect(presenceUserSchema.safeParse({ ...ok, name: 'x'.repeat(65) }).success).toBe(false);
  });
});
