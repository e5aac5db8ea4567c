import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Sockets whose latest request carried a valid token: an unauthenticated newcomer never takes their slot. The
 * mark is cleared as each request arrives and set again by authentication, so a client that presented a token
 * once and then sends nothing valid cannot keep its slots from others.
 */
const authenticated = new WeakSet<object>();

/** Records that `socket` carried a request with a valid token (called by authentication). */
export function markAuthenticated(socket: object): void {
  authenticated.add(socket);
}

/**
 * Above our own cap, Node's `maxConnections` is the hard ceiling on descriptors: a socket evicted now
 * leaves Node's count only at its 'close', a tick later, so a burst of arrivals needs some room.
 */
const CEILING_HEADROOM = 16;

/**
 * Keeps `server` to `cap` open connections without letting any one client hold them all. At the cap, a
 * newcomer takes the slot of the connection idle longest among those that are not serving a request and
 * never carried a valid token (a socket that sent nothing yet, or only bad requests); with none, the
 * newcomer is closed. So a local process holding every slot idle, and reopening them as they close,
 * only ever evicts its own sockets, and a client that sends its request at once is served: its socket
 * is the newest idle one, and it leaves the idle list as soon as its request's headers are read.
 * Connections whose latest request presented a valid token keep their slot until their own timeouts close them.
 * `onClosed` is told of each connection closed at the cap (evicted or refused).
 */
export function shareConnectionSlots(server: Server, cap: number, connectionEvent: 'connection' | 'secureConnection', onClosed: () => void): void {
  server.maxConnections = cap + CEILING_HEADROOM;
  const open = new Set<Socket>();
  // Not serving a request, in the order they became idle (a Set iterates in insertion order).
  const idle = new Set<Socket>();
  const busy = new Map<Socket, number>();

  const evictOne = (): boolean => {
    for (const socket of idle) {
      if (authenticated.has(socket)) continue;
      forget(socket);
      socket.destroy();
      return true;
    }
    return false;
  };
  const forget = (socket: Socket) => {
    open.delete(socket);
    idle.delete(socket);
    busy.delete(socket);
  };

  server.on(connectionEvent, (socket: Socket) => {
    if (open.size >= cap) {
      onClosed();
      if (!evictOne()) return void socket.destroy();
    }
    open.add(socket);
    idle.add(socket);
    socket.once('close', () => forget(socket));
  });
  // Before the app's own listener, which authenticates the request and marks its socket again.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    authenticated.delete(socket);
    if (!open.has(socket)) return;
    idle.delete(socket);
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    res.once('close', () => {
      if (!open.has(socket)) return;
      const left = (busy.get(socket) ?? 1) - 1;
      if (left > 0) return void busy.set(socket, left);
      busy.delete(socket);
      idle.add(socket);
    });
  });
}
