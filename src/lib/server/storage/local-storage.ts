import fs from 'node:fs/promises';
import path from 'node:path';

/** Media files on local disk under DATA_DIR/media (content-addressed files arrive with the media library). */
export class LocalStorage {
  readonly root: string;

  constructor(dataDir: string) {
    this.root = path.join(dataDir, 'media');
  }

  async init(): Promise<void> {
    await fs.mkdir(this.root, { recursive: true });
  }

  /** Writable and with free space: the state /health reports. */
  async check(): Promise<{ ok: boolean; kind: 'local'; freeBytes?: number; error?: string }> {
    try {
      const probe = path.join(this.root, `.health-${process.pid}`);
      await fs.writeFile(probe, 'ok');
      await fs.rm(probe);
      const st = await fs.statfs(this.root);
      return { ok: true, kind: 'local', freeBytes: st.bavail * st.bsize };
    } catch (e) {
      return { ok: false, kind: 'local', error: (e as Error).message };
    }
  }
}
