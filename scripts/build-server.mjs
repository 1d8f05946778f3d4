// Bundles the web process, the worker and the CLI next to SvelteKit's adapter-node output.
import { build } from 'esbuild';
import path from 'node:path';

const entries = {
  server: 'src/lib/server/main.ts',
  worker: 'workers/main.ts',
  'worker-token': 'src/lib/server/worker/worker-token-cli.ts',
  'db-to-postgres': 'src/lib/server/db/database-copy-cli.ts',
  'storage-to-s3': 'src/lib/server/storage/storage-copy-cli.ts'
};
await Promise.all(
  Object.entries(entries).map(([name, entry]) =>
    build({
      entryPoints: [entry],
      outfile: `build/${name}.js`,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      packages: 'external',
      sourcemap: true,
      alias: { $lib: path.resolve('src/lib') },
      external: ['./handler.js'],
      logLevel: 'warning'
    })
  )
);
console.log(`built ${Object.keys(entries).map((n) => `build/${n}.js`).join(', ')}`);
