import { sql, type Kysely } from 'kysely';
import type { AssetRow, AssetVariantRow, Database } from '../db/schema';
import type { AssetKind, AssetStatus, ProcessingState } from '$lib/asset';

export interface AssetListFilter {
  q?: string;
  kind?: AssetKind;
  status?: AssetStatus;
  processing?: ProcessingState;
  tag?: string;
  minDuration?: number;
  maxDuration?: number;
  sort: 'newest' | 'oldest' | 'title' | 'duration';
  limit: number;
  offset: number;
}

export type AssetPatch = Partial<Pick<AssetRow, 'title' | 'artist' | 'description' | 'category' | 'tags' | 'status' | 'rejection_reason'>>;

/** Escapes LIKE wildcards so a search for "50%" means the text "50%". */
const likeTerm = (s: string) => `%${s.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export class AssetRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inserts, or returns the asset that already holds this content in the project. */
  async insert(row: AssetRow): Promise<{ asset: AssetRow; created: boolean }> {
    const inserted = await this.db
      .insertInto('assets')
      .values(row)
      .onConflict((oc) => oc.columns(['project_id', 'sha256']).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) return { asset: inserted, created: true };
    return { asset: (await this.findBySha(row.project_id, row.sha256))!, created: false };
  }

  findById(id: string): Promise<AssetRow | undefined> {
    return this.db.selectFrom('assets').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findBySha(projectId: string, sha256: string): Promise<AssetRow | undefined> {
    return this.db.selectFrom('assets').selectAll().where('project_id', '=', projectId).where('sha256', '=', sha256).executeTakeFirst();
  }

  findByIds(projectId: string, ids: string[]): Promise<AssetRow[]> {
    if (!ids.length) return Promise.resolve([]);
    return this.db.selectFrom('assets').selectAll().where('project_id', '=', projectId).where('id', 'in', ids).execute();
  }

  async list(projectId: string, f: AssetListFilter): Promise<{ rows: AssetRow[]; total: number }> {
    let q = this.db.selectFrom('assets').where('project_id', '=', projectId);
    if (f.kind) q = q.where('kind', '=', f.kind);
    if (f.status) q = q.where('status', '=', f.status);
    if (f.processing) q = q.where('processing', '=', f.processing);
    if (f.minDuration !== undefined) q = q.where('duration', '>=', f.minDuration);
    if (f.maxDuration !== undefined) q = q.where('duration', '<=', f.maxDuration);
    if (f.tag) q = q.where(sql`lower(tags)`, 'like', sql`${likeTerm(JSON.stringify(f.tag))} escape '\\'`);
    if (f.q) {
      const term = likeTerm(f.q);
      q = q.where((eb) =>
        eb.or(
          (['title', 'artist', 'description', 'tags', 'original_name', 'category'] as const).map((c) => eb(sql`lower(${sql.ref(c)})`, 'like', sql`${term} escape '\\'`))
        )
      );
    }
    const { n } = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    let rowsQ = q.selectAll();
    if (f.sort === 'title') rowsQ = rowsQ.orderBy(sql`lower(title)`).orderBy('id');
    // Unprobed assets (no duration yet) last on both databases (PostgreSQL sorts NULL first in DESC).
    else if (f.sort === 'duration') rowsQ = rowsQ.orderBy(sql`case when duration is null then 1 else 0 end`).orderBy('duration', 'desc').orderBy('id');
    else rowsQ = rowsQ.orderBy('created_at', f.sort === 'oldest' ? 'asc' : 'desc').orderBy('id');
    const rows = await rowsQ.limit(f.limit).offset(f.offset).execute();
    return { rows, total: Number(n) };
  }

  async update(id: string, patch: AssetPatch & Partial<AssetRow>, at: number): Promise<AssetRow | undefined> {
    return this.db.updateTable('assets').set({ ...patch, updated_at: at }).where('id', '=', id).returningAll().executeTakeFirst();
  }

  async delete(id: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('asset_variants').where('asset_id', '=', id).execute();
      await tx.deleteFrom('assets').where('id', '=', id).execute();
    });
  }

  variants(assetIds: string[]): Promise<AssetVariantRow[]> {
    if (!assetIds.length) return Promise.resolve([]);
    return this.db.selectFrom('asset_variants').selectAll().where('asset_id', 'in', assetIds).orderBy('name').execute();
  }

  async replaceVariants(assetId: string, variants: AssetVariantRow[], asset: Partial<AssetRow>, at: number): Promise<AssetRow | undefined> {
    return this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('asset_variants').where('asset_id', '=', assetId).execute();
      if (variants.length) await tx.insertInto('asset_variants').values(variants).execute();
      return tx.updateTable('assets').set({ ...asset, updated_at: at }).where('id', '=', assetId).returningAll().executeTakeFirst();
    });
  }

  /** Adds variants an asset does not have yet (by name); existing ones stay as they are. */
  async addVariants(variants: AssetVariantRow[]): Promise<void> {
    if (!variants.length) return;
    await this.db.insertInto('asset_variants').values(variants).onConflict((oc) => oc.columns(['asset_id', 'name']).doNothing()).execute();
  }

  /** Sets these variants (by name), replacing any of the same name, and touches the asset; null when it is gone. */
  async putVariants(assetId: string, variants: AssetVariantRow[], at: number): Promise<AssetRow | undefined> {
    return this.db.transaction().execute(async (tx) => {
      for (const v of variants) {
        await tx
          .insertInto('asset_variants')
          .values(v)
          .onConflict((oc) => oc.columns(['asset_id', 'name']).doUpdateSet({ sha256: v.sha256, bytes: v.bytes, mime: v.mime, meta: v.meta, created_at: v.created_at }))
          .execute();
      }
      return tx.updateTable('assets').set({ updated_at: at }).where('id', '=', assetId).returningAll().executeTakeFirst();
    });
  }

  /** Which of these hashes an asset or variant (in any project) still uses. */
  async blobsInUse(shas: string[]): Promise<Set<string>> {
    if (!shas.length) return new Set();
    const a = await this.db.selectFrom('assets').select('sha256').where('sha256', 'in', shas).execute();
    const v = await this.db.selectFrom('asset_variants').select('sha256').where('sha256', 'in', shas).execute();
    // The DJ's voiced intros live in the same store.
    const dj = await this.db.selectFrom('dj_intros').select('voice_sha256 as sha256').where('voice_sha256', 'in', shas).execute();
    const kits = await this.db.selectFrom('design_kit_items').select('sha256').where('sha256', 'in', shas).execute();
    return new Set([...a, ...v, ...dj, ...kits].map((r) => r.sha256 as string));
  }

}
