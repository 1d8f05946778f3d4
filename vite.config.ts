import fs from 'node:fs';
import { sveltekit } from '@sveltejs/kit/vite';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import { previewFiles } from './scripts/preview-assets.mjs';
import { realtimeDevPlugin } from './src/lib/server/dev-plugin';

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
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    pool: 'forks'
  }
});
