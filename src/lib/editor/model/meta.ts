import * as Y from 'yjs';

/** Bumped when the document's shape changes; readers migrate older documents forward. */
export const SCHEMA_VERSION = 1;

export interface ProjectMeta {
  schemaVersion: number;
}

export function readMeta(meta: Y.Map<unknown>): ProjectMeta {
  const v = meta.get('schemaVersion');
  return { schemaVersion: typeof v === 'number' ? v : 0 };
}
