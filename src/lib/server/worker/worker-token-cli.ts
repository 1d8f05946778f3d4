import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { openDatabase } from '../db/database';
import { migrateToLatest } from '../db/migrate';
import { ProjectRepository } from '../project/project.repository';
import { ProjectService } from '../project/project.service';
import { UserRepository } from '../auth/user.repository';
import { WorkerTokenRepository } from './worker-token.repository';
import { WorkerTokenService } from './worker-token.service';

/** `npm run worker-token -- [--name NAME]`: an operator's worker token (serves every project), printed once. */
async function main() {
  const { values } = parseArgs({ options: { name: { type: 'string' } } });
  const config = loadConfig();
  const db = openDatabase(config.databaseUrl);
  await migrateToLatest(db.kysely);
  const projects = new ProjectService(new ProjectRepository(db.kysely), new UserRepository(db.kysely));
  const service = new WorkerTokenService(new WorkerTokenRepository(db.kysely), projects);
  const { token, info } = await service.create(null, values.name ?? `operator worker ${new Date().toISOString().slice(0, 10)}`);
  await db.close();
  console.log(token);
  console.error(`Worker token "${info.name}" created (id ${info.id}); it is shown only now. Run a worker with:\n  npm run worker -- --server http://THIS-HOST:${config.port} --token ${token}`);
}

main().catch((e) => {
  console.error(`Could not create a worker token: ${(e as Error).message}`);
  process.exit(1);
});
