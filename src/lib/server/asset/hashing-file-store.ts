import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { FileStore } from '@tus/file-store';

interface HashState {
  hash: Hash;
  offset: number;
  /** Copies of the hash at earlier offsets: a resume after bytes were lost in flight rewinds to one. */
  checkpoints: { offset: number; hash: Hash }[];
  touched: number;
}

const CHECKPOINT_BYTES = 8 * 1024 * 1024;
const KEEP_CHECKPOINTS = 4;

/**
 * tus's FileStore that hashes (SHA-256) each byte as it streams in, so a finished upload needs no second pass.
 * When a resume starts below what was hashed (bytes hashed but not yet on disk when the connection broke), the
 * hash rewinds to the nearest checkpoint (≤ 8 MiB back) and re-reads only that stretch from disk; after a restart
 * of the process, the part already on disk is read once.
 */
export class HashingFileStore extends FileStore {
  private readonly states = new Map<string, HashState>();

  filePath(id: string): string {
    return path.join(this.directory, id);
  }

  override async write(readable: Readable, id: string, offset: number): Promise<number> {
    const state = await this.stateAt(id, offset);
    const tee = new Transform({
      transform(chunk: Buffer, _enc, done) {
        state.hash.update(chunk);
        const before = state.offset;
        state.offset += chunk.length;
        if (Math.floor(before / CHECKPOINT_BYTES) !== Math.floor(state.offset / CHECKPOINT_BYTES)) {
          state.checkpoints.push({ offset: state.offset, hash: state.hash.copy() });
          if (state.checkpoints.length > KEEP_CHECKPOINTS) state.checkpoints.shift();
        }
        done(null, chunk);
      }
    });
    readable.on('error', (e) => tee.destroy(e));
    return super.write(readable.pipe(tee), id, offset);
  }

  /** The hash state for bytes [0, offset) of the upload. */
  private async stateAt(id: string, offset: number): Promise<HashState> {
    let state = this.states.get(id);
    if (!state || state.offset !== offset) {
      const from = state?.checkpoints.filter((c) => c.offset <= offset).pop();
      const hash = from ? from.hash.copy() : createHash('sha256');
      const start = from?.offset ?? 0;
      if (offset > start) {
        for await (const chunk of createReadStream(this.filePath(id), { start, end: offset - 1 })) hash.update(chunk as Buffer);
      }
      state = { hash, offset, checkpoints: (state?.checkpoints ?? []).filter((c) => c.offset <= offset), touched: Date.now() };
      this.states.set(id, state);
    }
    state.touched = Date.now();
    return state;
  }

  /** SHA-256 of a finished upload of `size` bytes; forgets the upload's state. */
  async digest(id: string, size: number): Promise<string> {
    const state = await this.stateAt(id, size);
    this.states.delete(id);
    return state.hash.digest('hex');
  }

  forget(id: string): void {
    this.states.delete(id);
  }

  /** Drops hash states of uploads nobody touched for a day (abandoned; their files expire with the store's). */
  sweep(maxIdleMs = 24 * 3600_000): void {
    const cutoff = Date.now() - maxIdleMs;
    for (const [id, s] of this.states) if (s.touched < cutoff) this.states.delete(id);
  }
}
