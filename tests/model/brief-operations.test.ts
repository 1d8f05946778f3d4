import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as Y from 'yjs';
import { runGesture } from '$lib/editor/commands/operation-command';
import type { CommandContext } from '$lib/editor/commands/command';
import { addPhotosCommand } from '$lib/editor/commands/brief/add-photos';
import { setRoomCommand } from '$lib/editor/commands/brief/set-room';
import { setListingCommand } from '$lib/editor/commands/brief/set-listing';
import { addComment } from '$lib/editor/commands/add-comment';
import { runCommand } from '$lib/editor/commands/command';
import { applyBriefChanges } from '$lib/editor/model/brief/changes';
import { DEFAULT_LISTING, LISTING_MAP } from '$lib/editor/model/brief/listing';
import { heroId } from '$lib/editor/model/brief/normalize';
import * as br from '$lib/editor/model/brief/operations';
import { briefPhotoKind, resolveTag } from '$lib/editor/model/brief/photo';
import { ROOM_TYPES, type BriefAssets, type BriefSnapshot } from '$lib/editor/model/brief/snapshot';
import { validateBrief } from '$lib/editor/model/brief/validate';
import { userOrigin } from '$lib/editor/model/origin';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import type { Role } from '$lib/editor/model/role';
import { counterIds } from '../helpers/timeline';

const ASSETS: BriefAssets = { p1: { kind: 'image', title: 'Front' }, p2: { kind: 'image', title: 'Kitchen' }, p3: { kind: 'image' }, song: { kind: 'audio', title: 'Theme' } };
const empty: BriefSnapshot = { listing: DEFAULT_LISTING, photos: [] };

function ok(r: br.BriefOperationResult, s: BriefSnapshot): BriefSnapshot {
  if (!r.ok) throw new Error(r.reason);
  return applyBriefChanges(s, r.changes);
}
const three = () => ok(br.addPhotos(empty, { assetIds: ['p1', 'p2', 'p3'], assets: ASSETS }, { newId: counterIds('ph') }), empty);

