import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp, type App } from '$lib/server/app';
import { loadConfig } from '$lib/server/config';
import type { UserRow } from '$lib/server/db/schema';
import { createTestDatabase, type DialectKind, type TestDatabase } from './db';
import { TEST_PASSWORD, uniqueName } from './api';

export interface TestApp {
  app: App;
  database: TestDatabase;
  dataDir: string;
  /** Closes the App's database, drops the test database and removes the data folder. */
  close(): Promise<void>;
}

/**
 * The real composition root (createApp) on a fresh SQLite or PostgreSQL database, configured by environment.
 * With `shared`, the app uses that database (several web processes on one database) and leaves dropping it to the caller.
 */
export async function createTestApp(kind: DialectKind, env: Record<string, string> = {}, shared?: TestDatabase): Promise<TestApp> {
  const database = shared ?? (await createTestDatabase(kind));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'airstudio-app-'));
  const app = await createApp(loadConfig({ DATA_DIR: dataDir, DATABASE_URL: database.url, LOG_LEVEL: 'silent', ...env }));
  return {
    app,
    database,
    dataDir,
    async close() {
      await app.db.close();
      await app.redis?.close();
      if (!shared) await database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  };
}

/** Signs a user up through the AccountService, as the signup route does. */
export async function makeUser(app: App, prefix = 'user'): Promise<UserRow> {
  const username = uniqueName(prefix);
  const { user } = await app.accounts.signup({ username, email: `${username}@example.test`, password: TEST_PASSWORD }, null);
  return user;
}
