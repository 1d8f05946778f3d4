import fs from 'node:fs';
import { sveltekit } from '@sveltejs/kit/vite';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import { previewFiles } from './scripts/preview-assets.mjs';
import { realtimeDevPlugin } from './src/lib/server/dev-plugin';

/** Test folders whose files neither stream in real time nor drive a browser nor encode much media. */
const PARALLEL_TESTS = ['tests/{unit,model,db,protocol,socket,api,dj}/**/*.test.ts'];
/** The live output's files: they stream in real time and measure what they hear. */
const LIVE_TESTS = ['tests/live/**/*.test.ts'];

/** Under `vite dev`, the exact preview's ffmpeg.wasm cores and font from where the build copies them from. */
function previewAssetsDevPlugin(): Plugin {
  const types: Record<string, string> = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.ttf': 'font/ttf' };
  return {
    name: 'airstudio-preview-assets',
    apply: 'serve',
    configureServer(server) {
      const files = previewFiles();
      server.middlewares.use((req, res, next) => {
        const file = files[(req.url ?? '').split('?')[0]!.slice(1)];
        if (!file) return next();
        res.setHeader('content-type', types[/\.[a-z]+$/.exec(file)?.[0] ?? ''] ?? 'text/plain; charset=utf-8');
        fs.createReadStream(file).pipe(res);
      });
    }
  };
}

export default defineConfig({
  plugins: [sveltekit(), realtimeDevPlugin(), previewAssetsDevPlugin()],
  // ffmpeg.wasm starts its worker with new URL('./worker.js', import.meta.url): pre-bundling would break that path.
  optimizeDeps: { exclude: ['@ffmpeg/ffmpeg'] },
  // The ffmpeg.wasm worker import()s the core at run time, which needs a module worker.
  worker: { format: 'es' },
  test: {
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Three groups, one after the other: files that only compute or use the database, three at a time (they mostly wait
    // on sockets and databases); browser and media files, two at a time; then the live output's files alone, since they
    // measure audio streamed in real time.
    projects: [
      { extends: true, test: { name: 'parallel', include: PARALLEL_TESTS, maxWorkers: 3, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'media', include: ['tests/**/*.test.ts'], exclude: [...PARALLEL_TESTS, ...LIVE_TESTS], maxWorkers: 2, sequence: { groupOrder: 1 } } },
      { extends: true, test: { name: 'live', include: LIVE_TESTS, fileParallelism: false, sequence: { groupOrder: 2 } } }
    ]
  }
});
