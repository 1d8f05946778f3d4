import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CopyRefused, copySqliteToPostgres, formatReport } from './database-copy';

const USAGE = `Usage: npm run db:to-postgres -- --from sqlite:/path/to/DATA_DIR/airstudio.db --to postgres://user@host:5432/airstudio [--data-dir DIR]
  --data-dir  the install's DATA_DIR, for the advice printed at the end (default: the database file's folder)
Stop the studio first; the target must be an empty database (it is migrated to the latest schema).`;

/** `npm run db:to-postgres`: copies a single-box SQLite install into PostgreSQL and verifies the copy. */
async function main() {
  const { values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' }, 'data-dir': { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) return console.log(USAGE);
  if (!values.from || !values.to) {
    console.error(`Both --from and --to are needed.\n${USAGE}`);
    process.exit(2);
  }
  const report = await copySqliteToPostgres({ from: values.from, to: values.to, log: (line) => console.error(line) });
  console.log(formatReport(report));
  if (!report.ok) {
    console.error('\nThe copy does NOT match the source (see MISMATCH above). Keep running on SQLite; was the studio still running during the copy? Drop the target database, stop the studio and copy again.');
    process.exit(1);
  }
  console.log(`\nThe copy matches the source. Next:\n${nextSteps(values.from, values.to, values['data-dir'])}`);
}

function nextSteps(from: string, to: string, dataDirOption: string | undefined): string {
  const dataDir = path.resolve(dataDirOption ?? path.dirname(path.resolve(from.replace(/^sqlite:/, ''))));
  const target = new URL(to);
  target.password = target.password ? '…' : '';
  const steps = [`  1. Run every web process with DATABASE_URL=${target} (and keep DATA_DIR=${dataDir} on this box).`];
  if (fs.existsSync(path.join(dataDir, 'signing-key'))) {
    steps.push(
      `  2. Keep ${path.join(dataDir, 'signing-key')}: stored AI provider keys are encrypted with it and signed file URLs use it. ` +
        `Copy it into every web process's DATA_DIR and leave SIGNING_SECRET unset (a new SIGNING_SECRET makes the stored keys unreadable: re-enter them under Providers).`
    );
  }
  steps.push(
    `  ${steps.length + 1}. Media files stay in ${path.join(dataDir, 'media')}: fine for one web process. For several, move them to S3-compatible storage ` +
      `(npm run storage:to-s3 -- --data-dir ${dataDir} with the S3_* variables set, then STORAGE=s3 everywhere).`
  );
  steps.push(`  ${steps.length + 1}. Keep ${path.resolve(from.replace(/^sqlite:/, ''))} until the new setup has run for a while; it is not changed by this copy.`);
  return steps.join('\n');
}

main().catch((e) => {
  console.error(e instanceof CopyRefused ? e.message : `The copy failed: ${(e as Error).message}`);
  process.exit(2);
});
