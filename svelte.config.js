import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
export default {
  preprocess: vitePreprocess(),
  kit: {
    // Cross-site form posts are refused in hooks.server.ts instead (csrfRefusal): SvelteKit's own check would also
    // refuse a script's multipart upload carrying a bearer token, which no browser sends on its own. The JSON API
    // relies on SameSite=Lax cookies.
    csrf: { trustedOrigins: ['*'] },
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
