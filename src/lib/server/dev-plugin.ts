import type { Plugin } from 'vite';

/** Under `vite dev`, attaches the Yjs endpoint, socket.io and the streaming media routes to Vite's server, as `npm start` does. */
export function realtimeDevPlugin(): Plugin {
  return {
    name: 'airstudio-realtime',
    apply: 'serve',
    async configureServer(server) {
      if (!server.httpServer) return;
      const { getApp } = await server.ssrLoadModule('/src/lib/server/app.ts');
      const { attachRealtime, mediaRoutes } = await server.ssrLoadModule('/src/lib/server/studio-server.ts');
      const app = await getApp();
      attachRealtime(app, server.httpServer);
      const media = mediaRoutes(app);
      server.middlewares.use((req, res, next) => {
        if (!media(req, res)) next();
      });
    }
  };
}