describe('brief operations', () => {
  it('adds only images, once each, at the index asked', () => {
    const s = three();
    expect(s.photos.map((p) => p.assetId)).toEqual(['p1', 'p2', 'p3']);
    expect(s.photos[0]).toMatchObject({ status: 'todo', includeInVideo: true, hero: false, quality: null, room: { person: null, detected: null } });
    expect(br.addPhotos(s, { assetIds: ['song'], assets: ASSETS })).toEqual({ ok: false, reason: '"Theme" is not a photo: only images go in the brief.' });
    expect(br.addPhotos(s, { assetIds: ['p2'], assets: ASSETS })).toEqual({ ok: false, reason: 'That photo is already in the brief.' });
    expect(br.addPhotos(s, { assetIds: ['gone'], assets: ASSETS })).toMatchObject({ ok: false });
    expect(br.addPhotos(s, { assetIds: [], assets: ASSETS })).toMatchObject({ ok: false });
  });

  it('moves a selection together, keeping its order; a no-op move changes nothing', () => {
    const s = three();
    const moved = ok(br.movePhotos(s, { photoIds: ['ph3', 'ph1'], index: 1 }), s);
    expect(moved.photos.map((p) => p.id)).toEqual(['ph2', 'ph1', 'ph3']);
    expect(br.movePhotos(s, { photoIds: ['ph1'], index: 0 })).toEqual({ ok: true, changes: [], created: [] });
    expect(br.movePhotos(s, { photoIds: ['nope'], index: 0 })).toMatchObject({ ok: false });
  });

  it("a person's room type wins over the detector's and clearing it shows the detector's", () => {
    let s = three();
    s = ok(br.detectRoom(s, { photoId: 'ph1', room: 'bedroom', confidence: 0.7 }), s);
    expect(resolveTag(s.photos[0].room)).toEqual({ value: 'bedroom', source: 'detector', confidence: 0.7 });
    s = ok(br.setRoom(s, { photoIds: ['ph1'], room: 'office' }), s);
    s = ok(br.detectRoom(s, { photoId: 'ph1', room: 'kitchen', confidence: 0.9 }), s);
    expect(resolveTag(s.photos[0].room)).toEqual({ value: 'office', source: 'person', confidence: 1 });
    s = ok(br.setRoom(s, { photoIds: ['ph1'], room: null }), s);
    expect(resolveTag(s.photos[0].room)).toEqual({ value: 'kitchen', source: 'detector', confidence: 0.9 });
    expect(br.detectRoom(s, { photoId: 'ph1', room: 'kitchen', confidence: 1.5 })).toEqual({ ok: false, reason: 'A confidence is 0 to 1.' });
  });

  it("analysis writes score, focus and the detector's tags of every photo of an image, never a person's; enhance links the copy", () => {
    let s = three();
    s = ok(br.setRoom(s, { photoIds: ['ph2'], room: 'office' }), s);
    const findings = [{ assetId: 'p2', quality: { score: 62, reasons: ['Blurry: sharpness 40 (under 100)'] }, focus: { x: 0.4, y: 0.6 }, room: { value: 'kitchen' as const, confidence: 0.8 }, setting: { value: 'interior' as const, confidence: 0.8 } }];
    s = ok(br.writeAnalysis(s, { findings }), s);
    const p2 = s.photos[1];
    expect(p2).toMatchObject({ quality: findings[0].quality, focus: findings[0].focus, room: { person: 'office', detected: findings[0].room }, setting: { person: null, detected: findings[0].setting } });
    expect(s.photos[0].quality).toBeNull();
    expect(br.writeAnalysis(s, { findings: [{ ...findings[0], quality: { score: 140, reasons: [] } }] })).toEqual({ ok: false, reason: 'A quality score is 0 to 100.' });
    s = ok(br.setEnhanced(s, { sourceAssetId: 'p2', enhancedAssetId: 'p2e' }), s);
    expect(s.photos.map((p) => p.enhancedAssetId)).toEqual([null, 'p2e', null]);
  });

  it('one hero at a time', () => {
    let s = three();
    s = ok(br.setHero(s, { photoId: 'ph2' }), s);
    s = ok(br.setHero(s, { photoId: 'ph3' }), s);
    expect(s.photos.filter((p) => p.hero).map((p) => p.id)).toEqual(['ph3']);
    expect(heroId(s)).toBe('ph3');
    s = ok(br.setHero(s, { photoId: null }), s);
    expect(heroId(s)).toBeNull();
  });

  it('refuses listing values out of range with a message, and trims text', () => {
    const s = three();
    expect(br.setListing(s, { patch: { beds: -1 } })).toEqual({ ok: false, reason: 'Beds cannot be negative.' });
    expect(br.setListing(s, { patch: { baths: 2.25 } })).toEqual({ ok: false, reason: 'Baths goes in steps of 0.5.' });
    expect(br.setListing(s, { patch: { branding: { primaryColor: 'red' } } })).toEqual({ ok: false, reason: 'A colour is #rrggbb.' });
    expect(br.setListing(s, { patch: { address: 'x'.repeat(400) } })).toMatchObject({ ok: false });
    const next = ok(br.setListing(s, { patch: { address: '  1 Bay Rd ', baths: 1.5, branding: { phone: '+1 (555) 010-0' } } }), s);
    expect(next.listing).toMatchObject({ address: '1 Bay Rd', baths: 1.5, branding: { phone: '+1 (555) 010-0' } });
  });

  it('staging notes have a limit; an empty style clears it', () => {
    let s = three();
    expect(br.setStaging(s, { photoIds: ['ph1'], patch: { notes: 'x'.repeat(5000) } })).toMatchObject({ ok: false });
    s = ok(br.setStaging(s, { photoIds: ['ph1', 'ph2'], patch: { style: ' Coastal ', skyReplacement: true } }), s);
    expect(s.photos[1].staging).toMatchObject({ style: 'Coastal', skyReplacement: true });
    s = ok(br.setStaging(s, { photoIds: ['ph1'], patch: { style: '  ' } }), s);
    expect(s.photos[0].staging.style).toBeNull();
  });

  it('any sequence of valid gestures leaves a sound brief (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(7), fc.nat(50), fc.nat(50), fc.boolean()), { maxLength: 40 }), (steps) => {
        let s = three();
        const ids = counterIds('x');
        for (const [kind, a, b, flag] of steps) {
          const photo = s.photos[a % Math.max(1, s.photos.length)];
          const sel = photo ? [photo.id] : [];
          const r = [
            () => br.addPhotos(s, { assetIds: [['p1', 'p2', 'p3'][a % 3]], index: b, assets: ASSETS }, { newId: ids }),
            () => br.removePhotos(s, { photoIds: sel }),
            () => br.movePhotos(s, { photoIds: sel, index: b }),
            () => br.setRoom(s, { photoIds: sel, room: ROOM_TYPES[b % ROOM_TYPES.length] }),
            () => br.setHero(s, { photoId: flag ? (photo?.id ?? null) : null }),
            () => br.setIncludeInVideo(s, { photoIds: sel, include: flag }),
            () => br.setStatus(s, { photoIds: sel, status: (['todo', 'in-progress', 'done'] as const)[b % 3] }),
            () => br.setListing(s, { patch: { beds: b - 5 } })
          ][kind]();
          if (r.ok) s = applyBriefChanges(s, r.changes);
          expect(validateBrief(s)).toEqual([]);
          expect(s.photos.filter((p) => p.hero).length).toBeLessThanOrEqual(1);
        }
      }),
      { seed: 4242, numRuns: 200 }
    );
  });
});

