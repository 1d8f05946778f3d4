import { sql, type Kysely } from 'kysely';

/** A project's AI providers: its language model (OpenAI-compatible) and its voice. API keys are stored encrypted. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('project_providers')
    .addColumn('project_id', 'text', (c) => c.primaryKey().references('projects.id').onDelete('cascade'))
    // Null: the instance's LLM_* environment applies.
    .addColumn('llm_base_url', 'text')
    .addColumn('llm_model', 'text')
    // AES-256-GCM, "v1.<iv>.<tag>.<ciphertext>" in base64url; never sent to browsers.
    .addColumn('llm_api_key', 'text')
    .addColumn('tts_engine', 'text', (c) => c.notNull().check(sql`tts_engine in ('festival', 'flite', 'espeak-ng', 'openai')`))
    .addColumn('tts_voice', 'text', (c) => c.notNull())
    .addColumn('tts_rate', 'double precision', (c) => c.notNull())
    .addColumn('tts_pitch', 'double precision', (c) => c.notNull())
    .addColumn('tts_base_url', 'text')
    .addColumn('tts_model', 'text')
    .addColumn('tts_api_key', 'text')
    .addColumn('updated_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('project_providers').execute();
}
