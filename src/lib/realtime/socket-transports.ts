import type { ManagerOptions } from 'socket.io-client';

/**
 * WebSocket first: it needs no sticky sessions, so any web process behind a load balancer can take the connection.
 * Long-polling stays as the fallback (tryAllTransports) for networks that block WebSocket, which works with one process.
 */
export const SOCKET_TRANSPORTS: Pick<ManagerOptions, 'path' | 'transports' | 'tryAllTransports'> = {
  path: '/socket.io',
  transports: ['websocket', 'polling'],
  tryAllTransports: true
};
