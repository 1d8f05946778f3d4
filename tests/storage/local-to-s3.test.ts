import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStorage } from '$lib/server/storage/local-storage';
import { startS3rver, type RunningS3 } from '../helpers/s3rver';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(process.env.AIRSTUDIO_BUILD_DIR ?? path.join(ROOT, 'build'), 'storage-to-s3.js');
const run = promisify(execFile);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** `npm run storage:to-s3` as an operator runs it: the bucket in S3_* variables, the install's DATA_DIR as --data-dir. */
async function cli(s3: RunningS3, dataDir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const { STORAGE: _ignored, ...env } = s3.env;
  try {
    const r = await run(process.execPath, [CLI, '--data-dir', dataDir], { cwd: ROOT, env: { ...process.env, ...env, S3_PREFIX: 'moved/' } });
    return { code: 0, ...r };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('npm run storage:to-s3: a single box media folder moved to a bucket', () => {
  let s3: RunningS3;
  let dataDir: string;
  const blobs = [randomBytes(10), randomBytes(200_000), Buffer.from('a small text file\n')];

  beforeAll(async () => {
    s3 = await startS3rver();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'airstudio-move-'));
    const local = new LocalStorage(dataDir);
    await local.init();
    for (const b of blobs) await local.putStream(Readable.from([b]));
  });
  afterAll(async () => {
    await s3?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('copies every blob under its content key, verified by reading it back; a rerun copies nothing', async () => {
    const first = await cli(s3, dataDir);
    expect(first.stderr).not.toContain('failed');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`blobs: 3, copied: 3 (${blobs.reduce((n, b) => n + b.length, 0)} bytes), already there: 0`);
    const keys = blobs.map((b) => sha(b)).map((h) => `moved/media/${h.slice(0, 2)}/${h.slice(2, 4)}/${h}`);
    expect((await s3.keys('moved/')).sort()).toEqual([...keys].sort());
    const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    for (const [i, key] of keys.entries()) {
      const got = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(blobs[i])).toBe(true);
    }
    client.destroy();
    const again = await cli(s3, dataDir);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('blobs: 3, copied: 0 (0 bytes), already there: 3');
  });

  it('a local file whose bytes no longer match its name is reported, not uploaded, and the command fails', async () => {
    const local = new LocalStorage(dataDir);
    const damaged = await local.putStream(Readable.from([Buffer.from('soon damaged')]));
    fs.writeFileSync(local.pathOf(damaged.sha256), 'bit rot');
    const r = await cli(s3, dataDir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`MISMATCH ${damaged.sha256}: the local file hashes to ${sha(Buffer.from('bit rot'))}`);
    expect((await s3.keys('moved/')).some((k) => k.endsWith(damaged.sha256) || k.endsWith(sha(Buffer.from('bit rot'))))).toBe(false);
  });
});
