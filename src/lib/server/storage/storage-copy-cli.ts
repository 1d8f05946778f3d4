import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { LocalStorage } from './local-storage';
import { S3Storage } from './s3-storage';
import { copyBlobs } from './storage-copy';

const USAGE = `Usage: S3_BUCKET=… S3_REGION=… S3_ACCESS_KEY_ID=… S3_SECRET_ACCESS_KEY=… [S3_ENDPOINT=… S3_FORCE_PATH_STYLE=1 S3_PREFIX=…] \\
  npm run storage:to-s3 -- [--data-dir DIR]
Copies DATA_DIR/media (default ./data, or $DATA_DIR) into the bucket by content hash, verifying each file by reading it back.`;

/** `npm run storage:to-s3`: moves a single box's media files to S3-compatible storage. */
async function main() {
  const { values } = parseArgs({ options: { 'data-dir': { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) return console.log(USAGE);
  const config = loadConfig({ ...process.env, ...(values['data-dir'] ? { DATA_DIR: values['data-dir'] } : {}), STORAGE: 's3' });
  if (config.storage.kind !== 's3') throw new Error('unreachable: STORAGE is forced to s3');
  const local = new LocalStorage(config.dataDir);
  const bucket = new S3Storage(config.dataDir, config.storage);
  await local.init();
  await bucket.init();
  console.error(`Copying ${path.join(config.dataDir, 'media')} to s3://${config.storage.bucket}/${config.storage.prefix}…`);
  const report = await copyBlobs(local, bucket, (line) => console.error(line));
  console.log(`blobs: ${report.blobs}, copied: ${report.copied} (${report.bytes} bytes), already there: ${report.present}`);
  for (const m of report.mismatched) {
    console.log(`MISMATCH ${m.sha256}: the ${m.where === 'source' ? 'local file' : 'copy in the bucket'} hashes to ${m.actual}`);
  }
  if (!report.ok) {
    console.error('Some files do not match their content hash (see MISMATCH above): keep STORAGE=local until they are sorted out.');
    process.exit(1);
  }
  console.log(`Every file is in the bucket and reads back intact. Run every web process with STORAGE=s3 and the same S3_* variables; ${path.join(config.dataDir, 'media')} can go once the studio has run on the bucket for a while.`);
}

main().catch((e) => {
  console.error(`The storage copy failed: ${(e as Error).message}\n${USAGE}`);
  process.exit(2);
});