describe('the brief in the Yjs document', () => {
  function context(project: ProjectDoc, user: string, role: Role, undoManager?: Y.UndoManager): CommandContext {
    return { project, origin: userOrigin(user), role, user: { id: user, name: user }, undoManager };
  }

  it('commands are one undo step per user; a viewer is refused with a reason', () => {
    const project = new ProjectDoc();
    const undoA = new Y.UndoManager(project.brief.undoScope, { trackedOrigins: new Set([userOrigin('ua')]) });
    const a = context(project, 'ua', 'editor', undoA);
    const b = context(project, 'ub', 'editor');
    expect(runGesture(addPhotosCommand, a, { assetIds: ['p1', 'p2'], assets: ASSETS })).toBeNull();
    const [first] = project.brief.snapshot().photos;
    expect(runGesture(setListingCommand, b, { patch: { address: '5 Elm St' } })).toBeNull();
    expect(runGesture(setRoomCommand, a, { photoIds: [first.id], room: 'pool' })).toBeNull();
    expect(runGesture(setRoomCommand, context(project, 'uv', 'viewer'), { photoIds: [first.id], room: 'bedroom' })).toBe('Viewers cannot change the brief.');
    undoA.undo();
    expect(project.brief.snapshot().photos[0].room.person).toBeNull();
    undoA.undo();
    // A's adds are gone; B's listing edit stays.
    expect(project.brief.snapshot()).toMatchObject({ photos: [], listing: { address: '5 Elm St' } });
  });

  it('a record a hostile peer garbled reads as missing; a garbled listing field reads as its default', () => {
    const project = new ProjectDoc();
    project.doc.transact(() => {
      const y = new Y.Map<unknown>();
      project.brief.photos.ymap.set('bad1', y);
      y.set('assetId', 'p1');
      y.set('order', 'a0');
      y.set('status', 'lost');
      project.doc.getMap(LISTING_MAP).set('beds', 'many');
      project.doc.getMap(LISTING_MAP).set('address', '9 Pier');
    });
    expect(project.brief.snapshot()).toEqual({ listing: { ...DEFAULT_LISTING, address: '9 Pier' }, photos: [] });
    expect(briefPhotoKind.collection).toBe('briefPhotos');
  });

  it('a comment pins to a point of a photo', () => {
    const project = new ProjectDoc();
    const ctx = context(project, 'ua', 'editor');
    expect(runCommand(addComment, ctx, { body: 'Move the lamp', pin: { photoId: 'ph1', x: 0.25, y: 0.5 } })).toBe(true);
    expect(project.commentList()[0]).toMatchObject({ body: 'Move the lamp', pin: { photoId: 'ph1', x: 0.25, y: 0.5 }, anchor: null });
  });
});
