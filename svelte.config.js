import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
export default {
  preprocess: vitePreprocess(),
  kit: {
    // SvelteKit's default origin check guards form actions against CSRF; the JSON API relies on SameSite=Lax cookies.
    adapter: adapter({ out: 'build' }),
    // Scripts only from us (SvelteKit adds nonces for its inline start-up); CodeMirror injects <style>, hence inline styles.
    // The exact preview compiles ffmpeg.wasm in a worker, which some browsers hold to this page's policy
    // (wasm-unsafe-eval allows WebAssembly only, not JS eval), and plays its result from a blob: URL.
    csp: {
      mode: 'auto',
      directives: {
        'default-src': ['self'],
        'script-src': ['self', 'wasm-unsafe-eval'],
        'media-src': ['self', 'blob:'],
        'style-src': ['self', 'unsafe-inline'],
        'img-src': ['self', 'data:', 'blob:'],
        'connect-src': ['self'],
        'object-src': ['none'],
        'base-uri': ['self'],
        'form-action': ['self'],
        'frame-ancestors': ['none']
      }
    }
  }
};
