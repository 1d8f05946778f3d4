import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { BlobStorage } from './storage';

export interface BlobCopyReport {
  /** Blobs in the source store. */
  blobs: number;
  copied: number;
  /** Already in the target (a rerun, or equal content uploaded since). */
  present: number;
  bytes: number;
  /** Blobs whose bytes do not hash to their name (in the source, or as read back from the target). */
  mismatched: { sha256: string; where: 'source' | 'target'; actual: string }[];
  ok: boolean;
}

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Copies every blob of one store into another by its content key (the same keys, so the database needs no change),
 * skipping those already there, and verifies each by reading it back from the target and hashing it.
 */
export async function copyBlobs(from: BlobStorage, to: BlobStorage, log: (line: string) => void = () => {}): Promise<BlobCopyReport> {
  const report: BlobCopyReport = { blobs: 0, copied: 0, present: 0, bytes: 0, mismatched: [], ok: true };
  for await (const blob of from.list()) {
    report.blobs++;
    if (await to.has(blob.sha256)) report.present++;
    else {
      const spooled = await to.spool(from.read(blob.sha256));
      if (spooled.sha256 !== blob.sha256) {
        await fs.rm(spooled.file, { force: true });
        report.mismatched.push({ sha256: blob.sha256, where: 'source', actual: spooled.sha256 });
        continue;
      }
      await to.adoptFile(spooled.file, blob.sha256);
      report.copied++;
      report.bytes += spooled.bytes;
    }
    const actual = await sha256Of(to.read(blob.sha256));
    if (actual !== blob.sha256) report.mismatched.push({ sha256: blob.sha256, where: 'target', actual });
    if (report.blobs % 100 === 0) log(`  ${report.blobs} blobs…`);
  }
  report.ok = report.mismatched.length === 0;
  return report;
}
