/** One edit to one record as data: what a pure operation proposes and a model's `apply` writes. */
export type RecordChange<K extends string, R extends { id: string }> =
  | { op: 'insert'; kind: K; record: R }
  | { op: 'update'; kind: K; id: string; patch: Partial<Omit<R, 'id'>> }
  | { op: 'delete'; kind: K; id: string };

/** The record a change leaves behind (or null when it deletes), given the record before it. */
export function changedRecord<K extends string, R extends { id: string }>(before: R | undefined, change: RecordChange<K, R>): R | null {
  switch (change.op) {
    case 'insert':
      if (before) throw new Error(`A ${change.kind} ${change.record.id} already exists.`);
      return change.record;
    case 'update':
      if (!before) throw new Error(`No ${change.kind} ${change.id}.`);
      return { ...before, ...change.patch, id: before.id };
    case 'delete':
      return null;
  }
}

export const changeId = (c: { op: string; id?: string; record?: { id: string } }): string => (c.op === 'insert' ? c.record!.id : c.id!);
