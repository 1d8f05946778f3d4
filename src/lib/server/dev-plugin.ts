import type { Plugin } from 'vite';

/** Under `vite dev`, attaches the Yjs endpoint and socket.io to Vite's own server, as `npm start` does. */
export function realtimeDevPlugin(): Plugin {
  return {
    name: 'airstudio-realtime',
    apply: 'serve',
    async configureServer(server) {
      if (!server.httpServer) return;
      const { getApp } = await server.ssrLoadModule('/src/lib/server/app.ts');
      const { attachRealtime } = await server.ssrLoadModule('/src/lib/server/studio-server.ts');
      attachRealtime(await getApp(), server.httpServer);
    }
  };
}
