import type { IncomingMessage, RequestListener, Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { shareConnectionSlots } from './connection-slots.js';
import type { ResolvedServerSecurity } from './server-options.js';
import { contained } from '../contained.js';

export { opsUrl } from './ops-url.js';

// Not `import ... from 'node:http'`: the ESM view of node:http reads every export, and its WebSocket,
// CloseEvent and MessageEvent getters then load the whole fetch/WebSocket client (undici), about 1.7 MB
// of heap in every thread that imports this module, for classes the endpoint never uses.
const { createServer: createHttpServer } = process.getBuiltinModule('node:http');

/** What a server reports about connections it refused or that failed, so the owner can log them. */
export interface OpsServerEvents {
  /** Connections closed because `maxConnections` were open (an idle one evicted, or the newcomer); called at most once a second with a count. */
  onRefused?(count: number): void;
  /** An error of the listening server after start-up (EMFILE on accept...): logged, never thrown. */
  onError?(error: NodeJS.ErrnoException): void;
  /** A TLS handshake that failed (no or a bad client certificate); called at most once a second with a count. */
  onTlsFailure?(count: number, lastReason: string): void;
}

/** How often idle connections are checked against the headers and request timeouts. */
const CONNECTIONS_CHECK_MS = 1_000;

/**
 * An HTTP or HTTPS server for the endpoint with connection discipline: a cap on open connections, and
 * timeouts for headers, requests, keep-alive and idle sockets, so that a flood of idle connections can
 * make the endpoint refuse connections but can never exhaust the process's descriptors. Errors after
 * start-up are reported, never thrown: an unhandled 'error' on a server would end the process.
 */
export function createOpsServer(app: RequestListener, security: ResolvedServerSecurity, events: OpsServerEvents = {}): Server {
  const limits = security.connections;
  const common = {
    headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: CONNECTIONS_CHECK_MS,
  };
  const server: Server =
    security.tls === undefined
      ? createHttpServer(common, app)
      : // node:https brings node:tls: loaded only by a server that serves TLS.
        process.getBuiltinModule('node:https').createServer(
          {
            ...common,
            key: toPem(security.tls.key),
            cert: toPem(security.tls.cert),
            ...(security.tls.ca ? { ca: security.tls.ca.map(toPem) } : {}),
            requestCert: security.tls.requestClientCert,
            rejectUnauthorized: security.tls.requestClientCert,
            minVersion: 'TLSv1.2',
            // A handshake must not hold a slot for long either.
            handshakeTimeout: limits.headersTimeoutMs,
          },
          app,
        );
  server.maxRequestsPerSocket = limits.maxRequestsPerSocket;
  server.setTimeout(limits.idleTimeoutMs, (socket: Socket) => socket.destroy());
  // Node's headersTimeout only starts with a request's first byte: a socket that never sends one
  // would hold its slot until the idle timeout. Until its first request it gets the headers timeout.
  server.on(security.tls === undefined ? 'connection' : 'secureConnection', (socket: Socket) => socket.setTimeout(limits.headersTimeoutMs));
  server.on('request', (req: IncomingMessage) => req.socket.setTimeout(limits.idleTimeoutMs));

  const refused = batched((count) => events.onRefused?.(count));
  shareConnectionSlots(server, limits.maxConnections, security.tls === undefined ? 'connection' : 'secureConnection', () => refused.add(''));
  server.on('drop', () => refused.add(''));
  const tlsFailures = batched((count, reason) => events.onTlsFailure?.(count, reason));
  server.on('tlsClientError', (error: Error & { code?: string }, socket: Socket) => {
    tlsFailures.add(error.code ?? error.message);
    socket.destroy();
  });
  server.on('clientError', contained('the answer to a bad request', (error: NodeJS.ErrnoException, socket: Socket) => {
    // Node's default answer (400, 408 or 431, then close), without letting a write error escape.
    if (socket.writable && error.code !== 'ECONNRESET') {
      const status = clientErrorStatus(error.code);
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    }
    socket.destroy();
  }));
  server.on('close', () => {
    refused.flush();
    tlsFailures.flush();
  });
  return server;
}

/** Listens, resolving with the address; rejects with the listen error, and reports later errors instead of throwing. */
export function listenOpsServer(server: Server, port: number, host: string, events: OpsServerEvents = {}): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      server.on('error', contained('a server error report', (error: NodeJS.ErrnoException) => events.onError?.(error)));
      resolve(server.address() as AddressInfo);
    });
  });
}

/** The status line for a request the parser refused, as Node's default handler would choose it. */
function clientErrorStatus(code: string | undefined): string {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'ERR_HTTP_HEADERS_TIMEOUT') return '408 Request Timeout';
  // Headers past maxHeaderSize (16 KiB by default): the client can fix that, and 431 says how.
  if (code === 'HPE_HEADER_OVERFLOW') return '431 Request Header Fields Too Large';
  return '400 Bad Request';
}

function toPem(value: string | Uint8Array): string | Buffer {
  return typeof value === 'string' ? value : Buffer.from(value);
}

/** Counts events and reports them at most once a second: a flood produces a few reports, not one per event. */
function batched(report: (count: number, last: string) => void) {
  let count = 0;
  let last = '';
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (count > 0) report(count, last);
    count = 0;
  };
  return {
    add(detail: string) {
      count++;
      last = detail;
      timer ??= setTimeout(contained('a server report', flush), 1_000).unref();
    },
    flush,
  };
}
