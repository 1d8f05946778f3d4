import { sql, type Kysely } from 'kysely';

/**
 * A project's video generation server (OpenAI-style videos API) and its speech recognition for captions: built-in
 * pocketsphinx, or an OpenAI-compatible /v1/audio/transcriptions. API keys are stored encrypted, like the others.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('project_providers').addColumn('video_base_url', 'text').execute();
  await db.schema.alterTable('project_providers').addColumn('video_model', 'text').execute();
  await db.schema.alterTable('project_providers').addColumn('video_api_key', 'text').execute();
  // Which protocol the server speaks; one for now, named so another can join without a migration of its meaning.
  await db.schema
    .alterTable('project_providers')
    .addColumn('video_kind', 'text', (c) => c.notNull().defaultTo('openai-videos').check(sql`video_kind in ('openai-videos')`))
    .execute();
  await db.schema
    .alterTable('project_providers')
    .addColumn('asr_engine', 'text', (c) => c.notNull().defaultTo('builtin').check(sql`asr_engine in ('builtin', 'openai')`))
    .execute();
  await db.schema.alterTable('project_providers').addColumn('asr_base_url', 'text').execute();
  await db.schema.alterTable('project_providers').addColumn('asr_model', 'text').execute();
  await db.schema.alterTable('project_providers').addColumn('asr_api_key', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const c of ['asr_api_key', 'asr_model', 'asr_base_url', 'asr_engine', 'video_kind', 'video_api_key', 'video_model', 'video_base_url']) {
    await db.schema.alterTable('project_providers').dropColumn(c).execute();
  }
}
