import type { IncomingMessage } from 'node:http';
import type { Namespace, Socket } from 'socket.io';
import { chatRoom, type AckResult, type ChatClientToServerEvents, type ChatServerToClientEvents } from '$lib/events';
import type { App } from '../app';
import { disconnectEndedSessions, joinSessionRooms } from '../realtime/session-sockets';
import type { StudioIo } from '../realtime/socket-server';
import { ChatFanout } from './chat-fanout';
import { ChatError, type Participant } from './chat.service';

interface ChatSocketData {
  userId: string | null;
  sessionId: string | null;
  ipHash: string;
  participant: Participant | null;
}

type ChatNamespace = Namespace<ChatClientToServerEvents, ChatServerToClientEvents, Record<string, never>, ChatSocketData>;
type ChatSocket = Socket<ChatClientToServerEvents, ChatServerToClientEvents, Record<string, never>, ChatSocketData>;
type Ack = (r: AckResult<object>) => void;

const EVENTS = new Set(['chat:join', 'chat:send', 'chat:delete', 'chat:mute', 'chat:ban', 'chat:slowmode']);

/**
 * The `/chat` namespace: anyone may connect (guests get an id to keep), signed-in users connect with their session
 * or token as on `/`. Its own namespace keeps guests away from the studio's project rooms.
 */
