import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
export default {
  preprocess: vitePreprocess(),
  kit: {
    // SvelteKit's default origin check guards form actions against CSRF; the JSON API relies on SameSite=Lax cookies.
    adapter: adapter({ out: 'build' })
  }
};
