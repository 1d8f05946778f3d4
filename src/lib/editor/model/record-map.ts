import * as Y from 'yjs';
import type { z } from 'zod';

/** A record kind: where its records live in the document, how they are validated, and their defaults. */
export interface RecordKind<T extends { id: string }> {
  readonly collection: string;
  readonly schema: z.ZodType<T>;
  /** Fixes, on read, what concurrent edits to different fields can merge into (the merged record nobody wrote). */
  readonly repair?: (raw: Record<string, unknown>) => Record<string, unknown>;
  /**
   * Object fields stored as nested `Y.Map`s (recursively), so concurrent edits to different keys of one (a clip's
   * transform x and scale) both survive. Other object fields stay one value, written whole: use that for values
   * whose parts must change together.
   */
  readonly nested?: readonly string[];
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Writes only what differs: nested objects key by key into their own `Y.Map`s. */
function writeField(y: Y.Map<unknown>, key: string, value: unknown, nested: boolean): void {
  if (value === undefined) {
    if (y.has(key)) y.delete(key);
    return;
  }
  if (!nested || !isPlainObject(value)) {
    if (!y.has(key) || !same(y.get(key), value)) y.set(key, value);
    return;
  }
  let inner = y.get(key);
  if (!(inner instanceof Y.Map)) {
    inner = new Y.Map<unknown>();
    y.set(key, inner);
  }
  const map = inner as Y.Map<unknown>;
  for (const [k, v] of Object.entries(value)) writeField(map, k, v, true);
  for (const k of [...map.keys()]) if (!(k in value)) map.delete(k);
}

/**
 * Records keyed by id in a root `Y.Map`, each record a `Y.Map` of fields (BRIEF's modelling rule):
 * two people editing different fields of one record both keep their change.
 */
export class RecordMap<T extends { id: string }> {
  readonly ymap: Y.Map<Y.Map<unknown>>;

  constructor(
    doc: Y.Doc,
    readonly kind: RecordKind<T>
  ) {
    this.ymap = doc.getMap(kind.collection);
  }

  get size(): number {
    return this.ymap.size;
  }

  has(id: string): boolean {
    return this.ymap.has(id);
  }

  /** The record, or undefined when it is missing or fails validation (a buggy or hostile peer wrote it). */
  get(id: string): T | undefined {
    const y = this.ymap.get(id);
    if (!(y instanceof Y.Map)) return undefined;
    const raw = { ...y.toJSON(), id };
    const parsed = this.kind.schema.safeParse(this.kind.repair ? this.kind.repair(raw) : raw);
    return parsed.success ? parsed.data : undefined;
  }

  all(): T[] {
    const out: T[] = [];
    for (const id of this.ymap.keys()) {
      const r = this.get(id);
      if (r) out.push(r);
    }
    return out;
  }

  /** Call inside a transaction. Throws when the record is invalid. */
  insert(record: T): void {
    const valid = this.kind.schema.parse(record);
    const y = new Y.Map<unknown>();
    this.ymap.set(valid.id, y);
    for (const [k, v] of Object.entries(valid)) if (k !== 'id') writeField(y, k, v, this.isNested(k));
  }

  /** Sets only the fields that changed; throws when the result is invalid or the record is gone. */
  update(id: string, patch: Partial<Omit<T, 'id'>>): void {
    const y = this.ymap.get(id);
    const current = this.get(id);
    if (!(y instanceof Y.Map) || !current) throw new Error(`No ${this.kind.collection} record ${id}`);
    const next = this.kind.schema.parse({ ...current, ...patch, id });
    for (const [k, v] of Object.entries(next)) if (k !== 'id') writeField(y, k, v, this.isNested(k));
  }

  private isNested(field: string): boolean {
    return this.kind.nested?.includes(field) ?? false;
  }

  delete(id: string): void {
    this.ymap.delete(id);
  }

  /** Called after any change to any record of this kind; returns the unsubscribe function. */
  observe(fn: () => void): () => void {
    const handler = () => fn();
    this.ymap.observeDeep(handler);
    return () => this.ymap.unobserveDeep(handler);
  }
}
