import { io, type Socket } from 'socket.io-client';
import type { ChatJoinResult } from '../../src/lib/events';

/** A real socket.io-client connection to `/chat`, joined to the channel's chat as a guest. */
export async function joinedChatGuest(url: string, slug: string): Promise<Socket> {
  const s = io(`${url}/chat`, { path: '/socket.io', transports: ['websocket'], forceNew: true, reconnection: false });
  await new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('connect_error', reject);
  });
  const joined = (await s.timeout(60_000).emitWithAck('chat:join', { slug })) as ChatJoinResult;
  if (!joined.ok) throw new Error(`chat:join refused: ${JSON.stringify(joined)}`);
  return s;
}