export function attachChat(io: StudioIo, app: App): ChatNamespace {
  const { auth, chat, channels, logger, metrics } = app;
  const nsp = io.of('/chat') as unknown as ChatNamespace;
  const fanout = new ChatFanout((room, messages) => nsp.to(room).emit('chat:messages', messages));
  /** Another event to a chat room: after the messages that wait for it. */
  const toRoom = (channelId: string) => {
    fanout.flush(chatRoom(channelId));
    return nsp.to(chatRoom(channelId));
  };

  nsp.use(async (socket, next) => {
    try {
      const token = typeof socket.handshake.auth?.token === 'string' ? socket.handshake.auth.token : null;
      // A stale cookie or token on a public page makes a guest, not a refusal.
      const a = await auth.authenticateRequest(socket.request, token).catch(() => null);
      socket.data.userId = a?.user.id ?? null;
      socket.data.sessionId = a?.via === 'session' ? a.session.id : null;
      socket.data.ipHash = chat.hashIp(clientAddress(socket.request));
      // A connection recovered after a blip (Redis mode) stays joined as the same participant, if still the same person.
      if (!socket.recovered || socket.data.participant?.userId !== socket.data.userId) socket.data.participant = null;
      next();
    } catch (e) {
      logger.error({ err: e }, 'chat connection setup failed');
      next(new Error('internal'));
    }
  });

  nsp.on('connection', (socket: ChatSocket) => {
    metrics.chatConnections.inc();
    joinSessionRooms(socket as unknown as Socket, socket.data);

    /** Every handler answers through its ack, whatever the client sent; nothing a client sends throws past here. */
    const handle = (event: string, fn: (payload: Record<string, unknown>, p: Participant | null) => Promise<AckResult<object>>) => {
      (socket as unknown as Socket).on(event, async (...args: unknown[]) => {
        const ack = args.at(-1);
        if (typeof ack !== 'function') return;
        const payload = args.length > 1 ? args[0] : undefined;
        if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
          return (ack as Ack)(refusal('bad_request', `${event} takes an object, e.g. ${event === 'chat:send' ? '{"body": "hello"}' : '{"slug": "my-station"}'}.`));
        }
        try {
          (ack as Ack)(await fn(payload as Record<string, unknown>, socket.data.participant));
        } catch (e) {
          if (e instanceof ChatError) return (ack as Ack)(refusal(e.code, e.message));
          logger.error({ err: e, event }, 'chat handler failed');
          (ack as Ack)(refusal('internal', 'Something went wrong on the server; it has been logged.'));
        }
      });
    };
    const joined = (p: Participant | null): Participant => {
      if (!p) throw new ChatError('not_joined', 'Join a channel first (chat:join).');
      return p;
    };

    socket.onAny((event: string, ...args: unknown[]) => {
      const ack = args.at(-1);
      if (!EVENTS.has(event) && typeof ack === 'function') (ack as Ack)(refusal('unknown_event', `There is no chat event "${String(event).slice(0, 40)}".`));
    });

    handle('chat:join', async (payload) => {
      if (typeof payload.slug !== 'string') throw new ChatError('bad_request', 'chat:join takes {slug, guestId?, nickname?}.');
      const r = await chat.join(socket.id, socket.data.userId, socket.data.ipHash, {
        slug: payload.slug,
        guestId: typeof payload.guestId === 'string' ? payload.guestId : undefined,
        nickname: payload.nickname === undefined || payload.nickname === null ? undefined : (payload.nickname as string)
      });
      if (socket.data.participant) await socket.leave(chatRoom(socket.data.participant.channelId));
      socket.data.participant = r.participant;
      await socket.join(chatRoom(r.participant.channelId));
      return { ok: true, you: r.you, history: r.history, channel: { name: r.channelName, slowModeSeconds: r.slowModeSeconds } };
    });

    handle('chat:send', async (payload, p) => {
      try {
        const message = await chat.send(joined(p), payload.body);
        metrics.chatMessages.inc({ result: 'posted' });
        fanout.message(chatRoom(p!.channelId), message);
        return { ok: true, message };
      } catch (e) {
        if (e instanceof ChatError) metrics.chatMessages.inc({ result: e.code });
        throw e;
      }
    });

    handle('chat:delete', async (payload, p) => {
      const messageId = await chat.deleteMessage(joined(p), payload.messageId);
      toRoom(p!.channelId).emit('chat:deleted', { messageId });
      return { ok: true };
    });

    for (const kind of ['mute', 'ban'] as const) {
      handle(`chat:${kind}`, async (payload, p) => {
        const { until, target } = await chat.restrict(joined(p), kind, payload.messageId, payload.seconds);
        const at = until === null ? null : new Date(until).toISOString();
        for (const s of await nsp.in(chatRoom(p!.channelId)).fetchSockets()) {
          const q = s.data.participant;
          const hit = q && (target.userId ? q.userId === target.userId : q.guestId === target.guestId || (!q.userId && q.ipHash === target.ipHash));
          if (hit) s.emit('chat:restricted', { kind, until: at });
        }
        return { ok: true, until: at };
      });
    }

    handle('chat:slowmode', async (payload, p) => ({ ok: true, seconds: await chat.setSlowMode(joined(p), payload.seconds) }));
  });

  channels.onEvent((e) => {
    if (e.type === 'deleted') {
      toRoom(e.channelId).emit('chat:closed', { reason: 'The channel was deleted.' });
      nsp.in(chatRoom(e.channelId)).socketsLeave(chatRoom(e.channelId));
    } else if (e.channel.chat_enabled !== 1) {
      toRoom(e.channel.id).emit('chat:closed', { reason: 'The chat was turned off.' });
      nsp.in(chatRoom(e.channel.id)).socketsLeave(chatRoom(e.channel.id));
    } else {
      toRoom(e.channel.id).emit('chat:slowmode', { seconds: e.channel.slow_mode_seconds });
    }
  });

  auth.onSessionsEnded((e) => void disconnectEndedSessions(nsp as unknown as Namespace, e).catch((err) => logger.error({ err }, 'ending chat sockets of ended sessions failed')));

  return nsp;
}

const refusal = (code: string, message: string): AckResult => ({ ok: false, error: { code, message } });

/** The client's address; behind a proxy, ADDRESS_HEADER names the header that carries it (as for adapter-node). */
export function clientAddress(req: IncomingMessage): string {
  const header = process.env.ADDRESS_HEADER?.toLowerCase();
  const value = header ? req.headers[header] : undefined;
  if (typeof value === 'string' && value) {
    if (header !== 'x-forwarded-for') return value.trim();
    const hops = value.split(',').map((s) => s.trim()).filter(Boolean);
    const depth = Number(process.env.XFF_DEPTH ?? '1') || 1;
    return hops[Math.max(0, hops.length - depth)] ?? 'unknown';
  }
  return req.socket.remoteAddress ?? 'unknown';
}
