// Bundles the web process entry (src/lib/server/main.ts) next to SvelteKit's adapter-node output.
import { build } from 'esbuild';
import path from 'node:path';

await build({
  entryPoints: ['src/lib/server/main.ts'],
  outfile: 'build/server.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: true,
  alias: { $lib: path.resolve('src/lib') },
  external: ['./handler.js'],
  logLevel: 'warning'
});
console.log('built build/server.js');
