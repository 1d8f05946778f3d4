import type { App } from '../app';
import { ApiError } from '../http/api-error';
import type { StudioIo } from '../realtime/socket-server';
import { WebDjBridge } from './web-dj-bridge';

/** A MediaRecorder chunk of 250 ms of Opus is a few kB; anything this big is not one. */
const MAX_CHUNK_BYTES = 256 << 10;

/**
 * The Web DJ on the studio's socket (session-authenticated like every studio socket): `webdj:start` checks the role
 * and the air and opens a bridge into the RTMP ingest, `webdj:chunk` feeds it, `webdj:stop` or a disconnect ends it.
 */
export function attachTakeover(io: StudioIo, app: App): () => Promise<void> {
  const bridges = new Set<WebDjBridge>();
  io.on('connection', (socket) => {
    let bridge: WebDjBridge | null = null;
    /** When this socket's last session ended: slices the recorder had in flight then are dropped quietly. */
    let endedAt = 0;
    const end = (error: boolean, code: string, message: string) => socket.emit('webdj:ended', { error, code, message });

    socket.on('webdj:start', async (e, ack) => {
      if (typeof ack !== 'function') return;
      if (typeof e !== 'object' || e === null || typeof e.channelId !== 'string') return ack({ ok: false, error: { code: 'bad_request', message: 'webdj:start takes {channelId}.' } });
      if (bridge) return ack({ ok: false, error: { code: 'already_live', message: 'This page is already live: end it first.' } });
      try {
        const user = await app.users.findById(socket.data.userId);
        if (!user) return ack({ ok: false, error: { code: 'unauthorized', message: 'Sign in again.' } });
        const { streamName } = await app.takeover.webDjKey(user, e.channelId);
        const b = new WebDjBridge(app.takeover.ingest.port, streamName);
        bridge = b;
        bridges.add(b);
        void b.ended.then(({ error }) => {
          bridges.delete(b);
          endedAt = Date.now();
          if (bridge !== b) return;
          bridge = null;
          if (error) {
            app.logger.warn({ userId: socket.data.userId, error }, 'Web DJ bridge failed');
            const refused = /403|Server error|Connection refused|Input\/output error/i.test(error);
            end(
              true,
              refused ? 'refused' : 'bad_audio',
              refused
                ? 'The ingest refused the Web DJ: another live source has the air, or the channel went off air.'
                : `The browser's audio could not be read (send WebM/Opus from MediaRecorder): ${error.split('\n').at(-1)}`
            );
          } else end(false, 'ended', 'Live ended.');
        });
        ack({ ok: true });
      } catch (err) {
        if (!(err instanceof ApiError)) app.logger.error({ err }, 'webdj:start failed');
        ack({ ok: false, error: err instanceof ApiError ? { code: err.code, message: err.message } : { code: 'internal', message: 'Something went wrong on the server; it has been logged.' } });
      }
    });

    socket.on('webdj:chunk', (chunk: unknown) => {
      if (!bridge) return Date.now() - endedAt < 3000 ? undefined : end(true, 'not_live', 'Audio arrived but this page is not live: press Go live first.');
      const buf = Buffer.isBuffer(chunk) ? chunk : chunk instanceof ArrayBuffer ? Buffer.from(chunk) : null;
      if (!buf || buf.length === 0 || buf.length > MAX_CHUNK_BYTES) {
        const b = bridge;
        bridge = null;
        void b.stop();
        return end(true, 'bad_chunk', `webdj:chunk takes binary WebM audio chunks of 1 byte to ${MAX_CHUNK_BYTES} bytes; live ended.`);
      }
      bridge.write(buf);
    });

    const stop = () => {
      const b = bridge;
      bridge = null;
      endedAt = Date.now();
      if (b) void b.stop().then(() => end(false, 'ended', 'Live ended.'));
    };
    socket.on('webdj:stop', stop);
    socket.on('disconnect', stop);
  });
  return async () => {
    await Promise.all([...bridges].map((b) => b.stop()));
  };
}
