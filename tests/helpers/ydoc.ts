import * as Y from 'yjs';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import type { StoredDoc } from '$lib/server/yjs/doc-log.repository';

/** Everything a user can see of a project document, in a form `toEqual` compares. */
export function docContent(doc: Y.Doc) {
  const p = new ProjectDoc(doc);
  return {
    meta: p.meta.toJSON(),
    notes: p.notes.toString(),
    comments: p.commentList(),
    rawComments: p.comments.ymap.toJSON()
  };
}

/** Asserts-friendly: the content plus the state vector (which clocks of which clients the document holds). */
export function docFingerprint(doc: Y.Doc) {
  return { content: docContent(doc), stateVector: [...Y.decodeStateVector(Y.encodeStateVector(doc)).entries()].sort((a, b) => a[0] - b[0]) };
}

/** A document rebuilt from what the database holds: the snapshot, then the later updates in order. */
export function rebuild(stored: StoredDoc): Y.Doc {
  const doc = new Y.Doc();
  if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
  for (const u of stored.updates) Y.applyUpdate(doc, u);
  return doc;
}
